// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capi/handles.h"

namespace camrec::capi {

Status CallGate::enter(const char* what) {
  std::lock_guard lock(mutex_);
  if (closing_) return make_error(Errc::wrong_state, std::string(what) + ": the handle is being destroyed by another thread");
  ++in_flight_;
  return Status::ok();
}

void CallGate::leave() {
  std::lock_guard lock(mutex_);
  if (--in_flight_ == 0) idle_.notify_all();
}

void CallGate::close() {
  std::unique_lock lock(mutex_);
  closing_ = true;
  idle_.wait(lock, [&] { return in_flight_ == 0; });
}

}  // namespace camrec::capi
