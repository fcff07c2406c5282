// Where bytes go: an append-mostly output with in-place patching, as a muxer needs.
// Every operating-system error reaches the caller as a Status (short write, ENOSPC, EFBIG,
// EIO); nothing is retried silently except EINTR and partial writes that made progress.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "camrec/status.h"

namespace camrec::io {

class Sink {
 public:
  virtual ~Sink() = default;

  /// Appends the buffers, in order, at the end. On error, part of the data may have been
  /// written: size() tells how much of the file is known good is up to the caller.
  virtual Status append(std::span<const std::span<const uint8_t>> buffers) = 0;
  Status append(std::span<const uint8_t> data) {
    std::span<const uint8_t> one[1] = {data};
    return append(one);
  }
  /// Overwrites bytes at `offset` (must lie within the bytes already appended).
  virtual Status write_at(uint64_t offset, std::span<const uint8_t> data) = 0;
  /// Cuts the output back to `length` bytes (drops a torn tail after an error).
  virtual Status truncate(uint64_t length) = 0;
  /// Durability barrier: returns once everything written so far is on stable storage.
  virtual Status sync() = 0;
  /// Bytes appended and not truncated.
  virtual uint64_t size() const = 0;
  /// Releases the output. Further calls fail with wrong_state.
  virtual Status close() = 0;
};

/// Maps an errno value from a failed call to a Status that says what happened.
Status errno_status(int err, const std::string& what);

struct FileSinkOptions {
  enum class Mode {
    create,         ///< Create the file, or empty it if it exists.
    create_new,     ///< Create the file; fail if it exists.
    open_existing,  ///< Open an existing file to patch it; size() starts at its length.
  };
  Mode mode = Mode::create;
};

/// A file written with pwrite/pwritev at explicit offsets (no stdio buffering, so a process
/// killed by SIGKILL leaves exactly what the writes delivered).
/// Note: a process exceeding RLIMIT_FSIZE gets SIGXFSZ, which kills it by default; programs
/// that want the EFBIG error instead must ignore SIGXFSZ (the camrec CLI does).
class FileSink final : public Sink {
 public:
  static Result<std::unique_ptr<FileSink>> open(const std::string& path, FileSinkOptions options = {});
  ~FileSink() override;

  Status append(std::span<const std::span<const uint8_t>> buffers) override;
  using Sink::append;
  Status write_at(uint64_t offset, std::span<const uint8_t> data) override;
  Status truncate(uint64_t length) override;
  Status sync() override;
  uint64_t size() const override { return size_; }
  Status close() override;

  const std::string& path() const { return path_; }

 private:
  FileSink(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}

  int fd_ = -1;
  std::string path_;
  uint64_t size_ = 0;
};

/// An in-memory sink for tests and for building small files; `fail_after` simulates a full
/// disk: appends that would pass that many bytes fail with no_space after writing what fits.
class MemorySink final : public Sink {
 public:
  Status append(std::span<const std::span<const uint8_t>> buffers) override;
  using Sink::append;
  Status write_at(uint64_t offset, std::span<const uint8_t> data) override;
  Status truncate(uint64_t length) override;
  Status sync() override { return Status::ok(); }
  uint64_t size() const override { return data_.size(); }
  Status close() override { return Status::ok(); }

  const std::vector<uint8_t>& data() const { return data_; }
  void set_capacity(uint64_t bytes) { capacity_ = bytes; }

 private:
  std::vector<uint8_t> data_;
  uint64_t capacity_ = UINT64_MAX;
};

}  // namespace camrec::io
