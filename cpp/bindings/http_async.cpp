// Binding of the engine's asynchronous submission: batches go in with submit() and come
// back through drain() once an eventfd says they are done, so an asyncio loop waits on a
// file descriptor instead of a thread per request.
#include <pybind11/stl.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "convert.h"
#include "http/notifier.h"
#include "http_access.h"

namespace py = pybind11;
using namespace storewire;
using namespace storewire::http;

namespace {

class Completions {
 public:
  explicit Completions(py::object client)
      : client_(std::move(client)), notifier_(std::make_shared<Notifier>()) {
    bindings::http_client_of(client_);  // a Client, and open
  }
  ~Completions() { close(); }
  Completions(const Completions&) = delete;
  Completions& operator=(const Completions&) = delete;

  int fileno() const {
    if (!notifier_) throw Error(ErrorKind::InvalidArgument, "the completion queue is closed");
    return notifier_->fd();
  }

  std::uint64_t submit(const py::sequence& requests) {
    if (!notifier_) throw Error(ErrorKind::InvalidArgument, "the completion queue is closed");
    Pending entry;
    // A copy (a list given is not shared): the requests' buffers must outlive the transfers.
    entry.requests = py::reinterpret_steal<py::list>(PySequence_List(requests.ptr()));
    if (!entry.requests) throw py::error_already_set();
    entry.specs.reserve(entry.requests.size());
    for (py::handle r : entry.requests) entry.specs.push_back(bindings::http_spec_of(r));
    const std::uint64_t ticket = next_ticket_++;
    auto signal = std::make_shared<CompletionSignal>(
        [notifier = notifier_, ticket] { notifier->push(ticket); });
    // With the GIL held: submit only queues, and drain() (which needs the GIL) must
    // find the ticket once its id is pushed.
    entry.batch = bindings::http_client_of(client_).submit(entry.specs, std::move(signal));
    pending_.emplace(ticket, std::move(entry));
    return ticket;
  }

  // Stops the ticket's transfers; it still completes (with Cancelled failures) through
  // drain(). False when the ticket is not pending.
  bool cancel(std::uint64_t ticket) {
    auto it = pending_.find(ticket);
    if (it == pending_.end()) return false;
    try {
      bindings::http_client_of(client_).cancel(it->second.batch);
    } catch (const Error&) {  // the client is closed: its batches completed as cancelled
    }
    return true;
  }

  // The tickets completed since the last call: [(ticket, [Response, ...]), ...].
  py::list drain() {
    py::list out;
    if (!notifier_) return out;
    for (std::uint64_t ticket : notifier_->take()) {
      auto it = pending_.find(ticket);
      if (it == pending_.end()) continue;
      Pending entry = std::move(it->second);
      pending_.erase(it);
      auto& results = entry.batch->results();
      py::list responses(results.size());
      for (std::size_t i = 0; i < results.size(); ++i)
        responses[i] = bindings::http_response(
            std::shared_ptr<http::Result>(entry.batch, &results[i]), entry.specs[i]);
      out.append(py::make_tuple(ticket, std::move(responses)));
    }
    return out;
  }

  std::size_t pending() const { return pending_.size(); }

  // Cancels what is pending and waits (GIL released) until none of it runs: the
  // transfers point into the requests' buffers. Then closes the eventfd. Idempotent.
  void close() {
    if (!notifier_) return;
    std::vector<std::shared_ptr<Batch>> batches;
    for (auto& [ticket, entry] : pending_) batches.push_back(entry.batch);
    if (!batches.empty()) {
      Client* engine = nullptr;
      try {
        engine = &bindings::http_client_of(client_);
      } catch (const Error&) {  // closed: its batches completed as cancelled
      }
      bindings::ReleaseGil nogil;
      for (auto& b : batches)
        if (engine) engine->cancel(b);
      for (auto& b : batches)
        while (!b->wait_for(std::chrono::milliseconds(50))) {
        }
    }
    pending_.clear();
    notifier_.reset();
  }

 private:
  struct Pending {
    std::shared_ptr<Batch> batch;
    py::list requests;
    std::vector<std::shared_ptr<const RequestSpec>> specs;
  };

  py::object client_;
  std::shared_ptr<Notifier> notifier_;
  std::unordered_map<std::uint64_t, Pending> pending_;  // GIL-protected
  std::uint64_t next_ticket_ = 1;
};

}  // namespace

void init_http_async(py::module_& m) {
  py::class_<Completions>(
      m, "Completions",
      "Asynchronous submission to a Client: submit() returns a ticket at once; the file "
      "descriptor fileno() becomes readable when tickets complete, and drain() returns "
      "them with their responses. Made for an event loop's add_reader. Use from one "
      "thread (the loop's).")
      .def(py::init<py::object>(), py::arg("client"))
      .def("fileno", &Completions::fileno,
           "The eventfd: readable while completed tickets wait for drain().")
      .def("submit", &Completions::submit, py::arg("requests"),
           "Starts the requests together under one ticket, which completes when all are over.")
      .def("cancel", &Completions::cancel, py::arg("ticket"),
           "Stops the ticket's transfers (it then completes with CancelledError responses); "
           "False when it is not pending.")
      .def("drain", &Completions::drain,
           "[(ticket, [Response, ...]), ...] for every ticket completed since the last call.")
      .def_property_readonly("pending", &Completions::pending,
                             "Tickets submitted and not yet drained.")
      .def("close", &Completions::close,
           "Cancels pending tickets, waits until their transfers stopped, closes the fd.")
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](Completions& self, const py::args&) { self.close(); });
}
