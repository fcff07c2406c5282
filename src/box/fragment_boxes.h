// Movie fragment boxes: mvex/mehd/trex, moof/mfhd/traf/tfhd/tfdt/trun, mfra/tfra/mfro, sidx.
#pragma once

#include <bit>
#include <cstdint>
#include <optional>
#include <vector>

#include "box/archive.h"

namespace camrec::box {

/// Sample flags (14496-12 8.8.3.1), as used in trex, tfhd and trun.
namespace sample_flags {
inline constexpr uint32_t kDependsOnOthers = 1u << 24;  ///< sample_depends_on = 1 (not a key frame)
inline constexpr uint32_t kDependsOnNone = 2u << 24;    ///< sample_depends_on = 2 (I picture)
inline constexpr uint32_t kNonSync = 1u << 16;          ///< sample_is_non_sync_sample
/// Flags of a key frame and of a frame that needs others, as ffmpeg and GStreamer write them.
inline constexpr uint32_t kKey = kDependsOnNone;
inline constexpr uint32_t kDelta = kDependsOnOthers | kNonSync;
}  // namespace sample_flags

// 'tfdt' Track Fragment Decode Time, 14496-12 8.8.12
struct TrackFragmentDecodeTimeBox {
  static constexpr FourCC kType = fourcc("tfdt");
  uint8_t version = 0;
  uint32_t flags = 0;
  uint64_t base_media_decode_time = 0;

  template <class A>
  void describe(A& a) {
    a.full_header(version, flags);
    a.check_version(version, 1);
    a.u32_or_u64("base_media_decode_time", base_media_decode_time, version == 1);
  }
  bool operator==(const TrackFragmentDecodeTimeBox&) const = default;
};

// 'trun' Track Fragment Run, 14496-12 8.8.8
struct TrackRunBox {
  static constexpr FourCC kType = fourcc("trun");
  static constexpr uint32_t kDataOffsetPresent = 0x000001;
  static constexpr uint32_t kFirstSampleFlagsPresent = 0x000004;
  static constexpr uint32_t kSampleDurationPresent = 0x000100;
  static constexpr uint32_t kSampleSizePresent = 0x000200;
  static constexpr uint32_t kSampleFlagsPresent = 0x000400;
  static constexpr uint32_t kSampleCompositionTimeOffsetPresent = 0x000800;

  struct Entry {
    uint32_t sample_duration = 0;
    uint32_t sample_size = 0;
    uint32_t sample_flags = 0;
    /// Unsigned in version 0, signed in version 1; stored as the signed value.
    int32_t sample_composition_time_offset = 0;
    bool operator==(const Entry&) const = default;
  };

  uint8_t version = 0;
  uint32_t flags = 0;
  int32_t data_offset = 0;
  uint32_t first_sample_flags = 0;
  std::vector<Entry> entries;

  template <class A>
  void describe(A& a) {
    a.full_header(version, flags);
    a.check_version(version, 1);
    uint32_t sample_count = static_cast<uint32_t>(entries.size());
    a.field("sample_count", sample_count);
    if (flags & kDataOffsetPresent) a.field("data_offset", data_offset);
    if (flags & kFirstSampleFlagsPresent) a.field("first_sample_flags", first_sample_flags);
    uint64_t entry_size = 4 * uint64_t(std::popcount(flags & 0xf00));
    a.list("entries", entries, sample_count, entry_size, [this](auto& ar, Entry& e) {
      if (flags & kSampleDurationPresent) ar.field("sample_duration", e.sample_duration);
      if (flags & kSampleSizePresent) ar.field("sample_size", e.sample_size);
      if (flags & kSampleFlagsPresent) ar.field("sample_flags", e.sample_flags);
      if (flags & kSampleCompositionTimeOffsetPresent)
        ar.field("sample_composition_time_offset", e.sample_composition_time_offset);
    });
  }
  bool operator==(const TrackRunBox&) const = default;
};

}  // namespace camrec::box
