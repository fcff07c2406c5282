// SPDX-License-Identifier: LGPL-2.1-or-later
// Movie fragment boxes: mvex/mehd/trex, moof/mfhd/traf/tfhd/tfdt/trun, mfra/tfra/mfro, sidx.
#pragma once

#include <bit>
#include <cstdint>
#include <optional>
#include <vector>

#include "box/archive.h"
#include "box/sample_table_boxes.h"

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

// 'mehd' Movie Extends Header, 14496-12 8.8.2
struct MovieExtendsHeaderBox {
  static constexpr FourCC kType = fourcc("mehd");
  uint8_t version = 0;  ///< 1 for a 64-bit fragment_duration.
  uint32_t flags = 0;   ///< Full box flags; none defined, kept as read.
  uint64_t fragment_duration = 0;  ///< Whole movie, movie timescale; 32 bits in version 0.

  template <class A>
  void describe(A& a) {
    a.full_header(version, flags);
    a.check_version(version, 1);
    a.u32_or_u64("fragment_duration", fragment_duration, version == 1);
  }
  bool operator==(const MovieExtendsHeaderBox&) const = default;
};

// 'trex' Track Extends, 14496-12 8.8.3
struct TrackExtendsBox {
  static constexpr FourCC kType = fourcc("trex");
  uint8_t version = 0;  ///< Full box version; 0 is the only one defined.
  uint32_t flags = 0;   ///< Full box flags; none defined, kept as read.
  uint32_t track_ID = 1;  ///< The track these defaults apply to.
  uint32_t default_sample_description_index = 1;  ///< 1-based index into stsd.
  uint32_t default_sample_duration = 0;           ///< Media ticks.
  uint32_t default_sample_size = 0;               ///< Bytes.
  uint32_t default_sample_flags = 0;              ///< sample_flags:: bits.

  template <class A>
  void describe(A& a) {
    a.full_header(version, flags);
    a.check_version(version, 0);
    a.field("track_ID", track_ID);
    a.field("default_sample_description_index", default_sample_description_index);
    a.field("default_sample_duration", default_sample_duration);
    a.field("default_sample_size", default_sample_size);
    a.field("default_sample_flags", default_sample_flags);
  }
  bool operator==(const TrackExtendsBox&) const = default;
};

// 'mvex' Movie Extends, 14496-12 8.8.1
struct MovieExtendsBox {
  static constexpr FourCC kType = fourcc("mvex");
  std::optional<MovieExtendsHeaderBox> mehd;  ///< Optional child.
  std::vector<TrackExtendsBox> trex;  ///< One per track.
  std::vector<RawBox> unknown;        ///< leva, trep, ...
  ChildOrder child_order;             ///< Order read from the file; not part of the value.

  template <class A>
  void describe(A& a) {
    a.children(child_order, mehd, trex, unknown);
  }
  bool operator==(const MovieExtendsBox&) const = default;
};

// 'mfhd' Movie Fragment Header, 14496-12 8.8.5
struct MovieFragmentHeaderBox {
  static constexpr FourCC kType = fourcc("mfhd");
  uint8_t version = 0;  ///< Full box version; 0 is the only one defined.
  uint32_t flags = 0;   ///< Full box flags; none defined, kept as read.
  uint32_t sequence_number = 1;  ///< Increases with each fragment, starting at 1.

  template <class A>
  void describe(A& a) {
    a.full_header(version, flags);
    a.check_version(version, 0);
    a.field("sequence_number", sequence_number);
  }
  bool operator==(const MovieFragmentHeaderBox&) const = default;
};

// 'tfhd' Track Fragment Header, 14496-12 8.8.7
struct TrackFragmentHeaderBox {
  static constexpr FourCC kType = fourcc("tfhd");
  static constexpr uint32_t kBaseDataOffsetPresent = 0x000001;
  static constexpr uint32_t kSampleDescriptionIndexPresent = 0x000002;
  static constexpr uint32_t kDefaultSampleDurationPresent = 0x000008;
  static constexpr uint32_t kDefaultSampleSizePresent = 0x000010;
  static constexpr uint32_t kDefaultSampleFlagsPresent = 0x000020;
  static constexpr uint32_t kDurationIsEmpty = 0x010000;
  static constexpr uint32_t kDefaultBaseIsMoof = 0x020000;

  uint8_t version = 0;  ///< Full box version; 0 is the only one defined.
  uint32_t flags = 0;  ///< The k...Present bits select the optional fields below.
  uint32_t track_ID = 1;  ///< The track this fragment belongs to.
  uint64_t base_data_offset = 0;          ///< kBaseDataOffsetPresent: file offset.
  uint32_t sample_description_index = 0;  ///< kSampleDescriptionIndexPresent: 1-based.
  uint32_t default_sample_duration = 0;   ///< kDefaultSampleDurationPresent: media ticks.
  uint32_t default_sample_size = 0;       ///< kDefaultSampleSizePresent: bytes.
  uint32_t default_sample_flags = 0;      ///< kDefaultSampleFlagsPresent: sample_flags:: bits.

  template <class A>
  void describe(A& a) {
    a.full_header(version, flags);
    a.check_version(version, 0);
    a.field("track_ID", track_ID);
    if (flags & kBaseDataOffsetPresent) a.field("base_data_offset", base_data_offset);
    if (flags & kSampleDescriptionIndexPresent) a.field("sample_description_index", sample_description_index);
    if (flags & kDefaultSampleDurationPresent) a.field("default_sample_duration", default_sample_duration);
    if (flags & kDefaultSampleSizePresent) a.field("default_sample_size", default_sample_size);
    if (flags & kDefaultSampleFlagsPresent) a.field("default_sample_flags", default_sample_flags);
  }
  bool operator==(const TrackFragmentHeaderBox&) const = default;
};

// 'tfdt' Track Fragment Decode Time, 14496-12 8.8.12
struct TrackFragmentDecodeTimeBox {
  static constexpr FourCC kType = fourcc("tfdt");
  uint8_t version = 0;  ///< 1 for a 64-bit base_media_decode_time.
  uint32_t flags = 0;   ///< Full box flags; none defined, kept as read.
  uint64_t base_media_decode_time = 0;  ///< Decode time of the first sample, media ticks.

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

  uint8_t version = 0;  ///< 1 for signed composition offsets.
  uint32_t flags = 0;   ///< The k...Present bits select the fields below.
  int32_t data_offset = 0;          ///< kDataOffsetPresent: bytes from the base to the first sample.
  uint32_t first_sample_flags = 0;  ///< kFirstSampleFlagsPresent: overrides the first sample's flags.
  std::vector<Entry> entries;       ///< One per sample.

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

// 'traf' Track Fragment, 14496-12 8.8.6
struct TrackFragmentBox {
  static constexpr FourCC kType = fourcc("traf");
  TrackFragmentHeaderBox tfhd;  ///< Required child.
  std::optional<TrackFragmentDecodeTimeBox> tfdt;  ///< Optional child.
  std::vector<TrackRunBox> truns;  ///< Runs of contiguous samples, in file order.
  std::optional<SampleDependencyTypeBox> sdtp;  ///< Optional child.
  std::vector<SampleGroupDescriptionBox> sgpd;  ///< Groups described for this fragment only.
  std::vector<SampleToGroupBox> sbgp;           ///< This fragment's samples to groups.
  std::vector<RawBox> unknown;  ///< saiz, saio, senc, subs, ...
  ChildOrder child_order;       ///< Order read from the file; not part of the value.

  template <class A>
  void describe(A& a) {
    a.children(child_order, tfhd, tfdt, truns, sdtp, sgpd, sbgp, unknown);
  }
  bool operator==(const TrackFragmentBox&) const = default;
};

// 'moof' Movie Fragment, 14496-12 8.8.4
struct MovieFragmentBox {
  static constexpr FourCC kType = fourcc("moof");
  MovieFragmentHeaderBox mfhd;  ///< Required child.
  std::vector<TrackFragmentBox> trafs;  ///< One per track with samples in the fragment.
  std::vector<RawBox> unknown;  ///< pssh, ...
  ChildOrder child_order;       ///< Order read from the file; not part of the value.

  template <class A>
  void describe(A& a) {
    a.children(child_order, mfhd, trafs, unknown);
  }
  bool operator==(const MovieFragmentBox&) const = default;
};

// 'tfra' Track Fragment Random Access, 14496-12 8.8.10
struct TrackFragmentRandomAccessBox {
  static constexpr FourCC kType = fourcc("tfra");
  struct Entry {
    uint64_t time = 0;            ///< Presentation time of the sample, media ticks.
    uint64_t moof_offset = 0;     ///< File offset of the moof holding the sample.
    uint32_t traf_number = 1;     ///< 1-based traf within the moof.
    uint32_t trun_number = 1;     ///< 1-based trun within the traf.
    uint32_t sample_number = 1;   ///< 1-based sample within the trun.
    bool operator==(const Entry&) const = default;
  };
  uint8_t version = 0;  ///< 1 for 64-bit time and moof_offset.
  uint32_t flags = 0;   ///< Full box flags; none defined, kept as read.
  uint32_t track_ID = 1;  ///< The track the entries index.
  /// Bytes minus one (0..3) of traf_number, trun_number and sample_number; the numbers
  /// must fit (fit_length_sizes() picks the smallest sizes that do).
  uint8_t length_size_of_traf_num = 0;
  uint8_t length_size_of_trun_num = 0;    ///< See length_size_of_traf_num.
  uint8_t length_size_of_sample_num = 0;  ///< See length_size_of_traf_num.
  std::vector<Entry> entries;  ///< One per random access sample, in time order.

  /// Sets the three length sizes to the smallest that hold every entry's numbers.
  void fit_length_sizes();

  template <class A>
  void describe(A& a) {
    a.full_header(version, flags);
    a.check_version(version, 1);
    a.field("track_ID", track_ID);
    a.reserved_bits(26);
    a.bits("length_size_of_traf_num", length_size_of_traf_num, 2);
    a.bits("length_size_of_trun_num", length_size_of_trun_num, 2);
    a.bits("length_size_of_sample_num", length_size_of_sample_num, 2);
    uint32_t number_of_entry = static_cast<uint32_t>(entries.size());
    a.field("number_of_entry", number_of_entry);
    bool wide = version == 1;
    unsigned traf_bytes = (length_size_of_traf_num & 3u) + 1;
    unsigned trun_bytes = (length_size_of_trun_num & 3u) + 1;
    unsigned sample_bytes = (length_size_of_sample_num & 3u) + 1;
    uint64_t entry_size = (wide ? 16 : 8) + traf_bytes + trun_bytes + sample_bytes;
    a.list("entries", entries, number_of_entry, entry_size, [&](auto& ar, Entry& e) {
      ar.u32_or_u64("time", e.time, wide);
      ar.u32_or_u64("moof_offset", e.moof_offset, wide);
      ar.uint_bytes("traf_number", e.traf_number, traf_bytes);
      ar.uint_bytes("trun_number", e.trun_number, trun_bytes);
      ar.uint_bytes("sample_number", e.sample_number, sample_bytes);
    });
  }
  bool operator==(const TrackFragmentRandomAccessBox&) const = default;
};

// 'mfro' Movie Fragment Random Access Offset, 14496-12 8.8.11
struct MovieFragmentRandomAccessOffsetBox {
  static constexpr FourCC kType = fourcc("mfro");
  uint8_t version = 0;  ///< Full box version; 0 is the only one defined.
  uint32_t flags = 0;   ///< Full box flags; none defined, kept as read.
  uint32_t size = 0;  ///< Size of the enclosing mfra box in bytes.

  template <class A>
  void describe(A& a) {
    a.full_header(version, flags);
    a.check_version(version, 0);
    // Named apart from the box header's own "size" in the inspector's JSON, where two equal
    // keys in one object make readers keep either value.
    a.field("mfra_size", size);
  }
  bool operator==(const MovieFragmentRandomAccessOffsetBox&) const = default;
};

// 'mfra' Movie Fragment Random Access, 14496-12 8.8.9
struct MovieFragmentRandomAccessBox {
  static constexpr FourCC kType = fourcc("mfra");
  std::vector<TrackFragmentRandomAccessBox> tfras;  ///< One per track.
  MovieFragmentRandomAccessOffsetBox mfro;  ///< Last child: lets a reader find mfra from the end.
  std::vector<RawBox> unknown;  ///< Children camrec does not interpret, kept raw.
  ChildOrder child_order;  ///< Order read from the file; not part of the value.

  template <class A>
  void describe(A& a) {
    a.children(child_order, tfras, mfro, unknown);
  }
  bool operator==(const MovieFragmentRandomAccessBox&) const = default;
};

// 'sidx' Segment Index, 14496-12 8.16.3
struct SegmentIndexBox {
  static constexpr FourCC kType = fourcc("sidx");
  struct Reference {
    uint8_t reference_type = 0;     ///< 1 bit: 0 = media (a moof), 1 = another sidx.
    uint32_t referenced_size = 0;   ///< 31 bits: bytes of the referenced material.
    uint32_t subsegment_duration = 0;  ///< Timescale ticks.
    uint8_t starts_with_SAP = 0;    ///< 1 bit.
    uint8_t SAP_type = 0;           ///< 3 bits.
    uint32_t SAP_delta_time = 0;    ///< 28 bits.
    bool operator==(const Reference&) const = default;
  };
  uint8_t version = 0;  ///< 1 for 64-bit earliest_presentation_time and first_offset.
  uint32_t flags = 0;   ///< Full box flags; none defined, kept as read.
  uint32_t reference_ID = 1;  ///< track_ID of the reference stream.
  uint32_t timescale = 1000;  ///< Ticks per second of the times below.
  uint64_t earliest_presentation_time = 0;  ///< Of the first referenced sample, timescale ticks.
  uint64_t first_offset = 0;  ///< Bytes from the end of this box to the first referenced byte.
  std::vector<Reference> references;  ///< At most 65535 (16-bit count).

  template <class A>
  void describe(A& a) {
    a.full_header(version, flags);
    a.check_version(version, 1);
    a.field("reference_ID", reference_ID);
    a.field("timescale", timescale);
    a.u32_or_u64("earliest_presentation_time", earliest_presentation_time, version == 1);
    a.u32_or_u64("first_offset", first_offset, version == 1);
    a.reserved(2);
    uint16_t reference_count = static_cast<uint16_t>(references.size());
    a.field("reference_count", reference_count);
    a.list("references", references, reference_count, 12, [](auto& ar, Reference& r) {
      ar.bits("reference_type", r.reference_type, 1);
      ar.bits("referenced_size", r.referenced_size, 31);
      ar.field("subsegment_duration", r.subsegment_duration);
      ar.bits("starts_with_SAP", r.starts_with_SAP, 1);
      ar.bits("SAP_type", r.SAP_type, 3);
      ar.bits("SAP_delta_time", r.SAP_delta_time, 28);
    });
  }
  bool operator==(const SegmentIndexBox&) const = default;
};

}  // namespace camrec::box
