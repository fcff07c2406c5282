// SPDX-License-Identifier: LGPL-2.1-or-later
// The recordings a server offers: the regular files of one directory, opened only through
// that directory (openat, no symlinks), by names that cannot leave it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "camrec/status.h"

namespace camrec::server {

/// One file of the recordings directory.
struct RecordingEntry {
  std::string name;
  uint64_t size = 0;
  int64_t duration_us = 0;  ///< Longest track; 0 when the file does not open yet.
  /// "recording" (being written: by this process, or write-locked by another one),
  /// "complete" (closed: regular MP4, or fragmented with its index), or "incomplete"
  /// (left by a crash or still without a fragment: `camrec recover` repairs it).
  std::string state;
  int64_t modified_unix_s = 0;
};

/// A file opened for serving; closes on destruction.
class OpenedFile {
 public:
  OpenedFile(int fd, uint64_t size) : fd_(fd), size_(size) {}
  OpenedFile(const OpenedFile&) = delete;
  OpenedFile& operator=(const OpenedFile&) = delete;
  ~OpenedFile();
  int fd() const { return fd_; }
  uint64_t size() const { return size_; }

 private:
  int fd_;
  uint64_t size_;
};

class RecordingsDir {
 public:
  /// Opens `path` (must be a directory). Errors: not_found, io.
  static Result<std::unique_ptr<RecordingsDir>> open(const std::string& path);
  ~RecordingsDir();

  /// True for a name that stays inside the directory: not empty, no '/', no NUL, no
  /// leading '.' (so no "..", no hidden files), at most 255 bytes.
  static bool safe_name(const std::string& name);

  /// The MP4 files, newest first. `in_progress(name)` tells the files this process is writing.
  std::vector<RecordingEntry> list(const std::function<bool(const std::string&)>& in_progress) const;
  /// Opens a regular file by a safe name; symlinks and anything else are not_found.
  Result<std::unique_ptr<OpenedFile>> open_file(const std::string& name) const;

  const std::string& path() const { return path_; }

 private:
  RecordingsDir(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

/// A byte range of a file, inclusive.
struct ByteRange {
  uint64_t first = 0;
  uint64_t last = 0;
};

enum class RangeResult { whole, partial, unsatisfiable };

/// Reads a `Range` header (RFC 9110 14.2) for a file of `size` bytes. One range only: a
/// list of ranges, another unit or a malformed value are served whole, as the RFC allows.
RangeResult parse_range(const std::string& header, uint64_t size, ByteRange& out);

/// Decodes %XX escapes of a URL path; nullopt for a malformed escape or an encoded NUL.
std::optional<std::string> percent_decode(const std::string& text);

}  // namespace camrec::server
