// One description per box, run four ways.
//
// Every box struct has `template <class A> void describe(A& a)` listing its fields in file
// order. The same body runs as a reader (ReadArchive), a writer (WriteArchive), a size counter
// (SizeArchive) and an inspector (InspectArchive, the JSON of `camrec info --boxes`), so the
// four can never disagree. A box type names itself with `static constexpr FourCC kType`, or,
// when one struct serves several types (avc1/hvc1/...), with a `FourCC type` member and
// `static bool accepts(FourCC)`.
#pragma once

#include <array>
#include <concepts>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "box/fourcc.h"
#include "camrec/status.h"
#include "io/byte_reader.h"
#include "io/byte_writer.h"

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
};

/// Reads a box header at the reader's position. size 0 means "to the end of the reader"
/// (14496-12 4.2). Fails (sticky, on the reader) when the size is smaller than the header or
/// passes the end of the reader.
BoxHeader read_box_header(io::ByteReader& r);

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
/// bounded by the bytes left, so their count is capped instead.
inline constexpr uint64_t kMaxEmptyEntries = 1u << 24;

class ReadArchive {
 public:
  static constexpr bool kReading = true;
  static constexpr bool kWriting = false;

  /// `path` is the box path for messages ("moov/trak[1]/mdia").
  ReadArchive(io::ByteReader& r, std::string path) : r_(r), path_(std::move(path)) {}

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

  /// `count` entries, each described by `each(archive, entry)`; `min_size` is the fewest
  /// bytes one entry can take, checked against the bytes left before allocating.
  template <class T, class F>
  void list(const char* name, std::vector<T>& v, uint64_t count, uint64_t min_size, F&& each) {
    v.clear();
    if (!ok()) return;
    if (min_size == 0 && count > kMaxEmptyEntries) {
      fail(Errc::limit_exceeded, std::string(name) + " count " + std::to_string(count) + " exceeds " +
                                     std::to_string(kMaxEmptyEntries));
      return;
    }
    // Division, not multiplication: count * size may overflow (Chromium CVE-2017-5037).
    if (min_size != 0 && count > remaining() / min_size) {
      fail(Errc::malformed, std::string(name) + " count " + std::to_string(count) + " needs " +
                                std::to_string(min_size) + " bytes each, only " + std::to_string(remaining()) +
                                " bytes left in the box");
      return;
    }
    v.resize(static_cast<size_t>(count));
    for (auto& e : v) {
      each(*this, e);
      if (r_.failed()) return;
    }
  }

  /// The child boxes: each slot is a required box (T&), an optional one (std::optional<T>&),
  /// a repeated one (std::vector<T>&) or, last, the catch-all for unknown boxes
  /// (std::vector<RawBox>&). Children may come in any order.
  template <class... Slots>
  void children(Slots&... slots) {
    std::array<bool, sizeof...(Slots)> seen{};
    while (ok() && remaining() >= 8) {
      BoxHeader h = read_box_header(r_);
      if (!ok()) {
        r_.annotate_error(path_);
        return;
      }
      io::ByteReader body = r_.sub(h.size - h.header_size);
      size_t index = 0;
      bool handled = (read_slot(h, body, slots, seen[index++]) || ...);
      (void)handled;
    }
    size_t index = 0;
    (check_required(slots, seen[index++]), ...);
  }

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
  static Status parse(io::ByteReader& body, T& box, const std::string& path) {
    ReadArchive a(body, path);
    box.describe(a);
    return body.status();
  }

 private:
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
    ReadArchive a(body, path_ + "/" + fourcc_string(h.type) + suffix);
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
  template <class T, class F>
  void list(const char*, std::vector<T>& v, uint64_t, uint64_t, F&& each) {
    for (auto& e : v) each(*this, e);
  }
  template <class... Slots>
  void children(Slots&... slots) {
    (write_slot(slots), ...);
  }
  void check_version(uint8_t, uint8_t) {}
  bool ok() const { return true; }
  void fail(Errc, const std::string&) {}
  uint64_t remaining() const { return 0; }

  /// Writes `box` with its header.
  template <class T>
  void box(const T& b) {
    size_t start = w_.begin_box(box_type(b));
    // describe() is written once for all archives and so takes a mutable reference; a
    // writing archive only reads the fields.
    const_cast<T&>(b).describe(*this);
    w_.end_box(start);
  }

 private:
  template <class Slot>
  void write_slot(Slot& slot) {
    using S = std::remove_cvref_t<Slot>;
    if constexpr (std::is_same_v<S, std::vector<RawBox>>) {
      for (auto& raw : slot) {
        size_t start = w_.begin_box(raw.type);
        w_.bytes(raw.payload);
        w_.end_box(start);
      }
    } else if constexpr (IsVector<S>::value) {
      for (auto& b : slot) box(b);
    } else if constexpr (IsOptional<S>::value) {
      if (slot) box(*slot);
    } else {
      box(slot);
    }
  }

  io::ByteWriter& w_;
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
  void full_header(uint8_t, uint32_t) { size_ += 4; }
  void reserved(uint64_t n) { size_ += n; }
  void bytes(const char*, const std::vector<uint8_t>& v, uint64_t) { size_ += v.size(); }
  void rest(const char*, const std::vector<uint8_t>& v) { size_ += v.size(); }
  void cstring(const char*, const std::string& s) { size_ += s.size() + 1; }
  template <class T, class F>
  void list(const char*, std::vector<T>& v, uint64_t, uint64_t, F&& each) {
    for (auto& e : v) each(*this, e);
  }
  template <class... Slots>
  void children(Slots&... slots) {
    (size_slot(slots), ...);
  }
  void check_version(uint8_t, uint8_t) {}
  bool ok() const { return true; }
  void fail(Errc, const std::string&) {}
  uint64_t remaining() const { return 0; }

  template <class T>
  void box(const T& b) {
    size_ += 8;
    const_cast<T&>(b).describe(*this);
  }
  uint64_t size() const { return size_; }

 private:
  template <class Slot>
  void size_slot(Slot& slot) {
    using S = std::remove_cvref_t<Slot>;
    if constexpr (std::is_same_v<S, std::vector<RawBox>>) {
      for (auto& raw : slot) size_ += 8 + raw.payload.size();
    } else if constexpr (IsVector<S>::value) {
      for (auto& b : slot) box(b);
    } else if constexpr (IsOptional<S>::value) {
      if (slot) box(*slot);
    } else {
      box(slot);
    }
  }

  uint64_t size_ = 0;
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
