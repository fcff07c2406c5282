// SPDX-License-Identifier: LGPL-2.1-or-later
// Loop recording: a stream split into segment files, each starting at a video key frame,
// with the oldest deleted beyond a count. Together the segments hold every frame once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "camrec/muxer.h"

namespace camrec {

struct SegmentOptions {
  /// File name pattern: "{index}" (or "{index:03}" zero-padded) is the segment number from 0,
  /// "{time}" the local start time as YYYYmmdd-HHMMSS. A pattern without "{index}" gets
  /// "-{index:03}" before its extension.
  std::string pattern = "segment-{index:03}.mp4";
  /// Start a new segment at the first key frame after this much media (0 = no limit).
  int64_t duration_us = 0;
  /// Start a new segment at the first key frame once a segment reaches this many bytes
  /// (0 = no limit; by default 4 GiB - 64 MiB when the folder is on a FAT file system, whose
  /// files cannot pass 4 GiB).
  uint64_t size_bytes = 0;
  /// Keep at most this many segment files, deleting the oldest (0 = keep all).
  uint32_t keep = 0;
};

/// Writes segments with one Muxer at a time. Tracks are declared once, before the first
/// packet, and every segment carries them all. Not thread-safe beyond the Muxer's own
/// guarantees: call write() from one thread, or serialize the calls.
class SegmentWriter final : public MediaWriter {
 public:
  static Result<std::unique_ptr<SegmentWriter>> create(SegmentOptions segments, MuxerOptions muxer);
  ~SegmentWriter() override;

  Result<uint32_t> add_video_track(const VideoTrackConfig& config) override;
  Result<uint32_t> add_audio_track(const AudioTrackConfig& config) override;
  /// Writes a packet; on a key frame of the first video track past a limit, opens the next
  /// segment first. The cut segment stays open for the audio packets timed before that key
  /// frame but written after it, until each audio track has passed the cut (at most until
  /// the video is 10 s past it, or the next cut), then it is closed.
  Status write(uint32_t track, const Packet& packet) override;
  Status close() override;

  /// Files written so far (deleted ones included, marked by `deleted`).
  struct Segment {
    std::string path;
    bool deleted = false;
    /// Finished: the current segment, and the one before it while it takes late audio,
    /// are still open.
    bool closed = false;
  };
  const std::vector<Segment>& segments() const;
  /// Statistics summed over all segments.
  MuxerStats stats() const override;

 private:
  struct Impl;
  explicit SegmentWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Checks the fields of a segment name pattern: only {index}, {index:N} (N up to 12) and
/// {time}; anything else in braces is invalid_argument naming the field (a typo such as
/// {idx} would otherwise end up in every file name).
Status check_segment_pattern(const std::string& pattern);

/// The file name of segment `index` for `pattern`, started at `unix_time` (seconds).
std::string segment_path(const std::string& pattern, uint32_t index, int64_t unix_time);

}  // namespace camrec
