// SPDX-License-Identifier: LGPL-2.1-or-later
// Checked arithmetic for sizes and offsets read from files: overflow is an input error,
// never undefined behaviour or a silent wrap.
#pragma once

#include <cstdint>
#include <optional>

namespace camrec {

/// a + b, or nullopt when the sum does not fit in uint64.
constexpr std::optional<uint64_t> checked_add(uint64_t a, uint64_t b) {
  uint64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}

/// a * b, or nullopt when the product does not fit in uint64.
constexpr std::optional<uint64_t> checked_mul(uint64_t a, uint64_t b) {
  uint64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

}  // namespace camrec
