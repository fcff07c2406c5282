// SPDX-License-Identifier: LGPL-2.1-or-later
#include "box/movie_boxes.h"

namespace camrec::box {

std::string unpack_language(uint16_t language) {
  // QuickTime stores Macintosh language codes below 0x400 and 0x7fff for "unspecified".
  if (language < 0x400 || language == 0x7fff) return "";
  std::string out;
  for (int shift = 10; shift >= 0; shift -= 5) {
    int letter = (language >> shift) & 0x1f;
    if (letter < 1 || letter > 26) return "";
    out += static_cast<char>(letter + 0x60);
  }
  return out;
}

}  // namespace camrec::box
