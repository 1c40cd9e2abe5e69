// epoll + eventfd driver for a curl multi handle (curl_multi_socket_action).
//
// curl_multi_perform visits every transfer on each call; with socket_action curl only
// touches the transfers whose sockets are ready, so the cost of a wake-up does not grow
// with the number of requests in flight.
//
// A socket that curl stops watching (its connection goes back to the pool) stays
// registered with epoll, marked idle: reusing the connection for the next request then
// costs no epoll_ctl at all when curl asks for the same events. An event on an idle
// socket (the server closed it, say) removes it then. This holds only for the sockets
// curl opens and closes through this loop (adopt() sets CURLOPT_OPENSOCKETFUNCTION and
// CURLOPT_CLOSESOCKETFUNCTION), so a closed descriptor is forgotten before its number can
// come back as a new socket; any other socket curl watches (its resolver's wake-up pair)
// is removed from epoll as soon as curl stops watching it.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <cstdint>
#include <vector>

namespace storewire::http {

class EventLoop {
 public:
  explicit EventLoop(CURLM* multi);
  // Closes the epoll and wake descriptors only: the multi handle may be gone already
  // (it is cleaned up first, since closing its connections calls close_socket()).
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Interrupts a wait in run_once(); safe from any thread.
  void wake();

  // Waits up to `max_wait_ms` for socket activity, curl's timer or wake(), then lets
  // curl act on whatever happened.
  void run_once(long max_wait_ms);

  // Makes curl open and close the sockets of `easy`'s connections through this loop.
  void adopt(CURL* easy);

 private:
  static int on_socket(CURL* easy, curl_socket_t s, int what, void* self, void* socketp);
  static int on_timer(CURLM* multi, long timeout_ms, void* self);
  static curl_socket_t on_open(void* self, curlsocktype purpose, curl_sockaddr* address);
  static int on_close(void* self, curl_socket_t s);

  // What epoll knows about a descriptor: the events it watches (0: not registered) and
  // whether curl currently wants them (false: idle, kept registered for reuse).
  struct Watch {
    std::uint32_t events = 0;
    bool active = false;
    bool owned = false;  // opened by on_open, so closed by on_close
  };
  Watch* watch_of(curl_socket_t s);  // grows the table; nullptr for a negative descriptor
  void watch(curl_socket_t s, std::uint32_t events);
  void unwatch(curl_socket_t s);

  CURLM* multi_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  bool timer_set_ = false;
  std::chrono::steady_clock::time_point timer_due_;
  std::vector<Watch> watches_;  // indexed by descriptor (this thread only)
};

}  // namespace storewire::http
