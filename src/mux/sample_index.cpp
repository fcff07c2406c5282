// SPDX-License-Identifier: LGPL-2.1-or-later
#include "mux/sample_index.h"

#include <algorithm>

namespace camrec::mux {

void SampleIndex::begin_chunk(uint64_t offset, uint32_t sample_description_index) {
  // Close the previous chunk's stsc run: a new run starts only when the samples per chunk
  // or the description change (14496-12 8.7.4).
  if (!chunk_offsets_.empty()) {
    if (stsc_.empty() || stsc_.back().samples_per_chunk != samples_in_chunk_ ||
        stsc_.back().sample_description_index != chunk_description_) {
      stsc_.push_back({static_cast<uint32_t>(chunk_offsets_.size()), samples_in_chunk_, chunk_description_});
    }
  }
  chunk_offsets_.push_back(offset);
  max_offset_ = std::max(max_offset_, offset);
  samples_in_chunk_ = 0;
  chunk_description_ = sample_description_index;
}

void SampleIndex::add_sizes(uint32_t size, uint64_t n) {
  if (count_ == 0) first_size_ = size;
  if (!sizes_differ_ && size != first_size_) {
    sizes_differ_ = true;
    sizes_.assign(count_, first_size_);
  }
  if (sizes_differ_) sizes_.insert(sizes_.end(), n, size);
  count_ += n;
}

void SampleIndex::add_durations(uint32_t duration, uint32_t n) {
  duration_ += uint64_t{duration} * n;
  if (!stts_.empty() && stts_.back().sample_delta == duration && stts_.back().sample_count <= UINT32_MAX - n)
    stts_.back().sample_count += n;
  else
    stts_.push_back({n, duration});
}

void SampleIndex::add_sample(uint32_t size, uint32_t duration, int32_t composition_offset, bool sync) {
  presentation_end_ = std::max(presentation_end_, static_cast<int64_t>(duration_) + composition_offset + duration);
  add_sizes(size, 1);
  ++samples_in_chunk_;
  add_durations(duration, 1);
  if (composition_offset != 0) any_composition_offset_ = true;
  if (composition_offset < 0) negative_cts_ = true;
  if (!ctts_.empty() && ctts_.back().sample_offset == composition_offset) ++ctts_.back().sample_count;
  else ctts_.push_back({1, composition_offset});
  if (sync) sync_samples_.push_back(static_cast<uint32_t>(count_));
  else all_sync_ = false;
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
  presentation_end_ = std::max(presentation_end_, static_cast<int64_t>(duration_));
  if (!ctts_.empty() && ctts_.back().sample_offset == 0) ctts_.back().sample_count += frames;
  else ctts_.push_back({frames, 0});
}

size_t SampleIndex::memory_bytes() const {
  return sizes_.capacity() * sizeof(uint32_t) + stts_.capacity() * sizeof(stts_[0]) +
         ctts_.capacity() * sizeof(ctts_[0]) + sync_samples_.capacity() * sizeof(uint32_t) +
         chunk_offsets_.capacity() * sizeof(uint64_t) + stsc_.capacity() * sizeof(stsc_[0]);
}

box::SampleTableBox SampleIndex::take_sample_table(box::SampleDescriptionBox stsd, uint64_t chunk_offset_shift) {
  box::SampleTableBox stbl;
  stbl.stsd = std::move(stsd);
  stbl.stts.entries = std::move(stts_);
  if (any_composition_offset_) {
    box::CompositionOffsetBox ctts;
    ctts.version = negative_cts_ ? 1 : 0;
    ctts.entries = std::move(ctts_);
    stbl.ctts = std::move(ctts);
  }
  // No stss means every sample is a sync sample (14496-12 8.6.2.1).
  if (!all_sync_) {
    box::SyncSampleBox stss;
    stss.sample_numbers = std::move(sync_samples_);
    stbl.stss = std::move(stss);
  }
  if (!chunk_offsets_.empty()) {
    stsc_.push_back({static_cast<uint32_t>(chunk_offsets_.size()), samples_in_chunk_, chunk_description_});
    // Merge a last run equal to the one before it.
    if (stsc_.size() >= 2 && stsc_[stsc_.size() - 2].samples_per_chunk == stsc_.back().samples_per_chunk &&
        stsc_[stsc_.size() - 2].sample_description_index == stsc_.back().sample_description_index)
      stsc_.pop_back();
  }
  stbl.stsc.entries = std::move(stsc_);
  box::SampleSizeBox stsz;
  stsz.sample_count = static_cast<uint32_t>(count_);
  if (!sizes_differ_) {
    stsz.sample_size = first_size_;
  } else {
    stsz.entry_sizes = std::move(sizes_);
  }
  stbl.stsz = std::move(stsz);
  if (max_offset_ + chunk_offset_shift > UINT32_MAX) {
    box::ChunkLargeOffsetBox co64;
    co64.chunk_offsets = std::move(chunk_offsets_);
    for (auto& o : co64.chunk_offsets) o += chunk_offset_shift;
    stbl.co64 = std::move(co64);
  } else {
    box::ChunkOffsetBox stco;
    stco.chunk_offsets.reserve(chunk_offsets_.size());
    for (uint64_t o : chunk_offsets_) stco.chunk_offsets.push_back(static_cast<uint32_t>(o + chunk_offset_shift));
    stbl.stco = std::move(stco);
  }
  *this = SampleIndex();
  return stbl;
}

}  // namespace camrec::mux
