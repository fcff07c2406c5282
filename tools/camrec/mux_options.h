// Output options shared by `camrec record` and `camrec remux`.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include <memory>

#include "camrec/muxer.h"

namespace camrec::cli {

struct OutputOptions {
  bool fmp4 = false;
  bool cmaf = false;
  bool faststart = false;
  double fragment_duration = 0;      ///< seconds; 0 = every key frame
  double max_fragment_duration = 1;  ///< seconds; 0 = unbounded
  std::string fsync = "never";       ///< never | fragment | SECONDS
};

void add_output_options(CLI::App& cmd, OutputOptions& o);
/// MuxerOptions from the command line, or invalid_argument naming the bad option.
Result<MuxerOptions> make_muxer_options(const OutputOptions& o);
struct SegmentCliOptions {
  double duration = 0;   ///< seconds; 0 = no limit
  std::string size;      ///< bytes, with an optional K/M/G suffix
  uint32_t keep = 0;
};

void add_segment_options(CLI::App& cmd, SegmentCliOptions& o);
/// A Muxer writing `path`, or a SegmentWriter using `path` as its name pattern when a
/// segment option is set.
Result<std::unique_ptr<MediaWriter>> make_writer(const std::string& path, const MuxerOptions& options,
                                                 const SegmentCliOptions& segments);

/// Parses "30", "29.97" or "30000/1001" into a fraction.
Status parse_rate(const std::string& text, uint32_t& num, uint32_t& den);

}  // namespace camrec::cli
