// Argument conversions shared by the binding files.
#pragma once

#include <pybind11/pybind11.h>

#include <string>

#include "storewire/checkpoint.h"
#include "storewire/error.h"

namespace storewire::bindings {

// str or os.PathLike → a filesystem path string (os.fspath semantics).
inline std::string fspath(const pybind11::object& path) {
  return pybind11::str(pybind11::module_::import("os").attr("fspath")(path));
}

// str → UTF-8 for text the caller sends (URLs, header names and values): a string that
// cannot be encoded (a lone surrogate) is the caller's mistake, InvalidRequestError,
// not a UnicodeEncodeError from deep inside a request.
inline std::string request_text(const pybind11::handle& obj, const std::string& what) {
  if (!PyUnicode_Check(obj.ptr())) return pybind11::str(obj).cast<std::string>();
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(obj.ptr(), &size);
  if (!data) {
    PyErr_Clear();
    throw Error(ErrorKind::InvalidArgument, what + " is not valid Unicode text (lone surrogate?)");
  }
  return std::string(data, static_cast<std::size_t>(size));
}

// repr() of a read-only record class: "Name(field=value, ...)" over its properties, so
// results print usefully in a REPL or a log line.
inline pybind11::str record_repr(const pybind11::object& self) {
  pybind11::object type = pybind11::type::of(self);
  pybind11::object property = pybind11::module_::import("builtins").attr("property");
  pybind11::list parts;
  // __dict__ is a mappingproxy: iterate its items() (in definition order).
  for (auto item : type.attr("__dict__").attr("items")()) {
    auto pair = pybind11::reinterpret_borrow<pybind11::tuple>(item);
    const std::string name = pybind11::str(pair[0]);
    if (name.empty() || name[0] == '_' || !pybind11::isinstance(pair[1], property)) continue;
    parts.append(pybind11::str("{}={!r}").format(name, self.attr(name.c_str())));
  }
  return pybind11::str("{}({})").format(type.attr("__name__"), pybind11::str(", ").attr("join")(parts));
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
