// storewire._native_sector, seen as storewire._native.sector: the Sector client and UDT in
// an extension of their own, so that only Sector users pay UDT's 100 ms static initialiser.
#include "convert.h"
#include "errors.h"
#include "init.h"

namespace py = pybind11;

PYBIND11_MODULE(_native_sector, m) {
  m.doc() = "Sector 2.x client: TLS login, GMP messaging, file-system commands.";
  // Each extension has its own copy of this state (its symbols are private).
  storewire::bindings::register_error_translator();
  storewire::bindings::remember_main_thread();
  init_sector(m);
}
