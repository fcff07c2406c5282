// SPDX-License-Identifier: LGPL-2.1-or-later
// Where bytes come from: random access reads, as a demuxer needs.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "camrec/status.h"
#include "io/mapped_file.h"

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
  /// Opens a regular file. With `map`, the file is also mapped into memory (when the
  /// mapping fails it is read with pread as without): reads copy from the mapping, and
  /// mapped() lets a caller (the remux) write samples straight from it.
  static Result<std::unique_ptr<FileSource>> open(const std::string& path, bool map = false);
  ~FileSource() override;
  Status read_at(uint64_t offset, std::span<uint8_t> out) override;
  uint64_t size() const override { return size_; }
  /// The open descriptor (the source's: do not close it), e.g. to map the file.
  int fd() const { return fd_; }

  /// The whole file as mapped; empty when it is not. The bytes are to be trusted only when
  /// a check() after reading them passes (see io/mapped_file.h).
  std::span<const uint8_t> mapped() const { return mapping_ ? mapping_->bytes() : std::span<const uint8_t>(); }
  /// Whether the mapped file still holds every byte (always ok when not mapped).
  Status check() const { return mapping_ ? mapping_->check() : Status::ok(); }
  /// Hands the mapped pages well before `offset` back to the kernel (they are mapped again
  /// from the page cache if read later), so a sequential reader keeps little of a large
  /// file mapped: its resident size stays flat however long the file is.
  void release_before(uint64_t offset);

 private:
  FileSource(int fd, uint64_t size) : fd_(fd), size_(size) {}
  int fd_ = -1;
  uint64_t size_ = 0;
  std::unique_ptr<MappedFile> mapping_;
  size_t released_ = 0;  ///< Mapped pages before this were handed back.
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
