// SPDX-License-Identifier: LGPL-2.1-or-later
// Errors without exceptions: Status for calls that return nothing, Result<T> for calls that
// return a value. Modelled on std::expected, which g++ 12 offers only with -std=c++2b.
#pragma once

#include <cassert>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace camrec {

/// What went wrong, coarse enough to act on; the message says the details.
enum class Errc : int {
  ok = 0,
  invalid_argument,  ///< The caller passed a value the API does not accept.
  wrong_state,       ///< The call is not allowed in the object's current state.
  malformed,         ///< Input data (a file, a stream) breaks its specification.
  unsupported,       ///< Valid input that camrec does not handle.
  limit_exceeded,    ///< Input asks for more than a safety limit allows.
  io,                ///< An operating-system I/O call failed (EIO, EBADF, ...).
  no_space,          ///< The file system is full (ENOSPC, EDQUOT).
  file_too_large,    ///< The file hit a size limit (EFBIG, RLIMIT_FSIZE, FAT32's 4 GiB).
  not_found,         ///< A file, track or device does not exist.
  permission_denied, ///< The operating system refused access (EACCES, EPERM).
  already_exists,    ///< The output exists and replacing it was not asked for.
  busy,              ///< Another writer holds the output (one writer per file).
  end_of_stream,     ///< Nothing more to read; not an error for loops that expect it.
  timeout,           ///< A wait ran out before data arrived.
  internal,          ///< A library the code depends on failed unexpectedly.
};

/// Short stable name of an error code ("no_space"), for messages and JSON.
const char* errc_name(Errc code);

/// Outcome of an operation: ok, or an error code with a human-readable message.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Errc code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return {}; }

  bool is_ok() const { return code_ == Errc::ok; }
  explicit operator bool() const { return is_ok(); }
  Errc code() const { return code_; }
  const std::string& message() const { return message_; }

  /// "no_space: writing fragment 12: No space left on device"
  std::string to_string() const;

  /// Returns a copy whose message is prefixed with `context: ` (for error chains).
  Status with_context(const std::string& context) const;

 private:
  Errc code_ = Errc::ok;
  std::string message_;
};

/// Builds an error Status; `code` must not be Errc::ok.
inline Status make_error(Errc code, std::string message) {
  assert(code != Errc::ok);
  return Status(code, std::move(message));
}

/// A value of type T, or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}  // NOLINT: implicit like std::expected
  Result(Status error) : data_(std::move(error)) { assert(!std::get<Status>(data_).is_ok()); }  // NOLINT

  bool has_value() const { return std::holds_alternative<T>(data_); }
  explicit operator bool() const { return has_value(); }

  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  /// The error; only valid when !has_value().
  const Status& error() const { return std::get<Status>(data_); }
  /// Ok when a value is present, else the error (for code that only propagates).
  Status status() const { return has_value() ? Status::ok() : error(); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace camrec

// Propagates a failed Status or Result from the enclosing function.
#define CAMREC_CONCAT_INNER(a, b) a##b
#define CAMREC_CONCAT(a, b) CAMREC_CONCAT_INNER(a, b)

#define CAMREC_RETURN_IF_ERROR(expr)                          \
  do {                                                        \
    ::camrec::Status camrec_status_ = (expr);                 \
    if (!camrec_status_.is_ok()) return camrec_status_;       \
  } while (0)

// `CAMREC_ASSIGN_OR_RETURN(auto x, f());` declares x from a Result or returns its error.
#define CAMREC_ASSIGN_OR_RETURN(decl, expr) \
  CAMREC_ASSIGN_OR_RETURN_IMPL(CAMREC_CONCAT(camrec_result_, __LINE__), decl, expr)
#define CAMREC_ASSIGN_OR_RETURN_IMPL(tmp, decl, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.has_value()) return tmp.error();           \
  decl = std::move(tmp).value()
