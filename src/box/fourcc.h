// SPDX-License-Identifier: LGPL-2.1-or-later
// Four-character codes, built at compile time so no box type is ever written as hex.
#pragma once

#include <cstdint>
#include <string>

namespace camrec::box {

using FourCC = uint32_t;

/// fourcc("moov") == 0x6d6f6f76.
consteval FourCC fourcc(const char (&s)[5]) {
  return (FourCC(uint8_t(s[0])) << 24) | (FourCC(uint8_t(s[1])) << 16) |
         (FourCC(uint8_t(s[2])) << 8) | FourCC(uint8_t(s[3]));
}

/// "moov"; bytes outside printable ASCII are shown as \xNN.
std::string fourcc_string(FourCC code);

}  // namespace camrec::box
