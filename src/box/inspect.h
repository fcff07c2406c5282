// SPDX-License-Identifier: LGPL-2.1-or-later
// The inspector archive: runs a box's describe() to print it as JSON, with the byte offset
// and size of every box, for `camrec info --boxes --json`.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "box/archive.h"

namespace camrec::box {

/// A minimal JSON text builder (objects, arrays, numbers, strings) with correct commas and
/// string escaping.
class JsonWriter {
 public:
  void begin_object(const char* key = nullptr);
  void end_object();
  void begin_array(const char* key = nullptr);
  void end_array();
  void number(const char* key, uint64_t v);
  void number(const char* key, int64_t v);
  void string(const char* key, const std::string& v);
  void boolean(const char* key, bool v);
  const std::string& text() const { return out_; }

 private:
  void prefix(const char* key);

  std::string out_;
  std::vector<bool> first_;
};

/// InspectArchive's max_entries for "every entry of every table".
inline constexpr size_t kInspectAllEntries = SIZE_MAX;

class InspectArchive {
 public:
  static constexpr bool kReading = false;
  static constexpr bool kWriting = true;

  /// Prints at most `max_entries` entries of each table; the count is always printed, and a
  /// table cut short says how many entries it left out ("<name>_left_out").
  InspectArchive(JsonWriter& json, uint64_t offset, size_t max_entries = kInspectAllEntries)
      : json_(json), pos_(offset), max_entries_(max_entries) {}

  template <class T>
  void field(const char* name, const T& v) {
    pos_ += sizeof(T);
    if constexpr (std::is_signed_v<T>) json_.number(name, static_cast<int64_t>(v));
    else json_.number(name, static_cast<uint64_t>(v));
  }
  void u24(const char* name, uint32_t v) {
    pos_ += 3;
    json_.number(name, uint64_t{v});
  }
  void fourcc(const char* name, FourCC v) {
    pos_ += 4;
    json_.string(name, fourcc_string(v));
  }
  void u32_or_u64(const char* name, uint64_t v, bool wide) {
    pos_ += wide ? 8 : 4;
    json_.number(name, v);
  }
  void i32_or_i64(const char* name, int64_t v, bool wide) {
    pos_ += wide ? 8 : 4;
    json_.number(name, v);
  }
  void uint_bytes(const char* name, uint32_t v, unsigned n) {
    pos_ += n;
    json_.number(name, uint64_t{v});
  }
  template <class T>
  void bits(const char* name, T v, unsigned n) {
    add_bits(n);
    json_.number(name, static_cast<uint64_t>(v));
  }
  void reserved_bits(unsigned n) { add_bits(n); }
  template <class T, size_t N>
  void array(const char* name, const std::array<T, N>& v) {
    pos_ += sizeof(T) * N;
    json_.begin_array(name);
    for (auto e : v) {
      if constexpr (std::is_signed_v<T>) json_.number(nullptr, static_cast<int64_t>(e));
      else json_.number(nullptr, static_cast<uint64_t>(e));
    }
    json_.end_array();
  }
  void full_header(uint8_t version, uint32_t flags) {
    pos_ += 4;
    json_.number("version", uint64_t{version});
    json_.number("flags", uint64_t{flags});
  }
  void reserved(uint64_t n) { pos_ += n; }
  void bytes(const char* name, const std::vector<uint8_t>& v, uint64_t) { hex(name, v); }
  void rest(const char* name, const std::vector<uint8_t>& v) { hex(name, v); }
  void cstring(const char* name, const std::string& s) {
    pos_ += s.size() + 1;
    json_.string(name, s);
  }
  void string_to_end(const char* name, const std::string& s, StringForm form) {
    SizeArchive size;
    size.string_to_end(name, s, form);
    pos_ += size.size();
    json_.string(name, s);
  }
  void pascal_fixed(const char* name, const std::string& s, size_t width) {
    pos_ += width;
    json_.string(name, s);
  }
  template <class T, class F>
  void list(const char* name, std::vector<T>& v, uint64_t, uint64_t, F&& each) {
    json_.number((std::string(name) + "_count").c_str(), uint64_t{v.size()});
    json_.begin_array(name);
    size_t shown = 0;
    for (auto& e : v) {
      bool show = shown++ < max_entries_;
      if (show) json_.begin_object();
      // Entries past the limit still advance the offset; they print into a scratch writer.
      JsonWriter scratch;
      InspectArchive entry_archive(show ? json_ : scratch, pos_, max_entries_);
      entry_archive.bits_ = bits_;  // stz2 packs two 4-bit entries in a byte
      each(entry_archive, e);
      pos_ = entry_archive.pos_;
      bits_ = entry_archive.bits_;
      if (show) json_.end_object();
    }
    json_.end_array();
    if (v.size() > max_entries_)
      json_.number((std::string(name) + "_left_out").c_str(), uint64_t{v.size() - max_entries_});
  }
  template <class T, class F>
  void list_bits(const char* name, std::vector<T>& v, uint64_t count, uint64_t, F&& each) {
    list(name, v, count, 0, each);
  }
  template <class... Slots>
  void children(ChildOrder& order, Slots&... slots) {
    inspect_children(&order, slots...);
  }
  template <class... Slots>
  void children(Slots&... slots) {
    inspect_children(nullptr, slots...);
  }
  uint32_t context() const { return context_; }
  void set_child_context(uint32_t v) { child_context_ = v; }
  void check_version(uint8_t, uint8_t) {}
  bool ok() const { return true; }
  void fail(Errc, const std::string&) {}
  uint64_t remaining() const { return 0; }

  template <class T>
  void box(const T& b, uint32_t context = 0) {
    uint64_t start = pos_;
    SizeArchive sizer;
    sizer.box(b, context);
    uint64_t size = sizer.size();
    json_.begin_object();
    json_.string("type", fourcc_string(box_type(b)));
    json_.number("offset", start);
    json_.number("size", size);
    pos_ += 8;
    uint32_t saved_context = context_, saved_child = child_context_;
    context_ = context;
    child_context_ = 0;
    const_cast<T&>(b).describe(*this);
    context_ = saved_context;
    child_context_ = saved_child;
    json_.end_object();
    pos_ = start + size;
  }

 private:
  void hex(const char* name, const std::vector<uint8_t>& v);
  void add_bits(unsigned n) {
    bits_ += n;
    pos_ += bits_ / 8;
    bits_ %= 8;
  }
  template <class... Slots>
  void inspect_children(const ChildOrder* order, Slots&... slots) {
    json_.begin_array("children");
    detail::visit_children(order, [this](auto& b) { inspect_child(b); }, slots...);
    json_.end_array();
  }
  template <class B>
  void inspect_child(const B& b) {
    if constexpr (std::is_same_v<B, RawBox>) {
      json_.begin_object();
      json_.string("type", fourcc_string(b.type));
      json_.number("offset", pos_);
      json_.number("size", uint64_t{8 + b.payload.size()});
      json_.boolean("opaque", true);
      json_.end_object();
      pos_ += 8 + b.payload.size();
    } else {
      box(b, child_context_);
    }
  }

  JsonWriter& json_;
  uint64_t pos_ = 0;
  uint32_t context_ = 0;
  uint32_t child_context_ = 0;
  unsigned bits_ = 0;
  size_t max_entries_;
};

/// JSON object for `box` (header included) as if it started at file offset `offset`.
template <class T>
std::string inspect_box(const T& box, uint64_t offset = 0, size_t max_entries = kInspectAllEntries) {
  JsonWriter json;
  InspectArchive(json, offset, max_entries).box(box);
  return json.text();
}

}  // namespace camrec::box
