// SPDX-License-Identifier: LGPL-2.1-or-later
// Bounded big-endian reader over bytes already in memory.
//
// Errors are sticky: after the first failure every read returns 0 and the first error is
// kept, so a parser reads a run of fields and checks ok() once. A reader never reads past
// its bound; child readers (sub()) are bounded to one box.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "camrec/status.h"

namespace camrec::io {

class ByteReader {
 public:
  /// Reads `data`; `base_offset` is the file offset of data[0], used only in messages.
  explicit ByteReader(std::span<const uint8_t> data, uint64_t base_offset = 0)
      : data_(data), base_offset_(base_offset) {}

  uint8_t u8();
  uint16_t u16();
  uint32_t u24();
  uint32_t u32();
  uint64_t u64();
  int16_t i16() { return static_cast<int16_t>(u16()); }
  int32_t i32() { return static_cast<int32_t>(u32()); }
  int64_t i64() { return static_cast<int64_t>(u64()); }

  /// The next n bytes (a view into the reader's data), or an empty span and an error.
  std::span<const uint8_t> bytes(uint64_t n);
  /// Everything up to the bound.
  std::span<const uint8_t> rest() { return bytes(remaining()); }
  void skip(uint64_t n) { (void)bytes(n); }

  /// A reader over the next n bytes; this reader moves past them. Fails (sticky, on both)
  /// when fewer than n bytes are left.
  ByteReader sub(uint64_t n);

  /// Checks that `count` elements of at least `min_element_size` bytes can still be read,
  /// before the caller allocates for them. `what` names the count in the error message.
  bool check_count(uint64_t count, uint64_t min_element_size, const char* what);

  uint64_t remaining() const { return failed() ? 0 : data_.size() - pos_; }
  uint64_t position() const { return pos_; }
  /// Absolute file offset of the next byte.
  uint64_t offset() const { return base_offset_ + pos_; }
  std::span<const uint8_t> data() const { return data_; }

  bool ok() const { return status_.is_ok(); }
  bool failed() const { return !status_.is_ok(); }
  const Status& status() const { return status_; }
  /// Records an error at the current offset unless one is already recorded.
  void fail(Errc code, const std::string& message);
  /// Prefixes the recorded error's message with `context: ` (a box path, for example).
  void annotate_error(const std::string& context) {
    if (failed()) status_ = status_.with_context(context);
  }
  /// Records `error` as it is (already located) unless an error is already recorded.
  void fail_with(const Status& error) {
    if (ok()) status_ = error;
  }

 private:
  bool need(uint64_t n);

  std::span<const uint8_t> data_;
  uint64_t base_offset_ = 0;
  uint64_t pos_ = 0;
  Status status_;
};

}  // namespace camrec::io
