// SPDX-License-Identifier: LGPL-2.1-or-later
// KD_HANDLE values as tokens that cannot be confused: each create hands out a serial number
// never used before (with a tag in the low bits saying whether it names a file or a track),
// so a destroyed handle stays invalid forever instead of aliasing the next object at the
// same address. Every call holds the object it names for its whole duration (a Lease);
// destroying waits for the calls in flight, and new calls on it fail at once.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "camrec/status.h"

namespace camrec::capi {

/// What a token names; its value is the tag in the token's low 4 bits (odd, so a real,
/// aligned pointer is never taken for a token).
enum class HandleKind : uint8_t { file = 0x5, track = 0xB };

/// Counts the calls in flight on one object and lets its destroyer wait them out.
class CallGate {
 public:
  /// Enters a call. Errors: wrong_state once close() has begun.
  Status enter(const char* what);
  /// Leaves a call entered by enter().
  void leave();
  /// Refuses new calls, then waits until every call in flight has left.
  void close();

 private:
  std::mutex mutex_;
  std::condition_variable idle_;
  uint32_t in_flight_ = 0;
  bool closing_ = false;
};

/// A live object taken for one call: keeps it alive and its gate entered until destroyed.
template <typename T>
class Lease {
 public:
  Lease() = default;
  Lease(std::shared_ptr<T> object, CallGate* gate) : object_(std::move(object)), gate_(gate) {}
  Lease(Lease&& o) noexcept : object_(std::move(o.object_)), gate_(o.gate_) { o.gate_ = nullptr; }
  Lease& operator=(Lease&&) = delete;
  Lease(const Lease&) = delete;
  ~Lease() {
    if (gate_) gate_->leave();
  }
  /// The object (never null for a lease that acquire() returned).
  T* operator->() const { return object_.get(); }
  /// The object.
  T& operator*() const { return *object_; }
  /// Shared ownership of the object, e.g. to check that a track belongs to it.
  const std::shared_ptr<T>& shared() const { return object_; }

 private:
  std::shared_ptr<T> object_;
  CallGate* gate_ = nullptr;
};

/// The live objects of one kind, by token. Thread-safe.
template <typename T>
class HandleTable {
 public:
  explicit HandleTable(HandleKind kind) : kind_(kind) {}

  /// Registers `object` (whose `gate` member calls enter) and returns its new token.
  uintptr_t add(std::shared_ptr<T> object) {
    std::lock_guard lock(mutex_);
    const uintptr_t token = (next_serial_++ << 4) | static_cast<uintptr_t>(kind_);
    live_.emplace(token, std::move(object));
    return token;
  }

  /// The object named by `token`, its gate entered. Errors: invalid_argument naming the
  /// handle as destroyed, of the other kind, or never handed out; wrong_state while it is
  /// being destroyed. `what` names the call for the message.
  Result<Lease<T>> acquire(uintptr_t token, const char* what) {
    std::shared_ptr<T> object;
    {
      std::lock_guard lock(mutex_);
      auto it = live_.find(token);
      if (it == live_.end()) return make_error(Errc::invalid_argument, std::string(what) + ": " + describe_dead(token));
      object = it->second;
    }
    CAMREC_RETURN_IF_ERROR(object->gate.enter(what));
    return Lease<T>(std::move(object), &object->gate);
  }

  /// Unregisters `token` and returns its object (later calls with the token fail), or an
  /// error as acquire(). The caller then closes the object's gate.
  Result<std::shared_ptr<T>> remove(uintptr_t token, const char* what) {
    std::lock_guard lock(mutex_);
    auto it = live_.find(token);
    if (it == live_.end()) return make_error(Errc::invalid_argument, std::string(what) + ": " + describe_dead(token));
    std::shared_ptr<T> object = std::move(it->second);
    live_.erase(it);
    return object;
  }

  /// Unregisters `token` if it is live (no error when it is not).
  void forget(uintptr_t token) {
    std::lock_guard lock(mutex_);
    live_.erase(token);
  }

 private:
  std::string describe_dead(uintptr_t token) const {
    const char* name = kind_ == HandleKind::file ? "kd_mp4 handle" : "track handle";
    if (token == 0) return std::string("NULL ") + name;
    const auto tag = static_cast<uint8_t>(token & 0xF);
    if (tag == static_cast<uint8_t>(kind_) && (token >> 4) < next_serial_)
      return std::string("the ") + name + " was destroyed (a handle stays invalid after kd_mp4_destroy)";
    const HandleKind other = kind_ == HandleKind::file ? HandleKind::track : HandleKind::file;
    if (tag == static_cast<uint8_t>(other) && (token >> 4) != 0)
      return std::string("not a ") + name + (kind_ == HandleKind::file ? " (a track handle was passed)" : " (a kd_mp4 handle was passed)");
    return std::string("not a ") + name + " (one that kd_mp4_create/kd_mp4_create_track returned)";
  }

  const HandleKind kind_;
  std::mutex mutex_;
  std::map<uintptr_t, std::shared_ptr<T>> live_;
  uintptr_t next_serial_ = 1;
};

}  // namespace camrec::capi
