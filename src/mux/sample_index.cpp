// SPDX-License-Identifier: LGPL-2.1-or-later
#include "mux/sample_index.h"

#include <algorithm>

namespace camrec::mux {

bool needs_co64(const SampleTableShape& shape, uint64_t chunk_offset_shift) {
  return shape.max_chunk_offset + chunk_offset_shift > UINT32_MAX;
}

bool lists_sizes(const SampleTableShape& shape) {
  // sample_size 0 means "listed", so samples of 0 bytes are listed too.
  return shape.samples > 0 && (shape.sizes_differ || shape.first_size == 0);
}

box::SampleTableBox empty_sample_table(box::SampleDescriptionBox stsd, const SampleTableShape& shape,
                                       uint64_t chunk_offset_shift) {
  box::SampleTableBox stbl;
  stbl.stsd = std::move(stsd);
  if (shape.any_composition_offset) {
    box::CompositionOffsetBox ctts;
    ctts.version = shape.negative_composition_offset ? 1 : 0;
    stbl.ctts = std::move(ctts);
  }
  // No stss means every sample is a sync sample (14496-12 8.6.2.1).
  if (!shape.all_sync) stbl.stss = box::SyncSampleBox{};
  box::SampleSizeBox stsz;
  stsz.sample_count = static_cast<uint32_t>(shape.samples);
  stsz.sample_size = lists_sizes(shape) ? 0 : shape.first_size;
  stbl.stsz = std::move(stsz);
  if (needs_co64(shape, chunk_offset_shift)) stbl.co64 = box::ChunkLargeOffsetBox{};
  else stbl.stco = box::ChunkOffsetBox{};
  return stbl;
}

std::optional<std::pair<uint64_t, uint32_t>> table_entries(const SampleTableShape& shape, box::FourCC type,
                                                           uint64_t chunk_offset_shift) {
  using box::fourcc;
  if (type == fourcc("stts")) return std::pair{shape.stts_entries, 8u};
  if (type == fourcc("ctts") && shape.any_composition_offset) return std::pair{shape.ctts_entries, 8u};
  if (type == fourcc("stss") && !shape.all_sync) return std::pair{shape.sync_samples, 4u};
  if (type == fourcc("stsc")) return std::pair{shape.stsc_entries, 12u};
  if (type == fourcc("stsz") && lists_sizes(shape)) return std::pair{shape.samples, 4u};
  if (type == fourcc("stco") && !needs_co64(shape, chunk_offset_shift)) return std::pair{shape.chunks, 4u};
  if (type == fourcc("co64") && needs_co64(shape, chunk_offset_shift)) return std::pair{shape.chunks, 8u};
  return std::nullopt;
}

bool SampleIndex::last_chunk_starts_run() const {
  // A new stsc run starts only when the samples per chunk or the description change
  // (14496-12 8.7.4).
  return shape_.stsc_entries == 0 || last_stsc_.samples_per_chunk != samples_in_chunk_ ||
         last_stsc_.sample_description_index != chunk_description_;
}

void SampleIndex::begin_chunk(uint64_t offset, uint32_t sample_description_index) {
  if (shape_.chunks > 0 && last_chunk_starts_run()) {
    last_stsc_ = {static_cast<uint32_t>(shape_.chunks), samples_in_chunk_, chunk_description_};
    ++shape_.stsc_entries;
    if (output_) output_->sample_to_chunk(last_stsc_);
  }
  ++shape_.chunks;
  if (output_) output_->chunk_offset(offset);
  shape_.max_chunk_offset = std::max(shape_.max_chunk_offset, offset);
  samples_in_chunk_ = 0;
  chunk_description_ = sample_description_index;
}

void SampleIndex::add_sizes(uint32_t size, uint64_t n) {
  if (shape_.samples == 0) shape_.first_size = size;
  if (size != shape_.first_size) shape_.sizes_differ = true;
  if (output_) output_->sample_sizes(size, n);
  shape_.samples += n;
}

void SampleIndex::add_durations(uint32_t duration, uint32_t n) {
  shape_.duration += uint64_t{duration} * n;
  if (stts_run_.sample_count > 0 && stts_run_.sample_delta == duration && stts_run_.sample_count <= UINT32_MAX - n) {
    stts_run_.sample_count += n;
    return;
  }
  if (stts_run_.sample_count > 0 && output_) output_->time_to_sample(stts_run_);
  stts_run_ = {n, duration};
  ++shape_.stts_entries;
}

void SampleIndex::add_composition_offsets(int32_t offset, uint32_t n) {
  if (offset != 0) shape_.any_composition_offset = true;
  if (offset < 0) shape_.negative_composition_offset = true;
  if (ctts_run_.sample_count > 0 && ctts_run_.sample_offset == offset && ctts_run_.sample_count <= UINT32_MAX - n) {
    ctts_run_.sample_count += n;
    return;
  }
  if (ctts_run_.sample_count > 0 && output_) output_->composition_offset(ctts_run_);
  ctts_run_ = {n, offset};
  ++shape_.ctts_entries;
}

void SampleIndex::add_sample(uint32_t size, uint32_t duration, int32_t composition_offset, bool sync) {
  shape_.presentation_end = std::max(shape_.presentation_end,
                                     static_cast<int64_t>(shape_.duration) + composition_offset + duration);
  add_sizes(size, 1);
  ++samples_in_chunk_;
  add_durations(duration, 1);
  add_composition_offsets(composition_offset, 1);
  if (sync) {
    ++shape_.sync_samples;
    if (output_) output_->sync_sample(static_cast<uint32_t>(shape_.samples));
  } else {
    shape_.all_sync = false;
  }
}

void SampleIndex::add_pcm_chunk(uint64_t offset, uint32_t sample_description_index, uint32_t frames,
                                uint32_t frame_bytes, uint32_t duration) {
  if (frames == 0) return;
  begin_chunk(offset, sample_description_index);
  add_sizes(frame_bytes, frames);
  samples_in_chunk_ += frames;
  // A packet stamped longer than its bytes (a gap in the capture) keeps its time: the last
  // sample lasts the rest. Every sample is a sync sample and has no composition offset.
  const uint32_t last = duration > frames ? duration - frames + 1 : 1;
  if (frames > 1) add_durations(1, frames - 1);
  add_durations(last, 1);
  shape_.presentation_end = std::max(shape_.presentation_end, static_cast<int64_t>(shape_.duration));
  // Not listed in stss: a track of such chunks has no other samples, so it has no stss.
  add_composition_offsets(0, frames);
}

SampleTableShape SampleIndex::shape() const {
  SampleTableShape s = shape_;
  if (shape_.chunks > 0 && last_chunk_starts_run()) ++s.stsc_entries;
  return s;
}

void SampleIndex::finish() {
  if (!output_) return;
  if (stts_run_.sample_count > 0) output_->time_to_sample(stts_run_);
  if (ctts_run_.sample_count > 0) output_->composition_offset(ctts_run_);
  if (shape_.chunks > 0 && last_chunk_starts_run())
    output_->sample_to_chunk({static_cast<uint32_t>(shape_.chunks), samples_in_chunk_, chunk_description_});
}

}  // namespace camrec::mux
