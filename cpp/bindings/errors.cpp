#include "errors.h"

namespace py = pybind11;

namespace storewire::bindings {

py::object python_error(ErrorKind kind, const std::string& message, const std::string& detail,
                        const std::string& resource) {
  py::module_ errors = py::module_::import("storewire.errors");
  return errors.attr("from_native")(error_kind_name(kind), message, detail, resource);
}

void register_error_translator() {
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
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
