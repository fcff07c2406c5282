// SPDX-License-Identifier: LGPL-2.1-or-later
#include "box/file_boxes.h"

namespace camrec::box {

void write_mdat_header(io::ByteWriter& w, uint64_t payload_size, bool force_large) {
  if (force_large || mdat_header_size(payload_size) == 16) {
    w.u32(1);
    w.u32(fourcc("mdat"));
    w.u64(payload_size + 16);
  } else {
    w.u32(static_cast<uint32_t>(payload_size + 8));
    w.u32(fourcc("mdat"));
  }
}

}  // namespace camrec::box
