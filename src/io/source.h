// SPDX-License-Identifier: LGPL-2.1-or-later
// Where bytes come from: random access reads, as a demuxer needs.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "camrec/status.h"

namespace camrec::io {

class Source {
 public:
  virtual ~Source() = default;
  /// Reads exactly out.size() bytes at `offset`; fails with malformed ("truncated") when the
  /// source ends first, with io on an operating-system error.
  virtual Status read_at(uint64_t offset, std::span<uint8_t> out) = 0;
  /// Total size in bytes, as of opening.
  virtual uint64_t size() const = 0;

  /// Reads `length` bytes at `offset` into a new buffer (length checked against size()).
  Result<std::vector<uint8_t>> read_vector(uint64_t offset, uint64_t length);
};

class FileSource final : public Source {
 public:
  static Result<std::unique_ptr<FileSource>> open(const std::string& path);
  ~FileSource() override;
  Status read_at(uint64_t offset, std::span<uint8_t> out) override;
  uint64_t size() const override { return size_; }

 private:
  FileSource(int fd, uint64_t size) : fd_(fd), size_(size) {}
  int fd_ = -1;
  uint64_t size_ = 0;
};

/// Reads from a buffer owned by the caller, which must outlive the source.
class MemorySource final : public Source {
 public:
  explicit MemorySource(std::span<const uint8_t> data) : data_(data) {}
  Status read_at(uint64_t offset, std::span<uint8_t> out) override;
  uint64_t size() const override { return data_.size(); }

 private:
  std::span<const uint8_t> data_;
};

}  // namespace camrec::io
