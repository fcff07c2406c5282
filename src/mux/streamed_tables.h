// SPDX-License-Identifier: LGPL-2.1-or-later
// Writing index boxes too large to hold in memory (the final moov of a day-long recording,
// its mfra) straight into the file: the box is serialized with empty tables, grown to the
// sizes the entry counts give, and the entries are then written into their places as they
// are produced, from the fragments read back from the file. Nothing per sample is kept.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "box/fourcc.h"
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
  /// Appends `n` (at most kMaxPut) bytes to gap `gap`'s entries. Called per table entry,
  /// millions of times at the close of a long recording: a copy into the gap's buffer.
  void put(size_t gap, const uint8_t* data, size_t n) {
    Buffer& b = buffers_[gap];
    if (!b.bytes) b.bytes = std::make_unique<uint8_t[]>(kFlushBytes + kMaxPut);
    std::memcpy(b.bytes.get() + b.used, data, n);
    b.used += n;
    filled_[gap] += n;
    if (b.used >= kFlushBytes) flush(gap);
  }
  static constexpr size_t kMaxPut = 64;
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
  /// Entries are written to the file in pieces of about this size: a day-long moov (tens of
  /// MB) is a few hundred writes, and the close holds at most this much per table.
  static constexpr size_t kFlushBytes = 64 << 10;
  /// The entries of one gap not yet written (allocated at the first entry).
  struct Buffer {
    std::unique_ptr<uint8_t[]> bytes;
    size_t used = 0;
  };
  std::vector<Buffer> buffers_;
  Status error_;
  uint64_t written_ = 0;
};

}  // namespace camrec::mux
