// SPDX-License-Identifier: LGPL-2.1-or-later
// The movie header tree: moov, mvhd, trak, tkhd, edts/elst, mdia, mdhd, hdlr, minf, vmhd,
// smhd, dinf, dref, 'url '. Boxes camrec does not interpret (udta, meta, tref, ...) stay raw
// in each container's `unknown` and are written back unchanged.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "box/archive.h"
#include "box/fragment_boxes.h"
#include "box/sample_table_boxes.h"

namespace camrec::box {

/// The identity transformation matrix of mvhd and tkhd (16.16 and 2.30 fixed point).
inline constexpr std::array<int32_t, 9> kUnityMatrix = {0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000};

/// Packs an ISO 639-2/T code ("und") into mdhd's 15-bit form (14496-12 8.4.2.3).
constexpr uint16_t pack_language(const char (&code)[4]) {
  return static_cast<uint16_t>(((code[0] - 0x60) << 10) | ((code[1] - 0x60) << 5) | (code[2] - 0x60));
}
/// 'und', the language of a track whose language is not known.
inline constexpr uint16_t kLanguageUndetermined = pack_language("und");

/// The three letters of a packed mdhd language; "" for QuickTime's numeric codes
/// (values below 0x400, e.g. 0 = English) and 0x7fff (unspecified).
std::string unpack_language(uint16_t language);

// 'mvhd' Movie Header, 14496-12 8.2.2
struct MovieHeaderBox {
  static constexpr FourCC kType = fourcc("mvhd");
  uint8_t version = 0;  ///< 1 when a time or the duration needs 64 bits.
  uint32_t flags = 0;   ///< Full box flags; none defined, kept as read.
  uint64_t creation_time = 0;      ///< Seconds since 1904-01-01 UTC.
  uint64_t modification_time = 0;  ///< Seconds since 1904-01-01 UTC.
  uint32_t timescale = 1000;       ///< Ticks per second of the movie time.
  uint64_t duration = 0;           ///< In timescale ticks; 32 bits in version 0.
  int32_t rate = 0x00010000;       ///< 16.16 fixed point, 1.0 = normal speed.
  int16_t volume = 0x0100;         ///< 8.8 fixed point, 1.0 = full volume.
  std::array<int32_t, 9> matrix = kUnityMatrix;  ///< Video transformation (a b u c d v x y w).
  /// Zero in ISO files; QuickTime's preview/poster/selection/current times.
  std::array<uint32_t, 6> pre_defined{};
  uint32_t next_track_ID = 1;  ///< Larger than every track_ID in the movie.

  template <class A>
  void describe(A& a) {
    a.full_header(version, flags);
    a.check_version(version, 1);
    a.u32_or_u64("creation_time", creation_time, version == 1);
    a.u32_or_u64("modification_time", modification_time, version == 1);
    a.field("timescale", timescale);
    a.u32_or_u64("duration", duration, version == 1);
    a.field("rate", rate);
    a.field("volume", volume);
    a.reserved(2 + 8);
    a.array("matrix", matrix);
    a.array("pre_defined", pre_defined);
    a.field("next_track_ID", next_track_ID);
  }
  bool operator==(const MovieHeaderBox&) const = default;
};

// 'tkhd' Track Header, 14496-12 8.3.2
struct TrackHeaderBox {
  static constexpr FourCC kType = fourcc("tkhd");
  static constexpr uint32_t kTrackEnabled = 0x1;
  static constexpr uint32_t kTrackInMovie = 0x2;
  static constexpr uint32_t kTrackInPreview = 0x4;

  uint8_t version = 0;  ///< 1 when a time or the duration needs 64 bits.
  uint32_t flags = kTrackEnabled | kTrackInMovie;  ///< kTrack... bits.
  uint64_t creation_time = 0;      ///< Seconds since 1904-01-01 UTC.
  uint64_t modification_time = 0;  ///< Seconds since 1904-01-01 UTC.
  uint32_t track_ID = 1;           ///< Unique in the movie, never 0.
  uint64_t duration = 0;           ///< In the movie timescale (mvhd), edits included.
  int16_t layer = 0;            ///< Front-to-back order of video tracks; lower is closer.
  int16_t alternate_group = 0;  ///< Tracks of one group are alternatives; 0 = none.
  int16_t volume = 0;  ///< 8.8 fixed point: 0x0100 for audio tracks, 0 for video.
  std::array<int32_t, 9> matrix = kUnityMatrix;  ///< Video transformation (a b u c d v x y w).
  uint32_t width = 0;   ///< 16.16 fixed point, display size in pixels.
  uint32_t height = 0;  ///< 16.16 fixed point.

  template <class A>
  void describe(A& a) {
    a.full_header(version, flags);
    a.check_version(version, 1);
    a.u32_or_u64("creation_time", creation_time, version == 1);
    a.u32_or_u64("modification_time", modification_time, version == 1);
    a.field("track_ID", track_ID);
    a.reserved(4);
    a.u32_or_u64("duration", duration, version == 1);
    a.reserved(8);
    a.field("layer", layer);
    a.field("alternate_group", alternate_group);
    a.field("volume", volume);
    a.reserved(2);
    a.array("matrix", matrix);
    a.field("width", width);
    a.field("height", height);
  }
  bool operator==(const TrackHeaderBox&) const = default;
};

// 'elst' Edit List, 14496-12 8.6.6
struct EditListBox {
  static constexpr FourCC kType = fourcc("elst");
  struct Entry {
    uint64_t segment_duration = 0;  ///< In the movie timescale; 32 bits in version 0.
    int64_t media_time = 0;         ///< In the media timescale; -1 = an empty edit.
    int16_t media_rate_integer = 1;
    int16_t media_rate_fraction = 0;
    bool operator==(const Entry&) const = default;
  };
  uint8_t version = 0;  ///< 1 for 64-bit durations and times.
  uint32_t flags = 0;   ///< Full box flags; none defined, kept as read.
  std::vector<Entry> entries;  ///< The table, in file order.

  template <class A>
  void describe(A& a) {
    a.full_header(version, flags);
    a.check_version(version, 1);
    bool wide = version == 1;
    uint32_t entry_count = static_cast<uint32_t>(entries.size());
    a.field("entry_count", entry_count);
    a.list("entries", entries, entry_count, wide ? 20 : 12, [wide](auto& ar, Entry& e) {
      ar.u32_or_u64("segment_duration", e.segment_duration, wide);
      ar.i32_or_i64("media_time", e.media_time, wide);
      ar.field("media_rate_integer", e.media_rate_integer);
      ar.field("media_rate_fraction", e.media_rate_fraction);
    });
  }
  bool operator==(const EditListBox&) const = default;
};

// 'edts' Edit, 14496-12 8.6.5
struct EditBox {
  static constexpr FourCC kType = fourcc("edts");
  std::optional<EditListBox> elst;  ///< Optional child.
  std::vector<RawBox> unknown;  ///< Children camrec does not interpret, kept raw.
  ChildOrder child_order;  ///< Order read from the file; not part of the value.

  template <class A>
  void describe(A& a) {
    a.children(child_order, elst, unknown);
  }
  bool operator==(const EditBox&) const = default;
};

// 'mdhd' Media Header, 14496-12 8.4.2
struct MediaHeaderBox {
  static constexpr FourCC kType = fourcc("mdhd");
  uint8_t version = 0;  ///< 1 when a time or the duration needs 64 bits.
  uint32_t flags = 0;   ///< Full box flags; none defined, kept as read.
  uint64_t creation_time = 0;      ///< Seconds since 1904-01-01 UTC.
  uint64_t modification_time = 0;  ///< Seconds since 1904-01-01 UTC.
  uint32_t timescale = 1000;       ///< Ticks per second of the media (90000, 48000, ...).
  uint64_t duration = 0;           ///< In timescale ticks; 32 bits in version 0.
  /// Pad bit + three 5-bit letters (pack_language()); QuickTime may store a numeric code.
  uint16_t language = kLanguageUndetermined;
  uint16_t pre_defined = 0;  ///< QuickTime: quality.

  template <class A>
  void describe(A& a) {
    a.full_header(version, flags);
    a.check_version(version, 1);
    a.u32_or_u64("creation_time", creation_time, version == 1);
    a.u32_or_u64("modification_time", modification_time, version == 1);
    a.field("timescale", timescale);
    a.u32_or_u64("duration", duration, version == 1);
    a.field("language", language);
    a.field("pre_defined", pre_defined);
  }
  bool operator==(const MediaHeaderBox&) const = default;
};

// 'hdlr' Handler Reference, 14496-12 8.4.3
struct HandlerBox {
  static constexpr FourCC kType = fourcc("hdlr");
  uint8_t version = 0;  ///< Full box version; 0 is the only one defined.
  uint32_t flags = 0;   ///< Full box flags; none defined, kept as read.
  uint32_t pre_defined = 0;  ///< 0 in ISO files; QuickTime's component type ('mhlr', 'dhlr').
  FourCC handler_type = fourcc("vide");  ///< 'vide', 'soun', 'meta', ...
  /// Zero in ISO files; QuickTime's manufacturer, flags and flags mask.
  std::array<uint32_t, 3> reserved{};  ///< See above.
  std::string name;  ///< Human-readable track type ("VideoHandler"), without terminator.
  StringForm name_form = StringForm::nul_terminated;  ///< QuickTime files use pascal.

  template <class A>
  void describe(A& a) {
    a.full_header(version, flags);
    a.check_version(version, 0);
    a.field("pre_defined", pre_defined);
    a.fourcc("handler_type", handler_type);
    a.array("reserved", reserved);
    a.string_to_end("name", name, name_form);
  }
  bool operator==(const HandlerBox&) const = default;
};

// 'vmhd' Video Media Header, 14496-12 12.1.2
struct VideoMediaHeaderBox {
  static constexpr FourCC kType = fourcc("vmhd");
  uint8_t version = 0;  ///< Full box version; 0 is the only one defined.
  uint32_t flags = 1;  ///< Always 1 (14496-12 12.1.2.2).
  uint16_t graphicsmode = 0;  ///< 0 = copy.
  std::array<uint16_t, 3> opcolor{};  ///< Red, green, blue for the graphics mode.

  template <class A>
  void describe(A& a) {
    a.full_header(version, flags);
    a.check_version(version, 0);
    a.field("graphicsmode", graphicsmode);
    a.array("opcolor", opcolor);
  }
  bool operator==(const VideoMediaHeaderBox&) const = default;
};

// 'smhd' Sound Media Header, 14496-12 12.2.2
struct SoundMediaHeaderBox {
  static constexpr FourCC kType = fourcc("smhd");
  uint8_t version = 0;  ///< Full box version; 0 is the only one defined.
  uint32_t flags = 0;   ///< Full box flags; none defined, kept as read.
  int16_t balance = 0;  ///< 8.8 fixed point, 0 = centre, -1.0 = full left.

  template <class A>
  void describe(A& a) {
    a.full_header(version, flags);
    a.check_version(version, 0);
    a.field("balance", balance);
    a.reserved(2);
  }
  bool operator==(const SoundMediaHeaderBox&) const = default;
};

// 'url ' Data Entry URL, 14496-12 8.7.2
struct DataEntryUrlBox {
  static constexpr FourCC kType = fourcc("url ");
  static constexpr uint32_t kSelfContained = 0x1;  ///< The media is in this file.
  uint8_t version = 0;  ///< Full box version; 0 is the only one defined.
  uint32_t flags = kSelfContained;  ///< kSelfContained, or 0 with a location.
  std::string location;  ///< Empty when self-contained.
  StringForm location_form = StringForm::unterminated;  ///< unterminated + empty = absent.

  template <class A>
  void describe(A& a) {
    a.full_header(version, flags);
    a.check_version(version, 0);
    a.string_to_end("location", location, location_form);
  }
  bool operator==(const DataEntryUrlBox&) const = default;
};

// 'dref' Data Reference, 14496-12 8.7.2
struct DataReferenceBox {
  static constexpr FourCC kType = fourcc("dref");
  uint8_t version = 0;  ///< Full box version; 0 is the only one defined.
  uint32_t flags = 0;   ///< Full box flags; none defined, kept as read.
  std::vector<DataEntryUrlBox> entries{DataEntryUrlBox{}};  ///< 'url ' entries.
  std::vector<RawBox> other;  ///< 'urn ', QuickTime 'alis' and other entries, raw.
  ChildOrder child_order;     ///< Order read from the file; not part of the value.

  template <class A>
  void describe(A& a) {
    a.full_header(version, flags);
    a.check_version(version, 0);
    uint32_t entry_count = static_cast<uint32_t>(entries.size() + other.size());
    a.field("entry_count", entry_count);
    a.children(child_order, entries, other);
    if (a.ok() && entry_count != entries.size() + other.size())
      a.fail(Errc::malformed, "entry_count " + std::to_string(entry_count) + " but " +
                                  std::to_string(entries.size() + other.size()) + " entries");
  }
  bool operator==(const DataReferenceBox&) const = default;
};

// 'dinf' Data Information, 14496-12 8.7.1
struct DataInformationBox {
  static constexpr FourCC kType = fourcc("dinf");
  DataReferenceBox dref;  ///< Required child.
  std::vector<RawBox> unknown;  ///< Children camrec does not interpret, kept raw.
  ChildOrder child_order;  ///< Order read from the file; not part of the value.

  template <class A>
  void describe(A& a) {
    a.children(child_order, dref, unknown);
  }
  bool operator==(const DataInformationBox&) const = default;
};

// 'minf' Media Information, 14496-12 8.4.4
struct MediaInformationBox {
  static constexpr FourCC kType = fourcc("minf");
  std::optional<VideoMediaHeaderBox> vmhd;  ///< Video tracks.
  std::optional<SoundMediaHeaderBox> smhd;  ///< Audio tracks.
  DataInformationBox dinf;  ///< Required child.
  SampleTableBox stbl;  ///< Required child.
  std::vector<RawBox> unknown;  ///< hmhd/nmhd, QuickTime's data handler hdlr, ...
  ChildOrder child_order;       ///< Order read from the file; not part of the value.

  template <class A>
  void describe(A& a) {
    a.children(child_order, vmhd, smhd, dinf, stbl, unknown);
  }
  bool operator==(const MediaInformationBox&) const = default;
};

// 'mdia' Media, 14496-12 8.4.1
struct MediaBox {
  static constexpr FourCC kType = fourcc("mdia");
  MediaHeaderBox mdhd;  ///< Required child.
  HandlerBox hdlr;  ///< Required child.
  MediaInformationBox minf;  ///< Required child.
  std::vector<RawBox> unknown;  ///< Children camrec does not interpret, kept raw.
  ChildOrder child_order;  ///< Order read from the file; not part of the value.

  template <class A>
  void describe(A& a) {
    a.children(child_order, mdhd, hdlr, minf, unknown);
  }
  bool operator==(const MediaBox&) const = default;
};

// 'trak' Track, 14496-12 8.3.1
struct TrackBox {
  static constexpr FourCC kType = fourcc("trak");
  TrackHeaderBox tkhd;  ///< Required child.
  std::optional<EditBox> edts;  ///< Optional child.
  MediaBox mdia;  ///< Required child.
  std::vector<RawBox> unknown;  ///< tref, udta, meta, ...
  ChildOrder child_order;       ///< Order read from the file; not part of the value.

  template <class A>
  void describe(A& a) {
    a.children(child_order, tkhd, edts, mdia, unknown);
  }
  bool operator==(const TrackBox&) const = default;
};

// 'moov' Movie, 14496-12 8.2.1
struct MovieBox {
  static constexpr FourCC kType = fourcc("moov");
  MovieHeaderBox mvhd;  ///< Required child.
  std::vector<TrackBox> traks;  ///< One per track, in file order.
  std::optional<MovieExtendsBox> mvex;  ///< Present in fragmented files.
  std::vector<RawBox> unknown;          ///< udta, meta, iods, ...
  ChildOrder child_order;               ///< Order read from the file; not part of the value.

  template <class A>
  void describe(A& a) {
    a.children(child_order, mvhd, traks, mvex, unknown);
  }
  bool operator==(const MovieBox&) const = default;
};

}  // namespace camrec::box
