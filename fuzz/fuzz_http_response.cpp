// A whole response through the engine's real path: libcurl reads the fuzz bytes from a
// socket pair as if a server sent them, and the engine's Transfer parses the head, routes
// the body to the sink and decides the outcome. What it reports as an answer must be one:
// a complete head with a final status, and a 2xx body as long as its Content-Length said
// (an empty "200" from a cut connection is the issue 19 failure this guards). The first
// byte picks the sink: memory, or a caller's buffer of (byte) bytes.
#include <curl/curl.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fuzz_common.h"
#include "http/transfer.h"

using namespace storewire::http;

namespace {

curl_socket_t open_socket(void* fd, curlsocktype, curl_sockaddr*) {
  return *static_cast<int*>(fd);
}
int already_connected(void*, curl_socket_t, curlsocktype) { return CURL_SOCKOPT_ALREADY_CONNECTED; }
int close_socket(void*, curl_socket_t s) { return ::close(s); }

std::optional<std::uint64_t> content_length(const Result& r) {
  const std::string* v = r.header("Content-Length");
  if (!v || v->empty() || v->find_first_not_of("0123456789") != std::string::npos ||
      v->size() > 19)
    return std::nullopt;
  return std::stoull(*v);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  curl_global_init(CURL_GLOBAL_ALL);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > 60000) return 0;  // the whole answer must fit the socket buffer
  const std::uint8_t mode = data[0];
  ++data;
  --size;
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return 0;
  int buf = 256 * 1024;
  ::setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
  ::fcntl(sv[1], F_SETFL, O_NONBLOCK);
  const ssize_t sent = size ? ::send(sv[1], data, size, MSG_NOSIGNAL) : 0;
  ::shutdown(sv[1], SHUT_WR);  // the server closes after its answer
  if (sent != static_cast<ssize_t>(size)) {
    ::close(sv[0]);
    ::close(sv[1]);
    return 0;
  }

  auto spec = std::make_shared<RequestSpec>();
  spec->url = "http://127.0.0.1:9/bucket/key";  // an address: no name lookup
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
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, &open_socket);
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, &sv[0]);
  curl_easy_setopt(easy, CURLOPT_SOCKOPTFUNCTION, &already_connected);
  curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, &close_socket);
  curl_easy_setopt(easy, CURLOPT_PROXY, "");
  t.finish(curl_easy_perform(easy));
  curl_easy_cleanup(easy);  // closes sv[0]
  ::close(sv[1]);

  const Result& r = t.result();
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
