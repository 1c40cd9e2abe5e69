// Shared by the libFuzzer targets: what counts as a correct outcome. A parser fed hostile
// bytes may return a value or throw storewire::Error (the binding turns it into a typed
// Python error); any other exception would reach Python untyped, so it is a finding.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "storewire/error.h"

namespace fuzz {

[[noreturn]] inline void finding(const char* what, const std::string& detail) {
  std::fprintf(stderr, "FUZZ FINDING: %s: %s\n", what, detail.c_str());
  std::fflush(stderr);
  std::abort();
}

// Runs f; storewire::Error is a typed refusal, anything else aborts with its message.
template <class F>
bool typed(F&& f) {
  try {
    f();
    return true;
  } catch (const storewire::Error&) {
    return false;
  } catch (const std::exception& e) {
    finding("untyped exception", e.what());
  } catch (...) {
    finding("untyped exception", "(not a std::exception)");
  }
}

inline void check(bool ok, const char* invariant, const std::string& detail = {}) {
  if (!ok) finding(invariant, detail);
}

}  // namespace fuzz
