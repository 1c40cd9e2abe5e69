#include "http/event_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "storewire/error.h"

namespace storewire::http {
namespace {
using Clock = std::chrono::steady_clock;
// curl_multi_assign() marker: the socket is registered with epoll.
void* const kRegistered = reinterpret_cast<void*>(1);
}  // namespace

EventLoop::EventLoop(CURLM* multi) : multi_(multi) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (epoll_fd_ < 0 || wake_fd_ < 0) {
    if (epoll_fd_ >= 0) ::close(epoll_fd_);
    if (wake_fd_ >= 0) ::close(wake_fd_);
    throw Error(ErrorKind::Internal, std::string("cannot create event loop: ") + std::strerror(errno));
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = wake_fd_;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &EventLoop::on_socket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &EventLoop::on_timer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
}

EventLoop::~EventLoop() {
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, nullptr);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, nullptr);
  ::close(epoll_fd_);
  ::close(wake_fd_);
}

void EventLoop::wake() {
  const std::uint64_t one = 1;
  // A full counter (EAGAIN) still means "awake": nothing to handle.
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

int EventLoop::on_socket(CURL*, curl_socket_t s, int what, void* self_ptr, void* socketp) {
  auto* self = static_cast<EventLoop*>(self_ptr);
  if (what == CURL_POLL_REMOVE) {
    epoll_ctl(self->epoll_fd_, EPOLL_CTL_DEL, s, nullptr);  // may already be closed
    return 0;
  }
  epoll_event ev{};
  ev.data.fd = s;
  if (what & CURL_POLL_IN) ev.events |= EPOLLIN;
  if (what & CURL_POLL_OUT) ev.events |= EPOLLOUT;
  if (socketp == kRegistered) {
    epoll_ctl(self->epoll_fd_, EPOLL_CTL_MOD, s, &ev);
  } else {
    if (epoll_ctl(self->epoll_fd_, EPOLL_CTL_ADD, s, &ev) != 0 && errno == EEXIST)
      epoll_ctl(self->epoll_fd_, EPOLL_CTL_MOD, s, &ev);
    curl_multi_assign(self->multi_, s, kRegistered);
  }
  return 0;
}

int EventLoop::on_timer(CURLM*, long timeout_ms, void* self_ptr) {
  auto* self = static_cast<EventLoop*>(self_ptr);
  self->timer_set_ = timeout_ms >= 0;
  if (self->timer_set_) self->timer_due_ = Clock::now() + std::chrono::milliseconds(timeout_ms);
  return 0;
}

void EventLoop::run_once(long max_wait_ms) {
  long wait = std::max(0L, max_wait_ms);
  if (timer_set_) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(timer_due_ - Clock::now()).count();
    wait = std::min<long>(wait, std::max<long>(0, left));
  }
  epoll_event events[64];
  const int n = epoll_wait(epoll_fd_, events, 64, static_cast<int>(wait));
  int running = 0;
  for (int i = 0; i < n; ++i) {
    const int fd = events[i].data.fd;
    if (fd == wake_fd_) {
      std::uint64_t count;
      [[maybe_unused]] ssize_t r = ::read(wake_fd_, &count, sizeof count);
      continue;
    }
    int flags = 0;
    if (events[i].events & EPOLLIN) flags |= CURL_CSELECT_IN;
    if (events[i].events & EPOLLOUT) flags |= CURL_CSELECT_OUT;
    if (events[i].events & (EPOLLERR | EPOLLHUP)) flags |= CURL_CSELECT_ERR;
    curl_multi_socket_action(multi_, fd, flags, &running);
  }
  if (timer_set_ && Clock::now() >= timer_due_) {
    timer_set_ = false;  // curl re-arms it from inside the call when needed
    curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
  }
}

}  // namespace storewire::http
