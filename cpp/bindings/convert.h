// Argument conversions shared by the binding files.
#pragma once

#include <pybind11/pybind11.h>

#include <string>

namespace storewire::bindings {

// str or os.PathLike → a filesystem path string (os.fspath semantics).
inline std::string fspath(const pybind11::object& path) {
  return pybind11::str(pybind11::module_::import("os").attr("fspath")(path));
}

}  // namespace storewire::bindings
