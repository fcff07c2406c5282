// SPDX-License-Identifier: LGPL-2.1-or-later
// The vocabulary shared by every archive: raw boxes, box headers, string forms, the order of
// child boxes, and the slot helpers that visit the children of a container.
#pragma once

#include <array>
#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "box/fourcc.h"

namespace camrec::box {

/// A box camrec does not interpret, kept byte for byte so read -> write is lossless.
struct RawBox {
  FourCC type = 0;
  std::vector<uint8_t> payload;  ///< Everything after the box header.
  bool operator==(const RawBox&) const = default;
};

/// A box header as found in a file.
struct BoxHeader {
  FourCC type = 0;
  uint64_t offset = 0;       ///< File offset of the first header byte.
  uint64_t size = 0;         ///< Whole box, header included.
  uint32_t header_size = 0;  ///< 8, or 16 with a 64-bit size.
  bool extends_to_end = false;  ///< Declared size 0: the box runs to the end of its parent/file.
  bool operator==(const BoxHeader&) const = default;
};

/// How a string that runs to the end of its box is stored, kept so read -> write is lossless.
enum class StringForm : uint8_t {
  nul_terminated,  ///< 14496-12 utf8string: the characters, then one NUL.
  unterminated,    ///< The NUL is missing (several muxers omit it); also an empty field.
  pascal,          ///< QuickTime counted string: a length byte, then the characters.
};

/// The order in which a container's children were read, so the container is written back in
/// the same order (QuickTime puts minf/hdlr before dinf, muxers order stbl and sample entry
/// children differently). Empty, or no longer matching the children: the order of the
/// description's slots. Layout, not content: operator== ignores it.
struct ChildOrder {
  std::vector<uint8_t> slots;  ///< Slot index of each child, in file order.
  bool operator==(const ChildOrder&) const { return true; }
};

template <class T>
concept MultiTypeBox = requires(const T& t, FourCC f) {
  { T::accepts(f) } -> std::same_as<bool>;
  { t.type } -> std::convertible_to<FourCC>;
};

template <class T>
FourCC box_type(const T& b) {
  if constexpr (MultiTypeBox<T>) return b.type;
  else return T::kType;
}

template <class T>
bool box_accepts(FourCC type) {
  if constexpr (MultiTypeBox<T>) return T::accepts(type);
  else return type == T::kType;
}

template <class T> struct IsOptional : std::false_type {};
template <class T> struct IsOptional<std::optional<T>> : std::true_type { using type = T; };
template <class T> struct IsVector : std::false_type {};
template <class T> struct IsVector<std::vector<T>> : std::true_type { using type = T; };

/// Entries whose description takes no bytes (a trun without per-sample fields) cannot be
/// bounded by the bytes left, so their count in one parsed box tree is capped instead (a
/// 20 s fragment of 48 kHz PCM, one sample per frame, needs under 2^20). Fuzzing builds
/// (the macro OSS-Fuzz and the fuzz/ build define) use a smaller cap: a 12-byte trun could
/// otherwise make one input cost 2^20 instrumented iterations per pass, and the fuzzers spend
/// their time there instead of on new paths. The cap's error path is the same either way.
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
inline constexpr uint64_t kMaxEmptyEntries = 1u << 12;
#else
inline constexpr uint64_t kMaxEmptyEntries = 1u << 20;
#endif

namespace detail {

/// True when a std::vector<RawBox> catch-all, if any, is the last slot (it takes every box,
/// so slots after it would never be filled).
template <class... Slots>
constexpr bool catch_all_is_last() {
  constexpr size_t n = sizeof...(Slots);
  constexpr std::array<bool, n> raw = {std::is_same_v<std::remove_cvref_t<Slots>, std::vector<RawBox>>...};
  for (size_t i = 0; i + 1 < n; ++i)
    if (raw[i]) return false;
  return true;
}

/// Number of boxes a slot holds: 1 for a required box, 0/1 for an optional one.
template <class S>
size_t slot_size(const S& slot) {
  if constexpr (IsVector<S>::value) return slot.size();
  else if constexpr (IsOptional<S>::value) return slot ? 1 : 0;
  else return 1;
}

/// Calls visit(box) for the i-th box of a slot.
template <class S, class F>
void visit_slot_at(S& slot, size_t i, F& visit) {
  if constexpr (IsVector<S>::value) visit(slot[i]);
  else if constexpr (IsOptional<S>::value) visit(*slot);
  else visit(slot);
}

/// Calls visit(box) for every child box (a typed box or a RawBox) in writing order: the
/// recorded order when it still matches the slots' contents, else slot by slot.
template <class F, class... Slots>
void visit_children(const ChildOrder* order, F&& visit, Slots&... slots) {
  constexpr size_t kSlots = sizeof...(Slots);
  static_assert(kSlots < 256, "slot indices are recorded as bytes");
  std::array<size_t, kSlots> sizes{slot_size(slots)...};
  bool use_order = order && !order->slots.empty();
  if (use_order) {
    std::array<size_t, kSlots> counted{};
    for (uint8_t index : order->slots) {
      if (index >= kSlots) {
        use_order = false;
        break;
      }
      ++counted[index];
    }
    use_order = use_order && counted == sizes;
  }
  if (!use_order) {
    size_t k = 0;
    auto all = [&](auto& slot) {
      for (size_t i = 0; i < sizes[k]; ++i) visit_slot_at(slot, i, visit);
      ++k;
    };
    (all(slots), ...);
    return;
  }
  std::array<size_t, kSlots> next{};
  for (uint8_t index : order->slots) {
    size_t k = 0;
    auto one = [&](auto& slot) {
      if (k == index) visit_slot_at(slot, next[k]++, visit);
      ++k;
    };
    (one(slots), ...);
  }
}

}  // namespace detail

}  // namespace camrec::box
