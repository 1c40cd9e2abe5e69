// Argument conversions shared by the binding files.
#pragma once

#include <pybind11/pybind11.h>

#include <string>

#include "storewire/checkpoint.h"

namespace storewire::bindings {

// str or os.PathLike → a filesystem path string (os.fspath semantics).
inline std::string fspath(const pybind11::object& path) {
  return pybind11::str(pybind11::module_::import("os").attr("fspath")(path));
}

// The Checkpoint native code calls between waits while the GIL is released: it takes
// the GIL only to look for Ctrl-C, and raises KeyboardInterrupt through the native call.
inline const Checkpoint& signal_checkpoint() {
  static const Checkpoint cp = [] {
    pybind11::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) throw pybind11::error_already_set();
  };
  return cp;
}

}  // namespace storewire::bindings
