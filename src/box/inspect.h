// The inspector archive: runs a box's describe() to print it as JSON, with the byte offset
// and size of every box, for `camrec info --boxes --json`.
#pragma once

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

/// At most this many entries of a table are printed; the count is always printed.
inline constexpr size_t kInspectMaxEntries = 32;

class InspectArchive {
 public:
  static constexpr bool kReading = false;
  static constexpr bool kWriting = true;

  InspectArchive(JsonWriter& json, uint64_t offset) : json_(json), pos_(offset) {}

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
  template <class T, class F>
  void list(const char* name, std::vector<T>& v, uint64_t, uint64_t, F&& each) {
    json_.number((std::string(name) + "_count").c_str(), uint64_t{v.size()});
    json_.begin_array(name);
    size_t shown = 0;
    for (auto& e : v) {
      bool show = shown++ < kInspectMaxEntries;
      if (show) json_.begin_object();
      // Entries past the limit still advance the offset; they print into a scratch writer.
      JsonWriter scratch;
      InspectArchive entry_archive(show ? json_ : scratch, pos_);
      each(entry_archive, e);
      pos_ = entry_archive.pos_;
      if (show) json_.end_object();
    }
    json_.end_array();
  }
  template <class... Slots>
  void children(Slots&... slots) {
    json_.begin_array("children");
    (inspect_slot(slots), ...);
    json_.end_array();
  }
  void check_version(uint8_t, uint8_t) {}
  bool ok() const { return true; }
  void fail(Errc, const std::string&) {}
  uint64_t remaining() const { return 0; }

  template <class T>
  void box(const T& b) {
    uint64_t start = pos_;
    uint64_t size = box_size(b);
    json_.begin_object();
    json_.string("type", fourcc_string(box_type(b)));
    json_.number("offset", start);
    json_.number("size", size);
    pos_ += 8;
    const_cast<T&>(b).describe(*this);
    json_.end_object();
    pos_ = start + size;
  }

 private:
  void hex(const char* name, const std::vector<uint8_t>& v);
  template <class Slot>
  void inspect_slot(Slot& slot) {
    using S = std::remove_cvref_t<Slot>;
    if constexpr (std::is_same_v<S, std::vector<RawBox>>) {
      for (auto& raw : slot) {
        json_.begin_object();
        json_.string("type", fourcc_string(raw.type));
        json_.number("offset", pos_);
        json_.number("size", uint64_t{8 + raw.payload.size()});
        json_.boolean("opaque", true);
        json_.end_object();
        pos_ += 8 + raw.payload.size();
      }
    } else if constexpr (IsVector<S>::value) {
      for (auto& b : slot) box(b);
    } else if constexpr (IsOptional<S>::value) {
      if (slot) box(*slot);
    } else {
      box(slot);
    }
  }

  JsonWriter& json_;
  uint64_t pos_ = 0;
};

/// JSON object for `box` (header included) as if it started at file offset `offset`.
template <class T>
std::string inspect_box(const T& box, uint64_t offset = 0) {
  JsonWriter json;
  InspectArchive(json, offset).box(box);
  return json.text();
}

}  // namespace camrec::box
