// SPDX-License-Identifier: LGPL-2.1-or-later
// G.711 companding (ITU-T G.711): µ-law and A-law, 8-bit codes <-> 16-bit linear PCM.
//
// Decoding gives the reconstruction level of each code scaled to 16 bits (A-law 13-bit and
// µ-law 14-bit values shifted left by 3 and 2). Encoding picks, for the input truncated to
// 14 bits, the code whose reconstruction level is nearest (midpoints rounded up in
// magnitude), which is what ffmpeg's pcm_alaw / pcm_mulaw encoders produce byte for byte.
// All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <span>

namespace camrec::codec {

/// µ-law code of one 16-bit sample.
uint8_t linear_to_ulaw(int16_t sample);
/// 16-bit linear value of a µ-law code.
int16_t ulaw_to_linear(uint8_t code);
/// A-law code of one 16-bit sample (even bits inverted, as transmitted).
uint8_t linear_to_alaw(int16_t sample);
/// 16-bit linear value of an A-law code.
int16_t alaw_to_linear(uint8_t code);

/// Encodes min(in.size(), out.size()) samples to µ-law.
void encode_ulaw(std::span<const int16_t> in, std::span<uint8_t> out);
/// Decodes min(in.size(), out.size()) µ-law codes.
void decode_ulaw(std::span<const uint8_t> in, std::span<int16_t> out);
/// Encodes min(in.size(), out.size()) samples to A-law.
void encode_alaw(std::span<const int16_t> in, std::span<uint8_t> out);
/// Decodes min(in.size(), out.size()) A-law codes.
void decode_alaw(std::span<const uint8_t> in, std::span<int16_t> out);

}  // namespace camrec::codec
