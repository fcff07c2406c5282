// SPDX-License-Identifier: LGPL-2.1-or-later
#include <string>
#include <vector>

#include "box_samples.h"

namespace camrec::box::testing {

bool json_is_balanced(const std::string& json) {
  std::vector<char> open;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      else if (static_cast<unsigned char>(c) < 0x20) return false;  // raw control character
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '{' || c == '[') open.push_back(c);
    else if (c == '}' || c == ']') {
      if (open.empty() || open.back() != (c == '}' ? '{' : '[')) return false;
      open.pop_back();
    }
  }
  return !in_string && open.empty() && !json.empty();
}

}  // namespace camrec::box::testing
