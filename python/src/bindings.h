// SPDX-License-Identifier: LGPL-2.1-or-later
// What the binding files share: turning a camrec Status into a Python exception.
#pragma once

#include <pybind11/pybind11.h>

#include <optional>

#include "camrec/status.h"

namespace camrec::python {

namespace py = pybind11;

/// Thrown by binding code for a failed Status; the module translates it into camrec.Error
/// carrying the code name ("no_space") and the message.
struct StatusError {
  Status status;
};

/// Throws StatusError when `status` is not ok.
inline void check(const Status& status) {
  if (!status.is_ok()) throw StatusError{status};
}

/// The value of `result`, or throws StatusError with its error.
template <typename T>
T take(Result<T> result) {
  if (!result) throw StatusError{result.error()};
  return std::move(result).value();
}

/// Runs `call` (returning a Status) without the GIL, so other Python threads run while it
/// blocks; throws its error.
template <typename F>
void check_unlocked(F&& call) {
  Status s;
  {
    py::gil_scoped_release unlocked;
    s = call();
  }
  check(s);
}

/// Runs `call` (returning a Result) without the GIL; returns its value or throws its error.
template <typename F>
auto take_unlocked(F&& call) {
  std::optional<decltype(call())> result;
  {
    py::gil_scoped_release unlocked;
    result.emplace(call());
  }
  return take(std::move(*result));
}

/// Registers the Muxer, Demuxer, Packet, info, remux and recover bindings.
void bind_files(py::module_& m);
/// Registers the Recorder binding.
void bind_recorder(py::module_& m);
/// Registers the K230 objects (Sensor, Encoder, links, Mp4Container) on submodule `k230`.
void bind_k230_media(py::module_& k230);
/// Registers the kd_mp4_* functions on submodule `k230`.
void bind_k230_mp4(py::module_& k230);

}  // namespace camrec::python
