// SPDX-License-Identifier: LGPL-2.1-or-later
// One description per box, run four ways.
//
// Every box struct has `template <class A> void describe(A& a)` listing its fields in file
// order. The same body runs as a reader (ReadArchive), a writer (WriteArchive), a size counter
// (SizeArchive) and an inspector (InspectArchive, the JSON of `camrec info --boxes`), so the
// four can never disagree. A box type names itself with `static constexpr FourCC kType`, or,
// when one struct serves several types (avc1/hvc1/...), with a `FourCC type` member and
// `static bool accepts(FourCC)`.
#pragma once

#include <algorithm>
#include <array>
#include <cassert>
#include <concepts>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "box/archive_types.h"
#include "box/fourcc.h"
#include "camrec/status.h"
#include "io/byte_reader.h"
#include "io/byte_writer.h"

namespace camrec::box {

/// Reads a box header at the reader's position. size 0 means "to the end of the reader"
/// (14496-12 4.2). Fails (sticky, on the reader) when the size is smaller than the header or
/// passes the end of the reader.
BoxHeader read_box_header(io::ByteReader& r);

/// The archive operations every box description may use, on top of `field` (u8..u64,
/// i16..i64) and `fourcc`:
///   u24, u32_or_u64 / i32_or_i64 (width chosen by the box version), uint_bytes (1..4 bytes),
///   bits / reserved_bits (big-endian bit fields; a run ends on a byte boundary),
///   array (fixed-size arrays such as the 3x3 matrix), full_header, check_version,
///   reserved (zero bytes), bytes / rest (opaque bytes), cstring, string_to_end,
///   pascal_fixed (QuickTime compressorname), list / list_bits (counted tables, counts
///   checked against the bytes left before allocating), children (child boxes, optionally
///   with a ChildOrder), context / set_child_context (a value a parent passes to its
///   children, e.g. the stsd version that decides the sample entry layout).

class ReadArchive {
 public:
  static constexpr bool kReading = true;
  static constexpr bool kWriting = false;

  /// `path` is the box path for messages ("moov/trak[1]/mdia"); `context` is the value the
  /// parent box set with set_child_context() (0 at the top).
  ReadArchive(io::ByteReader& r, std::string path, uint32_t context = 0)
      : r_(r), path_(std::move(path)), context_(context) {}

  void field(const char*, uint8_t& v) { v = r_.u8(); }
  void field(const char*, uint16_t& v) { v = r_.u16(); }
  void field(const char*, uint32_t& v) { v = r_.u32(); }
  void field(const char*, uint64_t& v) { v = r_.u64(); }
  void field(const char*, int16_t& v) { v = r_.i16(); }
  void field(const char*, int32_t& v) { v = r_.i32(); }
  void field(const char*, int64_t& v) { v = r_.i64(); }
  void u24(const char*, uint32_t& v) { v = r_.u24(); }
  void fourcc(const char*, FourCC& v) { v = r_.u32(); }
  /// 64-bit when `wide` (version 1 boxes), else 32-bit.
  void u32_or_u64(const char*, uint64_t& v, bool wide) { v = wide ? r_.u64() : r_.u32(); }
  void i32_or_i64(const char*, int64_t& v, bool wide) { v = wide ? r_.i64() : r_.i32(); }
  /// An unsigned integer of `n` bytes, 1 <= n <= 4 (tfra's variable-width numbers).
  void uint_bytes(const char*, uint32_t& v, unsigned n) {
    v = 0;
    for (unsigned i = 0; i < n; ++i) v = (v << 8) | r_.u8();
  }
  /// The next `n` bits (1 <= n <= 32), most significant first.
  template <class T>
  void bits(const char*, T& v, unsigned n) {
    static_assert(std::is_unsigned_v<T>);
    v = static_cast<T>(read_bits(n));
  }
  void reserved_bits(unsigned n) { (void)read_bits(n); }
  template <class T, size_t N>
  void array(const char* name, std::array<T, N>& v) {
    for (auto& e : v) field(name, e);
  }
  void full_header(uint8_t& version, uint32_t& flags) {
    version = r_.u8();
    flags = r_.u24();
  }
  /// Bytes that must be written as zero and are ignored on read.
  void reserved(uint64_t n) { r_.skip(n); }
  void bytes(const char*, std::vector<uint8_t>& v, uint64_t n) {
    auto s = r_.bytes(n);
    v.assign(s.begin(), s.end());
  }
  /// The rest of the box.
  void rest(const char* name, std::vector<uint8_t>& v) { bytes(name, v, r_.remaining()); }
  /// A NUL-terminated UTF-8 string; a missing terminator at the end of the box is tolerated
  /// (several muxers omit it in hdlr names).
  void cstring(const char*, std::string& s);
  /// A string that fills the rest of the box, in any StringForm (detected: a final NUL makes
  /// a C string, a first byte equal to the length of the rest a Pascal string).
  void string_to_end(const char*, std::string& s, StringForm& form);
  /// A Pascal string in a fixed field of `width` bytes (the 32-byte compressorname). A first
  /// byte too large for the field is read as a NUL-padded C string of at most width - 1
  /// characters (written back as a Pascal string).
  void pascal_fixed(const char*, std::string& s, size_t width);

  /// `count` entries, each described by `each(archive, entry)`; `min_size` is the fewest
  /// bytes one entry can take, checked against the bytes left before allocating.
  template <class T, class F>
  void list(const char* name, std::vector<T>& v, uint64_t count, uint64_t min_size, F&& each) {
    v.clear();
    if (!ok()) return;
    if (min_size == 0) {
      // The cap is on the whole box tree, not each list: a moof of many small truns could
      // otherwise declare kMaxEmptyEntries samples per trun.
      if (count > kMaxEmptyEntries - *empty_entries_) {
        fail(Errc::limit_exceeded, std::string(name) + " count " + std::to_string(count) + " exceeds the " +
                                       std::to_string(kMaxEmptyEntries - *empty_entries_) +
                                       " entries without bytes left for this box");
        return;
      }
      *empty_entries_ += count;
    }
    // Division, not multiplication: count * size may overflow (Chromium CVE-2017-5037).
    if (min_size != 0 && count > remaining() / min_size) {
      fail(Errc::malformed, std::string(name) + " count " + std::to_string(count) + " needs " +
                                std::to_string(min_size) + " bytes each, only " + std::to_string(remaining()) +
                                " bytes left in the box");
      return;
    }
    fill(v, count, each);
  }
  /// Like list(), for entries measured in bits (stz2's 4-bit sizes); `min_bits` > 0.
  template <class T, class F>
  void list_bits(const char* name, std::vector<T>& v, uint64_t count, uint64_t min_bits, F&& each) {
    v.clear();
    if (!ok()) return;
    if (min_bits == 0 || count > remaining() * 8 / min_bits) {
      fail(Errc::malformed, std::string(name) + " count " + std::to_string(count) + " needs " +
                                std::to_string(min_bits) + " bits each, only " + std::to_string(remaining()) +
                                " bytes left in the box");
      return;
    }
    fill(v, count, each);
  }

  /// The child boxes: each slot is a required box (T&), an optional one (std::optional<T>&),
  /// a repeated one (std::vector<T>&) or, last, the catch-all for unknown boxes
  /// (std::vector<RawBox>&). Children may come in any order; with a leading ChildOrder the
  /// order is recorded so writing reproduces it.
  template <class... Slots>
  void children(ChildOrder& order, Slots&... slots) {
    order.slots.clear();
    read_children(&order, slots...);
  }
  template <class... Slots>
  void children(Slots&... slots) {
    read_children(nullptr, slots...);
  }

  /// The value the parent box passed down with set_child_context().
  uint32_t context() const { return context_; }
  /// Sets the context value seen by the children described next.
  void set_child_context(uint32_t v) { child_context_ = v; }

  uint64_t remaining() const { return r_.remaining(); }
  bool ok() const { return r_.ok(); }
  void fail(Errc code, const std::string& message) { r_.fail(code, path_ + ": " + message); }
  /// Rejects versions this code does not know (their layout is unknown).
  void check_version(uint8_t version, uint8_t max) {
    if (version > max)
      fail(Errc::unsupported, "version " + std::to_string(version) + " (known up to " + std::to_string(max) + ")");
  }
  const std::string& path() const { return path_; }

  /// Parses `body` (a box payload) into `box`, reporting errors under `path`.
  template <class T>
  static Status parse(io::ByteReader& body, T& box, const std::string& path, uint32_t context = 0) {
    ReadArchive a(body, path, context);
    box.describe(a);
    return body.status();
  }

 private:
  uint32_t read_bits(unsigned n) {
    while (bit_count_ < n) {
      bit_buf_ = (bit_buf_ << 8) | r_.u8();
      bit_count_ += 8;
    }
    bit_count_ -= n;
    return static_cast<uint32_t>((bit_buf_ >> bit_count_) & ((uint64_t{1} << n) - 1));
  }

  template <class T, class F>
  void fill(std::vector<T>& v, uint64_t count, F& each) {
    v.resize(static_cast<size_t>(count));
    for (auto& e : v) {
      each(*this, e);
      if (r_.failed()) return;
    }
  }

  template <class... Slots>
  void read_children(ChildOrder* order, Slots&... slots) {
    static_assert(detail::catch_all_is_last<Slots...>(), "the RawBox catch-all must be the last slot");
    constexpr size_t kNone = sizeof...(Slots);
    std::array<bool, sizeof...(Slots)> seen{};
    // Default-constructed boxes may hold writing defaults (dref's one 'url ' entry).
    (reset_slot(slots), ...);
    while (ok() && remaining() >= 8) {
      BoxHeader h = read_box_header(r_);
      if (!ok()) {
        r_.annotate_error(path_);
        return;
      }
      io::ByteReader body = r_.sub(h.size - h.header_size);
      size_t index = 0;
      size_t taken = kNone;
      auto try_slot = [&](auto& slot) {
        if (taken == kNone && read_slot(h, body, slot, seen[index])) taken = index;
        ++index;
      };
      (try_slot(slots), ...);
      if (order && taken != kNone) order->slots.push_back(static_cast<uint8_t>(taken));
    }
    size_t index = 0;
    (check_required(slots, seen[index++]), ...);
  }

  template <class Slot>
  static void reset_slot(Slot& slot) {
    using S = std::remove_cvref_t<Slot>;
    if constexpr (IsVector<S>::value) slot.clear();
    else if constexpr (IsOptional<S>::value) slot.reset();
  }

  template <class Slot>
  bool read_slot(const BoxHeader& h, io::ByteReader& body, Slot& slot, bool& seen) {
    using S = std::remove_cvref_t<Slot>;
    if constexpr (std::is_same_v<S, std::vector<RawBox>>) {
      slot.push_back(RawBox{h.type, std::vector<uint8_t>(body.data().begin(), body.data().end())});
      return true;
    } else if constexpr (IsVector<S>::value) {
      using T = typename IsVector<S>::type;
      if (!box_accepts<T>(h.type)) return false;
      T child{};
      if (!read_child(h, body, child, "[" + std::to_string(slot.size()) + "]")) return true;
      slot.push_back(std::move(child));
      return true;
    } else if constexpr (IsOptional<S>::value) {
      using T = typename IsOptional<S>::type;
      if (!box_accepts<T>(h.type) || seen) return false;  // a duplicate falls to the catch-all
      T child{};
      if (read_child(h, body, child, "")) slot = std::move(child);
      seen = true;
      return true;
    } else {
      if (!box_accepts<S>(h.type) || seen) return false;
      read_child(h, body, slot, "");
      seen = true;
      return true;
    }
  }

  template <class T>
  bool read_child(const BoxHeader& h, io::ByteReader& body, T& child, const std::string& suffix) {
    if constexpr (MultiTypeBox<T>) child.type = h.type;
    ReadArchive a(body, path_ + "/" + fourcc_string(h.type) + suffix, child_context_);
    a.empty_entries_ = empty_entries_;
    child.describe(a);
    if (body.failed()) {
      r_.fail_with(body.status());
      return false;
    }
    return true;
  }

  template <class Slot>
  void check_required(Slot&, bool seen) {
    using S = std::remove_cvref_t<Slot>;
    if constexpr (!IsVector<S>::value && !IsOptional<S>::value) {
      if (!seen && ok()) fail(Errc::malformed, "missing required box '" + fourcc_string(box_type(S{})) + "'");
    }
  }

  io::ByteReader& r_;
  std::string path_;
  uint32_t context_ = 0;
  uint32_t child_context_ = 0;
  uint64_t bit_buf_ = 0;
  unsigned bit_count_ = 0;
  /// Entries without bytes read so far in the whole box tree (the top archive owns it).
  uint64_t own_empty_entries_ = 0;
  uint64_t* empty_entries_ = &own_empty_entries_;
};

class WriteArchive {
 public:
  static constexpr bool kReading = false;
  static constexpr bool kWriting = true;

  explicit WriteArchive(io::ByteWriter& w) : w_(w) {}

  void field(const char*, uint8_t v) { w_.u8(v); }
  void field(const char*, uint16_t v) { w_.u16(v); }
  void field(const char*, uint32_t v) { w_.u32(v); }
  void field(const char*, uint64_t v) { w_.u64(v); }
  void field(const char*, int16_t v) { w_.i16(v); }
  void field(const char*, int32_t v) { w_.i32(v); }
  void field(const char*, int64_t v) { w_.i64(v); }
  void u24(const char*, uint32_t v) { w_.u24(v); }
  void fourcc(const char*, FourCC v) { w_.u32(v); }
  void u32_or_u64(const char*, uint64_t v, bool wide) {
    if (wide) w_.u64(v);
    else w_.u32(static_cast<uint32_t>(v));
  }
  void i32_or_i64(const char*, int64_t v, bool wide) {
    if (wide) w_.i64(v);
    else w_.i32(static_cast<int32_t>(v));
  }
  void uint_bytes(const char*, uint32_t v, unsigned n) {
    for (unsigned i = n; i-- > 0;) w_.u8(static_cast<uint8_t>(v >> (8 * i)));
  }
  template <class T>
  void bits(const char*, T v, unsigned n) {
    write_bits(static_cast<uint64_t>(v), n);
  }
  void reserved_bits(unsigned n) { write_bits(0, n); }
  template <class T, size_t N>
  void array(const char* name, const std::array<T, N>& v) {
    for (auto e : v) field(name, e);
  }
  void full_header(uint8_t version, uint32_t flags) {
    w_.u8(version);
    w_.u24(flags);
  }
  void reserved(uint64_t n) { w_.zeros(static_cast<size_t>(n)); }
  void bytes(const char*, const std::vector<uint8_t>& v, uint64_t) { w_.bytes(v); }
  void rest(const char*, const std::vector<uint8_t>& v) { w_.bytes(v); }
  void cstring(const char*, const std::string& s) {
    w_.chars(s);
    w_.u8(0);
  }
  void string_to_end(const char*, const std::string& s, StringForm form) {
    if (form == StringForm::pascal) {
      size_t n = std::min<size_t>(s.size(), 255);
      w_.u8(static_cast<uint8_t>(n));
      w_.chars(std::string_view(s).substr(0, n));
      return;
    }
    w_.chars(s);
    if (form == StringForm::nul_terminated) w_.u8(0);
  }
  void pascal_fixed(const char*, const std::string& s, size_t width) {
    size_t n = std::min(s.size(), width - 1);
    w_.u8(static_cast<uint8_t>(n));
    w_.chars(std::string_view(s).substr(0, n));
    w_.zeros(width - 1 - n);
  }
  template <class T, class F>
  void list(const char*, std::vector<T>& v, uint64_t, uint64_t, F&& each) {
    for (auto& e : v) each(*this, e);
  }
  template <class T, class F>
  void list_bits(const char*, std::vector<T>& v, uint64_t, uint64_t, F&& each) {
    for (auto& e : v) each(*this, e);
  }
  template <class... Slots>
  void children(ChildOrder& order, Slots&... slots) {
    detail::visit_children(&order, [this](auto& b) { write_child(b); }, slots...);
  }
  template <class... Slots>
  void children(Slots&... slots) {
    detail::visit_children(nullptr, [this](auto& b) { write_child(b); }, slots...);
  }
  uint32_t context() const { return context_; }
  void set_child_context(uint32_t v) { child_context_ = v; }
  void check_version(uint8_t, uint8_t) {}
  bool ok() const { return true; }
  void fail(Errc, const std::string&) {}
  uint64_t remaining() const { return 0; }

  /// Writes `box` with its header; `context` is what its parent would pass down.
  template <class T>
  void box(const T& b, uint32_t context = 0) {
    size_t start = w_.begin_box(box_type(b));
    uint32_t saved_context = context_, saved_child = child_context_;
    context_ = context;
    child_context_ = 0;
    // describe() is written once for all archives and so takes a mutable reference; a
    // writing archive only reads the fields.
    const_cast<T&>(b).describe(*this);
    assert(bit_count_ == 0 && "a bit field run must end on a byte boundary");
    context_ = saved_context;
    child_context_ = saved_child;
    // Only mdat can outgrow a 32-bit size (write_mdat_header); a described box never does.
    assert(w_.size() - start <= UINT32_MAX && "box too large for a 32-bit size");
    w_.end_box(start);
  }

 private:
  void write_bits(uint64_t v, unsigned n) {
    bit_buf_ = (bit_buf_ << n) | (v & ((uint64_t{1} << n) - 1));
    bit_count_ += n;
    while (bit_count_ >= 8) {
      bit_count_ -= 8;
      w_.u8(static_cast<uint8_t>(bit_buf_ >> bit_count_));
    }
  }
  template <class B>
  void write_child(const B& b) {
    if constexpr (std::is_same_v<B, RawBox>) {
      size_t start = w_.begin_box(b.type);
      w_.bytes(b.payload);
      w_.end_box(start);
    } else {
      box(b, child_context_);
    }
  }

  io::ByteWriter& w_;
  uint32_t context_ = 0;
  uint32_t child_context_ = 0;
  uint64_t bit_buf_ = 0;
  unsigned bit_count_ = 0;
};

/// Counts the bytes a WriteArchive would produce, without producing them.
class SizeArchive {
 public:
  static constexpr bool kReading = false;
  static constexpr bool kWriting = true;

  template <class T>
  void field(const char*, const T&) { size_ += sizeof(T); }
  void u24(const char*, uint32_t) { size_ += 3; }
  void fourcc(const char*, FourCC) { size_ += 4; }
  void u32_or_u64(const char*, uint64_t, bool wide) { size_ += wide ? 8 : 4; }
  void i32_or_i64(const char*, int64_t, bool wide) { size_ += wide ? 8 : 4; }
  void uint_bytes(const char*, uint32_t, unsigned n) { size_ += n; }
  template <class T>
  void bits(const char*, T, unsigned n) { add_bits(n); }
  void reserved_bits(unsigned n) { add_bits(n); }
  template <class T, size_t N>
  void array(const char*, const std::array<T, N>&) { size_ += sizeof(T) * N; }
  void full_header(uint8_t, uint32_t) { size_ += 4; }
  void reserved(uint64_t n) { size_ += n; }
  void bytes(const char*, const std::vector<uint8_t>& v, uint64_t) { size_ += v.size(); }
  void rest(const char*, const std::vector<uint8_t>& v) { size_ += v.size(); }
  void cstring(const char*, const std::string& s) { size_ += s.size() + 1; }
  void string_to_end(const char*, const std::string& s, StringForm form) {
    if (form == StringForm::pascal) size_ += 1 + std::min<size_t>(s.size(), 255);
    else size_ += s.size() + (form == StringForm::nul_terminated ? 1 : 0);
  }
  void pascal_fixed(const char*, const std::string&, size_t width) { size_ += width; }
  template <class T, class F>
  void list(const char*, std::vector<T>& v, uint64_t, uint64_t, F&& each) {
    for (auto& e : v) each(*this, e);
  }
  template <class T, class F>
  void list_bits(const char*, std::vector<T>& v, uint64_t, uint64_t, F&& each) {
    for (auto& e : v) each(*this, e);
  }
  template <class... Slots>
  void children(ChildOrder&, Slots&... slots) {
    children(slots...);
  }
  template <class... Slots>
  void children(Slots&... slots) {
    detail::visit_children(nullptr, [this](auto& b) { size_child(b); }, slots...);
  }
  uint32_t context() const { return context_; }
  void set_child_context(uint32_t v) { child_context_ = v; }
  void check_version(uint8_t, uint8_t) {}
  bool ok() const { return true; }
  void fail(Errc, const std::string&) {}
  uint64_t remaining() const { return 0; }

  template <class T>
  void box(const T& b, uint32_t context = 0) {
    size_ += 8;
    uint32_t saved_context = context_, saved_child = child_context_;
    context_ = context;
    child_context_ = 0;
    const_cast<T&>(b).describe(*this);
    context_ = saved_context;
    child_context_ = saved_child;
  }
  uint64_t size() const { return size_; }

 private:
  void add_bits(unsigned n) {
    bits_ += n;
    size_ += bits_ / 8;
    bits_ %= 8;
  }
  template <class B>
  void size_child(const B& b) {
    if constexpr (std::is_same_v<B, RawBox>) size_ += 8 + b.payload.size();
    else box(b, child_context_);
  }

  uint64_t size_ = 0;
  uint32_t context_ = 0;
  uint32_t child_context_ = 0;
  unsigned bits_ = 0;
};

/// Writes `box` (header included) at the end of `w`.
template <class T>
void write_box(io::ByteWriter& w, const T& box) {
  WriteArchive(w).box(box);
}

/// The serialized size of `box`, header included.
template <class T>
uint64_t box_size(const T& box) {
  SizeArchive a;
  a.box(box);
  return a.size();
}

/// Serializes `box` into a new buffer.
template <class T>
std::vector<uint8_t> serialize_box(const T& box) {
  io::ByteWriter w;
  w.reserve(static_cast<size_t>(box_size(box)));
  write_box(w, box);
  return std::move(w.buffer());
}

/// Parses one whole box (header included) of type T from `bytes`.
template <class T>
Result<T> parse_box(std::span<const uint8_t> bytes, uint64_t base_offset = 0) {
  io::ByteReader r(bytes, base_offset);
  BoxHeader h = read_box_header(r);
  if (r.failed()) return r.status();
  if (!box_accepts<T>(h.type))
    return make_error(Errc::malformed, "expected box '" + fourcc_string(box_type(T{})) + "', found '" +
                                           fourcc_string(h.type) + "'");
  io::ByteReader body = r.sub(h.size - h.header_size);
  T out{};
  if constexpr (MultiTypeBox<T>) out.type = h.type;
  CAMREC_RETURN_IF_ERROR(ReadArchive::parse(body, out, fourcc_string(h.type)));
  return out;
}

/// Parses a box payload (the bytes after the header) of type T.
template <class T>
Result<T> parse_payload(std::span<const uint8_t> payload, uint64_t base_offset, const std::string& path) {
  io::ByteReader body(payload, base_offset);
  T out{};
  CAMREC_RETURN_IF_ERROR(ReadArchive::parse(body, out, path));
  return out;
}

}  // namespace camrec::box
