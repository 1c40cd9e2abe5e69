// Binding of the HTTP engine: argument conversion, GIL release, Ctrl-C. No logic.
#include <pybind11/stl.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/crc32c_observer.h"
#include "convert.h"
#include "errors.h"
#include "http/client.h"
#include "http/head.h"
#include "http_access.h"
#include "init.h"
#include "options.h"

namespace py = pybind11;
using storewire::bindings::fspath;
using storewire::bindings::set_engine_options;
using storewire::bindings::set_if_given;
using namespace storewire;
using namespace storewire::http;

namespace {

// A header name or value: str is taken as UTF-8 without a temporary; anything else goes
// through request_text, which also builds the error message (only then).
std::string header_text(PyObject* obj, const char* what, const std::string& name) {
  if (PyUnicode_Check(obj)) {
    Py_ssize_t size = 0;
    if (const char* data = PyUnicode_AsUTF8AndSize(obj, &size))
      return std::string(data, static_cast<std::size_t>(size));
    PyErr_Clear();
  }
  return bindings::request_text(py::handle(obj), what + name);
}

void add_header(HeaderList& out, PyObject* name_obj, PyObject* value_obj) {
  std::string name = header_text(name_obj, "a header name", "");
  std::string value = header_text(value_obj, "the value of header ", name);
  out.emplace_back(std::move(name), std::move(value));
}

// Headers from a dict, a list/tuple of (name, value) pairs, or any mapping or iterable of
// pairs. The first two are read without Python iteration (one Request per call is on
// every client's hot path).
HeaderList to_headers(const py::object& obj) {
  HeaderList out;
  if (obj.is_none()) return out;
  PyObject* o = obj.ptr();
  if (PyDict_Check(o)) {
    out.reserve(static_cast<std::size_t>(PyDict_Size(o)));
    Py_ssize_t pos = 0;
    PyObject* key = nullptr;
    PyObject* value = nullptr;
    while (PyDict_Next(o, &pos, &key, &value)) {
      // held: a non-str name's __str__ could change the dict while it converts
      py::object k = py::reinterpret_borrow<py::object>(key);
      py::object v = py::reinterpret_borrow<py::object>(value);
      add_header(out, k.ptr(), v.ptr());
    }
    return out;
  }
  if (PyList_Check(o) || PyTuple_Check(o)) {
    // A list could change size while a non-str item converts, so its size is read each time.
    const Py_ssize_t n = PySequence_Fast_GET_SIZE(o);
    out.reserve(static_cast<std::size_t>(n));
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(o); ++i) {
      py::object item = py::reinterpret_borrow<py::object>(PySequence_Fast_GET_ITEM(o, i));
      if (!PyTuple_Check(item.ptr()) || PyTuple_GET_SIZE(item.ptr()) != 2) {
        py::tuple pair = item.cast<py::tuple>();
        if (pair.size() != 2) throw py::value_error("headers must be (name, value) pairs");
        add_header(out, pair[0].ptr(), pair[1].ptr());
        continue;
      }
      add_header(out, PyTuple_GET_ITEM(item.ptr(), 0), PyTuple_GET_ITEM(item.ptr(), 1));
    }
    return out;
  }
  py::iterable items = py::hasattr(obj, "items") ? py::iterable(obj.attr("items")())
                                                 : py::iterable(obj);
  for (py::handle item : items) {
    py::tuple pair = py::reinterpret_borrow<py::object>(item).cast<py::tuple>();
    if (pair.size() != 2) throw py::value_error("headers must be (name, value) pairs");
    add_header(out, pair[0].ptr(), pair[1].ptr());
  }
  return out;
}

// A request plus the Python objects whose memory it points into.
struct PyRequest {
  std::shared_ptr<RequestSpec> spec = std::make_shared<RequestSpec>();
  std::unique_ptr<bindings::HeldBuffer> body;
  std::unique_ptr<bindings::HeldBuffer> into;
  std::shared_ptr<auth::Crc32cObserver> crc;  // when asked: CRC32C of the 2xx body received

  PyRequest(std::string method, std::string url, const py::object& headers,
            const py::object& body_obj, const py::object& body_file, std::uint64_t body_offset,
            std::optional<std::uint64_t> body_length, const py::object& into_obj,
            const py::object& into_file, std::uint64_t into_offset, std::optional<bool> retry,
            std::optional<double> timeout_s, bool crc32c) {
    for (auto& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    spec->method = std::move(method);
    spec->url = std::move(url);
    spec->headers = to_headers(headers);
    spec->retry = retry;
    spec->timeout_s = timeout_s;
    if (!body_obj.is_none() && !body_file.is_none())
      throw py::value_error("give either body or body_file, not both");
    if (!into_obj.is_none() && !into_file.is_none())
      throw py::value_error("give either into or into_file, not both");
    if (!body_obj.is_none()) {
      body = std::make_unique<bindings::HeldBuffer>(body_obj, false);
      spec->body.kind = BodySource::Kind::Buffer;
      spec->body.data = body->data();
      spec->body.size = body->size();
    } else if (!body_file.is_none()) {
      spec->body.kind = BodySource::Kind::File;
      spec->body.path = fspath(body_file);
      spec->body.offset = body_offset;
      spec->body.length = body_length;
    }
    if (!into_obj.is_none()) {
      into = std::make_unique<bindings::HeldBuffer>(into_obj, true);
      spec->sink.kind = BodySink::Kind::Buffer;
      spec->sink.data = into->data();
      spec->sink.capacity = into->size();
    } else if (!into_file.is_none()) {
      spec->sink.kind = BodySink::Kind::File;
      spec->sink.path = fspath(into_file);
      spec->sink.offset = into_offset;
    }
    if (crc32c) {
      crc = std::make_shared<auth::Crc32cObserver>();
      spec->observer = crc;
    }
  }
};

// Header bytes are ISO-8859-1 on the wire (obs-text), as http.client reads them.
py::str latin1(const std::string& s) {
  return py::reinterpret_steal<py::str>(
      PyUnicode_DecodeLatin1(s.data(), static_cast<Py_ssize_t>(s.size()), nullptr));
}

py::list header_list(const HeaderList& headers) {
  py::list out;
  for (const auto& [name, value] : headers) out.append(py::make_tuple(latin1(name), latin1(value)));
  return out;
}

struct PyResponse {
  std::shared_ptr<Result> result;
  std::shared_ptr<const RequestSpec> spec;  // for its URL (shared, not copied per response)
  std::shared_ptr<const auth::Crc32cObserver> crc;  // set when the request asked for it

  const std::string& url() const { return spec->url; }
  py::object error() const {
    if (!result->failure) return py::none();
    const auto& f = *result->failure;
    return bindings::python_error(f.kind, f.message, f.detail, redact_url(url()));
  }
  void raise_for_transport() const {
    if (result->failure) {
      py::object exc = error();
      PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc.ptr())), exc.ptr());
      throw py::error_already_set();
    }
  }
};

// Runs a batch with the GIL released; polls for Ctrl-C and cancels on it. Returns the
// completed batch (its results are the responses' own, see perform_many).
std::shared_ptr<Batch> run(Client& client, std::vector<std::shared_ptr<const RequestSpec>> specs) {
  std::shared_ptr<Batch> batch;
  {
    bindings::ReleaseGil nogil;
    batch = client.submit(std::move(specs));
  }
  if (!bindings::on_main_thread()) {
    // No Ctrl-C can reach this thread: wait without taking the GIL back every 50 ms. A
    // thread blocked taking it when the interpreter starts to shut down is ended by
    // pthread_exit, which aborts the process (convert.h, park_forever).
    bindings::ReleaseGil nogil;
    while (!batch->wait_for(std::chrono::milliseconds(50))) {
    }
    return batch;
  }
  for (;;) {
    bool done;
    {
      bindings::ReleaseGil nogil;
      done = batch->wait_for(std::chrono::milliseconds(50));
    }
    if (done) break;
    if (PyErr_CheckSignals() != 0) {
      py::error_already_set interrupted;
      {
        bindings::ReleaseGil nogil;
        client.cancel(batch);
        // The transfers point into Python buffers: wait until none is running.
        while (!batch->wait_for(std::chrono::milliseconds(50))) {
        }
      }
      throw interrupted;
    }
  }
  return batch;
}

struct PyClient {
  std::unique_ptr<Client> client;

  Client& get() {
    if (!client) throw Error(ErrorKind::InvalidArgument, "the HTTP client is closed");
    return *client;
  }

  PyResponse perform(const PyRequest& req) {
    Client& c = get();
    // Polled from the transfer's thread every ~50 ms: Ctrl-C cancels the request.
    auto interrupted = [] {
      if (!bindings::on_main_thread()) return false;  // only it sees Ctrl-C (convert.h)
      bindings::AcquireGil gil;
      return PyErr_CheckSignals() != 0;
    };
    Result result;
    {
      bindings::ReleaseGil nogil;
      result = c.perform_direct(req.spec, interrupted);
    }
    if (PyErr_Occurred()) throw py::error_already_set();
    PyResponse resp{std::make_shared<Result>(std::move(result)), req.spec, req.crc};
    resp.raise_for_transport();
    return resp;
  }

  std::vector<PyResponse> perform_many(const std::vector<const PyRequest*>& reqs) {
    std::vector<std::shared_ptr<const RequestSpec>> specs;
    specs.reserve(reqs.size());
    for (const PyRequest* r : reqs) {
      if (!r) throw py::type_error("perform_many takes Request objects");
      specs.push_back(r->spec);
    }
    std::shared_ptr<Batch> batch = run(get(), std::move(specs));
    std::vector<Result>& results = batch->results();
    std::vector<PyResponse> out;
    out.reserve(results.size());
    // Each response shares the batch (no copy of its result): the batch, and the memory
    // its loop thread allocated, goes back to that thread once the last one is dropped.
    for (std::size_t i = 0; i < results.size(); ++i)
      out.push_back({std::shared_ptr<Result>(batch, &results[i]), reqs[i]->spec, reqs[i]->crc});
    return out;
  }

  void close() {
    if (!client) return;
    bindings::ReleaseGil nogil;
    client->close();
  }
};


}  // namespace

namespace storewire::bindings {  // for http_async.cpp (http_access.h)

http::Client& http_client_of(py::handle client) { return client.cast<PyClient&>().get(); }

std::shared_ptr<const http::RequestSpec> http_spec_of(py::handle request) {
  return request.cast<const PyRequest&>().spec;
}

py::object http_response(std::shared_ptr<http::Result> result,
                         std::shared_ptr<const http::RequestSpec> spec) {
  return py::cast(PyResponse{std::move(result), std::move(spec), nullptr});
}

}  // namespace storewire::bindings

void init_http(py::module_& m) {
  m.def("defaults", &bindings::client_option_defaults,
        "The engine's defaults for Client's options (a new dict each call): the one place "
        "they are declared, read by storewire.config and the docs.");
  py::class_<Timings>(m, "Timings",
                      "Seconds from the start of the (last) attempt, as libcurl measures them.")
      .def_readonly("name_lookup_s", &Timings::name_lookup_s)
      .def_readonly("connect_s", &Timings::connect_s)
      .def_readonly("tls_s", &Timings::tls_s)
      .def_readonly("start_transfer_s", &Timings::start_transfer_s)
      .def_readonly("total_s", &Timings::total_s)
      .def("__repr__", [](const Timings& t) {
        return "Timings(total_s=" + std::to_string(t.total_s) +
               ", start_transfer_s=" + std::to_string(t.start_transfer_s) + ")";
      });

  py::class_<PyRequest>(m, "Request",
                        "One HTTP request. Body from a buffer (zero-copy) or a file range; "
                        "response into memory, a caller's writable buffer or a file.")
      .def(py::init<std::string, std::string, const py::object&, const py::object&,
                    const py::object&, std::uint64_t, std::optional<std::uint64_t>,
                    const py::object&, const py::object&, std::uint64_t, std::optional<bool>,
                    std::optional<double>, bool>(),
           py::arg("method"), py::arg("url"), py::kw_only(), py::arg("headers") = py::none(),
           py::arg("body") = py::none(), py::arg("body_file") = py::none(),
           py::arg("body_offset") = 0, py::arg("body_length") = py::none(),
           py::arg("into") = py::none(), py::arg("into_file") = py::none(),
           py::arg("into_offset") = 0, py::arg("retry") = py::none(),
           py::arg("timeout_s") = py::none(), py::arg("crc32c") = false)
      .def_property_readonly("method", [](const PyRequest& r) { return r.spec->method; })
      .def_property_readonly("url", [](const PyRequest& r) { return r.spec->url; })
      .def("__repr__", [](const PyRequest& r) {
        return "Request(" + r.spec->method + " " + redact_url(r.spec->url) + ")";
      });

  py::class_<PyResponse>(m, "Response")
      .def_property_readonly("status", [](const PyResponse& r) { return r.result->status; })
      .def_property_readonly("reason", [](const PyResponse& r) { return latin1(r.result->reason); })
      .def_property_readonly("headers",
                             [](const PyResponse& r) { return header_list(r.result->headers); })
      .def(
          "header",
          [](const PyResponse& r, const std::string& name, py::object dflt) -> py::object {
            const std::string* v = r.result->header(name);
            return v ? py::object(latin1(*v)) : dflt;
          },
          py::arg("name"), py::arg("default") = py::none(),
          "Last value of a header, name compared case-insensitively.")
      .def_property_readonly("body",
                             [](const PyResponse& r) { return py::bytes(r.result->body); })
      .def_property_readonly("bytes_received",
                             [](const PyResponse& r) { return r.result->bytes_received; })
      .def_property_readonly("bytes_sent", [](const PyResponse& r) { return r.result->bytes_sent; })
      .def_property_readonly("attempts", [](const PyResponse& r) { return r.result->attempts; })
      .def_property_readonly("new_connections",
                             [](const PyResponse& r) { return r.result->new_connections; })
      .def_property_readonly("timings", [](const PyResponse& r) { return r.result->timings; })
      .def_property_readonly("effective_url",
                             [](const PyResponse& r) {
                               const std::string& u = r.result->effective_url;
                               return u.empty() ? redact_url(r.url()) : u;
                             })
      .def_property_readonly(
          "body_crc32c",
          [](const PyResponse& r) -> py::object {
            const bool success = !r.result->failure && r.result->status >= 200 &&
                                 r.result->status < 300;
            if (!r.crc || !success) return py::none();
            return py::int_(r.crc->value());
          },
          "CRC32C of the successful (2xx) body as it arrived, when the request was made "
          "with crc32c=True; None otherwise (also for a failed or non-2xx answer).")
      .def_property_readonly("error", &PyResponse::error)
      .def("raise_for_transport", &PyResponse::raise_for_transport)
      .def("__repr__", [](const PyResponse& r) {
        if (r.result->failure) return latin1("<Response error: " + r.result->failure->message + ">");
        return latin1("<Response " + std::to_string(r.result->status) + " " + r.result->reason +
                      ">");
      });

  py::class_<PyClient>(m, "Client",
                       "A connection pool plus an event-loop thread. Safe to share between "
                       "Python threads.")
      .def(py::init([](std::optional<int> max_in_flight, std::optional<long> max_host_connections,
                       std::optional<double> connect_timeout_s, std::optional<double> timeout_s,
                       std::optional<long> low_speed_limit,
                       std::optional<double> low_speed_time_s, std::optional<std::string> proxy,
                       std::optional<bool> use_env_proxy, std::optional<bool> verify_tls,
                       const py::object& ca_file, std::optional<int> max_retries,
                       std::optional<double> retry_base_delay_s,
                       std::optional<double> retry_max_delay_s,
                       std::optional<std::vector<long>> retry_statuses,
                       std::optional<std::string> user_agent) {
             ClientOptions o;  // None keeps the default declared there
             set_if_given(o.max_host_connections, std::move(max_host_connections));
             set_if_given(o.low_speed_limit_bytes_per_s, std::move(low_speed_limit));
             set_if_given(o.retry_statuses, std::move(retry_statuses));
             set_engine_options(o, std::move(proxy), std::move(use_env_proxy),
                                std::move(verify_tls), ca_file, std::move(connect_timeout_s),
                                std::move(timeout_s), std::move(max_retries),
                                std::move(retry_base_delay_s), std::move(retry_max_delay_s),
                                std::move(max_in_flight), std::move(low_speed_time_s),
                                std::move(user_agent));
             return PyClient{std::make_unique<Client>(std::move(o))};
           }),
           py::kw_only(), py::arg("max_in_flight") = py::none(),
           py::arg("max_host_connections") = py::none(),
           py::arg("connect_timeout_s") = py::none(), py::arg("timeout_s") = py::none(),
           py::arg("low_speed_limit_bytes_per_s") = py::none(),
           py::arg("low_speed_time_s") = py::none(), py::arg("proxy") = py::none(),
           py::arg("use_env_proxy") = py::none(), py::arg("verify_tls") = py::none(),
           py::arg("ca_file") = py::none(), py::arg("max_retries") = py::none(),
           py::arg("retry_base_delay_s") = py::none(), py::arg("retry_max_delay_s") = py::none(),
           py::arg("retry_statuses") = py::none(), py::arg("user_agent") = py::none())
      .def("perform", &PyClient::perform, py::arg("request"),
           "Run one request; raises the storewire.errors type on a transport failure.")
      .def("perform_many", &PyClient::perform_many, py::arg("requests"),
           "Run all requests concurrently (up to max_in_flight); each response carries its "
           "own error.")
      .def(
          "request",
          [](PyClient& self, std::string method, std::string url, const py::object& headers,
             const py::object& body, const py::object& body_file, std::uint64_t body_offset,
             std::optional<std::uint64_t> body_length, const py::object& into,
             const py::object& into_file, std::uint64_t into_offset, std::optional<bool> retry,
             std::optional<double> timeout_s, bool crc32c) {
            PyRequest req(std::move(method), std::move(url), headers, body, body_file,
                          body_offset, body_length, into, into_file, into_offset, retry,
                          timeout_s, crc32c);
            return self.perform(req);
          },
          py::arg("method"), py::arg("url"), py::kw_only(), py::arg("headers") = py::none(),
          py::arg("body") = py::none(), py::arg("body_file") = py::none(),
          py::arg("body_offset") = 0, py::arg("body_length") = py::none(),
          py::arg("into") = py::none(), py::arg("into_file") = py::none(),
          py::arg("into_offset") = 0, py::arg("retry") = py::none(),
          py::arg("timeout_s") = py::none(), py::arg("crc32c") = false,
          "Shorthand for perform(Request(method, url, ...)).")
      .def_property_readonly("in_flight",
                             [](PyClient& self) { return self.client ? self.client->in_flight() : 0; })
      .def("close", &PyClient::close)
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](PyClient& self, const py::args&) { self.close(); });
  init_http_async(m);  // Completions (http_async.cpp)
}
