// SPDX-License-Identifier: LGPL-2.1-or-later
// Run-length sample tables of one track, for the moov written at close.
//
// While recording the index keeps no entry, only counts: how many entries each table of the
// final moov will have, so close() knows every box's size before writing it. At close the
// same index runs again over the fragments read back from the file (every sample's size,
// duration, flags and offset are in the moofs) with an output that writes the entries
// straight into the file, so memory stays flat however long the recording (see
// finalize.cpp). Both runs go through the same code, which is what makes the counts of the
// first one the sizes of the tables the second one writes.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>

#include "box/sample_table_boxes.h"

namespace camrec::mux {

/// What the final moov's sample tables of a track hold: entry counts and the flags that
/// choose between boxes (stco/co64, ctts version, stss or none, stsz with one size or many).
struct SampleTableShape {
  uint64_t samples = 0;
  uint64_t duration = 0;        ///< Sum of the sample durations (track timescale).
  /// Latest composition end (composition time + duration) of any sample: where the media
  /// presentation ends. Not the decode span: pictures dropped in front of a key frame they
  /// were shown before (RASL) leave a gap in decode time that no picture shows.
  int64_t presentation_end = 0;
  uint64_t stts_entries = 0;
  uint64_t ctts_entries = 0;    ///< Written only when any_composition_offset.
  uint64_t sync_samples = 0;    ///< stss entries; written only when !all_sync.
  uint64_t stsc_entries = 0;
  uint64_t chunks = 0;
  uint32_t first_size = 0;      ///< The size of every sample when !sizes_differ.
  bool sizes_differ = false;
  bool any_composition_offset = false;
  bool negative_composition_offset = false;  ///< ctts version 1.
  bool all_sync = true;
  uint64_t max_chunk_offset = 0;  ///< Past 4 GiB the table must be 'co64'.
  bool operator==(const SampleTableShape&) const = default;
};

/// Whether the chunk offsets, moved by `chunk_offset_shift`, need 'co64'.
bool needs_co64(const SampleTableShape& shape, uint64_t chunk_offset_shift);

/// stsz lists every size (else it gives the one size all samples have).
bool lists_sizes(const SampleTableShape& shape);

/// The sample table box of a track shaped so, with `stsd` and every table present but
/// without entries: the template that grow_tables() fills in.
box::SampleTableBox empty_sample_table(box::SampleDescriptionBox stsd, const SampleTableShape& shape,
                                       uint64_t chunk_offset_shift);

/// Entry count and entry size of the table box `type` of empty_sample_table(); nullopt for
/// a box that gets no entries.
std::optional<std::pair<uint64_t, uint32_t>> table_entries(const SampleTableShape& shape, box::FourCC type,
                                                           uint64_t chunk_offset_shift);

/// Receives a track's table entries in order, as the index settles them. Sizes and sync
/// samples are handed out always; the receiver drops what the shape says is not written.
class SampleTableOutput {
 public:
  virtual ~SampleTableOutput() = default;
  /// `n` samples of `size` bytes.
  virtual void sample_sizes(uint32_t size, uint64_t n) = 0;
  virtual void time_to_sample(const box::TimeToSampleBox::Entry& entry) = 0;
  virtual void composition_offset(const box::CompositionOffsetBox::Entry& entry) = 0;
  /// 1-based sample number.
  virtual void sync_sample(uint32_t number) = 0;
  virtual void sample_to_chunk(const box::SampleToChunkBox::Entry& entry) = 0;
  virtual void chunk_offset(uint64_t offset) = 0;
};

class SampleIndex {
 public:
  /// `output` (borrowed, may be null: counting only) receives the entries.
  explicit SampleIndex(SampleTableOutput* output = nullptr) : output_(output) {}

  /// Starts a chunk (the samples of this track in one fragment) at file offset `offset`.
  void begin_chunk(uint64_t offset, uint32_t sample_description_index);
  /// Appends a sample to the current chunk.
  void add_sample(uint32_t size, uint32_t duration, int32_t composition_offset, bool sync);
  /// Appends one packet of uncompressed-style audio (G.711) as a chunk of `frames` samples
  /// of `frame_bytes` bytes each lasting one tick (the QuickTime sound layout that MP4Box
  /// and ffmpeg's mov muxer write); `duration` ticks in all, the excess on the last sample.
  void add_pcm_chunk(uint64_t offset, uint32_t sample_description_index, uint32_t frames, uint32_t frame_bytes,
                     uint32_t duration);
  /// Hands the runs still open (the last stts, ctts and stsc entries) to the output; call
  /// once, after the last sample.
  void finish();

  /// The tables as they stand, the open runs counted.
  SampleTableShape shape() const;
  uint64_t sample_count() const { return shape_.samples; }
  /// Sum of the sample durations (track timescale).
  uint64_t duration() const { return shape_.duration; }
  /// See SampleTableShape::presentation_end.
  int64_t presentation_end() const { return shape_.presentation_end; }

 private:
  void add_sizes(uint32_t size, uint64_t n);
  void add_durations(uint32_t duration, uint32_t n);
  void add_composition_offsets(int32_t offset, uint32_t n);
  bool last_chunk_starts_run() const;

  SampleTableOutput* output_ = nullptr;
  SampleTableShape shape_;
  box::TimeToSampleBox::Entry stts_run_{};         ///< Open run (sample_count 0: none yet).
  box::CompositionOffsetBox::Entry ctts_run_{};    ///< Open run (sample_count 0: none yet).
  box::SampleToChunkBox::Entry last_stsc_{};       ///< Last stsc entry handed out.
  uint32_t samples_in_chunk_ = 0;
  uint32_t chunk_description_ = 1;
};

}  // namespace camrec::mux
