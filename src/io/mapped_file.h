// SPDX-License-Identifier: LGPL-2.1-or-later
// A read-only mapping of an input file that survives the file being cut short while it is
// read. Touching a mapped page past a file's end raises SIGBUS, which kills the process; a
// remux whose input another program truncates must instead fail with a clear error and
// lose nothing. While a MappedFile exists, a SIGBUS handler recognises faults inside its
// mapping, puts zero pages over the rest of the mapping (so the access completes) and
// notes the fault; check() then reports the shrink before those zeros are used. Faults
// anywhere else take the action that was in place before (by default: the process dies).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "camrec/status.h"

namespace camrec::io {

class MappedFile {
 public:
  /// Maps `size` bytes of `fd` (a regular file, opened for reading); nullptr when the
  /// mapping fails (an address space too small for the file) or every guard slot is taken,
  /// and the caller reads the file instead. `fd` stays the caller's and must stay open.
  static std::unique_ptr<MappedFile> map(int fd, size_t size);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::span<const uint8_t> bytes() const { return {data_, size_}; }

  /// Whether every byte of the mapping is still the file's: an error (Errc::malformed,
  /// "the input shrank from X to Y bytes while being read") once a page faulted or the
  /// file is shorter than when it was mapped. Bytes read from the mapping are only to be
  /// trusted when a check() after reading them passes.
  Status check() const;
  /// Whether a page of the mapping faulted (the file shrank under a read): check()'s first
  /// half, without its system call. A cut inside a page that was read before does not fault
  /// (those bytes read as zeros): only check() sees that one.
  bool faulted() const;

 private:
  MappedFile(int fd, const uint8_t* data, size_t size, int slot) : fd_(fd), data_(data), size_(size), slot_(slot) {}
  int fd_;
  const uint8_t* data_;
  size_t size_;
  int slot_;
};

}  // namespace camrec::io
