// SPDX-License-Identifier: LGPL-2.1-or-later
// The sample table: stbl and its tables (stsd, stts, ctts, stss, stsc, stsz, stz2, stco, co64,
// sdtp). Counts read from a file are checked against the bytes left before any allocation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "box/archive.h"
#include "box/sample_entry_boxes.h"

namespace camrec::box {

// 'stsd' Sample Description, 14496-12 8.5.2
struct SampleDescriptionBox {
  static constexpr FourCC kType = fourcc("stsd");
  uint8_t version = 0;  ///< 1 only with ISO AudioSampleEntryV1 entries.
  uint32_t flags = 0;   ///< Full box flags; none defined, kept as read.
  std::vector<VisualSampleEntry> visual;  ///< Video entries (a video track has only these).
  std::vector<AudioSampleEntry> audio;    ///< Audio entries.
  std::vector<RawBox> other;              ///< Entries of other types, raw (text, metadata, ...).
  ChildOrder child_order;                 ///< Order read from the file; not part of the value.

  template <class A>
  void describe(A& a) {
    a.full_header(version, flags);
    a.check_version(version, 1);
    uint32_t entry_count = static_cast<uint32_t>(visual.size() + audio.size() + other.size());
    a.field("entry_count", entry_count);
    // The audio entry layout depends on the stsd version (QuickTime v1/v2 vs ISO v1).
    a.set_child_context(version);
    a.children(child_order, visual, audio, other);
    if (a.ok() && entry_count != visual.size() + audio.size() + other.size())
      a.fail(Errc::malformed, "entry_count " + std::to_string(entry_count) + " but " +
                                  std::to_string(visual.size() + audio.size() + other.size()) + " sample entries");
  }
  bool operator==(const SampleDescriptionBox&) const = default;
};

// 'stts' Decoding Time to Sample, 14496-12 8.6.1.2
struct TimeToSampleBox {
  static constexpr FourCC kType = fourcc("stts");
  struct Entry {
    uint32_t sample_count = 0;
    uint32_t sample_delta = 0;  ///< Decode duration of each of these samples, media ticks.
    bool operator==(const Entry&) const = default;
  };
  uint8_t version = 0;  ///< Full box version; 0 is the only one defined.
  uint32_t flags = 0;   ///< Full box flags; none defined, kept as read.
  std::vector<Entry> entries;  ///< The table, in file order.

  template <class A>
  void describe(A& a) {
    a.full_header(version, flags);
    a.check_version(version, 0);
    uint32_t entry_count = static_cast<uint32_t>(entries.size());
    a.field("entry_count", entry_count);
    a.list("entries", entries, entry_count, 8, [](auto& ar, Entry& e) {
      ar.field("sample_count", e.sample_count);
      ar.field("sample_delta", e.sample_delta);
    });
  }
  bool operator==(const TimeToSampleBox&) const = default;
};

// 'ctts' Composition Time to Sample, 14496-12 8.6.1.3
struct CompositionOffsetBox {
  static constexpr FourCC kType = fourcc("ctts");
  struct Entry {
    uint32_t sample_count = 0;
    /// Composition minus decode time, media ticks. Unsigned in version 0, signed in version
    /// 1; stored as the signed value (a version 0 offset above INT32_MAX keeps its bits).
    int32_t sample_offset = 0;
    bool operator==(const Entry&) const = default;
  };
  uint8_t version = 0;  ///< 1 when an offset is negative.
  uint32_t flags = 0;   ///< Full box flags; none defined, kept as read.
  std::vector<Entry> entries;  ///< The table, in file order.

  template <class A>
  void describe(A& a) {
    a.full_header(version, flags);
    a.check_version(version, 1);
    uint32_t entry_count = static_cast<uint32_t>(entries.size());
    a.field("entry_count", entry_count);
    a.list("entries", entries, entry_count, 8, [](auto& ar, Entry& e) {
      ar.field("sample_count", e.sample_count);
      ar.field("sample_offset", e.sample_offset);
    });
  }
  bool operator==(const CompositionOffsetBox&) const = default;
};

// 'stss' Sync Sample, 14496-12 8.6.2
struct SyncSampleBox {
  static constexpr FourCC kType = fourcc("stss");
  uint8_t version = 0;  ///< Full box version; 0 is the only one defined.
  uint32_t flags = 0;   ///< Full box flags; none defined, kept as read.
  std::vector<uint32_t> sample_numbers;  ///< 1-based, increasing. No stss: all samples sync.

  template <class A>
  void describe(A& a) {
    a.full_header(version, flags);
    a.check_version(version, 0);
    uint32_t entry_count = static_cast<uint32_t>(sample_numbers.size());
    a.field("entry_count", entry_count);
    a.list("sample_numbers", sample_numbers, entry_count, 4,
           [](auto& ar, uint32_t& n) { ar.field("sample_number", n); });
  }
  bool operator==(const SyncSampleBox&) const = default;
};

// 'stsc' Sample To Chunk, 14496-12 8.7.4
struct SampleToChunkBox {
  static constexpr FourCC kType = fourcc("stsc");
  struct Entry {
    uint32_t first_chunk = 1;  ///< 1-based index of the first chunk of this run.
    uint32_t samples_per_chunk = 0;
    uint32_t sample_description_index = 1;  ///< 1-based index into stsd.
    bool operator==(const Entry&) const = default;
  };
  uint8_t version = 0;  ///< Full box version; 0 is the only one defined.
  uint32_t flags = 0;   ///< Full box flags; none defined, kept as read.
  std::vector<Entry> entries;  ///< The table, in file order.

  template <class A>
  void describe(A& a) {
    a.full_header(version, flags);
    a.check_version(version, 0);
    uint32_t entry_count = static_cast<uint32_t>(entries.size());
    a.field("entry_count", entry_count);
    a.list("entries", entries, entry_count, 12, [](auto& ar, Entry& e) {
      ar.field("first_chunk", e.first_chunk);
      ar.field("samples_per_chunk", e.samples_per_chunk);
      ar.field("sample_description_index", e.sample_description_index);
    });
  }
  bool operator==(const SampleToChunkBox&) const = default;
};

// 'stsz' Sample Size, 14496-12 8.7.3.2
struct SampleSizeBox {
  static constexpr FourCC kType = fourcc("stsz");
  uint8_t version = 0;  ///< Full box version; 0 is the only one defined.
  uint32_t flags = 0;   ///< Full box flags; none defined, kept as read.
  uint32_t sample_size = 0;  ///< Size of every sample in bytes, or 0: sizes in entry_sizes.
  /// Number of samples. With sample_size == 0 the writer takes it from entry_sizes.size().
  uint32_t sample_count = 0;
  std::vector<uint32_t> entry_sizes;  ///< Only when sample_size == 0.

  template <class A>
  void describe(A& a) {
    a.full_header(version, flags);
    a.check_version(version, 0);
    a.field("sample_size", sample_size);
    uint32_t count = !A::kReading && sample_size == 0 ? static_cast<uint32_t>(entry_sizes.size()) : sample_count;
    a.field("sample_count", count);
    if constexpr (A::kReading) sample_count = count;
    if (sample_size == 0)
      a.list("entry_sizes", entry_sizes, count, 4, [](auto& ar, uint32_t& s) { ar.field("entry_size", s); });
  }
  bool operator==(const SampleSizeBox&) const = default;
};

// 'stz2' Compact Sample Size, 14496-12 8.7.3.3
struct CompactSampleSizeBox {
  static constexpr FourCC kType = fourcc("stz2");
  uint8_t version = 0;  ///< Full box version; 0 is the only one defined.
  uint32_t flags = 0;   ///< Full box flags; none defined, kept as read.
  uint8_t field_size = 16;  ///< Bits per entry: 4, 8 or 16 (anything else is malformed).
  std::vector<uint16_t> entry_sizes;  ///< One per sample; must fit in field_size bits.

  template <class A>
  void describe(A& a) {
    a.full_header(version, flags);
    a.check_version(version, 0);
    a.reserved(3);
    a.field("field_size", field_size);
    uint32_t sample_count = static_cast<uint32_t>(entry_sizes.size());
    a.field("sample_count", sample_count);
    if (field_size != 4 && field_size != 8 && field_size != 16) {
      a.fail(Errc::malformed, "field_size " + std::to_string(field_size) + " is not 4, 8 or 16");
      return;
    }
    unsigned bits = field_size;
    a.list_bits("entry_sizes", entry_sizes, sample_count, bits,
                [bits](auto& ar, uint16_t& s) { ar.bits("entry_size", s, bits); });
    // An odd number of 4-bit entries ends with a half byte of padding.
    if (bits == 4 && sample_count % 2 == 1) a.reserved_bits(4);
  }
  bool operator==(const CompactSampleSizeBox&) const = default;
};

// 'stco' Chunk Offset, 14496-12 8.7.5
struct ChunkOffsetBox {
  static constexpr FourCC kType = fourcc("stco");
  uint8_t version = 0;  ///< Full box version; 0 is the only one defined.
  uint32_t flags = 0;   ///< Full box flags; none defined, kept as read.
  std::vector<uint32_t> chunk_offsets;  ///< File offsets of the chunks.

  template <class A>
  void describe(A& a) {
    a.full_header(version, flags);
    a.check_version(version, 0);
    uint32_t entry_count = static_cast<uint32_t>(chunk_offsets.size());
    a.field("entry_count", entry_count);
    a.list("chunk_offsets", chunk_offsets, entry_count, 4,
           [](auto& ar, uint32_t& o) { ar.field("chunk_offset", o); });
  }
  bool operator==(const ChunkOffsetBox&) const = default;
};

// 'co64' Chunk Large Offset, 14496-12 8.7.5
struct ChunkLargeOffsetBox {
  static constexpr FourCC kType = fourcc("co64");
  uint8_t version = 0;  ///< Full box version; 0 is the only one defined.
  uint32_t flags = 0;   ///< Full box flags; none defined, kept as read.
  std::vector<uint64_t> chunk_offsets;  ///< File offsets of the chunks.

  template <class A>
  void describe(A& a) {
    a.full_header(version, flags);
    a.check_version(version, 0);
    uint32_t entry_count = static_cast<uint32_t>(chunk_offsets.size());
    a.field("entry_count", entry_count);
    a.list("chunk_offsets", chunk_offsets, entry_count, 8,
           [](auto& ar, uint64_t& o) { ar.field("chunk_offset", o); });
  }
  bool operator==(const ChunkLargeOffsetBox&) const = default;
};

// 'sdtp' Independent and Disposable Samples, 14496-12 8.6.4
struct SampleDependencyTypeBox {
  static constexpr FourCC kType = fourcc("sdtp");
  uint8_t version = 0;  ///< Full box version; 0 is the only one defined.
  uint32_t flags = 0;   ///< Full box flags; none defined, kept as read.
  /// One byte per sample (count from stsz or trun): is_leading (2 bits), sample_depends_on,
  /// sample_is_depended_on, sample_has_redundancy.
  std::vector<uint8_t> sample_info;  ///< See above.

  template <class A>
  void describe(A& a) {
    a.full_header(version, flags);
    a.check_version(version, 0);
    a.rest("sample_info", sample_info);
  }
  bool operator==(const SampleDependencyTypeBox&) const = default;
};

// 'sbgp' Sample To Group, 14496-12 8.9.2
struct SampleToGroupBox {
  static constexpr FourCC kType = fourcc("sbgp");
  struct Entry {
    uint32_t sample_count = 0;
    /// 1-based index into the sgpd of the same grouping type (above 0x10000: into the
    /// traf's own sgpd, 8.9.4); 0 = the sample belongs to no group of this type.
    uint32_t group_description_index = 0;
    bool operator==(const Entry&) const = default;
  };
  uint8_t version = 0;  ///< 1 adds grouping_type_parameter.
  uint32_t flags = 0;   ///< Full box flags; none defined, kept as read.
  FourCC grouping_type = fourcc("roll");  ///< 'roll', 'rap ', 'sync', 'prol', ...
  uint32_t grouping_type_parameter = 0;   ///< Version 1 only.
  std::vector<Entry> entries;  ///< Runs of samples, in decode order.

  template <class A>
  void describe(A& a) {
    a.full_header(version, flags);
    a.check_version(version, 1);
    a.fourcc("grouping_type", grouping_type);
    if (version == 1) a.field("grouping_type_parameter", grouping_type_parameter);
    uint32_t entry_count = static_cast<uint32_t>(entries.size());
    a.field("entry_count", entry_count);
    a.list("entries", entries, entry_count, 8, [](auto& ar, Entry& e) {
      ar.field("sample_count", e.sample_count);
      ar.field("group_description_index", e.group_description_index);
    });
  }
  bool operator==(const SampleToGroupBox&) const = default;
};

// 'sgpd' Sample Group Description, 14496-12 8.9.3
struct SampleGroupDescriptionBox {
  static constexpr FourCC kType = fourcc("sgpd");
  uint8_t version = 1;  ///< 0 is deprecated (entry sizes implied by the grouping type).
  uint32_t flags = 0;   ///< Full box flags; none defined, kept as read.
  FourCC grouping_type = fourcc("roll");
  /// Version 1: the size of every entry, or 0 when each entry carries its own length.
  uint32_t default_length = 0;
  uint32_t default_group_description_index = 0;  ///< Version 2 and later.
  /// The entries, raw: 'roll'/'prol' an int16 roll_distance, 'rap ' one byte
  /// (num_leading_samples_known, num_leading_samples), 'sync' one byte (NAL unit type).
  std::vector<std::vector<uint8_t>> entries;
  /// Version 0/2 entries of a grouping type whose entry size camrec does not know: nothing
  /// tells where one ends, so they are kept as one block (entries is then empty).
  std::vector<uint8_t> opaque_entries;
  uint32_t opaque_entry_count = 0;  ///< How many entries opaque_entries holds.

  /// Bytes of one entry when the box does not say (version 0): fixed by the grouping type.
  static uint32_t implied_length(FourCC type) {
    if (type == fourcc("roll") || type == fourcc("prol")) return 2;
    if (type == fourcc("rap ") || type == fourcc("sync")) return 1;
    return 0;
  }

  template <class A>
  void describe(A& a) {
    a.full_header(version, flags);
    a.check_version(version, 2);
    a.fourcc("grouping_type", grouping_type);
    if (version == 1) a.field("default_length", default_length);
    if (version >= 2) a.field("default_group_description_index", default_group_description_index);
    const bool own_lengths = version == 1 && default_length == 0;
    const uint32_t fixed = version == 1 ? default_length : implied_length(grouping_type);
    if (!own_lengths && fixed == 0) {
      a.field("entry_count", opaque_entry_count);
      a.rest("opaque_entries", opaque_entries);
      return;
    }
    uint32_t entry_count = static_cast<uint32_t>(entries.size());
    a.field("entry_count", entry_count);
    a.list("entries", entries, entry_count, own_lengths ? 4 : fixed, [own_lengths, fixed](auto& ar, std::vector<uint8_t>& e) {
      uint32_t length = own_lengths ? static_cast<uint32_t>(e.size()) : fixed;
      if (own_lengths) ar.field("description_length", length);
      ar.bytes("description", e, length);
    });
  }
  bool operator==(const SampleGroupDescriptionBox&) const = default;
};

// 'stbl' Sample Table, 14496-12 8.5.1
struct SampleTableBox {
  static constexpr FourCC kType = fourcc("stbl");
  SampleDescriptionBox stsd;  ///< Required child.
  TimeToSampleBox stts;  ///< Required child.
  std::optional<CompositionOffsetBox> ctts;  ///< Optional child.
  std::optional<SyncSampleBox> stss;  ///< Optional child.
  SampleToChunkBox stsc;  ///< Required child.
  std::optional<SampleSizeBox> stsz;         ///< stsz or stz2.
  std::optional<CompactSampleSizeBox> stz2;  ///< Optional child.
  std::optional<ChunkOffsetBox> stco;        ///< stco or co64.
  std::optional<ChunkLargeOffsetBox> co64;  ///< Optional child.
  std::optional<SampleDependencyTypeBox> sdtp;  ///< Optional child.
  std::vector<SampleGroupDescriptionBox> sgpd;  ///< One per grouping type.
  std::vector<SampleToGroupBox> sbgp;           ///< One per grouping type (and parameter).
  std::vector<RawBox> unknown;  ///< subs, saiz, saio, cslg, ...
  ChildOrder child_order;       ///< Order read from the file; not part of the value.

  template <class A>
  void describe(A& a) {
    a.children(child_order, stsd, stts, ctts, stss, stsc, stsz, stz2, stco, co64, sdtp, sgpd, sbgp, unknown);
  }
  bool operator==(const SampleTableBox&) const = default;
};

}  // namespace camrec::box
