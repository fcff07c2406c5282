// SPDX-License-Identifier: LGPL-2.1-or-later
// Where bytes go: an append-mostly output with in-place patching, as a muxer needs, or a
// forward-only stream (a pipe) that takes appends alone.
// Every operating-system error reaches the caller as a Status (short write, ENOSPC, EFBIG,
// EIO); nothing is retried silently except EINTR and partial writes that made progress.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
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
  /// Writes bytes at `offset`: over bytes already written, or past the end, which then
  /// moves there (bytes skipped over read as zeros).
  virtual Status write_at(uint64_t offset, std::span<const uint8_t> data) = 0;
  /// Reads back exactly out.size() bytes written earlier (the regular layout's close reads
  /// its fragments back). Sinks that keep nothing fail with unsupported, as by default.
  virtual Status read_at(uint64_t offset, std::span<uint8_t> out);
  /// Whether read_at() gives back what was written (false for the null device).
  virtual bool can_read_back() const { return false; }
  /// Cuts the output back to `length` bytes (drops a torn tail after an error).
  virtual Status truncate(uint64_t length) = 0;
  /// Durability barrier: returns once everything written so far is on stable storage.
  virtual Status sync() = 0;
  /// Asks for what is written so far to reach stable storage soon, without waiting for it
  /// (so a slow disk never stalls the caller). An error of that sync is returned by a later
  /// call. By default the same as sync().
  virtual Status sync_soon() { return sync(); }
  /// Bytes appended and not truncated.
  virtual uint64_t size() const = 0;
  /// False for a forward-only output (a pipe): write_at and truncate fail with
  /// Errc::unsupported, and a writer must produce its bytes strictly in order.
  virtual bool seekable() const { return true; }
  /// Releases the output. Further calls fail with wrong_state.
  virtual Status close() = 0;
};

/// Maps an errno value from a failed call to a Status that says what happened.
Status errno_status(int err, const std::string& what);

struct FileSinkOptions {
  enum class Mode {
    create,         ///< Create the file, or empty it if it exists (once it is locked).
    create_new,     ///< Create the file; fail with Errc::already_exists if it exists.
    open_existing,  ///< Open an existing file to patch it; size() starts at its length.
  };
  Mode mode = Mode::create;
};

/// A file written with pwrite/pwritev at explicit offsets (no stdio buffering, so a process
/// killed by SIGKILL leaves exactly what the writes delivered). One writer per file: open()
/// takes an exclusive OFD lock, held until close(), and fails with Errc::busy while another
/// sink holds it (in this process or another). Only regular files and /dev/null are accepted:
/// a FIFO, socket, directory or other device fails with Errc::unsupported before any write.
/// Note: a process exceeding RLIMIT_FSIZE gets SIGXFSZ, which kills it by default; programs
/// that want the EFBIG error instead must ignore SIGXFSZ (the camrec CLI does).
class FileSink final : public Sink {
 public:
  static Result<std::unique_ptr<FileSink>> open(const std::string& path, FileSinkOptions options = {});
  ~FileSink() override;

  Status append(std::span<const std::span<const uint8_t>> buffers) override;
  using Sink::append;
  Status write_at(uint64_t offset, std::span<const uint8_t> data) override;
  Status read_at(uint64_t offset, std::span<uint8_t> out) override;
  bool can_read_back() const override { return regular_; }
  Status truncate(uint64_t length) override;
  Status sync() override;
  /// fdatasync on a thread of this sink (started on first use); requests made while one
  /// runs are served by one more call after it.
  Status sync_soon() override;
  uint64_t size() const override { return size_; }
  Status close() override;

  const std::string& path() const { return path_; }

 private:
  FileSink(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  void sync_loop();
  /// The error of a background sync not yet returned, and stops the sync thread when
  /// `stop` (before the descriptor is closed).
  Status take_sync_error(bool stop);

  int fd_ = -1;
  std::string path_;
  uint64_t size_ = 0;
  /// Test hook (CAMREC_TEST_SYNC_DELAY_MS): a slow card, added to every background sync.
  int sync_delay_ms_ = 0;
  std::thread sync_thread_;
  std::mutex sync_mutex_;  ///< Guards what follows.
  std::condition_variable sync_wake_;
  bool sync_requested_ = false;
  bool sync_stop_ = false;
  Status sync_error_;
  bool regular_ = true;  ///< false for /dev/null: truncate and sync have nothing to do
};

/// A forward-only output on a descriptor: standard output, a pipe, a socket. Bytes go out
/// with write(2) in the order they are appended; nothing is ever patched, so a reader
/// consuming the stream as it arrives (ffmpeg -i -) sees the final bytes. sync() has nothing
/// to wait for (a pipe keeps nothing) and returns at once.
class StreamSink final : public Sink {
 public:
  /// Writes to `fd`; `name` is what errors call it ("standard output"). The descriptor is
  /// closed by close() only when `owns_fd`.
  StreamSink(int fd, std::string name, bool owns_fd) : fd_(fd), name_(std::move(name)), owns_fd_(owns_fd) {}
  ~StreamSink() override;

  Status append(std::span<const std::span<const uint8_t>> buffers) override;
  using Sink::append;
  Status write_at(uint64_t offset, std::span<const uint8_t> data) override;
  Status truncate(uint64_t length) override;
  Status sync() override;
  uint64_t size() const override { return size_; }
  bool seekable() const override { return false; }
  Status close() override;

 private:
  int fd_;
  std::string name_;
  bool owns_fd_;
  bool closed_ = false;
  uint64_t size_ = 0;
};

/// An in-memory sink for tests and for building small files; `fail_after` simulates a full
/// disk: appends that would pass that many bytes fail with no_space after writing what fits.
class MemorySink final : public Sink {
 public:
  Status append(std::span<const std::span<const uint8_t>> buffers) override;
  using Sink::append;
  Status write_at(uint64_t offset, std::span<const uint8_t> data) override;
  Status read_at(uint64_t offset, std::span<uint8_t> out) override;
  bool can_read_back() const override { return seekable_; }  // a pipe keeps nothing to read
  Status truncate(uint64_t length) override;
  Status sync() override { return Status::ok(); }
  uint64_t size() const override { return data_.size(); }
  bool seekable() const override { return seekable_; }
  Status close() override { return Status::ok(); }

  const std::vector<uint8_t>& data() const { return data_; }
  void set_capacity(uint64_t bytes) { capacity_ = bytes; }
  /// false: behaves as a pipe (write_at and truncate fail), to check a writer never seeks.
  void set_seekable(bool seekable) { seekable_ = seekable; }

 private:
  std::vector<uint8_t> data_;
  uint64_t capacity_ = UINT64_MAX;
  bool seekable_ = true;
};

}  // namespace camrec::io
