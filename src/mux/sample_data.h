// SPDX-License-Identifier: LGPL-2.1-or-later
// The bytes of a track's pending samples: a sequence of pieces, each either bytes the muxer
// owns (built by a TrackInput: length prefixes, converted audio, parameter sets) or a view
// of the caller's memory (a remux's NAL unit payloads inside the mapped input file), so a
// fragment goes out with one pwritev straight from where the media already is, without a
// copy into a fragment buffer.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace camrec::mux {

class SampleData {
 public:
  /// Where a sample's bytes end, to take them back (rewind) when it is refused.
  struct Mark {
    size_t owned = 0;
    size_t pieces = 0;
    uint64_t bytes = 0;
    uint32_t last_piece_size = 0;
  };

  /// The owned bytes, for a TrackInput to append to; follow with commit_owned().
  std::vector<uint8_t>& owned() { return owned_; }
  /// Declares the last `n` bytes appended to owned() part of the data (after the pieces
  /// added so far).
  void commit_owned(size_t n);
  /// Appends a copy of `bytes`.
  void append_owned(std::span<const uint8_t> bytes);
  /// Appends a view of memory the caller keeps valid until the bytes are written (taken by
  /// take_front) or dropped.
  void append_external(std::span<const uint8_t> bytes);

  Mark mark() const;
  /// Drops everything appended since `m`.
  void rewind(const Mark& m);

  /// Bytes held.
  uint64_t size() const { return bytes_; }
  /// Views of the first `n` bytes (n <= size()), appended to `out` in order; valid until
  /// the next change.
  void front(uint64_t n, std::vector<std::span<const uint8_t>>& out) const;
  /// Drops the first `n` bytes.
  void drop_front(uint64_t n);
  void clear();

 private:
  struct Piece {
    const uint8_t* external;  ///< null: the next `size` bytes of owned_
    uint32_t size;
  };
  void add_piece(const uint8_t* external, size_t n);

  std::vector<uint8_t> owned_;
  std::vector<Piece> pieces_;
  uint64_t bytes_ = 0;
};

}  // namespace camrec::mux
