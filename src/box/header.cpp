// SPDX-License-Identifier: LGPL-2.1-or-later
#include "box/archive.h"

namespace camrec::box {

BoxHeader read_box_header(io::ByteReader& r) {
  BoxHeader h;
  h.offset = r.offset();
  uint64_t available = r.remaining();
  uint32_t size32 = r.u32();
  h.type = r.u32();
  h.header_size = 8;
  if (r.failed()) return h;
  if (size32 == 1) {
    h.size = r.u64();
    h.header_size = 16;
  } else if (size32 == 0) {
    h.size = available;  // extends to the end of the enclosing box or file
    h.extends_to_end = true;
  } else {
    h.size = size32;
  }
  if (r.failed()) return h;
  if (h.size < h.header_size) {
    r.fail(Errc::malformed, "box '" + fourcc_string(h.type) + "' size " + std::to_string(h.size) +
                                " is smaller than its header");
  } else if (h.size > available) {
    r.fail(Errc::malformed, "box '" + fourcc_string(h.type) + "' size " + std::to_string(h.size) +
                                " passes the end of its parent (" + std::to_string(available) + " bytes left)");
  }
  return h;
}

void ReadArchive::cstring(const char*, std::string& s) {
  auto rest = r_.data().subspan(r_.position(), r_.remaining());
  size_t n = 0;
  while (n < rest.size() && rest[n] != 0) ++n;
  s.assign(rest.begin(), rest.begin() + static_cast<ptrdiff_t>(n));
  r_.skip(n < rest.size() ? n + 1 : n);
}

void ReadArchive::string_to_end(const char*, std::string& s, StringForm& form) {
  auto rest = r_.rest();
  if (rest.empty()) {
    s.clear();
    form = StringForm::unterminated;
  } else if (rest.back() == 0) {
    s.assign(rest.begin(), rest.end() - 1);
    form = StringForm::nul_terminated;
  } else if (rest[0] == rest.size() - 1) {
    // QuickTime writes counted strings (ffmpeg's mov muxer: "\x0cVideoHandler").
    s.assign(rest.begin() + 1, rest.end());
    form = StringForm::pascal;
  } else {
    s.assign(rest.begin(), rest.end());
    form = StringForm::unterminated;
  }
}

void ReadArchive::pascal_fixed(const char*, std::string& s, size_t width) {
  auto field = r_.bytes(width);
  s.clear();
  if (field.empty()) return;
  size_t n = field[0];
  if (n < width) {
    s.assign(field.begin() + 1, field.begin() + 1 + static_cast<ptrdiff_t>(n));
  } else {
    // Some muxers write a C string here. Keep at most width - 1 characters, so the value
    // writes back (as a Pascal string) to something that reads back the same.
    size_t end = 0;
    while (end + 1 < field.size() && field[end] != 0) ++end;
    s.assign(field.begin(), field.begin() + static_cast<ptrdiff_t>(end));
  }
}

}  // namespace camrec::box
