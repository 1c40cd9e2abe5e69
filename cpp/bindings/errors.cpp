#include "errors.h"

namespace py = pybind11;

namespace storewire::bindings {
namespace {

// Error texts often quote what a server sent: invalid UTF-8 is replaced, never raised
// (a UnicodeDecodeError here would hide the real, typed error).
py::str text(const std::string& s) {
  return py::reinterpret_steal<py::str>(
      PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "replace"));
}

}  // namespace

py::object python_error(ErrorKind kind, const std::string& message, const std::string& detail,
                        const std::string& resource) {
  py::module_ errors = py::module_::import("storewire.errors");
  return errors.attr("from_native")(error_kind_name(kind), text(message), text(detail),
                                    text(resource));
}

py::object python_status_error(const StatusErrorInfo& info) {
  // The code space and the code go to Python, whose table for that space picks the class.
  py::module_ errors = py::module_::import("storewire.errors");
  py::object exc = errors.attr("from_native_status")(
      code_space_name(info.space), info.status, text(info.code), text(info.message),
      py::arg("operation") = text(info.operation), py::arg("resource") = text(info.resource),
      py::arg("request_id") = text(info.request_id));
  exc.attr("reason_phrase") = text(info.reason_phrase);
  exc.attr("body") = text(info.body);
  return exc;
}

void register_error_translator() {
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const storewire::StatusError& e) {
      py::object exc = python_status_error(e.info());
      PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc.ptr())), exc.ptr());
    } catch (const storewire::Error& e) {
      py::object exc = python_error(e.kind(), e.what(), e.detail());
      PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc.ptr())), exc.ptr());
    }
  });
}

HeldBuffer::HeldBuffer(const py::object& obj, bool writable) {
  const int flags = writable ? PyBUF_WRITABLE : PyBUF_SIMPLE;
  if (PyObject_GetBuffer(obj.ptr(), &view_, flags) != 0) {
    PyErr_Clear();
    throw py::type_error(writable ? "expected a writable, contiguous buffer (e.g. bytearray)"
                                  : "expected a contiguous buffer (bytes, bytearray, memoryview)");
  }
}

HeldBuffer::~HeldBuffer() { PyBuffer_Release(&view_); }

}  // namespace storewire::bindings
