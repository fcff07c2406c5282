// SPDX-License-Identifier: LGPL-2.1-or-later
#include "io/byte_reader.h"

namespace camrec::io {

bool ByteReader::need(uint64_t n) {
  if (failed()) return false;
  if (n > data_.size() - pos_) {
    fail(Errc::malformed, "need " + std::to_string(n) + " bytes, " +
                              std::to_string(data_.size() - pos_) + " left");
    return false;
  }
  return true;
}

void ByteReader::fail(Errc code, const std::string& message) {
  if (failed()) return;
  status_ = Status(code, message + " (at byte " + std::to_string(offset()) + ")");
}

uint8_t ByteReader::u8() {
  if (!need(1)) return 0;
  return data_[pos_++];
}

uint16_t ByteReader::u16() {
  if (!need(2)) return 0;
  uint16_t v = static_cast<uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
  pos_ += 2;
  return v;
}

uint32_t ByteReader::u24() {
  if (!need(3)) return 0;
  uint32_t v = (uint32_t{data_[pos_]} << 16) | (uint32_t{data_[pos_ + 1]} << 8) | data_[pos_ + 2];
  pos_ += 3;
  return v;
}

uint32_t ByteReader::u32() {
  if (!need(4)) return 0;
  uint32_t v = (uint32_t{data_[pos_]} << 24) | (uint32_t{data_[pos_ + 1]} << 16) |
               (uint32_t{data_[pos_ + 2]} << 8) | data_[pos_ + 3];
  pos_ += 4;
  return v;
}

uint64_t ByteReader::u64() {
  uint64_t hi = u32();
  uint64_t lo = u32();
  return (hi << 32) | lo;
}

std::span<const uint8_t> ByteReader::bytes(uint64_t n) {
  if (!need(n)) return {};
  auto out = data_.subspan(pos_, n);
  pos_ += n;
  return out;
}

ByteReader ByteReader::sub(uint64_t n) {
  uint64_t start = offset();
  auto view = bytes(n);
  ByteReader child(view, start);
  if (failed()) child.status_ = status_;
  return child;
}

bool ByteReader::check_count(uint64_t count, uint64_t min_element_size, const char* what) {
  if (failed()) return false;
  // Division instead of multiplication: count * size may overflow (CVE-2017-5037).
  if (min_element_size != 0 && count > remaining() / min_element_size) {
    fail(Errc::malformed, std::string(what) + " " + std::to_string(count) + " needs at least " +
                              std::to_string(min_element_size) + " bytes each, only " +
                              std::to_string(remaining()) + " bytes left");
    return false;
  }
  return true;
}

}  // namespace camrec::io
