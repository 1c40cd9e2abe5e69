// What http_async.cpp needs from the HTTP binding's classes (defined in http.cpp), so the
// asynchronous API lives in its own file without exposing those classes.
#pragma once

#include <pybind11/pybind11.h>

#include <memory>
#include <string>

#include "http/client.h"
#include "http/types.h"

namespace storewire::bindings {

// The engine behind a storewire._native.http.Client; raises when it is closed.
http::Client& http_client_of(pybind11::handle client);
// The spec of a storewire._native.http.Request (TypeError for anything else).
std::shared_ptr<const http::RequestSpec> http_spec_of(pybind11::handle request);
// A storewire._native.http.Response for a finished transfer of `spec` (the result is
// shared, e.g. with the batch that holds it: no copy).
pybind11::object http_response(std::shared_ptr<http::Result> result,
                               std::shared_ptr<const http::RequestSpec> spec);

}  // namespace storewire::bindings

// Adds the asynchronous API (Completions) to the http submodule.
void init_http_async(pybind11::module_& m);
