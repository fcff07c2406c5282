// SPDX-License-Identifier: LGPL-2.1-or-later
// Bit reader for RBSP syntax (H.264 7.2 / H.265 7.2): u(n), ue(v), se(v), bounded.
//
// Errors are sticky like io::ByteReader: after the first failure every read returns 0 and
// the first error is kept, so a parser reads a run of syntax elements and checks ok() once.
// Loops driven by values read from the stream must also check ok() so they stop at the end.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "camrec/status.h"

namespace camrec::codec {

class BitReader {
 public:
  /// Reads `rbsp` (emulation prevention already removed); the bytes must outlive the reader.
  explicit BitReader(std::span<const uint8_t> rbsp) : data_(rbsp) {}

  /// n bits (0..32) as an unsigned value, most significant bit first.
  uint32_t u(int n);
  /// One bit as a flag.
  bool flag() { return u(1) != 0; }
  /// Exp-Golomb unsigned (9.1); values past 2^32 - 2 fail as malformed.
  uint32_t ue();
  /// Exp-Golomb signed (9.1.1); fails as malformed outside int32.
  int32_t se();
  /// ue() that must not exceed `max`; `what` names the syntax element in the error.
  uint32_t ue_max(uint32_t max, const char* what);
  /// Skips n bits.
  void skip(uint64_t n);

  /// more_rbsp_data() (7.2): true when syntax bits remain before the rbsp_stop_one_bit.
  bool more_rbsp_data() const;
  /// True when the read position is on a byte boundary.
  bool byte_aligned() const { return (pos_ & 7) == 0; }

  /// Bits not read yet (0 after an error).
  uint64_t bits_left() const { return failed() ? 0 : data_.size() * 8 - pos_; }
  /// Bits read so far.
  uint64_t bit_position() const { return pos_; }

  /// No read has failed so far.
  bool ok() const { return status_.is_ok(); }
  /// A read has failed; status() says which.
  bool failed() const { return !status_.is_ok(); }
  /// The first error, or ok.
  const Status& status() const { return status_; }
  /// Records an error at the current bit position unless one is already recorded.
  void fail(Errc code, const std::string& message);

 private:
  /// The bits from the read position on, first bit highest, at least 57 of them valid:
  /// false (the caller reads bit by bit) near the end of the data or after an error.
  bool window(uint64_t& bits) const;

  std::span<const uint8_t> data_;
  uint64_t pos_ = 0;  // in bits
  Status status_;
};

}  // namespace camrec::codec
