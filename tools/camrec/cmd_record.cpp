// SPDX-License-Identifier: LGPL-2.1-or-later
// camrec record: camera (or test pattern, or file) -> H.264/H.265 encoder -> MP4, with
// optional G.711/Opus/AAC audio. Defaults are the K230 tutorial's: test pattern, 1280x720, H.264
// Main, 200 frames, test.mp4. SIGINT, SIGTERM and SIGHUP stop cleanly and close the file.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <algorithm>
#include <cstdio>

#include "camrec/recorder/recorder.h"
#include "camrec/segments.h"
#include "cli_common.h"
#include "mux_options.h"
#include "progress.h"
#include "capture/v4l2_source.h"
#include "serve.h"

namespace camrec::cli {

namespace {

std::atomic<int> g_signals{0};
std::atomic<bool> g_closing{false};
/// Printed by the signal handler (write(2) only: async-signal-safe) on a signal during the close.
std::string g_closing_message;

void on_signal(int) {
  int count = ++g_signals;
  if (!g_closing) return;
  if (count >= 3) _exit(kExitInterrupted);  // the file is crash-safe at every instant
  ssize_t unused = ::write(2, g_closing_message.data(), g_closing_message.size());
  (void)unused;
}

void install_signal_handlers() {
  struct sigaction action = {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  // SIGHUP: the terminal closed or the ssh connection dropped; the file is closed as for Ctrl-C.
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &action, nullptr);
}

struct RecordOptions {
  std::string output = "test.mp4";
  std::string frames;    // default 200 when neither --frames nor --duration
  std::string duration;
  std::string size;      // default 1280x720, or the file source's own size
  std::string fps;       // default 30, or the file source's own rate
  std::string codec = "h264";
  std::string profile;  // default per codec
  std::string bitrate = "4000";
  std::string rc = "cbr";
  std::string gop = "30";
  std::string preset = "veryfast";
  std::string source = "testpattern";
  std::string pixel_format;  // v4l2 only
  bool pixel_format_given = false;  // (an empty value is refused, not taken as "not given")
  std::string audio;
  std::string audio_source;
  std::string audio_rate;
  std::string audio_channels;
  bool fast = false;
  std::string queue_frames = "4";
  bool quiet = false;
  std::string progress = "auto";
  OutputOptions out;
  SegmentCliOptions segments;
  ServeCliOptions serve;
};

constexpr uint64_t kMaxFrames = 1'000'000'000;
constexpr int64_t kMaxDurationUs = 366 * 86400 * int64_t{1'000'000};

Result<recorder::RecorderConfig> make_config(const RecordOptions& o) {
  recorder::RecorderConfig c;
  Size size{0, 0};  // the source's own (the recorder fills it in)
  if (!o.size.empty()) {
    CAMREC_ASSIGN_OR_RETURN(size, parse_size("--size", o.size));
  }
  c.width = size.width;
  c.height = size.height;
  Rate rate{0, 1};  // the source's own
  if (!o.fps.empty()) {
    CAMREC_ASSIGN_OR_RETURN(rate, parse_rate("--fps", o.fps));
  }
  c.fps_num = rate.num;
  c.fps_den = rate.den;
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
  CAMREC_ASSIGN_OR_RETURN(uint64_t bitrate, parse_count("--bitrate", o.bitrate, 16, 200'000));
  c.bitrate_kbps = static_cast<uint32_t>(bitrate);
  if (o.rc == "cbr") c.rate_control = media::RateControl::cbr;
  else if (o.rc == "vbr") c.rate_control = media::RateControl::vbr;
  else if (o.rc == "fixqp") c.rate_control = media::RateControl::fixqp;
  else return make_error(Errc::invalid_argument, "--rc must be cbr, vbr or fixqp");
  CAMREC_ASSIGN_OR_RETURN(uint64_t gop, parse_count("--gop", o.gop, 1, 10'000));
  c.gop = static_cast<uint32_t>(gop);
  c.preset = o.preset;
  c.source = o.source;
  if (o.pixel_format_given) {
    if (o.source.rfind("v4l2:", 0) != 0)
      return make_error(Errc::invalid_argument, "--pixel-format picks a camera's capture format: it needs --source "
                                                "v4l2:DEVICE (the test pattern and files have their own)");
    CAMREC_ASSIGN_OR_RETURN(c.pixel_format, media::parse_pixel_format(o.pixel_format));
  }
  c.paced = !o.fast;
  CAMREC_ASSIGN_OR_RETURN(uint64_t queue, parse_count("--queue-frames", o.queue_frames, 1, recorder::kMaxQueueFrames));
  c.queue_frames = static_cast<uint32_t>(queue);
  // An audio source alone means audio: Opus, the codec every player and browser takes.
  std::string audio = o.audio.empty() ? (o.audio_source.empty() ? "none" : "opus") : o.audio;
  if (audio == "g711u") c.audio = media::AudioCodec::g711u;
  else if (audio == "g711a") c.audio = media::AudioCodec::g711a;
  else if (audio == "opus") c.audio = media::AudioCodec::opus;
  else if (audio == "aac") c.audio = media::AudioCodec::aac;
  else if (audio != "none") return make_error(Errc::invalid_argument, "--audio must be none, g711u, g711a, opus or aac");
  if (audio == "none" && (!o.audio_rate.empty() || !o.audio_channels.empty()))
    return make_error(Errc::invalid_argument, "--audio-rate and --audio-channels need --audio or --audio-source");
  c.audio_source = o.audio_source.empty() ? "tone" : o.audio_source;
  const bool g711 = audio == "g711u" || audio == "g711a";
  // Not given: the source's own when the codec takes it, else converted to the codec's
  // (the recorder decides once the source is open).
  c.audio_rate = 0;
  c.audio_channels = 0;
  if (!o.audio_rate.empty()) {
    CAMREC_ASSIGN_OR_RETURN(uint64_t r, parse_count("--audio-rate", o.audio_rate, 8000, 48000));
    c.audio_rate = static_cast<uint32_t>(r);
  }
  if (g711 && c.audio_rate && c.audio_rate != 8000)
    return make_error(Errc::invalid_argument, "--audio-rate " + o.audio_rate + ": G.711 is 8000 Hz only");
  if (c.audio == media::AudioCodec::opus && c.audio_rate &&
      (c.audio_rate != 8000 && c.audio_rate != 12000 && c.audio_rate != 16000 && c.audio_rate != 24000 &&
       c.audio_rate != 48000))
    return make_error(Errc::invalid_argument, "--audio-rate " + o.audio_rate + ": Opus takes 8000, 12000, 16000, 24000 or 48000");
  if (c.audio == media::AudioCodec::aac && c.audio_rate &&
      (c.audio_rate != 8000 && c.audio_rate != 11025 && c.audio_rate != 12000 && c.audio_rate != 16000 &&
       c.audio_rate != 22050 && c.audio_rate != 24000 && c.audio_rate != 32000 && c.audio_rate != 44100 &&
       c.audio_rate != 48000))
    return make_error(Errc::invalid_argument, "--audio-rate " + o.audio_rate +
                                                  ": AAC takes 8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100 or 48000");
  if (!o.audio_channels.empty()) {
    CAMREC_ASSIGN_OR_RETURN(uint64_t ch, parse_count("--audio-channels", o.audio_channels, 1, 2));
    c.audio_channels = static_cast<uint16_t>(ch);
  }
  if (g711 && c.audio_channels > 1)
    return make_error(Errc::invalid_argument, "--audio-channels " + o.audio_channels + ": G.711 is mono");
  if (!o.duration.empty() && !o.frames.empty())
    return make_error(Errc::invalid_argument, "--duration and --frames exclude each other: give one limit");
  c.max_frames = 200;
  if (!o.frames.empty()) {
    CAMREC_ASSIGN_OR_RETURN(c.max_frames, parse_count("--frames", o.frames, 1, kMaxFrames));
  }
  if (!o.duration.empty()) {
    c.max_frames = 0;
    CAMREC_ASSIGN_OR_RETURN(c.max_duration_us, parse_seconds("--duration", o.duration, 1000, kMaxDurationUs));
  }
  return c;
}

int64_t micros_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count();
}

int run_record(const RecordOptions& o) {
  auto config = make_config(o);
  if (!config) return report_error("record", config.error());
  auto mux_options = make_muxer_options(o.out);
  if (!mux_options) return report_error("record", mux_options.error());
  auto progress_mode = parse_progress_mode(o.progress, isatty(2));
  if (!progress_mode) return report_error("record", progress_mode.error());
  if (int code = check_output_or_report("record", o.output, o.out, o.segments)) return code;
  // --serve: the port is taken before the output is created.
  std::unique_ptr<RecordServer> server;
  if (!o.serve.listen.empty()) {
    auto started = RecordServer::start(o.serve, o.output, *config);
    if (!started) return report_error("record", started.error());
    server = std::move(*started);
  }
  // The output is created only after the source and encoders took the config, so a refused
  // command line leaves an existing file alone.
  bool output_failed = false;
  SegmentWriter* segments = nullptr;  // owned by the recorder
  auto rec = recorder::Recorder::create(*config, [&]() -> Result<std::unique_ptr<MediaWriter>> {
    auto writer = make_writer(o.output, *mux_options, o.segments);
    output_failed = !writer;
    if (writer && o.segments.any()) segments = static_cast<SegmentWriter*>(writer->get());
    if (writer && server) return server->wrap(std::move(*writer));
    return writer;
  });
  if (server && rec) server->attach(rec->get(), o.output);
  if (!rec) return output_failed ? report_output_error("record", rec.error()) : report_error("record", rec.error());
  const auto& recorded = (*rec)->config();
  if (!o.size.empty() && config->width != recorded.width && !o.quiet)
    std::fprintf(stderr, "camrec record: recording %ux%u: the encoder's width is a multiple of 16 (--size %ux%u says so)\n",
                 recorded.width, recorded.height, recorded.width, recorded.height);
  // A converted source is said once: the file's rate is not the WAV's or the device's.
  const media::AudioFormat heard = (*rec)->audio_input();
  if (recorded.audio && heard.sample_rate && !o.quiet &&
      (heard.sample_rate != recorded.audio_rate || heard.channels != recorded.audio_channels))
    std::fprintf(stderr, "camrec record: audio source %u Hz x%u converted to %u Hz x%u for %s\n", heard.sample_rate,
                 static_cast<unsigned>(heard.channels), recorded.audio_rate,
                 static_cast<unsigned>(recorded.audio_channels), media::audio_codec_name(*recorded.audio));

  g_closing_message = "\ncamrec record: closing '" + o.output +
                      "', please wait (interrupt again to quit at once: the file stays playable up to its last "
                      "fragment, camrec recover completes it)\n";
  install_signal_handlers();
  ProgressReporter progress(o.quiet ? ProgressMode::none : *progress_mode, config->max_frames, config->max_duration_us);
  const auto start = std::chrono::steady_clock::now();
  size_t segments_reported = 0;
  auto report_closed_segments = [&](bool all) {
    if (!segments) return;
    const auto& list = segments->segments();
    // In order, as they close: a cut segment stays open a moment for its late audio.
    for (; segments_reported < list.size() && (all || list[segments_reported].closed); ++segments_reported)
      progress.segment_closed(describe_file(list[segments_reported].path));
  };
  Status s = (*rec)->start();
  while (s.is_ok() && g_signals == 0) {
    s = (*rec)->process(500);
    if (s.code() == Errc::timeout) s = Status::ok();  // nothing yet; look at the stop flag again
    progress.update((*rec)->stats(), micros_since(start));
    report_closed_segments(false);
  }
  if (s.code() == Errc::end_of_stream) s = Status::ok();
  progress.finish_line();
  const bool by_signal = g_signals > 0;
  g_closing = true;
  Status stopped = (*rec)->stop();
  if (server) server->finish([] { return g_signals > 0; });
  if (g_signals > 1 && !o.quiet) std::fprintf(stderr, "camrec record: '%s' closed\n", o.output.c_str());
  if (s.is_ok()) s = stopped;
  report_closed_segments(true);
  std::vector<WrittenFile> files;
  if (segments) {
    for (const auto& seg : segments->segments())
      if (!seg.deleted) files.push_back(describe_file(seg.path));
  } else if (o.output == "-") {
    // Nothing to read back: the stream went to whoever reads standard output.
    const auto stats = (*rec)->stats();
    WrittenFile f;
    f.path = "standard output";
    f.bytes = stats.bytes;
    if (stats.first_pts_us >= 0 && stats.last_pts_us >= stats.first_pts_us && stats.frames_written > 0)
      f.duration_us = (stats.last_pts_us - stats.first_pts_us) * static_cast<int64_t>(stats.frames_written) /
                      static_cast<int64_t>(std::max<uint64_t>(1, stats.frames_written - 1));
    files.push_back(f);
  } else {
    files.push_back(describe_file(o.output));
  }
  if (!o.quiet) progress.summary((*rec)->stats(), micros_since(start), files, by_signal);
  if (!s.is_ok()) return report_error("record", s);
  return kExitOk;
}

}  // namespace

void add_record_command(CLI::App& app, Runner& run) {
  auto o = std::make_shared<RecordOptions>();
  auto* cmd = app.add_subcommand("record", "Record video (and audio) from a camera, a test pattern or a file to MP4");
  cmd->add_option("-o,--output", o->output,
                  "Output file (default test.mp4; with segment options a pattern with {index}/{time})");
  cmd->add_option("--frames", o->frames, "Stop after this many video frames (1..1000000000; default 200)");
  cmd->add_option("--duration", o->duration, "Stop after this many seconds (0.001..31622400; instead of --frames)");
  cmd->add_option("--size", o->size,
                  "Picture size WxH, even sides 16..8192; a picture of another shape is letterboxed, never "
                  "stretched or cropped (a Y4M file or a camera: its own size, else default 1280x720)");
  cmd->add_option("--fps", o->fps,
                  "Frame rate 1..240: 30, 29.97 or 30000/1001; a Y4M file's frames are retimed to it (a Y4M file "
                  "or a camera: its own rate, else default 30)");
  cmd->add_option("--codec", o->codec, "h264 or h265 (default h264)");
  cmd->add_option("--profile", o->profile, "h264: baseline, main, high; h265: main (default main)");
  cmd->add_option("--bitrate", o->bitrate, "Video bitrate in kbit/s, 16..200000 (default 4000)");
  cmd->add_option("--rc", o->rc, "Rate control: cbr, vbr or fixqp (default cbr)");
  cmd->add_option("--gop", o->gop, "Frames between key frames, 1..10000 (default 30)");
  cmd->add_option("--preset", o->preset, "x264/x265 speed preset (default veryfast)");
  cmd->add_option("--source", o->source,
                  "testpattern, file:PATH (.y4m, .nv12, .yuv) or v4l2:/dev/videoN (default testpattern; camrec "
                  "devices lists cameras)");
  auto* pixel_format = cmd->add_option("--pixel-format", o->pixel_format,
                  "With --source v4l2:DEVICE: the camera's format to capture, NV12, YUYV or MJPG (default: the first "
                  "of those the camera offers; camrec devices lists them)");
  cmd->add_option("--audio", o->audio, "none, g711u, g711a, opus or aac (default none; opus when --audio-source is given)");
  cmd->add_option("--audio-source", o->audio_source, "tone, wav:PATH or alsa:DEVICE (default tone)");
  cmd->add_option("--audio-rate", o->audio_rate,
                  "Audio sample rate: G.711 8000; Opus 8000, 12000, 16000, 24000, 48000; AAC 8000..48000. A source of "
                  "another rate is resampled (default: the source's own when the codec takes it, else G.711 8000, "
                  "Opus and AAC 48000)");
  cmd->add_option("--audio-channels", o->audio_channels,
                  "Audio channels: G.711 1; Opus and AAC 1 or 2. A source with other channels is mixed (default: the "
                  "source's own when the codec takes it, else G.711 1, Opus and AAC 2; the tone 1)");
  cmd->add_flag("--fast", o->fast, "Test pattern and files: as fast as the encoder goes, not in real time");
  cmd->add_option("--queue-frames", o->queue_frames,
                  "Frames queued between the camera and the encoder, 1..64 (default 4, 133 ms at 30 fps): a frame "
                  "that finds the queue full is dropped, so a busy host wants more (16: 533 ms); each queued "
                  "frame holds a picture, 1.4 MB at 1280x720");
  cmd->add_option("--progress", o->progress,
                  "auto (a redrawn line on a terminal, plain lines otherwise), terminal, plain, json or none "
                  "(default auto)");
  cmd->add_flag("-q,--quiet", o->quiet, "No progress line or summary");
  add_output_options(*cmd, o->out, "fragment");
  add_segment_options(*cmd, o->segments);
  add_server_options(*cmd, o->serve, true);
  cmd->callback([o, pixel_format, &run] {
    o->pixel_format_given = pixel_format->count() > 0;
    run = [o] { return run_record(*o); };
  });
}

}  // namespace camrec::cli
