// SPDX-License-Identifier: LGPL-2.1-or-later
// Output options shared by `camrec record` and `camrec remux`: layout, fragments,
// durability, overwriting, segments. Every value is checked before any file is touched.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "camrec/muxer.h"
#include "camrec/segments.h"
#include "cli_parse.h"

namespace camrec::cli {

struct OutputOptions {
  bool fmp4 = false;
  bool cmaf = false;
  bool faststart = false;
  std::string fragment_duration;      ///< seconds; "" = every key frame
  std::string max_fragment_duration;  ///< seconds; "" = 1, or --fragment-duration when longer
  std::string fsync;                  ///< never | fragment | SECONDS; "" = the command's default
  std::string default_fsync = "never";
  bool overwrite = false;             ///< -y
  bool no_overwrite = false;          ///< -n (the default, stated)
  bool force_format = false;          ///< accept an output name without an MP4 extension
};

/// Adds --fmp4, --cmaf, --faststart, the fragment and --fsync options, -y/-n and
/// --force-format. `default_fsync` is what --fsync means when not given.
void add_output_options(CLI::App& cmd, OutputOptions& o, const std::string& default_fsync);
/// MuxerOptions from the command line, or invalid_argument naming the bad option.
Result<MuxerOptions> make_muxer_options(const OutputOptions& o);

/// Refuses output names that do not end in .mp4, .m4v, .mov or .m4a (a typo'd `-o out.mkv`
/// would otherwise get MP4 bytes under a name that promises something else).
Status check_output_name(const std::string& path, const OutputOptions& o);

/// Whether `-o -` (standard output) can take the output: only a fragmented MP4 (--fmp4),
/// which is written strictly in order; a regular MP4 is patched in place at close, which a
/// pipe cannot do. Segments need file names; a terminal would get binary noise.
Status stdout_refusal(const OutputOptions& o, bool segments, bool stdout_is_terminal);

struct SegmentCliOptions {
  std::string duration;  ///< seconds; "" = no limit
  std::string size;      ///< bytes, with an optional K/M/G suffix
  std::string keep;      ///< files; "" = keep all
  bool any() const { return !duration.empty() || !size.empty() || !keep.empty(); }
};

void add_segment_options(CLI::App& cmd, SegmentCliOptions& o);
/// The segment options from the command line (pattern fields checked), or invalid_argument.
Result<SegmentOptions> make_segment_options(const std::string& pattern, const SegmentCliOptions& o);

/// Checks the output name and the segment options before any work: 0 when they are usable,
/// else the exit code after reporting why (64 for a bad option, 73 for an output that cannot
/// take the MP4: `-o -` without --fmp4, with segments, or on a terminal).
int check_output_or_report(const std::string& command, const std::string& output, const OutputOptions& o,
                           const SegmentCliOptions& segments);

/// A Muxer writing `path`, or a SegmentWriter using `path` as its name pattern when a
/// segment option is set, or a stream to standard output for "-". Options must have been checked (make_segment_options): every
/// error is the output's (exit 73).
Result<std::unique_ptr<MediaWriter>> make_writer(const std::string& path, const MuxerOptions& options,
                                                 const SegmentCliOptions& segments);

}  // namespace camrec::cli
