// SPDX-License-Identifier: LGPL-2.1-or-later
#include "cli_parse.h"

#include <cctype>
#include <limits>

namespace camrec::cli {

namespace {

Status bad(const std::string& option, const std::string& text, const std::string& expected) {
  return make_error(Errc::invalid_argument, option + " '" + text + "': expected " + expected);
}

/// Reads digits from text[pos] while they fit below `limit`; false when none or too many.
bool read_digits(const std::string& text, size_t& pos, uint64_t limit, uint64_t& value) {
  size_t start = pos;
  value = 0;
  while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
    uint64_t digit = static_cast<uint64_t>(text[pos] - '0');
    if (value > (limit - digit) / 10) return false;
    value = value * 10 + digit;
    ++pos;
  }
  return pos > start;
}

/// "12.345" as value * 10^decimals, with at most `decimals` digits after the point.
bool read_fixed(const std::string& text, unsigned decimals, uint64_t limit, uint64_t& scaled) {
  size_t pos = 0;
  uint64_t whole = 0;
  if (!read_digits(text, pos, limit, whole)) return false;
  uint64_t scale = 1;
  for (unsigned i = 0; i < decimals; ++i) scale *= 10;
  if (whole > limit / scale) return false;
  scaled = whole * scale;
  if (pos == text.size()) return true;
  if (text[pos] != '.') return false;
  ++pos;
  size_t first = pos;
  uint64_t place = scale;
  while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
    if (pos - first >= decimals) return false;
    place /= 10;
    scaled += place * static_cast<uint64_t>(text[pos] - '0');
    ++pos;
  }
  return pos > first && pos == text.size();
}

std::string seconds_text(int64_t us) {
  std::string s = std::to_string(us / 1'000'000);
  int64_t frac = us % 1'000'000;
  if (frac) {
    std::string f = std::to_string(1'000'000 + frac).substr(1);
    while (!f.empty() && f.back() == '0') f.pop_back();
    s += "." + f;
  }
  return s;
}

uint32_t gcd(uint32_t a, uint32_t b) {
  while (b) {
    uint32_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

}  // namespace

Result<uint64_t> parse_count(const std::string& option, const std::string& text, uint64_t min, uint64_t max) {
  std::string expected = "a whole number from " + std::to_string(min) + " to " + std::to_string(max);
  size_t pos = 0;
  uint64_t value = 0;
  if (!read_digits(text, pos, std::numeric_limits<uint64_t>::max(), value) || pos != text.size() || value < min ||
      value > max)
    return bad(option, text, expected);
  return value;
}

Result<int64_t> parse_seconds(const std::string& option, const std::string& text, int64_t min_us, int64_t max_us) {
  std::string expected = "seconds from " + seconds_text(min_us) + " to " + seconds_text(max_us) + " (like 2 or 0.5)";
  uint64_t us = 0;
  if (!read_fixed(text, 6, static_cast<uint64_t>(max_us), us) || static_cast<int64_t>(us) < min_us)
    return bad(option, text, expected);
  return static_cast<int64_t>(us);
}

Result<Rate> parse_rate(const std::string& option, const std::string& text) {
  std::string expected = "a frame rate from " + std::to_string(kMinFps) + " to " + std::to_string(kMaxFps) +
                         " frames per second, like 30, 29.97 or 30000/1001";
  Rate r;
  auto slash = text.find('/');
  if (slash != std::string::npos) {
    size_t pos = 0;
    uint64_t n = 0, d = 0;
    std::string num = text.substr(0, slash), den = text.substr(slash + 1);
    if (!read_digits(num, pos, 1'000'000, n) || pos != num.size()) return bad(option, text, expected);
    pos = 0;
    if (!read_digits(den, pos, 1'000'000, d) || pos != den.size() || d == 0) return bad(option, text, expected);
    r.num = static_cast<uint32_t>(n);
    r.den = static_cast<uint32_t>(d);
  } else {
    uint64_t milli = 0;
    if (!read_fixed(text, 3, uint64_t{kMaxFps} * 1000 + 1000, milli)) return bad(option, text, expected);
    // 29.97 -> 30000/1001, the rates cameras actually use; else thousandths.
    r.num = static_cast<uint32_t>(milli);
    r.den = 1000;
    for (uint32_t base : {24u, 30u, 60u, 120u, 240u}) {
      // base * 1000 / 1001 rounded to the hundredth: 23.98, 29.97, 59.94, 119.88, 239.76.
      uint64_t hundredths = (uint64_t{base} * 100'000 + 500) / 1001;
      if (milli == hundredths * 10) {
        r.num = base * 1000;
        r.den = 1001;
      }
    }
  }
  if (r.num == 0 || uint64_t{r.num} < uint64_t{kMinFps} * r.den || uint64_t{r.num} > uint64_t{kMaxFps} * r.den)
    return bad(option, text, expected);
  uint32_t g = gcd(r.num, r.den);
  r.num /= g;
  r.den /= g;
  return r;
}

Result<Size> parse_size(const std::string& option, const std::string& text) {
  std::string expected = "WIDTHxHEIGHT with even sides from " + std::to_string(kMinSide) + " to " +
                         std::to_string(kMaxSide) + ", like 1280x720";
  size_t pos = 0;
  uint64_t w = 0, h = 0;
  if (!read_digits(text, pos, kMaxSide * 10, w) || pos >= text.size() || (text[pos] != 'x' && text[pos] != 'X'))
    return bad(option, text, expected);
  ++pos;
  if (!read_digits(text, pos, kMaxSide * 10, h) || pos != text.size()) return bad(option, text, expected);
  // 4:2:0 pictures need even sides (chroma is subsampled by 2 both ways).
  if (w < kMinSide || h < kMinSide || w > kMaxSide || h > kMaxSide || w % 2 || h % 2)
    return bad(option, text, expected);
  return Size{static_cast<uint32_t>(w), static_cast<uint32_t>(h)};
}

Result<uint64_t> parse_bytes(const std::string& option, const std::string& text, uint64_t min, uint64_t max) {
  std::string expected = "a size like 500M or 2G (K, M, G: 1024, 1024², 1024³ bytes) from " + std::to_string(min) +
                         " to " + std::to_string(max) + " bytes";
  size_t pos = 0;
  uint64_t value = 0;
  if (!read_digits(text, pos, max, value)) return bad(option, text, expected);
  uint64_t mult = 1;
  if (pos + 1 == text.size()) {
    switch (text[pos]) {
      case 'K': case 'k': mult = uint64_t{1} << 10; break;
      case 'M': case 'm': mult = uint64_t{1} << 20; break;
      case 'G': case 'g': mult = uint64_t{1} << 30; break;
      default: return bad(option, text, expected);
    }
  } else if (pos != text.size()) {
    return bad(option, text, expected);
  }
  if (value > max / mult || value * mult < min || value * mult > max) return bad(option, text, expected);
  return value * mult;
}

}  // namespace camrec::cli
