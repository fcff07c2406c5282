// SPDX-License-Identifier: LGPL-2.1-or-later
// The progress `camrec record` reports: a line redrawn on a terminal, or parseable lines
// (key=value or JSON) in logs; the target, percentage and ETA of a --frames/--duration limit;
// the bitrate of the encoded bytes over the last seconds; a one-time hint when frames are
// dropped; each closed segment; and a final list of every file written.
#pragma once

#include <cstdint>
#include <deque>
#include <string>

#include "camrec/recorder/recorder.h"

namespace camrec::cli {

enum class ProgressMode { none, terminal, plain, json };

/// "auto" (a terminal: redrawn line; else plain lines), "terminal", "plain", "json" or
/// "none"; invalid_argument otherwise.
Result<ProgressMode> parse_progress_mode(const std::string& text, bool stderr_is_terminal);

/// A file the recording wrote, for the summary.
struct WrittenFile {
  std::string path;
  int64_t duration_us = -1;  ///< -1 when the file cannot be read back
  uint64_t bytes = 0;
};

/// Reads back `path` for its duration and size.
WrittenFile describe_file(const std::string& path);

class ProgressReporter {
 public:
  /// `max_frames` / `max_duration_us`: the recording's limit (0 = none).
  ProgressReporter(ProgressMode mode, uint64_t max_frames, int64_t max_duration_us);

  /// Called often; prints at most every `interval` (250 ms on a terminal, 1 s else).
  void update(const recorder::RecorderStats& stats, int64_t elapsed_us);
  /// A segment closed.
  void segment_closed(const WrittenFile& file);
  /// Ends the redrawn line (before other messages).
  void finish_line();
  /// The final summary: the last progress line, then every file written.
  void summary(const recorder::RecorderStats& stats, int64_t elapsed_us, const std::vector<WrittenFile>& files,
               bool stopped_by_signal);

  /// Bitrate in kbit/s of the encoded bytes in the sliding window (0 before two samples).
  uint64_t window_kbps() const;

 private:
  void print(const recorder::RecorderStats& stats, int64_t elapsed_us, bool final_line);

  ProgressMode mode_;
  uint64_t max_frames_;
  int64_t max_duration_us_;
  int64_t last_print_us_ = -1;
  bool line_open_ = false;
  bool hinted_ = false;
  struct Sample {
    int64_t media_us;
    uint64_t bytes;
  };
  std::deque<Sample> window_;  ///< (media time, encoded bytes), the last few seconds
};

}  // namespace camrec::cli
