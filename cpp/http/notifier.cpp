#include "http/notifier.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "storewire/error.h"

namespace storewire::http {

Notifier::Notifier() {
  fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd_ < 0)
    throw Error(ErrorKind::Internal, std::string("eventfd failed: ") + std::strerror(errno));
}

Notifier::~Notifier() {
  if (fd_ >= 0) ::close(fd_);
}

void Notifier::push(std::uint64_t id) {
  std::lock_guard<std::mutex> lock(mutex_);
  const bool was_empty = queued_.empty();
  queued_.push_back(id);
  if (was_empty) {
    const std::uint64_t one = 1;
    // Cannot fail short of a counter overflow, which take() prevents by resetting it.
    while (::write(fd_, &one, sizeof one) < 0 && errno == EINTR) {
    }
  }
}

std::vector<std::uint64_t> Notifier::take() {
  std::vector<std::uint64_t> out;
  std::lock_guard<std::mutex> lock(mutex_);
  if (queued_.empty()) return out;
  out.swap(queued_);
  std::uint64_t count;
  // Under the lock: the fd is readable again only after the next push.
  while (::read(fd_, &count, sizeof count) < 0 && errno == EINTR) {
  }
  return out;
}

}  // namespace storewire::http
