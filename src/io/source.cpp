// SPDX-License-Identifier: LGPL-2.1-or-later
#include "io/source.h"

#include <fcntl.h>
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

Result<std::unique_ptr<FileSource>> FileSource::open(const std::string& path) {
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
  return std::unique_ptr<FileSource>(new FileSource(fd, static_cast<uint64_t>(st.st_size)));
}

FileSource::~FileSource() {
  if (fd_ >= 0) ::close(fd_);
}

Status FileSource::read_at(uint64_t offset, std::span<uint8_t> out) {
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
