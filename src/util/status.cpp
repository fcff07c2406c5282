// SPDX-License-Identifier: LGPL-2.1-or-later
#include "camrec/status.h"

namespace camrec {

const char* errc_name(Errc code) {
  switch (code) {
    case Errc::ok: return "ok";
    case Errc::invalid_argument: return "invalid_argument";
    case Errc::wrong_state: return "wrong_state";
    case Errc::malformed: return "malformed";
    case Errc::unsupported: return "unsupported";
    case Errc::limit_exceeded: return "limit_exceeded";
    case Errc::io: return "io";
    case Errc::no_space: return "no_space";
    case Errc::file_too_large: return "file_too_large";
    case Errc::not_found: return "not_found";
    case Errc::permission_denied: return "permission_denied";
    case Errc::already_exists: return "already_exists";
    case Errc::busy: return "busy";
    case Errc::end_of_stream: return "end_of_stream";
    case Errc::timeout: return "timeout";
    case Errc::internal: return "internal";
  }
  return "unknown";
}

std::string Status::to_string() const {
  if (is_ok()) return "ok";
  return std::string(errc_name(code_)) + ": " + message_;
}

Status Status::with_context(const std::string& context) const {
  if (is_ok()) return *this;
  return Status(code_, context + ": " + message_);
}

}  // namespace camrec
