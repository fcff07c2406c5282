// SPDX-License-Identifier: LGPL-2.1-or-later
#include "server/recordings.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "camrec/demuxer.h"
#include "io/sink.h"
#include "io/source.h"

namespace camrec::server {

namespace {

/// Reads an open file through its descriptor, so the file checked is the file read.
class FdSource final : public io::Source {
 public:
  FdSource(int fd, uint64_t size) : fd_(fd), size_(size) {}
  Status read_at(uint64_t offset, std::span<uint8_t> out) override {
    size_t done = 0;
    while (done < out.size()) {
      ssize_t n = ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return io::errno_status(errno, "reading a recording");
      if (n == 0) return make_error(Errc::malformed, "truncated");
      done += static_cast<size_t>(n);
    }
    return Status::ok();
  }
  uint64_t size() const override { return size_; }

 private:
  int fd_;
  uint64_t size_;
};

/// Another process holds a write lock on the file (camrec record locks its output).
bool write_locked(int fd) {
  struct flock probe {};
  probe.l_type = F_WRLCK;
  probe.l_whence = SEEK_SET;
  // Both lock kinds: an OFD lock and a classic POSIX lock each show up in F_OFD_GETLK.
  if (::fcntl(fd, F_OFD_GETLK, &probe) != 0) return false;
  return probe.l_type != F_UNLCK;
}

bool is_mp4_name(const std::string& name) {
  auto ends = [&](const char* ext) {
    size_t n = std::strlen(ext);
    return name.size() > n && name.compare(name.size() - n, n, ext) == 0;
  };
  return ends(".mp4") || ends(".m4v") || ends(".m4a") || ends(".mov");
}

}  // namespace

OpenedFile::~OpenedFile() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::unique_ptr<RecordingsDir>> RecordingsDir::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR)
      return make_error(Errc::not_found, "recordings directory '" + path + "' does not exist or is not a directory");
    return io::errno_status(err, "opening recordings directory '" + path + "'");
  }
  return std::unique_ptr<RecordingsDir>(new RecordingsDir(fd, path));
}

RecordingsDir::~RecordingsDir() { ::close(fd_); }

bool RecordingsDir::safe_name(const std::string& name) {
  return !name.empty() && name.size() <= 255 && name[0] != '.' && name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos;
}

Result<std::unique_ptr<OpenedFile>> RecordingsDir::open_file(const std::string& name) const {
  if (!safe_name(name)) return make_error(Errc::not_found, "no such recording");
  // O_NOFOLLOW: a symlink planted in the directory is refused, wherever it points.
  int fd = ::openat(fd_, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT || err == ELOOP || err == ENOTDIR || err == EACCES)
      return make_error(Errc::not_found, "no such recording");
    return io::errno_status(err, "opening recording '" + name + "'");
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(Errc::not_found, "no such recording");
  }
  return std::make_unique<OpenedFile>(fd, static_cast<uint64_t>(st.st_size));
}

std::vector<RecordingEntry> RecordingsDir::list(const std::function<bool(const std::string&)>& in_progress) const {
  std::vector<RecordingEntry> out;
  int dup_fd = ::dup(fd_);
  if (dup_fd < 0) return out;
  DIR* dir = ::fdopendir(dup_fd);
  if (!dir) {
    ::close(dup_fd);
    return out;
  }
  ::rewinddir(dir);
  while (dirent* e = ::readdir(dir)) {
    std::string name = e->d_name;
    if (!safe_name(name) || !is_mp4_name(name)) continue;
    auto file = open_file(name);
    if (!file) continue;
    struct stat st {};
    if (::fstat((*file)->fd(), &st) != 0) continue;
    RecordingEntry entry;
    entry.name = name;
    entry.size = (*file)->size();
    entry.modified_unix_s = st.st_mtim.tv_sec;
    const bool writing = (in_progress && in_progress(name)) || write_locked((*file)->fd());
    bool complete = false;
    auto demuxer = Demuxer::open(std::make_unique<FdSource>((*file)->fd(), entry.size));
    if (demuxer && (*demuxer)->scan().is_ok()) {
      for (const auto& t : (*demuxer)->tracks())
        if (t.timescale > 0)
          entry.duration_us = std::max(entry.duration_us, rescale(static_cast<int64_t>(t.duration) + t.start,
                                                                  t.timescale, kMicroseconds));
      const FileLayout& layout = (*demuxer)->layout();
      complete = !layout.truncated && (!layout.fragmented || layout.has_mfra);
    }
    entry.state = writing ? "recording" : complete ? "complete" : "incomplete";
    out.push_back(std::move(entry));
  }
  ::closedir(dir);
  std::sort(out.begin(), out.end(), [](const RecordingEntry& a, const RecordingEntry& b) {
    return a.modified_unix_s != b.modified_unix_s ? a.modified_unix_s > b.modified_unix_s : a.name < b.name;
  });
  return out;
}

RangeResult parse_range(const std::string& header, uint64_t size, ByteRange& out) {
  const std::string prefix = "bytes=";
  if (header.compare(0, prefix.size(), prefix) != 0) return RangeResult::whole;
  std::string spec = header.substr(prefix.size());
  if (spec.find(',') != std::string::npos) return RangeResult::whole;
  size_t dash = spec.find('-');
  if (dash == std::string::npos) return RangeResult::whole;
  auto number = [](const std::string& s, uint64_t& v) {
    if (s.empty() || s.size() > 19 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return false;
    v = std::stoull(s);
    return true;
  };
  std::string a = spec.substr(0, dash), b = spec.substr(dash + 1);
  uint64_t first = 0, last = 0;
  if (a.empty()) {  // suffix: the last N bytes
    uint64_t n = 0;
    if (!number(b, n)) return RangeResult::whole;
    if (n == 0 || size == 0) return RangeResult::unsatisfiable;
    out = {size - std::min(n, size), size - 1};
    return RangeResult::partial;
  }
  if (!number(a, first)) return RangeResult::whole;
  if (b.empty()) last = size ? size - 1 : 0;
  else if (!number(b, last) || last < first) return RangeResult::whole;
  if (first >= size) return RangeResult::unsatisfiable;
  out = {first, std::min(last, size - 1)};
  return RangeResult::partial;
}

std::optional<std::string> percent_decode(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    int hi = i + 1 < text.size() ? hex(text[i + 1]) : -1;
    int lo = i + 2 < text.size() ? hex(text[i + 2]) : -1;
    if (hi < 0 || lo < 0) return std::nullopt;
    char c = static_cast<char>(hi * 16 + lo);
    if (c == '\0') return std::nullopt;
    out += c;
    i += 2;
  }
  return out;
}

}  // namespace camrec::server
