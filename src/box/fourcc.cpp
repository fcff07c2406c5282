// SPDX-License-Identifier: LGPL-2.1-or-later
#include "box/fourcc.h"

#include <cstdio>

namespace camrec::box {

std::string fourcc_string(FourCC code) {
  std::string out;
  for (int shift = 24; shift >= 0; shift -= 8) {
    auto c = static_cast<unsigned char>(code >> shift);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return out;
}

}  // namespace camrec::box
