// SPDX-License-Identifier: LGPL-2.1-or-later
// Reading a recording's fragments back at close, cheaply: the close of a day-long recording
// walks 86 400 moofs and millions of trun entries, so each moof and the header of the box
// after it come in one read, and the moof is parsed in place: the few tfhd/tfdt/trun fields
// the close needs, the trun entries left in the bytes read. No box structs, no allocation
// per fragment (the buffers keep their capacity from one moof to the next).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "camrec/status.h"
#include "io/sink.h"

namespace camrec::mux {

inline uint32_t load_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

/// A 'trun' read back, its entries still in the moof's bytes.
struct RunView {
  uint8_t version = 0;
  uint32_t flags = 0;  ///< box::TrackRunBox::k...Present bits.
  uint32_t sample_count = 0;
  int32_t data_offset = 0;
  uint32_t first_sample_flags = 0;
  const uint8_t* entries = nullptr;
  uint32_t entry_bytes = 0;  ///< 4 per field present.
  /// Offset of each field inside an entry; -1 when the flags leave it out.
  int8_t duration_at = -1, size_at = -1, flags_at = -1, composition_offset_at = -1;

  const uint8_t* entry(uint32_t i) const { return entries + size_t{i} * entry_bytes; }
  /// Signed in version 1, unsigned in version 0: stored in 32 bits either way, as
  /// box::TrackRunBox keeps it.
  static int32_t composition_offset(const uint8_t* entry, int at) {
    return static_cast<int32_t>(load_be32(entry + at));
  }
};

/// A 'traf' read back: its tfhd, tfdt and runs.
struct TrafView {
  uint32_t tfhd_flags = 0;  ///< box::TrackFragmentHeaderBox::k...Present bits.
  uint32_t track_ID = 0;
  uint64_t base_data_offset = 0;
  uint32_t sample_description_index = 0;
  uint32_t default_sample_duration = 0;
  uint32_t default_sample_size = 0;
  uint32_t default_sample_flags = 0;
  bool has_tfdt = false;
  uint64_t base_media_decode_time = 0;
  size_t first_run = 0;  ///< Index into FragmentView::runs.
  size_t run_count = 0;
};

/// A 'moof' read back. Valid until the reader reads the next one.
struct FragmentView {
  uint64_t offset = 0;  ///< Of the moof's first byte in the file.
  std::vector<TrafView> trafs;
  std::vector<RunView> runs;

  std::span<const RunView> runs_of(const TrafView& traf) const {
    return std::span<const RunView>(runs).subspan(traf.first_run, traf.run_count);
  }
};

/// Parses the moof in `bytes` (the whole box, header included; `offset` where it lies in the
/// file, for messages) into `out`, whose vectors are reused. The tfhd, tfdt and trun of each
/// traf are read; any other box (mfhd, sgpd, sbgp, sdtp, ...) is skipped.
Status parse_fragment(std::span<const uint8_t> bytes, uint64_t offset, FragmentView& out);

/// Calls `on_moof` for every 'moof' among the top-level boxes of `sink` in [begin, end), in
/// file order; other boxes (mdat, free) are skipped by their headers. A moof and the header
/// of the box after it are read in one call (a few KiB read at each fragment, not its media).
Status walk_fragments(io::Sink& sink, uint64_t begin, uint64_t end,
                      const std::function<Status(const FragmentView&)>& on_moof);

}  // namespace camrec::mux
