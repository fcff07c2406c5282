// SPDX-License-Identifier: LGPL-2.1-or-later
#include "codec/g711.h"

#include <algorithm>
#include <array>

namespace camrec::codec {
namespace {

// A-law (G.711 Table 1): 13-bit reconstruction levels, scaled by 8 to 16 bits.
constexpr int alaw_level(uint8_t code) {
  int a = code ^ 0x55;
  int mantissa = a & 0x0F;
  int segment = (a >> 4) & 0x07;
  int t = segment == 0 ? (2 * mantissa + 1) << 3 : (2 * mantissa + 1 + 32) << (segment + 2);
  return (a & 0x80) ? t : -t;
}

// µ-law (G.711 Table 2): 14-bit reconstruction levels with bias 33, scaled by 4 to 16 bits.
constexpr int ulaw_level(uint8_t code) {
  int u = ~code & 0xFF;
  int t = (((u & 0x0F) << 3) + 0x84) << ((u >> 4) & 0x07);
  return (u & 0x80) ? 0x84 - t : t - 0x84;
}

// Encoder table indexed by the sample truncated to 14 bits (offset binary). `positive_zero`
// is the code of +0 (0xD5 for A-law, 0xFF for µ-law); magnitude step i has code
// i ^ positive_zero, and its negative counterpart flips the sign bit.
template <typename Level>
constexpr std::array<uint8_t, 16384> make_encoder(Level level, uint8_t positive_zero) {
  std::array<uint8_t, 16384> table{};
  table[8192] = positive_zero;
  int j = 1;
  for (int i = 0; i < 127; ++i) {
    // Decision threshold: midpoint of neighbouring levels, in 14-bit units, rounded.
    int lo = level(static_cast<uint8_t>(i ^ positive_zero));
    int hi = level(static_cast<uint8_t>((i + 1) ^ positive_zero));
    int threshold = (lo + hi + 4) >> 3;
    for (; j < threshold; ++j) {
      table[8192 - j] = static_cast<uint8_t>(i ^ positive_zero ^ 0x80);
      table[8192 + j] = static_cast<uint8_t>(i ^ positive_zero);
    }
  }
  for (; j < 8192; ++j) {
    table[8192 - j] = static_cast<uint8_t>(127 ^ positive_zero ^ 0x80);
    table[8192 + j] = static_cast<uint8_t>(127 ^ positive_zero);
  }
  table[0] = table[1];
  return table;
}

constexpr auto kAlawEncode = make_encoder(alaw_level, 0xD5);
constexpr auto kUlawEncode = make_encoder(ulaw_level, 0xFF);

size_t index_of(int16_t sample) { return static_cast<size_t>((sample + 32768) >> 2); }

}  // namespace

uint8_t linear_to_ulaw(int16_t sample) { return kUlawEncode[index_of(sample)]; }
int16_t ulaw_to_linear(uint8_t code) { return static_cast<int16_t>(ulaw_level(code)); }
uint8_t linear_to_alaw(int16_t sample) { return kAlawEncode[index_of(sample)]; }
int16_t alaw_to_linear(uint8_t code) { return static_cast<int16_t>(alaw_level(code)); }

void encode_ulaw(std::span<const int16_t> in, std::span<uint8_t> out) {
  size_t n = std::min(in.size(), out.size());
  for (size_t i = 0; i < n; ++i) out[i] = linear_to_ulaw(in[i]);
}
void decode_ulaw(std::span<const uint8_t> in, std::span<int16_t> out) {
  size_t n = std::min(in.size(), out.size());
  for (size_t i = 0; i < n; ++i) out[i] = ulaw_to_linear(in[i]);
}
void encode_alaw(std::span<const int16_t> in, std::span<uint8_t> out) {
  size_t n = std::min(in.size(), out.size());
  for (size_t i = 0; i < n; ++i) out[i] = linear_to_alaw(in[i]);
}
void decode_alaw(std::span<const uint8_t> in, std::span<int16_t> out) {
  size_t n = std::min(in.size(), out.size());
  for (size_t i = 0; i < n; ++i) out[i] = alaw_to_linear(in[i]);
}

}  // namespace camrec::codec
