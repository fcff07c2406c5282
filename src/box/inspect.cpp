// SPDX-License-Identifier: LGPL-2.1-or-later
#include "box/inspect.h"

#include <cstdio>

namespace camrec::box {

void JsonWriter::prefix(const char* key) {
  if (!first_.empty()) {
    if (!first_.back()) out_ += ',';
    first_.back() = false;
  }
  if (key) {
    out_ += '"';
    out_ += key;
    out_ += "\":";
  }
}

void JsonWriter::begin_object(const char* key) {
  prefix(key);
  out_ += '{';
  first_.push_back(true);
}

void JsonWriter::end_object() {
  out_ += '}';
  first_.pop_back();
}

void JsonWriter::begin_array(const char* key) {
  prefix(key);
  out_ += '[';
  first_.push_back(true);
}

void JsonWriter::end_array() {
  out_ += ']';
  first_.pop_back();
}

void JsonWriter::number(const char* key, uint64_t v) {
  prefix(key);
  out_ += std::to_string(v);
}

void JsonWriter::number(const char* key, int64_t v) {
  prefix(key);
  out_ += std::to_string(v);
}

void JsonWriter::boolean(const char* key, bool v) {
  prefix(key);
  out_ += v ? "true" : "false";
}

void JsonWriter::string(const char* key, const std::string& v) {
  prefix(key);
  out_ += '"';
  for (unsigned char c : v) {
    if (c == '"' || c == '\\') {
      out_ += '\\';
      out_ += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      // Non-ASCII bytes are escaped one by one: box strings are not guaranteed UTF-8.
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", c);
      out_ += esc;
    } else {
      out_ += static_cast<char>(c);
    }
  }
  out_ += '"';
}

void InspectArchive::hex(const char* name, const std::vector<uint8_t>& v) {
  pos_ += v.size();
  static const char digits[] = "0123456789abcdef";
  std::string s;
  size_t shown = std::min<size_t>(v.size(), 64);
  for (size_t i = 0; i < shown; ++i) {
    s += digits[v[i] >> 4];
    s += digits[v[i] & 15];
  }
  if (shown < v.size()) s += "...";
  json_.string(name, s);
  json_.number((std::string(name) + "_size").c_str(), uint64_t{v.size()});
}

}  // namespace camrec::box
