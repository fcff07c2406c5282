// SPDX-License-Identifier: LGPL-2.1-or-later
// Integer time: ticks in a timescale, rescaled exactly with 128-bit intermediates.
// No double anywhere: a 24-hour recording must not drift by rounding.
#pragma once

#include <cstdint>

namespace camrec {

/// 128-bit intermediate for exact products of 64-bit times and 32-bit scales (a GCC/Clang
/// extension, named once here so -Wpedantic stays quiet).
__extension__ typedef __int128 int128;

/// Ticks per second of a clock or track (90000 for video, the sample rate for audio).
using Timescale = uint32_t;

inline constexpr Timescale kMicroseconds = 1'000'000;
inline constexpr Timescale kMilliseconds = 1'000;

/// `value` ticks of `from` converted to ticks of `to`, rounded to nearest (ties away from
/// zero). Exact for any int64 input: the product is formed in 128 bits. `from` and `to` > 0.
constexpr int64_t rescale(int64_t value, Timescale from, Timescale to) {
  if (from == to) return value;
  int128 product = static_cast<int128>(value) * to;
  int128 half = from / 2;
  int128 q = product >= 0 ? (product + half) / from : -((-product + half) / from);
  return static_cast<int64_t>(q);
}

/// Like rescale() but rounding down (toward minus infinity), for boundaries that must not
/// move past a real instant.
constexpr int64_t rescale_floor(int64_t value, Timescale from, Timescale to) {
  int128 product = static_cast<int128>(value) * to;
  int128 q = product / from;
  if (product % from != 0 && product < 0) --q;
  return static_cast<int64_t>(q);
}

/// a/ta < b/tb, compared exactly (for interleaving tracks of different timescales).
constexpr bool time_less(int64_t a, Timescale ta, int64_t b, Timescale tb) {
  return static_cast<int128>(a) * tb < static_cast<int128>(b) * ta;
}

}  // namespace camrec
