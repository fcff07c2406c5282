// SPDX-License-Identifier: LGPL-2.1-or-later
// camrec._camrec: the extension module. Errors cross as camrec.Error (defined in Python, in
// camrec/_errors.py) so it can be caught without importing the extension.
#include <pybind11/pybind11.h>

#include "bindings.h"

namespace camrec::python {

namespace {

/// camrec._errors.Error; a reference kept for the life of the interpreter.
PyObject* g_error_class = nullptr;

void translate(std::exception_ptr p) {
  try {
    if (p) std::rethrow_exception(p);
  } catch (const StatusError& e) {
    py::object error =
        py::reinterpret_borrow<py::object>(g_error_class)(errc_name(e.status.code()), e.status.message());
    PyErr_SetObject(g_error_class, error.ptr());
  }
}

}  // namespace

PYBIND11_MODULE(_camrec, m) {
  m.doc() = "camrec's C++ library: MP4 muxer, demuxer, recorder and the K230 media objects";
  g_error_class = py::object(py::module_::import("camrec._errors").attr("Error")).release().ptr();
  py::register_exception_translator(translate);
  bind_files(m);
  bind_recorder(m);
  py::module_ k230 = m.def_submodule("k230", "The K230 media objects and kd_mp4 functions, for camrec.canmv");
  bind_k230_media(k230);
  bind_k230_mp4(k230);
}

}  // namespace camrec::python
