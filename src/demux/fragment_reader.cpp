// SPDX-License-Identifier: LGPL-2.1-or-later
// Reads one movie fragment (moof) into sample references (14496-12 8.8).
#include <algorithm>

#include "camrec/checked.h"
#include "demux/demuxer_impl.h"

namespace camrec {

using box::TrackFragmentHeaderBox;
using box::TrackRunBox;
using demux::SampleRef;

namespace {

constexpr uint32_t kNonSync = 0x00010000;  // sample_is_non_sync_sample (8.8.3.1)
constexpr int64_t kMaxDecodeTime = int64_t{1} << 62;

}  // namespace

Result<uint64_t> Demuxer::Impl::skip_undeclared(const box::TrackFragmentBox& traf, uint64_t base, bool count) {
  const auto& tfhd = traf.tfhd;
  // Without a trex (the moov does not know the track) only the tfhd gives a default size.
  const uint32_t default_size =
      (tfhd.flags & TrackFragmentHeaderBox::kDefaultSampleSizePresent) ? tfhd.default_sample_size : 0;
  uint64_t data_pos = base;
  uint64_t sample_count = 0, bytes = 0;
  for (const auto& trun : traf.truns) {
    if (trun.flags & TrackRunBox::kDataOffsetPresent) {
      int128 pos = static_cast<int128>(base) + trun.data_offset;
      if (pos < 0) return make_error(Errc::malformed, "trun data offset points before the file");
      if (pos > static_cast<int128>(UINT64_MAX)) return make_error(Errc::malformed, "trun data offset points past 2^64");
      data_pos = static_cast<uint64_t>(pos);
    }
    for (const auto& e : trun.entries) {
      const uint64_t size = (trun.flags & TrackRunBox::kSampleSizePresent) ? e.sample_size : default_size;
      auto end = checked_add(data_pos, size);
      if (!end) return make_error(Errc::malformed, "trun data passes 2^64");
      data_pos = *end;
      bytes += size;
      ++sample_count;
    }
  }
  if (count) {
    auto& u = undeclared;
    auto at = std::lower_bound(u.track_ids.begin(), u.track_ids.end(), tfhd.track_ID);
    if (at == u.track_ids.end() || *at != tfhd.track_ID) u.track_ids.insert(at, tfhd.track_ID);
    ++u.track_fragments;
    u.samples += sample_count;
    u.bytes += bytes;
  }
  return data_pos;
}

Status Demuxer::Impl::load_fragment(uint64_t moof_offset) {
  uint8_t head[16];
  CAMREC_RETURN_IF_ERROR(source->read_at(moof_offset, std::span<uint8_t>(head, 8)));
  uint64_t size = (uint64_t{head[0]} << 24) | (uint64_t{head[1]} << 16) | (uint64_t{head[2]} << 8) | head[3];
  if (size == 1) {
    CAMREC_RETURN_IF_ERROR(source->read_at(moof_offset + 8, std::span<uint8_t>(head + 8, 8)));
    size = 0;
    for (int i = 8; i < 16; ++i) size = (size << 8) | head[i];
  }
  if (size > options.max_moof_bytes)
    return make_error(Errc::limit_exceeded, "moof of " + std::to_string(size) + " bytes at byte " +
                                                std::to_string(moof_offset));
  CAMREC_ASSIGN_OR_RETURN(auto bytes, source->read_vector(moof_offset, size));
  CAMREC_ASSIGN_OR_RETURN(auto moof, box::parse_box<box::MovieFragmentBox>(bytes, moof_offset));

  std::vector<SampleRef> samples;
  uint64_t previous_traf_end = moof_offset;  // base when no base offset flags are set
  // Each fragment is counted once, however often it is read (rewind, scan).
  const bool count_undeclared = moof_offset >= undeclared_counted_until;
  if (count_undeclared) undeclared_counted_until = moof_offset + 1;
  for (size_t traf_index = 0; traf_index < moof.trafs.size(); ++traf_index) {
    const auto& traf = moof.trafs[traf_index];
    const auto& tfhd = traf.tfhd;
    uint64_t base = moof_offset;
    if (tfhd.flags & TrackFragmentHeaderBox::kBaseDataOffsetPresent) base = tfhd.base_data_offset;
    else if (!(tfhd.flags & TrackFragmentHeaderBox::kDefaultBaseIsMoof)) base = previous_traf_end;
    auto it = std::find_if(tracks.begin(), tracks.end(), [&](auto& t) { return t.info.track_id == tfhd.track_ID; });
    if (it == tracks.end()) {
      // No sample description to read it with (K230 writes such trafs: see UndeclaredTracks).
      // Skipped, but walked: the next traf's data may start where this one's ends.
      CAMREC_ASSIGN_OR_RETURN(previous_traf_end, skip_undeclared(traf, base, count_undeclared));
      continue;
    }
    DemuxTrack& t = *it;
    const uint32_t track_index = static_cast<uint32_t>(it - tracks.begin());
    const box::TrackExtendsBox trex = t.trex.value_or(box::TrackExtendsBox{});
    const uint32_t description = (tfhd.flags & TrackFragmentHeaderBox::kSampleDescriptionIndexPresent)
                                     ? tfhd.sample_description_index
                                     : trex.default_sample_description_index;
    if (description == 0 || description > std::max<uint32_t>(1, t.info.description_count))
      return make_error(Errc::malformed, "traf of track " + std::to_string(tfhd.track_ID) +
                                             " refers to sample description " + std::to_string(description));
    const uint32_t default_duration = (tfhd.flags & TrackFragmentHeaderBox::kDefaultSampleDurationPresent)
                                          ? tfhd.default_sample_duration
                                          : trex.default_sample_duration;
    const uint32_t default_size = (tfhd.flags & TrackFragmentHeaderBox::kDefaultSampleSizePresent)
                                      ? tfhd.default_sample_size
                                      : trex.default_sample_size;
    const uint32_t default_flags = (tfhd.flags & TrackFragmentHeaderBox::kDefaultSampleFlagsPresent)
                                       ? tfhd.default_sample_flags
                                       : trex.default_sample_flags;
    int64_t time = traf.tfdt ? static_cast<int64_t>(std::min<uint64_t>(traf.tfdt->base_media_decode_time, INT64_MAX / 4))
                             : t.fragment_time;
    uint64_t data_pos = base;
    bool cut = false;
    // Random access points may be marked by a 'rap '/'sync' group instead of the flags.
    demux::RandomAccessGroups rap_groups;
    rap_groups.init(traf.sbgp);
    uint64_t traf_sample = 0;
    for (size_t r = 0; r < traf.truns.size() && !cut; ++r) {
      const auto& trun = traf.truns[r];
      if (trun.flags & TrackRunBox::kDataOffsetPresent) {
        // In 128 bits: the base (tfhd base_data_offset) is any 64-bit value of the file.
        int128 pos = static_cast<int128>(base) + trun.data_offset;
        if (pos < 0) return make_error(Errc::malformed, "trun data offset points before the file");
        if (pos > static_cast<int128>(UINT64_MAX))
          return make_error(Errc::malformed, "trun data offset points past 2^64");
        data_pos = static_cast<uint64_t>(pos);
      }
      for (size_t i = 0; i < trun.entries.size(); ++i) {
        const auto& e = trun.entries[i];
        SampleRef s;
        s.track = track_index;
        s.description = description;
        s.offset = data_pos;
        s.size = (trun.flags & TrackRunBox::kSampleSizePresent) ? e.sample_size : default_size;
        s.duration = (trun.flags & TrackRunBox::kSampleDurationPresent) ? e.sample_duration : default_duration;
        uint32_t flags = default_flags;
        if (trun.flags & TrackRunBox::kSampleFlagsPresent) flags = e.sample_flags;
        else if (i == 0 && (trun.flags & TrackRunBox::kFirstSampleFlagsPresent)) flags = trun.first_sample_flags;
        s.sync = !(flags & kNonSync) || (rap_groups.any() && rap_groups.contains(traf_sample));
        ++traf_sample;
        if (trun.flags & TrackRunBox::kSampleCompositionTimeOffsetPresent)
          s.composition_offset = e.sample_composition_time_offset;
        // A version 0 trun stores unsigned offsets; values past 2^31 are kept as files
        // written with negative offsets in version 0 expect (ffmpeg reads them so too).
        s.dts = time;
        auto end = checked_add(data_pos, s.size);
        if (!end || *end > layout.file_size) {
          // The fragment was cut short (a crash): the samples that are whole are kept.
          layout.truncated = true;
          cut = true;
          break;
        }
        // Fragments without tfdt continue the previous one's time; bound it so the sum
        // (and the edit list shift added later) stays inside int64.
        if (time > kMaxDecodeTime)
          return make_error(Errc::malformed, "moof at byte " + std::to_string(moof_offset) +
                                                 ": decode time passes 2^62 ticks");
        samples.push_back(s);
        data_pos = *end;
        time += s.duration;
      }
    }
    t.fragment_time = time;
    previous_traf_end = data_pos;
  }
  // Decode order across tracks inside the fragment.
  std::stable_sort(samples.begin(), samples.end(), [&](const SampleRef& a, const SampleRef& b) {
    Timescale ta = tracks[a.track].info.timescale, tb = tracks[b.track].info.timescale;
    if (time_less(a.dts, ta, b.dts, tb)) return true;
    if (time_less(b.dts, tb, a.dts, ta)) return false;
    return a.track < b.track;
  });
  queue.insert(queue.end(), samples.begin(), samples.end());
  return Status::ok();
}

}  // namespace camrec
