// Native errors → Python exceptions. The classes, and the tables that pick one for a kind
// or a code, are defined in Python (storewire/errors.py); this file only passes the kind,
// or the code space and the code, with the message, detail and resource.
#pragma once

#include <pybind11/pybind11.h>

#include <string>

#include "storewire/error.h"
#include "storewire/status_error.h"

namespace storewire::bindings {

// Builds (does not raise) the Python exception for a native failure.
pybind11::object python_error(ErrorKind kind, const std::string& message,
                              const std::string& detail, const std::string& resource = {});

// Builds (does not raise) the Python exception for a service's error status or code:
// storewire.errors.from_native_status(space, status, code, ...), with the extra
// attributes ``reason_phrase`` and ``body`` (the raw error body, text).
pybind11::object python_status_error(const StatusErrorInfo& info);

// Installs the translator that turns a thrown storewire::Error into that exception.
void register_error_translator();

// A contiguous Python buffer held for the duration of a native call (zero-copy).
// Acquire and release need the GIL; the bytes can be used without it.
class HeldBuffer {
 public:
  HeldBuffer(const pybind11::object& obj, bool writable);
  ~HeldBuffer();
  HeldBuffer(const HeldBuffer&) = delete;
  HeldBuffer& operator=(const HeldBuffer&) = delete;
  char* data() const { return static_cast<char*>(view_.buf); }
  std::size_t size() const { return static_cast<std::size_t>(view_.len); }

 private:
  Py_buffer view_{};
};

}  // namespace storewire::bindings
