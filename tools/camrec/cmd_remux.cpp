// SPDX-License-Identifier: LGPL-2.1-or-later
// camrec remux IN OUT: an Annex B elementary stream (.h264/.h265) or an MP4/MOV file into
// an MP4 written by camrec's muxer (regular, fragmented, or faststart).
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <fstream>

#include "camrec/demuxer.h"
#include "camrec/muxer.h"
#include "camrec/segments.h"
#include "cli_common.h"
#include "edit/copy.h"
#include "io/sink.h"
#include "io/source.h"
#include "mux/elementary_stream.h"
#include "mux/parsed_write.h"
#include "mux_options.h"

namespace camrec::cli {

namespace {

struct RemuxOptions {
  std::string input;
  std::string output;
  std::string codec;       // h264 | h265 | "" (from the extension)
  std::string fps;         // "30", "30000/1001"
  std::string timestamps;  // file of presentation times in ms (mkvmerge v2)
  OutputOptions out;
  SegmentCliOptions segments;
  bool quiet = false;
};

Result<std::optional<codec::VideoCodec>> elementary_codec(const RemuxOptions& o) {
  if (o.codec == "h264") return std::optional(codec::VideoCodec::h264);
  if (o.codec == "h265") return std::optional(codec::VideoCodec::h265);
  if (!o.codec.empty()) return make_error(Errc::invalid_argument, "--codec must be h264 or h265");
  for (const char* ext : {".h264", ".264", ".avc", ".h26l"})
    if (ends_with(o.input, ext)) return std::optional(codec::VideoCodec::h264);
  for (const char* ext : {".h265", ".265", ".hevc"})
    if (ends_with(o.input, ext)) return std::optional(codec::VideoCodec::h265);
  return std::optional<codec::VideoCodec>();
}

Result<std::vector<int64_t>> read_timestamps(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error(Errc::not_found, "cannot open timestamps file '" + path + "'");
  std::vector<int64_t> out;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line[0] == '#') continue;
    try {
      size_t used = 0;
      double ms = std::stod(line, &used);
      // Timestamp files carry milliseconds with a fraction; integer µs from here on.
      out.push_back(static_cast<int64_t>(ms * 1000.0 + (ms >= 0 ? 0.5 : -0.5)));
    } catch (...) {
      return make_error(Errc::invalid_argument, path + ":" + std::to_string(number) + ": not a number");
    }
  }
  return out;
}

// `reader` is kept by the caller until the muxer is closed: the muxer writes the frames'
// payloads straight from the reader's mapping of the input.
Status remux_elementary(const RemuxOptions& o, codec::VideoCodec vc, MediaWriter& muxer, uint64_t& frames,
                        std::unique_ptr<mux::ElementaryStreamReader>& reader) {
  mux::EsTiming timing;
  if (!o.fps.empty()) {
    CAMREC_ASSIGN_OR_RETURN(Rate rate, parse_rate("--fps", o.fps));
    timing.fps_num = rate.num;
    timing.fps_den = rate.den;
  }
  if (!o.timestamps.empty()) {
    CAMREC_ASSIGN_OR_RETURN(timing.timestamps_us, read_timestamps(o.timestamps));
  }
  CAMREC_ASSIGN_OR_RETURN(reader, mux::ElementaryStreamReader::open(o.input, vc, timing));
  VideoTrackConfig vt;
  vt.codec = vc == codec::VideoCodec::h264 ? Codec::h264 : Codec::h265;
  CAMREC_ASSIGN_OR_RETURN(uint32_t track, muxer.add_video_track(vt));
  mux::EsFrame frame;
  while (true) {
    auto next = reader->next(frame);
    if (!next) return next.error().with_context(o.input);
    bool more = *next;
    if (!more) break;
    Packet p{frame.data, frame.pts, frame.dts, frame.timescale, frame.duration};
    // A mapped input comes split and parsed: the muxer takes it as it is (one scan, one
    // parse of the slice headers, the payload written from the mapping).
    Status written = frame.nals.empty()
                         ? muxer.write(track, p)
                         : MuxerInternals::write_parsed(muxer, track, p, {frame.nals, frame.key, frame.sets.get()});
    // A write from the mapping fails (EFAULT) when the input was cut short under it: that
    // is a refused input, not an output error, and the error says so.
    if (!written.is_ok()) CAMREC_RETURN_IF_ERROR(reader->check_input());
    CAMREC_RETURN_IF_ERROR(written.with_context("frame " + std::to_string(frames)));
    ++frames;
  }
  if (reader->dropped() && !o.quiet)
    std::fprintf(stderr, "camrec remux: skipped %llu undecodable leading pictures\n",
                 static_cast<unsigned long long>(reader->dropped()));
  return Status::ok();
}

Status remux_mp4(const RemuxOptions& o, Demuxer& demuxer, MediaWriter& muxer, uint64_t& frames) {
  auto copied = edit::copy_samples(demuxer, muxer);
  // Said once, with the totals, whether or not the copy got to the end.
  if (!demuxer.warning().empty()) std::fprintf(stderr, "camrec remux: warning: %s\n", demuxer.warning().c_str());
  CAMREC_ASSIGN_OR_RETURN(auto report, std::move(copied));
  for (const auto& skipped : report.skipped_tracks)
    if (!o.quiet) std::fprintf(stderr, "camrec remux: %s not copied: camrec does not mux that codec\n", skipped.c_str());
  if (report.tracks_copied == 0)
    return make_error(Errc::unsupported, "'" + o.input + "' has no track camrec can copy" +
                                             (report.skipped_tracks.empty() ? " (it has no track)" : ""));
  frames = report.samples;
  return Status::ok();
}

/// Deletes the files `writer` created at `output` (each segment of a SegmentWriter); returns
/// their names for the message. Standard output is not a file to delete.
std::string remove_outputs(const std::string& output, MediaWriter& writer) {
  std::vector<std::string> paths;
  if (auto* segments = dynamic_cast<SegmentWriter*>(&writer)) {
    for (const auto& seg : segments->segments())
      if (!seg.deleted) paths.push_back(seg.path);
  } else if (output != "-") {
    paths.push_back(output);
  }
  std::string names;
  for (const auto& p : paths)
    if (std::remove(p.c_str()) == 0) names += (names.empty() ? "'" : ", '") + p + "'";
  return names;
}

int run_remux(const RemuxOptions& o) {
  auto start = std::chrono::steady_clock::now();
  auto options = make_muxer_options(o.out);
  if (!options) return report_error("remux", options.error());
  auto vc = elementary_codec(o);
  if (!vc) return report_error("remux", vc.error());
  // A missing or unreadable input and bad timing options are reported before the output
  // is created, so that they leave no empty output file behind.
  if (::access(o.input.c_str(), R_OK) != 0)
    return report_error("remux", io::errno_status(errno, "cannot open '" + o.input + "'"));
  if (!o.fps.empty()) {
    auto rate = parse_rate("--fps", o.fps);
    if (!rate) return report_error("remux", rate.error());
  }
  if (int code = check_output_or_report("remux", o.output, o.out, o.segments)) return code;
  if (!o.timestamps.empty()) {
    auto timestamps = read_timestamps(o.timestamps);
    if (!timestamps) return report_error("remux", timestamps.error());
  }
  Status writable = check_output_directory(o.output);
  if (!writable.is_ok()) return report_output_error("remux", writable);
  // An MP4 input keeps its presentation timeline: what it shows at 0 stays at 0, and what
  // it hides before 0 (priming, leading pictures) stays hidden behind the edit list.
  options->zero_origin = !*vc;
  // The copy keeps the input's creation and modification times; an elementary stream has
  // none, and the time of the remux would claim a recording date it does not know.
  options->creation_time_us = kTimeUnknown;
  options->modification_time_us = kTimeUnknown;
  std::unique_ptr<Demuxer> demuxer;
  io::FileSource* input = nullptr;  // the MP4 input, owned by `demuxer`
  if (!*vc) {
    DemuxOptions dopt;
    dopt.annexb = true;
    // Mapped, the video samples go to the muxer as they are and are written from the
    // mapping (edit/copy.h); a file that cannot be mapped is read with pread.
    auto source = io::FileSource::open(o.input, true);
    if (!source) return report_error("remux", source.error());
    input = source->get();
    auto opened = Demuxer::open(std::move(*source), dopt);
    if (!opened) return report_error("remux", opened.error().with_context(o.input));
    demuxer = std::move(*opened);
    const auto& layout = demuxer->layout();
    constexpr int64_t kMaxSeconds = INT64_MAX / 1'000'000 - 1;
    auto micros = [](const std::optional<int64_t>& seconds) {
      return seconds && *seconds > -kMaxSeconds && *seconds < kMaxSeconds ? *seconds * 1'000'000 : kTimeUnknown;
    };
    options->creation_time_us = micros(layout.creation_time);
    options->modification_time_us = micros(layout.modification_time);
  }
  auto muxer = make_writer(o.output, *options, o.segments);
  if (!muxer) return report_output_error("remux", muxer.error());
  uint64_t frames = 0;
  std::unique_ptr<mux::ElementaryStreamReader> reader;  // lives until the muxer is closed
  Status s = *vc ? remux_elementary(o, **vc, **muxer, frames, reader) : remux_mp4(o, *demuxer, **muxer, frames);
  Status closed = (*muxer)->close();
  // The last fragment is written from the input's mapping at close: a failure there from
  // an input cut short refuses the input (and removes the output) as one seen earlier does.
  if (s.is_ok() && !closed.is_ok() && reader) s = reader->check_input();
  if (s.is_ok() && !closed.is_ok() && input) s = input->check();
  if (!s.is_ok()) {
    report_error("remux", s);
    const int code = exit_code_for(s);
    if (code == kExitIoError) {
      // The output failed (disk full, file too large): it keeps what reached it, as a
      // recording does.
      if ((*muxer)->stats().samples_written > 0)
        std::fprintf(stderr, "camrec remux: '%s' holds the %llu samples written before the error\n",
                     o.output.c_str(), static_cast<unsigned long long>((*muxer)->stats().samples_written));
    } else {
      // The input was refused: a part of it is no copy of it. What this remux created goes.
      const auto removed = remove_outputs(o.output, **muxer);
      if (!removed.empty()) std::fprintf(stderr, "camrec remux: removed %s: the input was refused\n", removed.c_str());
    }
    return code;
  }
  if (!closed.is_ok()) return report_error("remux", closed);
  if (!o.quiet) {
    auto stats = (*muxer)->stats();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "camrec remux: %llu samples, %llu fragments, %llu bytes in %.2f s\n",
                 static_cast<unsigned long long>(stats.samples_written),
                 static_cast<unsigned long long>(stats.fragments_written),
                 static_cast<unsigned long long>(stats.bytes_written), secs);
  }
  return kExitOk;
}

}  // namespace

void add_remux_command(CLI::App& app, Runner& run) {
  auto o = std::make_shared<RemuxOptions>();
  auto* cmd = app.add_subcommand("remux", "Copy an H.264/H.265 elementary stream or an MP4/MOV file into a new MP4");
  cmd->add_option("input", o->input, "Input: .h264/.h265 elementary stream, or MP4/MOV")->required();
  cmd->add_option("output", o->output, "Output MP4 file (- with --fmp4: a fragmented MP4 to standard output)")
      ->required();
  cmd->add_option("--codec", o->codec, "Elementary stream codec (h264|h265), when the extension does not say");
  cmd->add_option("--fps", o->fps, "Frame rate of an elementary stream (30, 30000/1001); default: from the stream, else 30");
  cmd->add_option("--timestamps", o->timestamps,
                  "File of presentation times in ms, one per frame in presentation order (mkvmerge v2)");
  add_output_options(*cmd, o->out, "never");
  add_segment_options(*cmd, o->segments);
  cmd->add_flag("-q,--quiet", o->quiet, "No summary");
  cmd->callback([o, &run] { run = [o] { return run_remux(*o); }; });
}

}  // namespace camrec::cli
