// Argument conversions shared by the binding files.
#pragma once

#include <pybind11/pybind11.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

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

// Whether the interpreter is shutting down (readable without the GIL).
inline bool interpreter_finalizing() {
#if PY_VERSION_HEX >= 0x030D0000
  return Py_IsFinalizing() != 0;
#else
  return _Py_IsFinalizing() != 0;
#endif
}

// The thread that runs the interpreter's shutdown (the main thread); recorded at import.
inline std::atomic<unsigned long>& main_thread_ident() {
  static std::atomic<unsigned long> ident{0};
  return ident;
}

inline void remember_main_thread() {
  main_thread_ident() = pybind11::module_::import("threading")
                            .attr("main_thread")()
                            .attr("ident")
                            .cast<unsigned long>();
}

// Whether this thread is the one that runs Python's signal handlers (readable without the
// GIL). Only it can see Ctrl-C: PyErr_CheckSignals does nothing on any other thread.
inline bool on_main_thread() {
  return PyThread_get_thread_ident() == main_thread_ident().load();
}

// True for another thread while the interpreter shuts down: such a thread must not take
// the GIL back (the main thread, which runs the shutdown, must and may).
inline bool must_not_take_gil() {
  return interpreter_finalizing() && PyThread_get_thread_ident() != main_thread_ident().load();
}

// A daemon thread that comes back from native code while the interpreter shuts down must
// not take the GIL: CPython < 3.14 then ends the thread with pthread_exit, whose forced
// unwinding through a noexcept destructor aborts the whole process ("terminate called
// without an active exception"). It parks instead, as CPython 3.14 does; the process exit
// ends it.
[[noreturn]] inline void park_forever() {
  for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
}

// py::gil_scoped_release that is safe at interpreter exit (see park_forever).
class ReleaseGil {
 public:
  ReleaseGil() : state_(PyEval_SaveThread()) {}
  ~ReleaseGil() {
    if (must_not_take_gil()) park_forever();
    PyEval_RestoreThread(state_);
  }
  ReleaseGil(const ReleaseGil&) = delete;
  ReleaseGil& operator=(const ReleaseGil&) = delete;

 private:
  PyThreadState* state_;
};

// py::gil_scoped_acquire for a thread that holds no GIL, safe at interpreter exit.
class AcquireGil {
 public:
  AcquireGil() : checked_(not_finalizing()) {}

 private:
  static bool not_finalizing() {
    if (must_not_take_gil()) park_forever();
    return true;
  }
  bool checked_;  // initialised first: the check runs before the GIL is taken
  pybind11::gil_scoped_acquire gil_;
};

// The Checkpoint native code calls between waits while the GIL is released: it takes
// the GIL only to look for Ctrl-C, and raises KeyboardInterrupt through the native call.
// Only the main thread ever runs Python's signal handlers (PyErr_CheckSignals does nothing
// elsewhere), so other threads never take the GIL here: a daemon thread waiting for the GIL
// when the interpreter starts to shut down would be ended by pthread_exit (see
// park_forever), and that window cannot be closed by checking first.
inline const Checkpoint& signal_checkpoint() {
  static const Checkpoint cp = [] {
    if (!on_main_thread()) return;
    AcquireGil gil;
    if (PyErr_CheckSignals() != 0) throw pybind11::error_already_set();
  };
  return cp;
}

}  // namespace storewire::bindings
