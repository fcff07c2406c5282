#include "mux_options.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "camrec/segments.h"

namespace camrec::cli {

void add_output_options(CLI::App& cmd, OutputOptions& o) {
  cmd.add_flag("--fmp4", o.fmp4, "Write a fragmented MP4 (K230 fmp4_flag=1)");
  cmd.add_flag("--cmaf", o.cmaf, "With --fmp4: CMAF brands for browsers' Media Source Extensions");
  cmd.add_flag("--faststart", o.faststart, "Put the moov in front at close (rewrites the whole file once)");
  cmd.add_option("--fragment-duration", o.fragment_duration,
                 "Seconds of media per fragment, cut at the next key frame (0 = every key frame)");
  cmd.add_option("--max-fragment-duration", o.max_fragment_duration,
                 "Cut a fragment after this many seconds even without a key frame: the most a crash can lose (0 = off)");
  cmd.add_option("--fsync", o.fsync, "Durability: never | fragment | SECONDS between fdatasync calls");
}

Result<MuxerOptions> make_muxer_options(const OutputOptions& o) {
  MuxerOptions m;
  m.layout = o.fmp4 ? Layout::fragmented : Layout::regular;
  m.cmaf = o.cmaf;
  m.faststart = o.faststart;
  if (o.faststart && o.fmp4) return make_error(Errc::invalid_argument, "--faststart and --fmp4 exclude each other");
  if (o.cmaf && !o.fmp4) return make_error(Errc::invalid_argument, "--cmaf needs --fmp4");
  if (!(o.fragment_duration >= 0 && o.fragment_duration < 3600))
    return make_error(Errc::invalid_argument, "--fragment-duration must be 0..3600 seconds");
  if (!(o.max_fragment_duration >= 0 && o.max_fragment_duration < 3600))
    return make_error(Errc::invalid_argument, "--max-fragment-duration must be 0..3600 seconds");
  m.fragment_duration_us = std::llround(o.fragment_duration * 1e6);
  m.max_fragment_duration_us = std::llround(o.max_fragment_duration * 1e6);
  if (o.fsync == "never") {
    m.fsync = FsyncPolicy::never;
  } else if (o.fsync == "fragment") {
    m.fsync = FsyncPolicy::every_fragment;
  } else {
    try {
      double seconds = std::stod(o.fsync);
      if (!(seconds > 0 && seconds < 3600)) throw std::invalid_argument("range");
      m.fsync = FsyncPolicy::interval;
      m.fsync_interval_us = std::llround(seconds * 1e6);
    } catch (...) {
      return make_error(Errc::invalid_argument, "--fsync must be never, fragment or a number of seconds");
    }
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
                 "Start a new file at the first key frame after this many seconds; the output name is then a "
                 "pattern with {index} and {time}");
  cmd.add_option("--segment-size", o.size, "Start a new file at the first key frame past this size (e.g. 500M, 2G)");
  cmd.add_option("--keep", o.keep, "Keep only the newest N segment files");
}

Result<std::unique_ptr<MediaWriter>> make_writer(const std::string& path, const MuxerOptions& options,
                                                 const SegmentCliOptions& segments) {
  if (segments.duration == 0 && segments.size.empty() && segments.keep == 0) {
    CAMREC_ASSIGN_OR_RETURN(auto muxer, Muxer::create_file(path, options));
    return std::unique_ptr<MediaWriter>(std::move(muxer));
  }
  SegmentOptions so;
  so.pattern = path;
  if (!(segments.duration >= 0 && segments.duration < 86400 * 7))
    return make_error(Errc::invalid_argument, "--segment-duration must be 0..604800 seconds");
  so.duration_us = std::llround(segments.duration * 1e6);
  if (!segments.size.empty()) {
    try {
      size_t used = 0;
      double v = std::stod(segments.size, &used);
      std::string unit = segments.size.substr(used);
      double mult = unit.empty() ? 1 : unit == "K" || unit == "k" ? 1024.0 : unit == "M" ? 1048576.0
                  : unit == "G" ? 1073741824.0 : -1;
      if (mult < 0 || !(v > 0)) throw std::invalid_argument("unit");
      so.size_bytes = static_cast<uint64_t>(v * mult);
      if (so.size_bytes < (1u << 20)) throw std::invalid_argument("small");
    } catch (...) {
      return make_error(Errc::invalid_argument, "--segment-size must be a size of at least 1M, like 500M or 2G");
    }
  }
  so.keep = segments.keep;
  CAMREC_ASSIGN_OR_RETURN(auto writer, SegmentWriter::create(so, options));
  return std::unique_ptr<MediaWriter>(std::move(writer));
}

Status parse_rate(const std::string& text, uint32_t& num, uint32_t& den) {
  auto slash = text.find('/');
  try {
    if (slash != std::string::npos) {
      long n = std::stol(text.substr(0, slash)), d = std::stol(text.substr(slash + 1));
      if (n <= 0 || d <= 0 || n > 1'000'000 || d > 1'000'000) throw std::invalid_argument("range");
      num = static_cast<uint32_t>(n);
      den = static_cast<uint32_t>(d);
      return Status::ok();
    }
    double fps = std::stod(text);
    if (!(fps > 0 && fps <= 1000)) throw std::invalid_argument("range");
    // 29.97 -> 30000/1001, the rates cameras actually use; else thousandths.
    for (double base : {24.0, 30.0, 60.0, 120.0}) {
      if (std::fabs(fps - base * 1000 / 1001) < 0.005) {
        num = static_cast<uint32_t>(base * 1000);
        den = 1001;
        return Status::ok();
      }
    }
    num = static_cast<uint32_t>(std::llround(fps * 1000));
    den = 1000;
    uint32_t a = num, b = den;
    while (b) { uint32_t t = a % b; a = b; b = t; }
    num /= a;
    den /= a;
    return Status::ok();
  } catch (...) {
    return make_error(Errc::invalid_argument, "frame rate '" + text + "' is not a positive number or fraction");
  }
}

}  // namespace camrec::cli
