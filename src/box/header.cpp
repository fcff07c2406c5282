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

}  // namespace camrec::box
