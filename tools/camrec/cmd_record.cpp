// camrec record: camera (or test pattern, or file) -> H.264/H.265 encoder -> MP4, with
// optional G.711/Opus audio. Defaults are the K230 tutorial's: test pattern, 1280x720, H.264
// Main, 200 frames, test.mp4. SIGINT/SIGTERM stop cleanly and close the file.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>

#include "cli_common.h"
#include "mux_options.h"
#include "recorder/recorder.h"

namespace camrec::cli {

namespace {

std::atomic<bool> g_stop{false};

void on_signal(int) { g_stop = true; }

struct RecordOptions {
  std::string output = "test.mp4";
  uint64_t frames = 200;
  double duration = 0;
  std::string size = "1280x720";
  std::string fps = "30";
  std::string codec = "h264";
  std::string profile;  // default per codec
  uint32_t bitrate = 4000;
  std::string rc = "cbr";
  uint32_t gop = 30;
  std::string preset = "veryfast";
  std::string source = "testpattern";
  std::string audio = "none";
  std::string audio_source = "tone";
  uint32_t audio_rate = 0;
  bool fast = false;
  bool quiet = false;
  OutputOptions out;
  SegmentCliOptions segments;
};

Result<recorder::RecorderConfig> make_config(const RecordOptions& o) {
  recorder::RecorderConfig c;
  unsigned w = 0, h = 0;
  char x = 0;
  if (std::sscanf(o.size.c_str(), "%u%c%u", &w, &x, &h) != 3 || (x != 'x' && x != 'X'))
    return make_error(Errc::invalid_argument, "--size must look like 1280x720");
  c.width = w;
  c.height = h;
  CAMREC_RETURN_IF_ERROR(parse_rate(o.fps, c.fps_num, c.fps_den));
  if (o.codec == "h264") {
    c.video_codec = Codec::h264;
    std::string p = o.profile.empty() ? "main" : o.profile;
    if (p == "baseline") c.profile = media::H264_PROFILE_BASELINE;
    else if (p == "main") c.profile = media::H264_PROFILE_MAIN;
    else if (p == "high") c.profile = media::H264_PROFILE_HIGH;
    else return make_error(Errc::invalid_argument, "--profile for h264: baseline, main or high");
  } else if (o.codec == "h265") {
    c.video_codec = Codec::h265;
    if (!o.profile.empty() && o.profile != "main")
      return make_error(Errc::invalid_argument, "--profile for h265: main");
    c.profile = media::H265_PROFILE_MAIN;
  } else {
    return make_error(Errc::invalid_argument, "--codec must be h264 or h265");
  }
  c.bitrate_kbps = o.bitrate;
  if (o.rc == "cbr") c.rate_control = media::RateControl::cbr;
  else if (o.rc == "vbr") c.rate_control = media::RateControl::vbr;
  else if (o.rc == "fixqp") c.rate_control = media::RateControl::fixqp;
  else return make_error(Errc::invalid_argument, "--rc must be cbr, vbr or fixqp");
  c.gop = o.gop;
  c.preset = o.preset;
  c.source = o.source;
  c.paced = !o.fast;
  if (o.audio == "g711u") c.audio = media::AudioCodec::g711u;
  else if (o.audio == "g711a") c.audio = media::AudioCodec::g711a;
  else if (o.audio == "opus") c.audio = media::AudioCodec::opus;
  else if (o.audio != "none") return make_error(Errc::invalid_argument, "--audio must be none, g711u, g711a or opus");
  c.audio_source = o.audio_source;
  c.audio_rate = o.audio_rate ? o.audio_rate : (o.audio == "opus" ? 48000 : 8000);
  c.max_frames = o.duration > 0 ? 0 : o.frames;
  if (o.duration < 0) return make_error(Errc::invalid_argument, "--duration must be positive");
  c.max_duration_us = static_cast<int64_t>(o.duration * 1e6);
  return c;
}

void progress(const recorder::RecorderStats& s, double elapsed, bool final_line) {
  double media_s = s.first_pts_us >= 0 ? static_cast<double>(s.last_pts_us - s.first_pts_us) / 1e6 : 0;
  double fps = elapsed > 0 ? static_cast<double>(s.frames_written) / elapsed : 0;
  double kbps = media_s > 0 ? static_cast<double>(s.bytes) * 8 / media_s / 1000 : 0;
  std::fprintf(stderr, "%sframes %llu  %.1f fps  %.0f kb/s  dropped %llu  %.2f MB  %.1f s%s",
               final_line ? "" : "\r", static_cast<unsigned long long>(s.frames_written), fps, kbps,
               static_cast<unsigned long long>(s.frames_dropped), static_cast<double>(s.bytes) / 1e6, elapsed,
               final_line ? "\n" : "   ");
}

int run_record(const RecordOptions& o) {
  auto config = make_config(o);
  if (!config) return report_error("record", config.error());
  auto mux_options = make_muxer_options(o.out);
  if (!mux_options) return report_error("record", mux_options.error());
  // The output is created only after the source and encoders took the config, so a refused
  // command line leaves an existing file alone.
  bool output_failed = false;
  auto rec = recorder::Recorder::create(*config, [&]() -> Result<std::unique_ptr<MediaWriter>> {
    auto writer = make_writer(o.output, *mux_options, o.segments);
    output_failed = !writer;
    return writer;
  });
  if (!rec) {
    int code = report_error("record", rec.error());
    return output_failed ? kExitCantCreate : code;
  }

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  const bool tty = isatty(2) && !o.quiet;
  auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  Status s = (*rec)->start();
  double last_print = 0;
  while (s.is_ok() && !g_stop) {
    s = (*rec)->process(500);
    if (s.code() == Errc::timeout) s = Status::ok();  // nothing yet; look at the stop flag again
    if (tty && elapsed() - last_print >= 0.25) {
      last_print = elapsed();
      progress((*rec)->stats(), last_print, false);
    }
  }
  if (s.code() == Errc::end_of_stream) s = Status::ok();
  if (tty) std::fprintf(stderr, "\n");
  Status stopped = (*rec)->stop();
  if (s.is_ok()) s = stopped;
  auto stats = (*rec)->stats();
  if (!o.quiet) {
    std::fprintf(stderr, "camrec record: %s%s: ", o.output.c_str(), g_stop ? " (stopped by signal)" : "");
    progress(stats, elapsed(), true);
  }
  if (!s.is_ok()) return report_error("record", s);
  return kExitOk;
}

}  // namespace

void add_record_command(CLI::App& app, Runner& run) {
  auto o = std::make_shared<RecordOptions>();
  auto* cmd = app.add_subcommand("record", "Record video (and audio) from a camera, a test pattern or a file to MP4");
  cmd->add_option("-o,--output", o->output, "Output file (a pattern with {index}/{time} for segments)");
  cmd->add_option("--frames", o->frames, "Stop after this many video frames (default 200)");
  cmd->add_option("--duration", o->duration, "Stop after this many seconds (overrides --frames)");
  cmd->add_option("--size", o->size, "Picture size, WxH (default 1280x720)");
  cmd->add_option("--fps", o->fps, "Frame rate (default 30)");
  cmd->add_option("--codec", o->codec, "h264 or h265 (default h264)");
  cmd->add_option("--profile", o->profile, "h264: baseline, main, high; h265: main");
  cmd->add_option("--bitrate", o->bitrate, "Video bitrate in kbit/s (default 4000)");
  cmd->add_option("--rc", o->rc, "Rate control: cbr, vbr or fixqp (default cbr)");
  cmd->add_option("--gop", o->gop, "Frames between key frames (default 30)");
  cmd->add_option("--preset", o->preset, "x264/x265 speed preset (default veryfast)");
  cmd->add_option("--source", o->source, "testpattern, file:PATH (.y4m, .nv12, .yuv) or v4l2:/dev/videoN");
  cmd->add_option("--audio", o->audio, "none, g711u, g711a or opus (default none)");
  cmd->add_option("--audio-source", o->audio_source, "tone, wav:PATH or alsa:DEVICE (default tone)");
  cmd->add_option("--audio-rate", o->audio_rate, "Audio sample rate (default 8000, opus 48000)");
  cmd->add_flag("--fast", o->fast, "Test pattern and files: as fast as the encoder goes, not in real time");
  cmd->add_flag("-q,--quiet", o->quiet, "No progress line or summary");
  add_output_options(*cmd, o->out);
  add_segment_options(*cmd, o->segments);
  cmd->callback([o, &run] { run = [o] { return run_record(*o); }; });
}

}  // namespace camrec::cli
