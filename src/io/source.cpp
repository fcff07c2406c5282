// SPDX-License-Identifier: LGPL-2.1-or-later
#include "io/source.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "camrec/checked.h"
#include "io/sink.h"

namespace camrec::io {

Result<std::vector<uint8_t>> Source::read_vector(uint64_t offset, uint64_t length) {
  auto end = checked_add(offset, length);
  if (!end || *end > size())
    return make_error(Errc::malformed, "read of " + std::to_string(length) + " bytes at " +
                                           std::to_string(offset) + " passes the end of the file (" +
                                           std::to_string(size()) + " bytes)");
  std::vector<uint8_t> out(static_cast<size_t>(length));
  CAMREC_RETURN_IF_ERROR(read_at(offset, out));
  return out;
}

namespace {

// As the elementary stream reader's mapping (mux/elementary_stream.cpp): pages are handed
// back 1 MiB behind the reader, 512 KiB at a time. The muxer writes a fragment (about 1 s
// of media) from the mapping soon after the samples were read.
constexpr size_t kKeepBehind = 1u << 20;
constexpr size_t kReleaseStep = 512u << 10;

}  // namespace

Result<std::unique_ptr<FileSource>> FileSource::open(const std::string& path, bool map) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_status(errno, "cannot open '" + path + "'");
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return errno_status(err, "cannot stat '" + path + "'");
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(Errc::invalid_argument, "'" + path + "' is not a regular file");
  }
  auto source = std::unique_ptr<FileSource>(new FileSource(fd, static_cast<uint64_t>(st.st_size)));
  if (map && st.st_size > 0 && static_cast<uint64_t>(st.st_size) <= SIZE_MAX) {
    const size_t size = static_cast<size_t>(st.st_size);
    source->mapping_ = MappedFile::map(fd, size);
    if (source->mapping_) {
      ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
      // Read ahead generously when the file is not cached.
      ::madvise(const_cast<uint8_t*>(source->mapping_->bytes().data()), size, MADV_SEQUENTIAL);
    }
  }
  return source;
}

FileSource::~FileSource() {
  mapping_.reset();  // before the file it maps is closed
  if (fd_ >= 0) ::close(fd_);
}

void FileSource::release_before(uint64_t offset) {
  if (!mapping_) return;
  static const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  const auto bytes = mapping_->bytes();
  const size_t at = static_cast<size_t>(std::min<uint64_t>(offset, bytes.size()));
  if (at > released_ + kKeepBehind + kReleaseStep) {
    const size_t end = (at - kKeepBehind) / page * page;
    ::madvise(const_cast<uint8_t*>(bytes.data()) + released_, end - released_, MADV_DONTNEED);
    released_ = end;
  }
}

Status FileSource::read_at(uint64_t offset, std::span<uint8_t> out) {
  if (mapping_) {
    const auto bytes = mapping_->bytes();
    auto end = checked_add(offset, out.size());
    if (!end || *end > bytes.size())
      return make_error(Errc::malformed, "file truncated: wanted " + std::to_string(out.size()) + " bytes at " +
                                             std::to_string(offset));
    std::copy_n(bytes.data() + offset, out.size(), out.data());
    // Bytes past a new end of the file read as zeros: the copy is only good if the file
    // still holds them.
    return mapping_->check();
  }
  size_t done = 0;
  while (done < out.size()) {
    ssize_t r = ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return errno_status(errno, "reading at byte " + std::to_string(offset + done));
    }
    if (r == 0)
      return make_error(Errc::malformed, "file truncated: wanted " + std::to_string(out.size()) +
                                             " bytes at " + std::to_string(offset));
    done += static_cast<size_t>(r);
  }
  return Status::ok();
}

Status MemorySource::read_at(uint64_t offset, std::span<uint8_t> out) {
  auto end = checked_add(offset, out.size());
  if (!end || *end > data_.size())
    return make_error(Errc::malformed, "truncated: wanted " + std::to_string(out.size()) +
                                           " bytes at " + std::to_string(offset));
  std::copy_n(data_.begin() + static_cast<ptrdiff_t>(offset), out.size(), out.begin());
  return Status::ok();
}

}  // namespace camrec::io
