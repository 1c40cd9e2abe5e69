// epoll + eventfd driver for a curl multi handle (curl_multi_socket_action).
//
// curl_multi_perform visits every transfer on each call; with socket_action curl only
// touches the transfers whose sockets are ready, so the cost of a wake-up does not grow
// with the number of requests in flight.
#pragma once

#include <curl/curl.h>

#include <chrono>

namespace storewire::http {

class EventLoop {
 public:
  explicit EventLoop(CURLM* multi);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Interrupts a wait in run_once(); safe from any thread.
  void wake();

  // Waits up to `max_wait_ms` for socket activity, curl's timer or wake(), then lets
  // curl act on whatever happened.
  void run_once(long max_wait_ms);

 private:
  static int on_socket(CURL* easy, curl_socket_t s, int what, void* self, void* socketp);
  static int on_timer(CURLM* multi, long timeout_ms, void* self);

  CURLM* multi_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  bool timer_set_ = false;
  std::chrono::steady_clock::time_point timer_due_;
};

}  // namespace storewire::http
