// SPDX-License-Identifier: LGPL-2.1-or-later
#include <algorithm>

#include "server/server.h"

namespace camrec::server {

Status parse_listen(const std::string& text, std::string& address, uint16_t& port) {
  std::string host = "127.0.0.1";
  std::string port_text = text;
  if (!text.empty() && text[0] == '[') {  // [IPv6]:PORT
    size_t close = text.find("]:");
    if (close == std::string::npos) return make_error(Errc::invalid_argument, "'" + text + "' is not [ADDRESS:]PORT: write an IPv6 address as [::1]:8080");
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else if (size_t colon = text.rfind(':'); colon != std::string::npos) {
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  const bool digits = !port_text.empty() && port_text.size() <= 5 &&
                      std::all_of(port_text.begin(), port_text.end(), [](char c) { return c >= '0' && c <= '9'; });
  const unsigned long value = digits ? std::stoul(port_text) : 0;
  if (!digits || value > 65535 || host.empty())
    return make_error(Errc::invalid_argument, "'" + text + "' is not [ADDRESS:]PORT (like 8080 or 0.0.0.0:8080; port 0-65535)");
  address = host;
  port = static_cast<uint16_t>(value);
  return Status::ok();
}

}  // namespace camrec::server
