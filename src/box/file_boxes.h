// SPDX-License-Identifier: LGPL-2.1-or-later
// Top-level boxes of a file: ftyp, styp, free/skip, and the mdat header.
#pragma once

#include <cstdint>
#include <vector>

#include "box/archive.h"

namespace camrec::box {

// 'ftyp' File Type, 14496-12 4.3
struct FileTypeBox {
  static constexpr FourCC kType = fourcc("ftyp");
  FourCC major_brand = 0;
  uint32_t minor_version = 0;
  std::vector<FourCC> compatible_brands;

  template <class A>
  void describe(A& a) {
    a.fourcc("major_brand", major_brand);
    a.field("minor_version", minor_version);
    a.list("compatible_brands", compatible_brands, a.remaining() / 4, 4,
           [](auto& ar, FourCC& brand) { ar.fourcc("brand", brand); });
  }
  bool operator==(const FileTypeBox&) const = default;
};

// 'styp' Segment Type, 14496-12 8.16.2 (same layout as ftyp)
struct SegmentTypeBox : FileTypeBox {
  static constexpr FourCC kType = fourcc("styp");
  bool operator==(const SegmentTypeBox&) const = default;
};

// 'free' / 'skip' Free Space, 14496-12 8.1.2
struct FreeSpaceBox {
  FourCC type = fourcc("free");
  std::vector<uint8_t> data;

  static bool accepts(FourCC t) { return t == fourcc("free") || t == fourcc("skip"); }
  template <class A>
  void describe(A& a) {
    a.rest("data", data);
  }
  bool operator==(const FreeSpaceBox&) const = default;
};

/// Size of an mdat header: 8 bytes, or 16 with a 64-bit size (payload past 4 GiB - 8).
constexpr uint32_t mdat_header_size(uint64_t payload_size) {
  return payload_size + 8 > UINT32_MAX ? 16 : 8;
}

/// Writes an 'mdat' Media Data header (14496-12 8.1.1) for `payload_size` bytes; with
/// `force_large` the 16-byte form is used even for small payloads.
void write_mdat_header(io::ByteWriter& w, uint64_t payload_size, bool force_large = false);

}  // namespace camrec::box
