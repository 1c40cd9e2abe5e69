#include "http/event_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "storewire/error.h"

namespace storewire::http {
namespace {
using Clock = std::chrono::steady_clock;
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
  ::close(epoll_fd_);
  ::close(wake_fd_);
}

void EventLoop::adopt(CURL* easy) {
  // A connection keeps the callbacks of the handle that opened it, also when curl closes
  // it later from its pool or from curl_multi_cleanup (which therefore runs before this
  // loop is destroyed).
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, &EventLoop::on_open);
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, this);
  curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, &EventLoop::on_close);
  curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, this);
}

void EventLoop::wake() {
  const std::uint64_t one = 1;
  // A full counter (EAGAIN) still means "awake": nothing to handle.
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

EventLoop::Watch* EventLoop::watch_of(curl_socket_t s) {
  if (s < 0) return nullptr;
  const auto i = static_cast<std::size_t>(s);
  if (i >= watches_.size()) watches_.resize(std::max<std::size_t>(i + 1, 2 * watches_.size()));
  return &watches_[i];
}

void EventLoop::watch(curl_socket_t s, std::uint32_t events) {
  Watch* w = watch_of(s);
  if (!w) return;
  w->active = true;
  // Already registered for exactly these (only trusted for our own sockets, whose every
  // close we see).
  if (w->owned && w->events == events) return;
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = s;
  const int op = w->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
  if (epoll_ctl(epoll_fd_, op, s, &ev) != 0) {
    // The table and epoll disagree (a socket closed behind our back): trust epoll.
    if (errno == ENOENT) {
      epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, s, &ev);
    } else if (errno == EEXIST) {
      epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, s, &ev);
    }
  }
  w->events = events;
}

void EventLoop::unwatch(curl_socket_t s) {
  Watch* w = watch_of(s);
  if (!w) return;
  if (w->events) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, s, nullptr);
  *w = Watch();
}

int EventLoop::on_socket(CURL*, curl_socket_t s, int what, void* self_ptr, void*) {
  auto* self = static_cast<EventLoop*>(self_ptr);
  if (what == CURL_POLL_REMOVE) {
    Watch* w = self->watch_of(s);
    if (w && w->owned) {
      // Kept registered: the connection goes back to the pool and is likely reused next.
      w->active = false;
    } else if (w) {
      self->unwatch(s);
    }
    return 0;
  }
  std::uint32_t events = 0;
  if (what & CURL_POLL_IN) events |= EPOLLIN;
  if (what & CURL_POLL_OUT) events |= EPOLLOUT;
  self->watch(s, events);
  return 0;
}

curl_socket_t EventLoop::on_open(void* self_ptr, curlsocktype purpose, curl_sockaddr* address) {
  if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKET_BAD;
  const int fd = ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
  if (fd < 0) return CURL_SOCKET_BAD;
  // A fresh socket: whatever was registered under this number went with its close.
  if (Watch* w = static_cast<EventLoop*>(self_ptr)->watch_of(fd)) {
    *w = Watch();
    w->owned = true;
  }
  return fd;
}

int EventLoop::on_close(void* self_ptr, curl_socket_t s) {
  // Removed before the close: a copy of the descriptor in a forked child would otherwise
  // keep the registration (and its events) alive.
  static_cast<EventLoop*>(self_ptr)->unwatch(s);
  return ::close(s);
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
    Watch* w = watch_of(fd);
    if (w && !w->active) {
      // A pooled connection woke up (closed by the server, most likely): stop watching
      // it; curl finds it dead when it next looks at it.
      unwatch(fd);
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
