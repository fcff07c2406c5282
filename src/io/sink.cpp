// SPDX-License-Identifier: LGPL-2.1-or-later
#include "io/sink.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace camrec::io {

Status Sink::read_at(uint64_t, std::span<uint8_t>) {
  return make_error(Errc::unsupported, "this output cannot be read back");
}

Status errno_status(int err, const std::string& what) {
  Errc code = Errc::io;
  switch (err) {
    case ENOSPC:
    case EDQUOT: code = Errc::no_space; break;
    case EFBIG: code = Errc::file_too_large; break;
    case ENOENT:
    case ENOTDIR: code = Errc::not_found; break;
    case EACCES:
    case EPERM:
    case EROFS: code = Errc::permission_denied; break;
    case EEXIST: code = Errc::already_exists; break;
    case EISDIR: code = Errc::invalid_argument; break;
    default: break;
  }
  return Status(code, what + ": " + std::strerror(err));
}

namespace {

/// Why a file of this type cannot hold an MP4 (empty when it can): the muxer seeks back to
/// patch sizes and the close rewrites the header, so only a regular file (or the null device,
/// which accepts and discards anything) will do.
std::string unusable_file_type(const struct stat& st) {
  if (S_ISREG(st.st_mode)) return {};
  if (S_ISFIFO(st.st_mode)) return "a pipe (FIFO)";
  if (S_ISSOCK(st.st_mode)) return "a socket";
  if (S_ISDIR(st.st_mode)) return "a directory";
  if (S_ISBLK(st.st_mode)) return "a block device";
  if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3)) return {};  // /dev/null
  return "a device";
}

/// Takes an exclusive OFD lock on the whole file (fcntl F_OFD_SETLK): held by this open file
/// description until it is closed, so it covers the whole recording, close included, and is
/// dropped by the kernel when the process dies.
Status lock_for_writing(int fd, const std::string& path) {
  struct flock lock = {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  if (::fcntl(fd, F_OFD_SETLK, &lock) == 0) return Status::ok();
  if (errno == EAGAIN || errno == EACCES)
    return make_error(Errc::busy, "'" + path +
                                      "' is being written by another recording: choose another output name, or "
                                      "stop the other recording first");
  // File systems without locks (some network and FUSE mounts) still take the recording.
  if (errno == ENOLCK || errno == EINVAL || errno == EOPNOTSUPP) return Status::ok();
  return errno_status(errno, "cannot lock '" + path + "'");
}

}  // namespace

Result<std::unique_ptr<FileSink>> FileSink::open(const std::string& path, FileSinkOptions options) {
  using Mode = FileSinkOptions::Mode;
  // No O_TRUNC: the file is emptied only once this process holds its lock, so a second
  // writer on the same path cannot destroy the recording in progress. O_NONBLOCK keeps
  // open() from waiting on a FIFO that has no reader; the type check below refuses it.
  int flags = O_RDWR | O_CLOEXEC | O_NONBLOCK;
  if (options.mode == Mode::create) flags |= O_CREAT;
  if (options.mode == Mode::create_new) flags |= O_CREAT | O_EXCL;
  int fd = ::open(path.c_str(), flags, 0644);
  // The null device exists, but replacing it loses nothing: benchmarks write there.
  struct stat existing = {};
  if (fd < 0 && errno == EEXIST && ::stat(path.c_str(), &existing) == 0 && S_ISCHR(existing.st_mode) &&
      existing.st_rdev == makedev(1, 3))
    fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    if (errno == EEXIST)
      return make_error(Errc::already_exists, "'" + path + "' exists: use -y (--overwrite) to replace it");
    if (errno == EISDIR) return make_error(Errc::unsupported, "'" + path + "' is a directory: name a file inside it");
    if (errno == ENXIO)  // a socket, or a device without its driver
      return make_error(Errc::unsupported, "'" + path + "' is not a file an MP4 can be written to");
    return errno_status(errno, "cannot open '" + path + "' for writing");
  }
  auto sink = std::unique_ptr<FileSink>(new FileSink(fd, path));
  struct stat st = {};
  if (::fstat(fd, &st) != 0) return errno_status(errno, "cannot stat '" + path + "'");
  std::string unusable = unusable_file_type(st);
  if (!unusable.empty())
    return make_error(Errc::unsupported, "'" + path + "' is " + unusable +
                                             ": an MP4 needs a regular file it can seek in (to stream, use "
                                             "a fragmented MP4 to standard output: --fmp4 -o -)");
  sink->regular_ = S_ISREG(st.st_mode);
  if (sink->regular_) CAMREC_RETURN_IF_ERROR(lock_for_writing(fd, path));
  if (::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0)
    return errno_status(errno, "cannot configure '" + path + "'");
  if (options.mode == Mode::create && sink->regular_ && ::ftruncate(fd, 0) != 0)
    return errno_status(errno, "cannot empty '" + path + "'");
  if (options.mode == Mode::open_existing) {
    off_t end = ::lseek(fd, 0, SEEK_END);
    if (end < 0) return errno_status(errno, "cannot size '" + path + "'");
    sink->size_ = static_cast<uint64_t>(end);
  }
  return sink;
}

FileSink::~FileSink() {
  (void)take_sync_error(true);
  if (fd_ >= 0) ::close(fd_);
}

void FileSink::sync_loop() {
  std::unique_lock lock(sync_mutex_);
  while (true) {
    sync_wake_.wait(lock, [&] { return sync_requested_ || sync_stop_; });
    if (!sync_requested_) return;
    sync_requested_ = false;
    lock.unlock();
    if (sync_delay_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(sync_delay_ms_));
    Status s = sync();
    if (sync_delay_ms_ > 0) std::fprintf(stderr, "background sync done\n");
    lock.lock();
    if (!s.is_ok() && sync_error_.is_ok()) sync_error_ = s;
  }
}

Status FileSink::take_sync_error(bool stop) {
  if (stop && sync_thread_.joinable()) {
    {
      std::lock_guard lock(sync_mutex_);
      sync_stop_ = true;
    }
    sync_wake_.notify_one();
    sync_thread_.join();
  }
  std::lock_guard lock(sync_mutex_);
  Status s = sync_error_;
  sync_error_ = Status::ok();
  return s;
}

Status FileSink::sync_soon() {
  if (fd_ < 0) return make_error(Errc::wrong_state, "sync of a closed file");
  CAMREC_RETURN_IF_ERROR(take_sync_error(false));
  if (!regular_) return Status::ok();
  if (!sync_thread_.joinable()) {
    if (const char* delay = std::getenv("CAMREC_TEST_SYNC_DELAY_MS")) sync_delay_ms_ = std::atoi(delay);
    sync_thread_ = std::thread([this] { sync_loop(); });
  }
  {
    std::lock_guard lock(sync_mutex_);
    sync_requested_ = true;
  }
  sync_wake_.notify_one();
  return Status::ok();
}

Status FileSink::append(std::span<const std::span<const uint8_t>> buffers) {
  if (fd_ < 0) return make_error(Errc::wrong_state, "write to a closed file");
  // pwritev in a loop: a partial write is continued from where it stopped, so the only
  // way out before everything is written is an error from the kernel.
  // As many buffers per call as the kernel takes (IOV_MAX): a remuxed fragment is two
  // buffers per NAL unit (its length, then its payload in the input file).
  constexpr size_t kMaxIov = 1024;
  iovec iov[kMaxIov];
  size_t next = 0;
  size_t skip = 0;  // bytes of buffers[next] already written
  while (next < buffers.size()) {
    size_t n = 0;
    for (size_t i = next; i < buffers.size() && n < kMaxIov; ++i) {
      size_t off = i == next ? skip : 0;
      if (buffers[i].size() == off) continue;
      iov[n].iov_base = const_cast<uint8_t*>(buffers[i].data() + off);
      iov[n].iov_len = buffers[i].size() - off;
      ++n;
    }
    if (n == 0) break;
    ssize_t written = ::pwritev(fd_, iov, static_cast<int>(n), static_cast<off_t>(size_));
    if (written < 0) {
      if (errno == EINTR) continue;
      return errno_status(errno, "writing '" + path_ + "' at byte " + std::to_string(size_));
    }
    if (written == 0) return make_error(Errc::io, "writing '" + path_ + "': no progress");
    size_ += static_cast<uint64_t>(written);
    size_t left = static_cast<size_t>(written);
    while (next < buffers.size() && left > 0) {
      size_t avail = buffers[next].size() - skip;
      size_t take = std::min(avail, left);
      skip += take;
      left -= take;
      if (skip == buffers[next].size()) {
        ++next;
        skip = 0;
      }
    }
    while (next < buffers.size() && buffers[next].size() == skip) {
      ++next;
      skip = 0;
    }
  }
  return Status::ok();
}

Status FileSink::write_at(uint64_t offset, std::span<const uint8_t> data) {
  if (fd_ < 0) return make_error(Errc::wrong_state, "write to a closed file");
  size_t done = 0;
  while (done < data.size()) {
    ssize_t w = ::pwrite(fd_, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno_status(errno, "writing '" + path_ + "' at byte " + std::to_string(offset + done));
    }
    done += static_cast<size_t>(w);
  }
  size_ = std::max<uint64_t>(size_, offset + data.size());
  return Status::ok();
}

Status FileSink::read_at(uint64_t offset, std::span<uint8_t> out) {
  if (fd_ < 0) return make_error(Errc::wrong_state, "read of a closed file");
  if (!regular_) return Sink::read_at(offset, out);
  if (offset > size_ || out.size() > size_ - offset)
    return make_error(Errc::malformed, "reading '" + path_ + "': " + std::to_string(out.size()) + " bytes at byte " +
                                           std::to_string(offset) + " pass its end");
  size_t done = 0;
  while (done < out.size()) {
    ssize_t r = ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return errno_status(errno, "reading '" + path_ + "' at byte " + std::to_string(offset + done));
    }
    // Shorter than written: another program cut the file.
    if (r == 0) return make_error(Errc::malformed, "reading '" + path_ + "': the file ends before byte " +
                                                       std::to_string(offset + out.size()));
    done += static_cast<size_t>(r);
  }
  return Status::ok();
}

Status FileSink::truncate(uint64_t length) {
  if (fd_ < 0) return make_error(Errc::wrong_state, "truncate of a closed file");
  if (regular_ && ::ftruncate(fd_, static_cast<off_t>(length)) != 0)
    return errno_status(errno, "truncating '" + path_ + "'");
  size_ = length;
  return Status::ok();
}

Status FileSink::sync() {
  if (fd_ < 0) return make_error(Errc::wrong_state, "sync of a closed file");
  // The null device keeps nothing, so there is nothing to sync (fdatasync gives EINVAL on it).
  if (regular_ && ::fdatasync(fd_) != 0) return errno_status(errno, "syncing '" + path_ + "'");
  return Status::ok();
}

Status FileSink::close() {
  if (fd_ < 0) return Status::ok();
  Status deferred = take_sync_error(true);
  if (!deferred.is_ok()) {
    ::close(fd_);
    fd_ = -1;
    return deferred;
  }
  int fd = fd_;
  fd_ = -1;
  // close() can report a deferred write error (NFS, some FUSE file systems).
  if (::close(fd) != 0) return errno_status(errno, "closing '" + path_ + "'");
  return Status::ok();
}

StreamSink::~StreamSink() { (void)close(); }

Status StreamSink::append(std::span<const std::span<const uint8_t>> buffers) {
  if (closed_) return make_error(Errc::wrong_state, "write to a closed stream");
  for (auto buffer : buffers) {
    // One buffer at a time: a pipe takes part of a write and the rest follows.
    size_t done = 0;
    while (done < buffer.size()) {
      ssize_t w = ::write(fd_, buffer.data() + done, buffer.size() - done);
      if (w < 0) {
        if (errno == EINTR) continue;
        if (errno == EPIPE) return make_error(Errc::io, "writing " + name_ + ": the reader has gone (broken pipe)");
        return errno_status(errno, "writing " + name_ + " at byte " + std::to_string(size_ + done));
      }
      if (w == 0) return make_error(Errc::io, "writing " + name_ + ": no progress");
      done += static_cast<size_t>(w);
    }
    size_ += buffer.size();
  }
  return Status::ok();
}

Status StreamSink::write_at(uint64_t offset, std::span<const uint8_t>) {
  return make_error(Errc::unsupported, name_ + " is a stream: cannot go back to byte " + std::to_string(offset));
}

Status StreamSink::truncate(uint64_t length) {
  if (length == size_) return Status::ok();
  return make_error(Errc::unsupported, name_ + " is a stream: cannot cut it back to " + std::to_string(length) + " bytes");
}

Status StreamSink::sync() {
  if (closed_) return make_error(Errc::wrong_state, "sync of a closed stream");
  return Status::ok();
}

Status StreamSink::close() {
  if (closed_) return Status::ok();
  closed_ = true;
  if (owns_fd_ && ::close(fd_) != 0) return errno_status(errno, "closing " + name_);
  return Status::ok();
}

Status MemorySink::append(std::span<const std::span<const uint8_t>> buffers) {
  for (auto b : buffers) {
    uint64_t room = capacity_ > data_.size() ? capacity_ - data_.size() : 0;
    size_t take = static_cast<size_t>(std::min<uint64_t>(room, b.size()));
    data_.insert(data_.end(), b.begin(), b.begin() + static_cast<ptrdiff_t>(take));
    if (take < b.size()) return make_error(Errc::no_space, "memory sink full");
  }
  return Status::ok();
}

Status MemorySink::write_at(uint64_t offset, std::span<const uint8_t> data) {
  if (!seekable_) return make_error(Errc::unsupported, "write_at on a forward-only memory sink");
  if (offset + data.size() > data_.size()) {
    if (offset + data.size() > capacity_) return make_error(Errc::no_space, "memory sink full");
    data_.resize(offset + data.size());
  }
  std::copy(data.begin(), data.end(), data_.begin() + static_cast<ptrdiff_t>(offset));
  return Status::ok();
}

Status MemorySink::read_at(uint64_t offset, std::span<uint8_t> out) {
  if (offset > data_.size() || out.size() > data_.size() - offset)
    return make_error(Errc::malformed, "memory sink: " + std::to_string(out.size()) + " bytes at byte " +
                                           std::to_string(offset) + " pass its end");
  std::copy_n(data_.begin() + static_cast<ptrdiff_t>(offset), out.size(), out.begin());
  return Status::ok();
}

Status MemorySink::truncate(uint64_t length) {
  if (!seekable_ && length != data_.size())
    return make_error(Errc::unsupported, "truncate on a forward-only memory sink");
  data_.resize(length);
  return Status::ok();
}

}  // namespace camrec::io
