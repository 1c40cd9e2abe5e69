// A completion queue an event loop can watch: finished ids are queued from any thread and
// an eventfd becomes readable while the queue is not empty (e.g. asyncio's add_reader).
#pragma once

#include <cstdint>
#include <mutex>
#include <vector>

namespace storewire::http {

class Notifier {
 public:
  Notifier();   // throws storewire::Error when no eventfd can be made
  ~Notifier();  // closes the eventfd
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // The eventfd (non-blocking): readable while ids are queued.
  int fd() const { return fd_; }

  // Queues `id`; the fd is written only when the queue was empty, so a burst of
  // completions costs one wake-up of the watching loop.
  void push(std::uint64_t id);

  // Everything queued so far, in completion order; resets the fd to not readable.
  std::vector<std::uint64_t> take();

 private:
  int fd_ = -1;
  std::mutex mutex_;
  std::vector<std::uint64_t> queued_;  // non-empty exactly while the fd is readable
};

}  // namespace storewire::http
