// A whole response through the engine's real path: libcurl reads the fuzz bytes from a
// loopback connection as a server's answer, and the engine's Transfer parses the head, routes
// the body to the sink and decides the outcome. What it reports as an answer must be one:
// a complete head with a final status, and a 2xx body as long as its Content-Length said
// (an empty "200" from a cut connection is the issue 19 failure this guards). The first
// byte picks the sink: memory, or a caller's buffer of (byte) bytes.
#include <curl/curl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fuzz_common.h"
#include "http/transfer.h"

using namespace storewire::http;

namespace {

// A loopback listener stands in for the server; the fuzz input is what it answers.
// (libcurl 7.88 ignores CURL_SOCKOPT_ALREADY_CONNECTED, so a socket pair cannot be used.)
int listener = -1;
int listen_port = 0;
CURLM* multi = nullptr;

std::optional<std::uint64_t> content_length(const Result& r) {
  const std::string* v = r.header("Content-Length");
  if (!v || v->empty() || v->find_first_not_of("0123456789") != std::string::npos ||
      v->size() > 19)
    return std::nullopt;
  return std::stoull(*v);
}

// Drives one transfer: accepts curl's connection, sends `answer`, closes the sending side,
// drains the request so that closing never resets. Returns curl's result code.
CURLcode exchange(CURL* easy, const std::uint8_t* answer, std::size_t size) {
  curl_multi_add_handle(multi, easy);
  int peer = -1;
  std::size_t sent = 0;
  bool closed = false;
  int running = 1;
  while (running) {
    curl_multi_perform(multi, &running);
    if (peer < 0) peer = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (peer >= 0) {
      char sink[4096];
      while (::recv(peer, sink, sizeof sink, 0) > 0) {
      }
      while (sent < size) {
        const ssize_t n = ::send(peer, answer + sent, size - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<std::size_t>(n);
      }
      if (sent == size && !closed) {
        ::shutdown(peer, SHUT_WR);  // the server closes after its answer
        closed = true;
      }
    }
    if (running) curl_multi_poll(multi, nullptr, 0, 5, nullptr);
  }
  CURLcode code = CURLE_OK;
  int left = 0;
  while (CURLMsg* m = curl_multi_info_read(multi, &left))
    if (m->msg == CURLMSG_DONE) code = m->data.result;
  curl_multi_remove_handle(multi, easy);
  if (peer >= 0) ::close(peer);
  return code;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  curl_global_init(CURL_GLOBAL_ALL);
  multi = curl_multi_init();
  listener = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (listener < 0 || ::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(listener, 16) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    std::perror("fuzz_http_response: loopback listener");
    std::abort();
  }
  listen_port = ntohs(a.sin_port);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t mode = data[0];
  ++data;
  --size;

  auto spec = std::make_shared<RequestSpec>();
  spec->url = "http://127.0.0.1:" + std::to_string(listen_port) + "/bucket/key";
  std::vector<char> buffer(mode & 0x7f);
  if (mode & 0x80) {
    spec->sink.kind = BodySink::Kind::Buffer;
    spec->sink.data = buffer.data();
    spec->sink.capacity = buffer.size();
  }
  ClientOptions options;
  options.timeout_s = 5.0;
  Transfer t(spec, nullptr, 0);
  CURL* easy = curl_easy_init();
  Transfer::configure(easy, options);
  fuzz::check(t.prepare(easy, options), "prepare refused a plain GET");
  curl_easy_setopt(easy, CURLOPT_PROXY, "");
  curl_easy_setopt(easy, CURLOPT_FORBID_REUSE, 1L);
  if (std::getenv("FUZZ_VERBOSE")) curl_easy_setopt(easy, CURLOPT_VERBOSE, 1L);
  t.finish(exchange(easy, data, size));
  curl_easy_cleanup(easy);

  const Result& r = t.result();
  if (std::getenv("FUZZ_VERBOSE"))  // reproducing: show what the engine made of the input
    std::fprintf(stderr, "status %ld, %zu body bytes, failure: %s\n", r.status, r.body.size(),
                 r.failure ? r.failure->message.c_str() : "none");
  if (r.failure) return 0;  // a typed transport error: always acceptable
  fuzz::check(r.status >= 200 && r.status <= 599, "answer with status", std::to_string(r.status));
  if (r.status >= 200 && r.status < 300 && r.status != 204) {
    const std::uint64_t got = spec->sink.kind == BodySink::Kind::Memory ? r.body.size()
                                                                          : r.bytes_received;
    if (auto cl = content_length(r))
      fuzz::check(*cl == got, "2xx body length differs from Content-Length",
                  std::to_string(got) + " vs " + std::to_string(*cl));
    if (spec->sink.kind == BodySink::Kind::Buffer)
      fuzz::check(got <= buffer.size(), "buffer sink overflowed");
  }
  for (const auto& [name, value] : r.headers)
    for (unsigned char c : value)
      fuzz::check(c >= 0x20 || c == '\t', "control character in a header value", name);
  return 0;
}
