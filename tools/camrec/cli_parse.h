// SPDX-License-Identifier: LGPL-2.1-or-later
// Strict parsing of the numbers on camrec's command line: each value is read whole (no
// "30abc"), finite (no "inf", "nan", "1e300"), and inside bounds that --help states, so a
// typo is a usage error (exit 64) before anything is written.
#pragma once

#include <cstdint>
#include <string>

#include "camrec/status.h"

namespace camrec::cli {

/// A whole decimal number in [min, max], or invalid_argument naming `option` and the range.
Result<uint64_t> parse_count(const std::string& option, const std::string& text, uint64_t min, uint64_t max);

/// Seconds written as a plain decimal ("2", "0.5", at most 6 decimals) in [min_us, max_us]
/// microseconds, converted without floating point. invalid_argument names `option` and the range.
Result<int64_t> parse_seconds(const std::string& option, const std::string& text, int64_t min_us, int64_t max_us);

/// A frame rate "30", "29.97" (a plain decimal, at most 3 decimals) or "30000/1001", between
/// kMinFps and kMaxFps frames per second.
struct Rate {
  uint32_t num = 0;
  uint32_t den = 1;
};
constexpr uint32_t kMinFps = 1;
constexpr uint32_t kMaxFps = 240;
Result<Rate> parse_rate(const std::string& option, const std::string& text);

/// A picture size "WxH" with both sides even and in [kMinSide, kMaxSide].
struct Size {
  uint32_t width = 0;
  uint32_t height = 0;
};
constexpr uint32_t kMinSide = 16;
constexpr uint32_t kMaxSide = 8192;
Result<Size> parse_size(const std::string& option, const std::string& text);

/// A byte count with an optional K, M or G suffix (powers of 1024) in [min, max].
Result<uint64_t> parse_bytes(const std::string& option, const std::string& text, uint64_t min, uint64_t max);

}  // namespace camrec::cli
