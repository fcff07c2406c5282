// SPDX-License-Identifier: LGPL-2.1-or-later
#include "demux/table_cursor.h"

#include "box/fourcc.h"
#include "camrec/time.h"
#include "camrec/checked.h"

namespace camrec::demux {

namespace {

Status bad(const std::string& what) { return make_error(Errc::malformed, "sample table: " + what); }

}  // namespace

bool is_random_access_group(box::FourCC type) { return type == box::fourcc("rap ") || type == box::fourcc("sync"); }

void RandomAccessGroups::init(const std::vector<box::SampleToGroupBox>& sbgps) {
  groups_.clear();
  for (const auto& sbgp : sbgps)
    if (is_random_access_group(sbgp.grouping_type)) groups_.push_back({&sbgp, 0, 0});
}

bool RandomAccessGroups::contains(uint64_t index) {
  bool member = false;
  for (auto& g : groups_) {
    const auto& entries = g.sbgp->entries;
    while (g.entry < entries.size() && index >= g.entry_start + entries[g.entry].sample_count) {
      g.entry_start += entries[g.entry].sample_count;
      ++g.entry;
    }
    // Past the last run, samples belong to no group (8.9.2.3).
    if (g.entry < entries.size() && entries[g.entry].group_description_index != 0) member = true;
  }
  return member;
}

Status TableCursor::init(const box::SampleTableBox& stbl, uint32_t track, uint64_t file_size,
                         uint32_t description_count, bool group_pcm_chunks) {
  stbl_ = &stbl;
  track_ = track;
  if (stbl.stsz) table_samples_ = stbl.stsz->sample_count;
  else if (stbl.stz2) table_samples_ = stbl.stz2->entry_sizes.size();
  else if (!stbl.stts.entries.empty()) return bad("no stsz or stz2 box");
  if (stbl.stsz && stbl.stsz->sample_size == 0 && stbl.stsz->entry_sizes.size() != table_samples_)
    return bad("stsz lists " + std::to_string(stbl.stsz->entry_sizes.size()) + " sizes for " +
               std::to_string(table_samples_) + " samples");
  uint64_t timed = 0;
  camrec::int128 total_time = 0;
  for (auto& e : stbl.stts.entries) {
    timed += e.sample_count;
    total_time += static_cast<camrec::int128>(e.sample_count) * e.sample_delta;
  }
  if (timed != table_samples_)
    return bad("stts covers " + std::to_string(timed) + " samples, stsz has " + std::to_string(table_samples_));
  if (total_time > INT64_MAX / 2) return bad("track duration overflows");
  end_time_ = static_cast<int64_t>(total_time);
  if (stbl.ctts) {
    uint64_t n = 0;
    for (auto& e : stbl.ctts->entries) n += e.sample_count;
    if (n < table_samples_) return bad("ctts covers fewer samples than stsz");
  }
  if (stbl.co64) chunk_count_ = stbl.co64->chunk_offsets.size();
  else if (stbl.stco) chunk_count_ = stbl.stco->chunk_offsets.size();
  else if (table_samples_ > 0) return bad("no stco or co64 box");
  // stsc: first_chunk starts at 1 and increases; every description index exists.
  uint64_t covered = 0;
  const auto& stsc = stbl.stsc.entries;
  for (size_t i = 0; i < stsc.size(); ++i) {
    if (stsc[i].first_chunk == 0 || (i > 0 && stsc[i].first_chunk <= stsc[i - 1].first_chunk))
      return bad("stsc first_chunk values do not increase from 1");
    if (stsc[i].sample_description_index == 0 || stsc[i].sample_description_index > description_count)
      return bad("stsc refers to sample description " + std::to_string(stsc[i].sample_description_index));
    if (stsc[i].first_chunk > chunk_count_) break;
    uint64_t last = i + 1 < stsc.size() ? std::min<uint64_t>(stsc[i + 1].first_chunk - 1, chunk_count_) : chunk_count_;
    auto part = checked_mul(last - stsc[i].first_chunk + 1, stsc[i].samples_per_chunk);
    if (!part) return bad("stsc sample count overflows");
    covered += *part;
  }
  if (covered < table_samples_)
    return bad("chunks hold " + std::to_string(covered) + " samples, stsz has " + std::to_string(table_samples_));
  if (table_samples_ > 0 && (stsc.empty() || stsc[0].first_chunk != 1)) return bad("stsc does not start at chunk 1");
  // Chunks must lie inside the file; sizes are checked per sample as they are read.
  for (uint64_t c = 0; c < chunk_count_; ++c)
    if (chunk_offset(c) > file_size) return bad("chunk " + std::to_string(c + 1) + " starts past the end of the file");

  group_pcm_ = group_pcm_chunks;
  // With one size for all samples stsz lists none, so a few bytes can declare 2^32 samples
  // that next() and scan() would walk one by one: their bytes must fit in the file. (PCM
  // grouped by chunk is walked a chunk at a time and is bounded by the chunk table.)
  if (!group_pcm_ && stbl.stsz && stbl.stsz->sample_size != 0) {
    auto bytes = checked_mul(table_samples_, stbl.stsz->sample_size);
    if (!bytes || *bytes > file_size)
      return bad(std::to_string(table_samples_) + " samples of " + std::to_string(stbl.stsz->sample_size) +
                 " bytes do not fit in a file of " + std::to_string(file_size) + " bytes");
  }
  sample_count_ = table_samples_;
  if (group_pcm_) {
    // Count the chunks that hold samples.
    uint64_t left = table_samples_;
    uint64_t chunks = 0;
    for (size_t i = 0; i < stsc.size() && left > 0; ++i) {
      uint64_t last = i + 1 < stsc.size() ? stsc[i + 1].first_chunk - 1 : chunk_count_;
      for (uint64_t c = stsc[i].first_chunk; c <= last && left > 0; ++c) {
        if (stsc[i].samples_per_chunk == 0) continue;
        left -= std::min<uint64_t>(left, stsc[i].samples_per_chunk);
        ++chunks;
      }
    }
    sample_count_ = chunks;
  }
  if (table_samples_ > 0) chunk_pos_ = chunk_offset(0);
  rap_groups_.init(stbl.sbgp);
  return Status::ok();
}

uint32_t TableCursor::sample_size(uint64_t index) const {
  if (stbl_->stsz) {
    return stbl_->stsz->sample_size ? stbl_->stsz->sample_size : stbl_->stsz->entry_sizes[index];
  }
  return stbl_->stz2->entry_sizes[index];
}

uint64_t TableCursor::chunk_offset(uint64_t chunk) const {
  return stbl_->co64 ? stbl_->co64->chunk_offsets[chunk] : stbl_->stco->chunk_offsets[chunk];
}

bool TableCursor::next(SampleRef& out) {
  if (emitted_ >= sample_count_) return false;
  const auto& stsc = stbl_->stsc.entries;
  // Move to a chunk that still has samples (chunks of 0 samples are skipped).
  auto samples_per_chunk = [&]() { return stsc[stsc_entry_].samples_per_chunk; };
  while (in_chunk_ >= samples_per_chunk()) {
    ++chunk_;
    in_chunk_ = 0;
    if (stsc_entry_ + 1 < stsc.size() && chunk_ + 1 >= stsc[stsc_entry_ + 1].first_chunk) ++stsc_entry_;
    if (chunk_ >= chunk_count_) {
      emitted_ = sample_count_;
      return false;
    }
    chunk_pos_ = chunk_offset(chunk_);
  }

  uint32_t count = group_pcm_ ? static_cast<uint32_t>(std::min<uint64_t>(samples_per_chunk() - in_chunk_,
                                                                        table_samples_ - sample_index_))
                              : 1;
  out = SampleRef{};
  out.track = track_;
  out.offset = chunk_pos_;
  out.description = stsc[stsc_entry_].sample_description_index;
  out.dts = dts_;
  if (stbl_->ctts) {
    const auto& ctts = stbl_->ctts->entries;
    while (ctts_entry_ < ctts.size() && ctts_used_ >= ctts[ctts_entry_].sample_count) {
      ++ctts_entry_;
      ctts_used_ = 0;
    }
    if (ctts_entry_ < ctts.size()) out.composition_offset = ctts[ctts_entry_].sample_offset;
  }
  out.sync = !stbl_->stss;
  if (stbl_->stss) {
    const auto& sync = stbl_->stss->sample_numbers;
    while (stss_entry_ < sync.size() && sync[stss_entry_] < sample_index_ + 1) ++stss_entry_;
    out.sync = stss_entry_ < sync.size() && sync[stss_entry_] == sample_index_ + 1;
  }
  // A random access point may be marked by a sample group instead of stss.
  if (!out.sync && rap_groups_.any()) out.sync = rap_groups_.contains(sample_index_);
  uint64_t duration = 0;
  for (uint32_t i = 0; i < count; ++i) {
    out.size += sample_size(sample_index_);
    const auto& stts = stbl_->stts.entries;
    while (stts_used_ >= stts[stts_entry_].sample_count) {
      ++stts_entry_;
      stts_used_ = 0;
    }
    duration += stts[stts_entry_].sample_delta;
    ++stts_used_;
    if (stbl_->ctts) {
      const auto& ctts = stbl_->ctts->entries;
      while (ctts_entry_ < ctts.size() && ctts_used_ >= ctts[ctts_entry_].sample_count) {
        ++ctts_entry_;
        ctts_used_ = 0;
      }
      ++ctts_used_;
    }
    ++sample_index_;
  }
  out.duration = static_cast<uint32_t>(std::min<uint64_t>(duration, UINT32_MAX));
  dts_ += static_cast<int64_t>(duration);
  chunk_pos_ += out.size;
  in_chunk_ += count;
  ++emitted_;
  return true;
}

}  // namespace camrec::demux
