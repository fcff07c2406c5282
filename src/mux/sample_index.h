// SPDX-License-Identifier: LGPL-2.1-or-later
// Run-length sample tables of one track, kept while recording for the moov written at close.
//
// About 4.4 bytes per video sample: the sample size (4 bytes), one chunk offset per fragment
// (8 bytes / samples per fragment) and one sync entry per GOP; durations, composition offsets
// and chunk runs are run-length coded (constant frame rate and GOP make them a few entries).
// Sizes are kept only once they differ: G.711 listed one sample per byte costs one chunk
// offset per packet and nothing per sample.
#pragma once

#include <cstdint>
#include <vector>

#include "box/sample_table_boxes.h"

namespace camrec::mux {

class SampleIndex {
 public:
  /// Starts a chunk (the samples of this track in one fragment) at file offset `offset`.
  void begin_chunk(uint64_t offset, uint32_t sample_description_index);
  /// Appends a sample to the current chunk.
  void add_sample(uint32_t size, uint32_t duration, int32_t composition_offset, bool sync);
  /// Appends one packet of uncompressed-style audio (G.711) as a chunk of `frames` samples
  /// of `frame_bytes` bytes each lasting one tick (the QuickTime sound layout that MP4Box
  /// and ffmpeg's mov muxer write); `duration` ticks in all, the excess on the last sample.
  void add_pcm_chunk(uint64_t offset, uint32_t sample_description_index, uint32_t frames, uint32_t frame_bytes,
                     uint32_t duration);

  uint64_t sample_count() const { return count_; }
  /// Sum of the sample durations (track timescale).
  uint64_t duration() const { return duration_; }
  /// Latest composition end (composition time + duration) of any sample: where the media
  /// presentation ends. Not the decode span: pictures dropped in front of a key frame they
  /// were shown before (RASL) leave a gap in decode time that no picture shows.
  int64_t presentation_end() const { return presentation_end_; }
  bool has_negative_composition_offsets() const { return negative_cts_; }
  /// Largest chunk offset: past 4 GiB the table must be 'co64'.
  uint64_t max_chunk_offset() const { return max_offset_; }
  /// Heap bytes held, for the memory benchmark.
  size_t memory_bytes() const;

  /// The sample table box for these samples, with `stsd` as its description. Moves the
  /// tables out: the index is empty afterwards. `chunk_offset_shift` is added to every
  /// chunk offset (faststart moves the media by the moov's size).
  box::SampleTableBox take_sample_table(box::SampleDescriptionBox stsd, uint64_t chunk_offset_shift = 0);

 private:
  void add_sizes(uint32_t size, uint64_t n);
  void add_durations(uint32_t duration, uint32_t n);

  std::vector<uint32_t> sizes_;     ///< Every sample's size, once they differ (else empty).
  uint32_t first_size_ = 0;
  uint64_t count_ = 0;
  bool sizes_differ_ = false;
  std::vector<box::TimeToSampleBox::Entry> stts_;
  std::vector<box::CompositionOffsetBox::Entry> ctts_;
  std::vector<uint32_t> sync_samples_;
  std::vector<uint64_t> chunk_offsets_;
  std::vector<box::SampleToChunkBox::Entry> stsc_;
  uint32_t samples_in_chunk_ = 0;
  uint32_t chunk_description_ = 1;
  uint64_t duration_ = 0;
  int64_t presentation_end_ = 0;
  uint64_t max_offset_ = 0;
  bool any_composition_offset_ = false;
  bool negative_cts_ = false;
  bool all_sync_ = true;
};

}  // namespace camrec::mux
