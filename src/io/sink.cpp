#include "io/sink.h"

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace camrec::io {

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
    case EISDIR:
    case EEXIST: code = Errc::invalid_argument; break;
    default: break;
  }
  return Status(code, what + ": " + std::strerror(err));
}

Result<std::unique_ptr<FileSink>> FileSink::open(const std::string& path, FileSinkOptions options) {
  using Mode = FileSinkOptions::Mode;
  int flags = O_RDWR | O_CLOEXEC;
  if (options.mode == Mode::create) flags |= O_CREAT | O_TRUNC;
  if (options.mode == Mode::create_new) flags |= O_CREAT | O_EXCL;
  int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0) return errno_status(errno, "cannot open '" + path + "' for writing");
  auto sink = std::unique_ptr<FileSink>(new FileSink(fd, path));
  if (options.mode == Mode::open_existing) {
    off_t end = ::lseek(fd, 0, SEEK_END);
    if (end < 0) return errno_status(errno, "cannot size '" + path + "'");
    sink->size_ = static_cast<uint64_t>(end);
  }
  return sink;
}

FileSink::~FileSink() {
  if (fd_ >= 0) ::close(fd_);
}

Status FileSink::append(std::span<const std::span<const uint8_t>> buffers) {
  if (fd_ < 0) return make_error(Errc::wrong_state, "write to a closed file");
  // pwritev in a loop: a partial write is continued from where it stopped, so the only
  // way out before everything is written is an error from the kernel.
  constexpr size_t kMaxIov = 64;
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

Status FileSink::truncate(uint64_t length) {
  if (fd_ < 0) return make_error(Errc::wrong_state, "truncate of a closed file");
  if (::ftruncate(fd_, static_cast<off_t>(length)) != 0)
    return errno_status(errno, "truncating '" + path_ + "'");
  size_ = length;
  return Status::ok();
}

Status FileSink::sync() {
  if (fd_ < 0) return make_error(Errc::wrong_state, "sync of a closed file");
  if (::fdatasync(fd_) != 0) return errno_status(errno, "syncing '" + path_ + "'");
  return Status::ok();
}

Status FileSink::close() {
  if (fd_ < 0) return Status::ok();
  int fd = fd_;
  fd_ = -1;
  // close() can report a deferred write error (NFS, some FUSE file systems).
  if (::close(fd) != 0) return errno_status(errno, "closing '" + path_ + "'");
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
  if (offset + data.size() > data_.size()) {
    if (offset + data.size() > capacity_) return make_error(Errc::no_space, "memory sink full");
    data_.resize(offset + data.size());
  }
  std::copy(data.begin(), data.end(), data_.begin() + static_cast<ptrdiff_t>(offset));
  return Status::ok();
}

Status MemorySink::truncate(uint64_t length) {
  data_.resize(length);
  return Status::ok();
}

}  // namespace camrec::io
