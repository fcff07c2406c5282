// SPDX-License-Identifier: LGPL-2.1-or-later
#include "mux_options.h"

#include "cli_common.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "io/sink.h"

namespace camrec::cli {

namespace {

constexpr int64_t kMaxFragmentUs = 3600 * int64_t{1'000'000};
constexpr int64_t kDefaultMaxFragmentUs = 1'000'000;

}  // namespace

void add_output_options(CLI::App& cmd, OutputOptions& o, const std::string& default_fsync) {
  o.default_fsync = default_fsync;
  auto* fmp4 = cmd.add_flag("--fmp4", o.fmp4, "Write a fragmented MP4 (K230 fmp4_flag=1)");
  cmd.add_flag("--cmaf", o.cmaf, "With --fmp4: CMAF brands for browsers' Media Source Extensions");
  cmd.add_flag("--faststart", o.faststart, "Regular layout: put the moov in front at close (rewrites the file once)")
      ->excludes(fmp4);
  cmd.add_option("--fragment-duration", o.fragment_duration,
                 "Seconds of media per fragment, cut at the next key frame (0.001..3600; default: every key frame). "
                 "Raises --max-fragment-duration when longer than its default");
  cmd.add_option("--max-fragment-duration", o.max_fragment_duration,
                 "Cut a fragment after this many seconds even without a key frame: the most a crash can lose "
                 "(0 = off, up to 3600; default 1)");
  cmd.add_option("--fsync", o.fsync,
                 "Durability: fragment = fdatasync once per fragment (a power cut loses at most the open fragment), "
                 "SECONDS between fdatasync calls, never = leave it to the kernel (a power cut can lose ~30 s) "
                 "(default " + default_fsync + ")");
  auto* yes = cmd.add_flag("-y,--overwrite", o.overwrite, "Replace an existing output file");
  cmd.add_flag("-n,--no-overwrite", o.no_overwrite, "Refuse to replace an existing output file (the default)")
      ->excludes(yes);
  cmd.add_flag("--force-format", o.force_format, "Write MP4 even when the output name does not end in .mp4/.m4v/.mov/.m4a");
}

Status check_output_name(const std::string& path, const OutputOptions& o) {
  if (o.force_format || path == "/dev/null") return Status::ok();
  std::string lower = path;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* ext : {".mp4", ".m4v", ".mov", ".m4a"})
    if (ends_with(lower, ext)) return Status::ok();
  return make_error(Errc::invalid_argument, "'" + path +
                                                "' does not end in .mp4, .m4v, .mov or .m4a, but camrec writes MP4: "
                                                "rename it, or pass --force-format to keep the name");
}

int check_output_or_report(const std::string& command, const std::string& output, const OutputOptions& o,
                           const SegmentCliOptions& segments) {
  if (segments.any()) {
    auto segment_options = make_segment_options(output, segments);
    if (!segment_options) return report_error(command, segment_options.error());
  }
  if (output == "-") {
    Status refused = stdout_refusal(o, segments.any(), ::isatty(1) == 1);
    return refused.is_ok() ? kExitOk : report_output_error(command, refused);
  }
  Status name = check_output_name(output, o);
  if (!name.is_ok()) return report_error(command, name);
  return kExitOk;
}

Status stdout_refusal(const OutputOptions& o, bool segments, bool stdout_is_terminal) {
  if (!o.fmp4)
    return make_error(Errc::unsupported,
                      "standard output (-o -) cannot hold a regular MP4, which is completed in place at close: "
                      "write to a file, or stream a fragmented MP4 with --fmp4 -o -");
  if (segments)
    return make_error(Errc::unsupported,
                      "segments are files named by a pattern: standard output (-o -) is one stream; drop the "
                      "segment options, or give a pattern such as part-{index}.mp4");
  if (stdout_is_terminal)
    return make_error(Errc::unsupported,
                      "standard output is a terminal: pipe it to a player (| ffplay -) or redirect it to a file");
  return Status::ok();
}

Result<MuxerOptions> make_muxer_options(const OutputOptions& o) {
  MuxerOptions m;
  m.layout = o.fmp4 ? Layout::fragmented : Layout::regular;
  m.cmaf = o.cmaf;
  m.faststart = o.faststart;
  m.overwrite = o.overwrite;
  if (o.faststart && o.fmp4) return make_error(Errc::invalid_argument, "--faststart and --fmp4 exclude each other");
  if (o.cmaf && !o.fmp4) return make_error(Errc::invalid_argument, "--cmaf needs --fmp4");
  m.fragment_duration_us = 0;
  if (!o.fragment_duration.empty()) {
    CAMREC_ASSIGN_OR_RETURN(m.fragment_duration_us,
                            parse_seconds("--fragment-duration", o.fragment_duration, 1000, kMaxFragmentUs));
  }
  // The rule: --fragment-duration alone raises the 1 s default bound to itself; both given
  // and contradicting each other is refused rather than one silently winning.
  m.max_fragment_duration_us = std::max(kDefaultMaxFragmentUs, m.fragment_duration_us);
  if (!o.max_fragment_duration.empty()) {
    CAMREC_ASSIGN_OR_RETURN(m.max_fragment_duration_us,
                            parse_seconds("--max-fragment-duration", o.max_fragment_duration, 0, kMaxFragmentUs));
    if (m.max_fragment_duration_us != 0 && m.max_fragment_duration_us < m.fragment_duration_us)
      return make_error(Errc::invalid_argument,
                        "--fragment-duration " + o.fragment_duration + " is longer than --max-fragment-duration " +
                            o.max_fragment_duration + ": raise --max-fragment-duration, or leave it out");
  }
  const std::string& fsync = o.fsync.empty() ? o.default_fsync : o.fsync;
  if (fsync == "never") {
    m.fsync = FsyncPolicy::never;
  } else if (fsync == "fragment") {
    m.fsync = FsyncPolicy::every_fragment;
  } else {
    auto interval = parse_seconds("--fsync", fsync, 1000, kMaxFragmentUs);
    if (!interval)
      return make_error(Errc::invalid_argument,
                        "--fsync '" + fsync + "': expected never, fragment or seconds from 0.001 to 3600");
    m.fsync = FsyncPolicy::interval;
    m.fsync_interval_us = *interval;
  }
  // Test hook: CAMREC_TEST_STEP_PAUSE_MS=N sleeps N ms after each fragment and each step of
  // the close, so a test can kill the process at those instants.
  if (const char* pause = std::getenv("CAMREC_TEST_STEP_PAUSE_MS")) {
    int ms = std::atoi(pause);
    if (ms > 0) m.on_step = [ms](const char* step) {
      if (std::getenv("CAMREC_TEST_STEP_LOG")) std::fprintf(stderr, "step %s\n", step);
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    };
  }
  return m;
}

void add_segment_options(CLI::App& cmd, SegmentCliOptions& o) {
  cmd.add_option("--segment-duration", o.duration,
                 "Start a new file at the first key frame after this many seconds (1..604800); the output name is "
                 "then a pattern with {index} (or {index:03}) and {time}");
  cmd.add_option("--segment-size", o.size,
                 "Start a new file at the first key frame past this size (1M..1024G, e.g. 500M, 2G)");
  cmd.add_option("--keep", o.keep, "Keep only the newest N segment files (1..1000000; default: all)");
}

Result<SegmentOptions> make_segment_options(const std::string& pattern, const SegmentCliOptions& o) {
  SegmentOptions so;
  so.pattern = pattern;
  CAMREC_RETURN_IF_ERROR(check_segment_pattern(pattern));
  if (!o.duration.empty()) {
    CAMREC_ASSIGN_OR_RETURN(so.duration_us,
                            parse_seconds("--segment-duration", o.duration, 1'000'000, 604800 * int64_t{1'000'000}));
  }
  if (!o.size.empty()) {
    CAMREC_ASSIGN_OR_RETURN(so.size_bytes, parse_bytes("--segment-size", o.size, uint64_t{1} << 20, uint64_t{1} << 40));
  }
  if (!o.keep.empty()) {
    CAMREC_ASSIGN_OR_RETURN(uint64_t keep, parse_count("--keep", o.keep, 1, 1'000'000));
    so.keep = static_cast<uint32_t>(keep);
  }
  return so;
}

Result<std::unique_ptr<MediaWriter>> make_writer(const std::string& path, const MuxerOptions& options,
                                                 const SegmentCliOptions& segments) {
  if (path == "-") {
    // Standard output: forward-only, so the muxer writes every byte once, in order (the
    // fragmented layout; stdout_refusal turned the regular one away).
    CAMREC_ASSIGN_OR_RETURN(auto muxer,
                            Muxer::create(std::make_unique<io::StreamSink>(1, "standard output", false), options));
    return std::unique_ptr<MediaWriter>(std::move(muxer));
  }
  if (!segments.any()) {
    CAMREC_ASSIGN_OR_RETURN(auto muxer, Muxer::create_file(path, options));
    return std::unique_ptr<MediaWriter>(std::move(muxer));
  }
  CAMREC_ASSIGN_OR_RETURN(auto so, make_segment_options(path, segments));
  CAMREC_ASSIGN_OR_RETURN(auto writer, SegmentWriter::create(so, options));
  return std::unique_ptr<MediaWriter>(std::move(writer));
}

}  // namespace camrec::cli
