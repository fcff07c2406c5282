// SPDX-License-Identifier: LGPL-2.1-or-later
// Big-endian writer into a growing memory buffer. Serializing into memory cannot fail;
// only sinks return errors. Box scopes patch their size field when they close.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

namespace camrec::io {

class ByteWriter {
 public:
  void u8(uint8_t v) { buf_.push_back(v); }
  void u16(uint16_t v) { put(v, 2); }
  void u24(uint32_t v) { put(v, 3); }
  void u32(uint32_t v) { put(v, 4); }
  void u64(uint64_t v) { put(v, 8); }
  void i16(int16_t v) { u16(static_cast<uint16_t>(v)); }
  void i32(int32_t v) { u32(static_cast<uint32_t>(v)); }
  void i64(int64_t v) { u64(static_cast<uint64_t>(v)); }
  void bytes(std::span<const uint8_t> b) { buf_.insert(buf_.end(), b.begin(), b.end()); }
  void zeros(size_t n) { buf_.resize(buf_.size() + n, 0); }
  void chars(std::string_view s) { buf_.insert(buf_.end(), s.begin(), s.end()); }

  /// Starts a box: writes a 32-bit size placeholder and the type; returns the scope start.
  size_t begin_box(uint32_t type) {
    size_t start = buf_.size();
    u32(0);
    u32(type);
    return start;
  }
  /// Ends the box started at `start`: patches its 32-bit size.
  void end_box(size_t start) { patch_u32(start, static_cast<uint32_t>(buf_.size() - start)); }

  void patch_u32(size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) buf_[at + i] = static_cast<uint8_t>(v >> (24 - 8 * i));
  }
  void patch_u64(size_t at, uint64_t v) {
    for (int i = 0; i < 8; ++i) buf_[at + i] = static_cast<uint8_t>(v >> (56 - 8 * i));
  }

  size_t size() const { return buf_.size(); }
  const std::vector<uint8_t>& buffer() const { return buf_; }
  std::vector<uint8_t>& buffer() { return buf_; }
  std::span<const uint8_t> span() const { return buf_; }
  void clear() { buf_.clear(); }
  void reserve(size_t n) { buf_.reserve(n); }

 private:
  void put(uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) buf_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }

  std::vector<uint8_t> buf_;
};

}  // namespace camrec::io
