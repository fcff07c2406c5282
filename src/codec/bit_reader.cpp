// SPDX-License-Identifier: LGPL-2.1-or-later
#include "codec/bit_reader.h"

namespace camrec::codec {

void BitReader::fail(Errc code, const std::string& message) {
  if (failed()) return;
  status_ = Status(code, message + " (at bit " + std::to_string(pos_) + ")");
}

uint32_t BitReader::u_bitwise(int n) {
  if (failed() || n == 0) return 0;
  if (n < 0 || n > 32) {
    fail(Errc::invalid_argument, "bit count " + std::to_string(n) + " out of range");
    return 0;
  }
  if (static_cast<uint64_t>(n) > data_.size() * 8 - pos_) {
    fail(Errc::malformed, "bitstream ends inside a " + std::to_string(n) + "-bit field");
    return 0;
  }
  uint32_t v = 0;
  // Whole bytes where possible: a u(32) costs 4-5 steps instead of 32.
  while (n > 0) {
    uint64_t byte = pos_ >> 3;
    int bit_in_byte = static_cast<int>(pos_ & 7);
    int take = 8 - bit_in_byte < n ? 8 - bit_in_byte : n;
    uint32_t bits = (data_[byte] >> (8 - bit_in_byte - take)) & ((1u << take) - 1);
    v = (v << take) | bits;
    n -= take;
    pos_ += static_cast<uint64_t>(take);
  }
  return v;
}

uint32_t BitReader::ue_bitwise() {
  if (failed()) return 0;
  int leading_zeros = 0;
  while (true) {
    if (bits_left() == 0) {
      fail(Errc::malformed, "bitstream ends inside an Exp-Golomb code");
      return 0;
    }
    if (u(1) != 0) break;
    if (++leading_zeros > 32) {
      fail(Errc::malformed, "Exp-Golomb code longer than 32 bits");
      return 0;
    }
  }
  if (leading_zeros == 32) {
    // 2^32 - 1 + info fits only when info is 0, and even then is not a valid value anywhere.
    fail(Errc::malformed, "Exp-Golomb value does not fit 32 bits");
    return 0;
  }
  uint64_t value = (uint64_t{1} << leading_zeros) - 1 + u(leading_zeros);
  if (value > 0xFFFFFFFEu) {
    fail(Errc::malformed, "Exp-Golomb value does not fit 32 bits");
    return 0;
  }
  return static_cast<uint32_t>(value);
}

int32_t BitReader::se() {
  uint32_t k = ue();
  if (failed()) return 0;
  // 9.1.1: k odd -> positive (k+1)/2, k even -> negative -k/2.
  int64_t v = (k & 1) ? (int64_t{k} + 1) / 2 : -(int64_t{k} / 2);
  if (v > INT32_MAX || v < INT32_MIN) {
    fail(Errc::malformed, "signed Exp-Golomb value does not fit 32 bits");
    return 0;
  }
  return static_cast<int32_t>(v);
}

uint32_t BitReader::ue_max(uint32_t max, const char* what) {
  uint32_t v = ue();
  if (ok() && v > max) {
    fail(Errc::malformed, std::string(what) + " = " + std::to_string(v) + " exceeds " + std::to_string(max));
    return 0;
  }
  return v;
}

void BitReader::skip(uint64_t n) {
  if (failed()) return;
  if (n > data_.size() * 8 - pos_) {
    fail(Errc::malformed, "bitstream ends inside skipped bits");
    return;
  }
  pos_ += n;
}

bool BitReader::more_rbsp_data() const {
  if (failed()) return false;
  // Find the last 1 bit in the payload: that is the rbsp_stop_one_bit.
  size_t last = data_.size();
  while (last > 0 && data_[last - 1] == 0) --last;
  if (last == 0) return false;
  uint8_t b = data_[last - 1];
  int trailing = __builtin_ctz(b);
  uint64_t stop_bit = (last - 1) * 8 + static_cast<uint64_t>(7 - trailing);
  return pos_ < stop_bit;
}

}  // namespace camrec::codec
