// storewire._native: where Python meets the C++ libraries (Sector: sector_module.cpp).
#include <curl/curl.h>
#include <openssl/crypto.h>
#include <pugixml.hpp>

#include "errors.h"
#include "convert.h"
#include "init.h"

#include <string>

namespace py = pybind11;

namespace {

py::dict build_info() {
  py::dict info;
  info["version"] = STOREWIRE_VERSION;
  info["build_type"] = STOREWIRE_BUILD_TYPE;
  info["compiler"] = __VERSION__;
  info["curl"] = curl_version_info(CURLVERSION_NOW)->version;
  info["openssl"] = OpenSSL_version(OPENSSL_VERSION);
  // PUGIXML_VERSION is major * 1000 + minor * 10 since 1.10 (1130 is 1.13).
  info["pugixml"] = std::to_string(PUGIXML_VERSION / 1000) + "." +
                    std::to_string(PUGIXML_VERSION % 1000 / 10);
  info["udt"] = STOREWIRE_UDT_VERSION;  // UDT has no version call: CMake reads it at build time
  // The libraries linked from static archives (the others are shared: system or bundled).
  info["static_libs"] = STOREWIRE_STATIC_LIBS;
  // What the compiler actually did, whatever the build type was called.
#if defined(__OPTIMIZE__)
  info["optimised"] = "yes";
#else
  info["optimised"] = "no";
#endif
#if defined(__SANITIZE_ADDRESS__)
  info["sanitizers"] = "address,undefined";
#else
  info["sanitizers"] = "";
#endif
  return info;
}

// Submodules are registered in sys.modules so `import storewire._native.http` works.
py::module_ add_area(py::module_& parent, const char* name, const char* doc,
                     void (*init)(py::module_&)) {
  py::module_ sub = parent.def_submodule(name, doc);
  init(sub);
  py::module_::import("sys").attr("modules")[py::str("storewire._native.") + py::str(name)] = sub;
  return sub;
}

}  // namespace

PYBIND11_MODULE(_native, m) {
  m.doc() = "Private native core of storewire (pybind11). Import the public packages instead.";
  m.attr("__version__") = STOREWIRE_VERSION;
  m.def("build_info", &build_info,
        "Build type, compiler and the versions of the linked native libraries.");
  storewire::bindings::register_error_translator();
  storewire::bindings::remember_main_thread();
  add_area(m, "http", "HTTP engine on libcurl's multi interface.", &init_http);
  add_area(m, "auth", "AWS signatures (V2, DS3 V2, V4), hashes and checksums.", &init_auth);
  add_area(m, "xml", "Small pugixml helpers for DS3 and S3 documents.", &init_xml);
  add_area(m, "ds3", "DS3 (Spectra BlackPearl) requests, parsers and the bulk engine.", &init_ds3);
  add_area(m, "v3io", "V3IO JSON bodies: typed attributes, records and request bodies.",
           &init_v3io);
  // Sector lives in its own extension (with UDT, whose static initialiser sleeps 100 ms),
  // still named storewire._native.sector: an empty __path__ lets the import system look
  // for submodules, and the finder storewire/_sector_import.py installs loads it. Reading
  // `_native.sector` imports it on first use (PEP 562).
  m.attr("__path__") = py::list();
  m.def("__getattr__", [](const std::string& name) -> py::object {
    if (name != "sector") {
      throw py::attribute_error("module 'storewire._native' has no attribute '" + name + "'");
    }
    return py::module_::import("storewire._native.sector");
  });
}
