// SPDX-License-Identifier: LGPL-2.1-or-later
// Walks a regular MP4 sample table (stts, ctts, stsc, stsz/stz2, stco/co64, stss) one
// sample at a time, without expanding it: memory stays that of the tables themselves.
#pragma once

#include <cstdint>
#include <vector>

#include "box/sample_table_boxes.h"
#include "camrec/status.h"

namespace camrec::demux {

/// Where one sample is and when it is decoded/presented, before the edit list.
struct SampleRef {
  uint32_t track = 0;
  int64_t dts = 0;
  int32_t composition_offset = 0;
  uint32_t duration = 0;
  bool sync = true;
  uint32_t description = 1;
  uint64_t offset = 0;
  uint64_t size = 0;
};

/// Walks the 'rap ' and 'sync' sample groups of a table (sbgp, 14496-12 8.9.2) in sample
/// order: the random access points a file marks without listing them in stss (GPAC writes
/// H.265 CRAs so, with an empty stss; 14496-15 gives 'sync' for NAL-typed sync samples).
class RandomAccessGroups {
 public:
  /// Takes the groups from `sbgps` (the vector must outlive the walker).
  void init(const std::vector<box::SampleToGroupBox>& sbgps);
  /// True when any group was found (else every answer is false).
  bool any() const { return !groups_.empty(); }
  /// Whether sample `index` (0-based, increasing between calls) is in a 'rap ' or 'sync'
  /// group.
  bool contains(uint64_t index);

 private:
  struct Walk {
    const box::SampleToGroupBox* sbgp = nullptr;
    size_t entry = 0;
    uint64_t entry_start = 0;  ///< Sample index where `entry` begins.
  };
  std::vector<Walk> groups_;
};

/// True when `type` names a group of random access points ('rap ' or 'sync').
bool is_random_access_group(box::FourCC type);

class TableCursor {
 public:
  /// Checks the tables agree with each other (counts, chunk numbers, descriptions) and with
  /// the file size; the cursor refers to `stbl`, which must outlive it.
  Status init(const box::SampleTableBox& stbl, uint32_t track, uint64_t file_size, uint32_t description_count,
              bool group_pcm_chunks);

  /// The next sample; false at the end.
  bool next(SampleRef& out);
  uint64_t sample_count() const { return sample_count_; }
  /// Decode time after the last sample (the track's duration in decode time).
  int64_t end_time() const { return end_time_; }
  bool done() const { return emitted_ >= sample_count_; }

 private:
  uint32_t sample_size(uint64_t index) const;
  uint64_t chunk_offset(uint64_t chunk) const;

  const box::SampleTableBox* stbl_ = nullptr;
  uint32_t track_ = 0;
  uint64_t sample_count_ = 0;   ///< Samples (or chunks, when grouping PCM) to emit.
  uint64_t table_samples_ = 0;  ///< Samples in stsz.
  uint64_t chunk_count_ = 0;
  bool group_pcm_ = false;      ///< One emitted sample per chunk (QuickTime raw audio).
  int64_t end_time_ = 0;

  // Position.
  uint64_t emitted_ = 0;
  uint64_t sample_index_ = 0;    ///< 0-based stsz index.
  size_t stts_entry_ = 0;
  uint32_t stts_used_ = 0;
  size_t ctts_entry_ = 0;
  uint32_t ctts_used_ = 0;
  size_t stsc_entry_ = 0;
  uint64_t chunk_ = 0;           ///< 0-based.
  uint32_t in_chunk_ = 0;        ///< Samples of the current chunk already emitted.
  uint64_t chunk_pos_ = 0;       ///< File offset of the next sample in the chunk.
  size_t stss_entry_ = 0;
  RandomAccessGroups rap_groups_;
  int64_t dts_ = 0;
};

}  // namespace camrec::demux
