// SPDX-License-Identifier: LGPL-2.1-or-later
// Bit reader for RBSP syntax (H.264 7.2 / H.265 7.2): u(n), ue(v), se(v), bounded.
//
// Errors are sticky like io::ByteReader: after the first failure every read returns 0 and
// the first error is kept, so a parser reads a run of syntax elements and checks ok() once.
// Loops driven by values read from the stream must also check ok() so they stop at the end.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>

#include "camrec/status.h"

namespace camrec::codec {

class BitReader {
 public:
  /// Reads `rbsp` (emulation prevention already removed); the bytes must outlive the reader.
  explicit BitReader(std::span<const uint8_t> rbsp) : data_(rbsp) {}

  /// n bits (0..32) as an unsigned value, most significant bit first.
  uint32_t u(int n) {
    uint64_t bits;
    if (n > 0 && n <= 32 && window(bits)) {
      pos_ += static_cast<uint64_t>(n);
      return static_cast<uint32_t>(bits >> (64 - n));
    }
    return u_bitwise(n);
  }
  /// One bit as a flag.
  bool flag() { return u(1) != 0; }
  /// Exp-Golomb unsigned (9.1); values past 2^32 - 2 fail as malformed.
  uint32_t ue() {
    uint64_t bits;
    if (window(bits) && bits != 0) {
      // Codes of up to 2 * 27 + 1 bits (values below 2^28 - 1) fit the window: the leading
      // zeros, the marker bit and as many bits of the value, which is that number minus 1.
      const int zeros = __builtin_clzll(bits);
      if (zeros < 28) {
        const int length = 2 * zeros + 1;
        pos_ += static_cast<uint64_t>(length);
        return static_cast<uint32_t>((bits >> (64 - length)) - 1);
      }
    }
    return ue_bitwise();
  }
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
  /// false (the caller reads bit by bit) near the end of the data or after an error. Every
  /// frame's slice header is read through here during a remux, so this and the fast paths
  /// above are inline: one 64-bit load instead of a loop per byte and a call per field.
  bool window(uint64_t& bits) const {
    const uint64_t byte = pos_ >> 3;
    if (failed() || data_.size() < 8 || byte > data_.size() - 8) return false;
    uint64_t v;
    std::memcpy(&v, data_.data() + byte, sizeof v);
    bits = __builtin_bswap64(v) << (pos_ & 7);
    return true;
  }
  /// u() and ue() a bit at a time, with every check: near the end and after an error.
  uint32_t u_bitwise(int n);
  uint32_t ue_bitwise();

  std::span<const uint8_t> data_;
  uint64_t pos_ = 0;  // in bits
  Status status_;
};

}  // namespace camrec::codec
