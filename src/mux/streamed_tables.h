// SPDX-License-Identifier: LGPL-2.1-or-later
// Writing index boxes too large to hold in memory (the final moov of a day-long recording,
// its mfra) straight into the file: the box is serialized with empty tables, grown to the
// sizes the entry counts give, and the entries are then written into their places as they
// are produced, from the fragments read back from the file. Nothing per sample is kept.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "box/fourcc.h"
#include "box/fragment_boxes.h"
#include "camrec/status.h"
#include "io/sink.h"

namespace camrec::mux {

/// Where a table's entries go in a grown box.
struct TableGap {
  uint64_t at = 0;     ///< Offset in the serialized template (the end of the empty table box).
  uint64_t bytes = 0;  ///< Bytes of entries.
  size_t owner = 0;    ///< Index of the trak (moov) or tfra (mfra) the table belongs to.
  box::FourCC type = 0;
};

/// A serialized box whose tables are grown: box sizes and entry counts patched, the places
/// of the entries listed in file order.
struct GrownBox {
  std::vector<uint8_t> bytes;  ///< The template, its headers patched.
  std::vector<TableGap> gaps;
  uint64_t size = 0;  ///< Total size with the entries.
};

/// Count and byte size of one entry of the table box `type` owned by the `owner`-th trak
/// (or tfra); nullopt leaves the box as it is.
using TableEntries = std::function<std::optional<std::pair<uint64_t, uint32_t>>(size_t owner, box::FourCC type)>;

/// Grows the tables (stts, ctts, stss, stsc, stsz, stco, co64 in moov/trak/mdia/minf/stbl;
/// tfra in mfra) of `serialized`, a moov or mfra whose tables have no entries. Fails when a
/// box would pass 4 GiB.
Result<GrownBox> grow_tables(std::vector<uint8_t> serialized, const TableEntries& entries);

/// Writes a GrownBox at `base` in `sink`: the template bytes first (the box typed 'free', so
/// a file cut at any instant holds a box readers skip), then each gap's entries as they come
/// (buffered, a positional write per 64 KiB), and at last the box's own type.
class GappedWriter {
 public:
  GappedWriter(io::Sink& sink, uint64_t base, const GrownBox& box);
  /// The template bytes around the gaps.
  Status write_template();
  /// Appends `n` bytes to gap `gap`'s entries.
  void put(size_t gap, const uint8_t* data, size_t n);
  /// Flushes the entries, checks every gap got exactly its bytes, then writes the box type.
  Status finish();
  /// Bytes written so far.
  uint64_t bytes_written() const { return written_; }

 private:
  void flush(size_t gap);

  io::Sink& sink_;
  uint64_t base_;
  const GrownBox& box_;
  std::vector<uint64_t> file_offsets_;  ///< Of each gap's first entry byte.
  std::vector<uint64_t> filled_;        ///< Entry bytes of each gap written or buffered.
  std::vector<std::vector<uint8_t>> buffers_;
  Status error_;
  uint64_t written_ = 0;
};

/// Calls `on_moof(offset, moof)` for every 'moof' among the top-level boxes of `sink` in
/// [begin, end), in file order; other boxes (mdat, free) are skipped by their headers.
Status walk_fragments(io::Sink& sink, uint64_t begin, uint64_t end,
                      const std::function<Status(uint64_t, const box::MovieFragmentBox&)>& on_moof);

}  // namespace camrec::mux
