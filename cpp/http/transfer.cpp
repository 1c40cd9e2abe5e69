#include "http/transfer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "http/batch.h"
#include "http/retry.h"

namespace storewire::http {
namespace {

// Error bodies kept in memory are capped so a hostile server cannot exhaust it.
constexpr std::size_t kMaxErrorBody = 4u << 20;
// Small pieces of a file body are gathered up to this size before a pwrite (fewer calls);
// a piece of kDirectWrite or more goes to the file straight from curl's buffer (on loopback
// recv() often returns less than 64 KiB: gathering those was the large GET's memmove).
constexpr std::size_t kFileChunk = 1u << 20;
constexpr std::size_t kDirectWrite = 16u << 10;

std::string curl_code_name(CURLcode code) {
  switch (code) {
#define SW_CODE(c) \
  case c:          \
    return #c;
    SW_CODE(CURLE_COULDNT_RESOLVE_PROXY)
    SW_CODE(CURLE_COULDNT_RESOLVE_HOST)
    SW_CODE(CURLE_COULDNT_CONNECT)
    SW_CODE(CURLE_OPERATION_TIMEDOUT)
    SW_CODE(CURLE_SEND_ERROR)
    SW_CODE(CURLE_RECV_ERROR)
    SW_CODE(CURLE_GOT_NOTHING)
    SW_CODE(CURLE_PARTIAL_FILE)
    SW_CODE(CURLE_WEIRD_SERVER_REPLY)
    SW_CODE(CURLE_UNSUPPORTED_PROTOCOL)
    SW_CODE(CURLE_URL_MALFORMAT)
    SW_CODE(CURLE_WRITE_ERROR)
    SW_CODE(CURLE_READ_ERROR)
    SW_CODE(CURLE_ABORTED_BY_CALLBACK)
    SW_CODE(CURLE_PEER_FAILED_VERIFICATION)
    SW_CODE(CURLE_SSL_CONNECT_ERROR)
    SW_CODE(CURLE_SSL_CACERT_BADFILE)
    SW_CODE(CURLE_SSL_CERTPROBLEM)
    SW_CODE(CURLE_HTTP2)
    SW_CODE(CURLE_SEND_FAIL_REWIND)
    SW_CODE(CURLE_BAD_CONTENT_ENCODING)
    SW_CODE(CURLE_TOO_MANY_REDIRECTS)
    SW_CODE(CURLE_OUT_OF_MEMORY)
#undef SW_CODE
    default:
      return "CURLE_" + std::to_string(static_cast<int>(code));
  }
}

ErrorKind kind_of(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_FAIL_REWIND:
      return ErrorKind::Connection;
    case CURLE_OPERATION_TIMEDOUT:
      return ErrorKind::Timeout;
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_HTTP2:
    case CURLE_TOO_MANY_REDIRECTS:
      return ErrorKind::Protocol;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
      return ErrorKind::Tls;
    case CURLE_URL_MALFORMAT:
      return ErrorKind::InvalidArgument;
    case CURLE_ABORTED_BY_CALLBACK:
      return ErrorKind::Cancelled;
    default:
      return ErrorKind::Internal;
  }
}

bool has_http_scheme(const std::string& url) {
  auto starts = [&](const char* prefix) {
    const std::size_t n = std::strlen(prefix);
    return url.size() > n && std::equal(prefix, prefix + n, url.begin(), [](char a, char b) {
             return a == std::tolower(static_cast<unsigned char>(b));
           });
  };
  return starts("http://") || starts("https://");
}

// curl's own error text, with the URL's userinfo removed should curl have echoed it.
std::string redact_text(std::string text, const std::string& url) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string::npos) return text;
  const std::size_t end = url.find_first_of("/?#", scheme + 3);
  const std::size_t at = url.rfind('@', end);
  if (at == std::string::npos || at < scheme + 3 || (end != std::string::npos && at > end))
    return text;
  const std::string userinfo = url.substr(scheme + 3, at - scheme - 3);
  if (userinfo.empty()) return text;
  for (std::size_t p; (p = text.find(userinfo)) != std::string::npos;) text.replace(p, userinfo.size(), "***");
  return text;
}

double seconds(CURL* easy, CURLINFO info) {
  curl_off_t us = 0;
  curl_easy_getinfo(easy, info, &us);
  return static_cast<double>(us) / 1e6;
}

}  // namespace

const std::string* Result::header(const std::string& name) const {
  for (auto it = headers.rbegin(); it != headers.rend(); ++it) {
    if (it->first.size() == name.size() &&
        std::equal(name.begin(), name.end(), it->first.begin(),
                   [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
      return &it->second;
  }
  return nullptr;
}

Transfer::Transfer(std::shared_ptr<const RequestSpec> spec, std::shared_ptr<Batch> batch,
                   std::size_t index)
    : spec_(std::move(spec)), batch_(std::move(batch)), index_(index) {}

Transfer::~Transfer() {
  close_files();
  if (header_list_) curl_slist_free_all(header_list_);
}

CURL* Transfer::release_easy() {
  CURL* e = easy_;
  easy_ = nullptr;
  return e;
}

void Transfer::fail(ErrorKind kind, std::string message, std::string detail) {
  result_.failure = TransportFailure{kind, std::move(message), std::move(detail)};
}

bool Transfer::open_files() {
  const BodySource& body = spec_->body;
  if (body.kind == BodySource::Kind::Buffer) {
    body_length_ = body.size;
  } else if (body.kind == BodySource::Kind::File && body_fd_ < 0) {
    body_fd_ = ::open(body.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (body_fd_ < 0) {
      fail(ErrorKind::Io, "cannot open body file " + body.path + ": " + std::strerror(errno),
           "ENOENT");
      return false;
    }
    struct stat st {};
    ::fstat(body_fd_, &st);
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (body.offset > size || (body.length && body.offset + *body.length > size)) {
      fail(ErrorKind::InvalidArgument, "body range lies beyond the end of " + body.path);
      return false;
    }
    body_length_ = body.length ? *body.length : size - body.offset;
  }
  return true;
}

void Transfer::close_files() {
  if (body_fd_ >= 0) ::close(body_fd_);
  if (sink_fd_ >= 0) ::close(sink_fd_);
  body_fd_ = sink_fd_ = -1;
}

void Transfer::reset_attempt() {
  file_pending_.clear();
  file_written_ = 0;
  if (spec_->observer) spec_->observer->reset();
  Result fresh;
  fresh.attempts = result_.attempts;
  result_ = std::move(fresh);
  body_pos_ = 0;
  sink_pos_ = 0;
  local_errno_ = 0;
  overflow_ = false;
  head_ = ResponseHead();
  head_error_.clear();
  sends_ = 0;
  resend_refused_ = false;
  errbuf_[0] = '\0';
}

void Transfer::configure(CURL* easy, const ClientOptions& opt) {
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
  // Never let a URL make libcurl read local files or speak another protocol.
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
  // The path goes out byte for byte as the caller built (and signed) it: curl would
  // otherwise remove "." and ".." segments, so a signature no longer matches and a key
  // like "a/../../other" reaches another bucket or container.
  curl_easy_setopt(easy, CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  // Large buffers cut syscalls on bulk transfers; allocated once per handle.
  curl_easy_setopt(easy, CURLOPT_BUFFERSIZE, 512L * 1024);
  curl_easy_setopt(easy, CURLOPT_UPLOAD_BUFFERSIZE, 2L * 1024 * 1024);
  if (!opt.user_agent.empty()) curl_easy_setopt(easy, CURLOPT_USERAGENT, opt.user_agent.c_str());
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Transfer::on_write);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &Transfer::on_header);
  curl_easy_setopt(easy, CURLOPT_READFUNCTION, &Transfer::on_read);
  curl_easy_setopt(easy, CURLOPT_SEEKFUNCTION, &Transfer::on_seek);
  curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, &Transfer::on_prereq);
  // No progress callback: cancellation removes the handle or fails the next read/write.
  curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 1L);

  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(opt.connect_timeout_s * 1000));
  curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, opt.low_speed_limit_bytes_per_s);
  curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, static_cast<long>(opt.low_speed_time_s));

  // Proxies: libcurl reads http_proxy / https_proxy / no_proxy itself unless told not to.
  if (opt.proxy) {
    curl_easy_setopt(easy, CURLOPT_PROXY, opt.proxy->c_str());
  } else if (!opt.use_env_proxy) {
    curl_easy_setopt(easy, CURLOPT_PROXY, "");
  }
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, opt.verify_tls ? 1L : 0L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, opt.verify_tls ? 2L : 0L);
  if (opt.ca_file) curl_easy_setopt(easy, CURLOPT_CAINFO, opt.ca_file->c_str());
}

bool Transfer::prepare(CURL* easy, const ClientOptions& opt) {
  easy_ = easy;
  reset_attempt();
  ++result_.attempts;
  if (!open_files()) return false;

  const RequestSpec& s = *spec_;
  if (!has_http_scheme(s.url)) {
    fail(ErrorKind::InvalidArgument,
         "only http:// and https:// URLs are supported: " + redact_url(s.url));
    return false;
  }
  // Refused before anything is sent: a CR/LF/NUL would split the request or cut it short.
  for (auto problem : {check_method(s.method), check_url(s.url)}) {
    if (problem) {
      fail(ErrorKind::InvalidArgument, *problem);
      return false;
    }
  }
  curl_easy_setopt(easy, CURLOPT_URL, s.url.c_str());
  curl_easy_setopt(easy, CURLOPT_PRIVATE, this);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf_);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, this);
  curl_easy_setopt(easy, CURLOPT_READDATA, this);
  curl_easy_setopt(easy, CURLOPT_SEEKDATA, this);
  curl_easy_setopt(easy, CURLOPT_PREREQDATA, this);

  // Method and body. HTTPGET first undoes whatever the handle's previous request set.
  curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, nullptr);
  const bool has_body = s.body.kind != BodySource::Kind::None;
  if (s.method == "HEAD") {
    curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
  } else if (has_body) {
    curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(body_length_));
    if (s.method != "PUT") curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, s.method.c_str());
  } else if (s.method == "POST") {
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(0));
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, "");
  } else if (s.method != "GET") {
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, s.method.c_str());
  }

  // Headers: the caller's, plus an empty Expect (no 100-continue round trip) and
  // Content-Type suppression for POST unless the caller chose them.
  if (!header_list_) {
    bool has_expect = false, has_ctype = false;
    for (const auto& [name, value] : s.headers) {
      if (auto problem = check_header(name, value)) {
        fail(ErrorKind::InvalidArgument, *problem);
        return false;
      }
      std::string lname(name);
      std::transform(lname.begin(), lname.end(), lname.begin(), ::tolower);
      has_expect |= lname == "expect";
      has_ctype |= lname == "content-type";
      // "Name;" is curl's spelling of a header with an empty value.
      std::string line = value.empty() ? name + ";" : name + ": " + value;
      header_list_ = curl_slist_append(header_list_, line.c_str());
    }
    // Only uploads get an automatic Expect; GETs need no header list at all.
    if (!has_expect && has_body) header_list_ = curl_slist_append(header_list_, "Expect:");
    if (!has_ctype && s.method == "POST")
      header_list_ = curl_slist_append(header_list_, "Content-Type:");
  }
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, header_list_);

  const double total = s.timeout_s.value_or(opt.timeout_s);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(total * 1000));
  return true;
}

size_t Transfer::on_read(char* buf, size_t size, size_t n, void* self_ptr) {
  auto* self = static_cast<Transfer*>(self_ptr);
  if (self->cancelled()) return CURL_READFUNC_ABORT;
  const std::uint64_t want =
      std::min<std::uint64_t>(size * n, self->body_length_ - self->body_pos_);
  if (want == 0) return 0;
  const BodySource& body = self->spec_->body;
  if (body.kind == BodySource::Kind::Buffer) {
    std::memcpy(buf, body.data + self->body_pos_, want);
    self->body_pos_ += want;
    return want;
  }
  ssize_t got = ::pread(self->body_fd_, buf, want,
                        static_cast<off_t>(body.offset + self->body_pos_));
  if (got <= 0) {
    // The file shrank or failed under us: abort rather than send a short body.
    self->local_errno_ = got < 0 ? errno : EIO;
    return CURL_READFUNC_ABORT;
  }
  self->body_pos_ += static_cast<std::uint64_t>(got);
  return static_cast<size_t>(got);
}

int Transfer::on_seek(void* self_ptr, curl_off_t offset, int origin) {
  auto* self = static_cast<Transfer*>(self_ptr);
  if (origin != SEEK_SET || offset < 0 ||
      static_cast<std::uint64_t>(offset) > self->body_length_)
    return CURL_SEEKFUNC_FAIL;
  if (offset == 0 && self->body_pos_ > 0) {
    // curl rewinds to send the body again on a fresh connection (a reused one died): a
    // request that must not be repeated (POST unless retry=True) fails here instead, so
    // the caller learns that the first copy may have been applied.
    const RequestSpec& spec = *self->spec_;
    if (!spec.retry.value_or(is_idempotent(spec.method))) {
      self->resend_refused_ = true;
      return CURL_SEEKFUNC_FAIL;
    }
  }
  self->body_pos_ = static_cast<std::uint64_t>(offset);
  return CURL_SEEKFUNC_OK;
}

bool Transfer::flush_file() {
  if (file_pending_.empty()) return true;
  if (!write_file(file_pending_.data(), file_pending_.size())) return false;
  file_pending_.clear();
  return true;
}

bool Transfer::write_file(const char* data, std::size_t size) {
  const BodySink& sink = spec_->sink;
  // Opened at the first byte of a successful body, so an error reply creates no file.
  if (sink_fd_ < 0) {
    sink_fd_ = ::open(sink.path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (sink_fd_ < 0) {
      local_errno_ = errno;
      return false;
    }
  }
  // Everything before file_written_ is in the file; `data` comes next.
  const std::uint64_t at = sink.offset + file_written_;
  std::size_t done = 0;
  while (done < size) {
    ssize_t w = ::pwrite(sink_fd_, data + done, size - done, static_cast<off_t>(at + done));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      local_errno_ = w < 0 ? errno : EIO;
      return false;
    }
    done += static_cast<std::size_t>(w);
  }
  file_written_ += size;
  return true;
}

bool Transfer::sink_accepts_body() const {
  return result_.status >= 200 && result_.status < 300;
}

size_t Transfer::on_write(char* data, size_t size, size_t n, void* self_ptr) {
  auto* self = static_cast<Transfer*>(self_ptr);
  const size_t len = size * n;
  if (self->cancelled()) return 0;
  const BodySink& sink = self->spec_->sink;
  if (sink.kind == BodySink::Kind::Memory || !self->sink_accepts_body()) {
    std::string& body = self->result_.body;
    if (!self->sink_accepts_body() && body.size() + len > kMaxErrorBody) return len;  // drop
    body.append(data, len);
  } else if (sink.kind == BodySink::Kind::Buffer) {
    if (self->sink_pos_ + len > sink.capacity) {
      self->overflow_ = true;
      return 0;
    }
    std::memcpy(sink.data + self->sink_pos_, data, len);
  } else {
    // curl hands over what one recv() got (up to its 512 KiB buffer): large pieces are
    // written where they are, small ones gathered up to kFileChunk first.
    if (len >= kDirectWrite) {
      if (!self->flush_file() || !self->write_file(data, len)) return 0;
    } else {
      if (self->file_pending_.empty()) self->file_pending_.reserve(kFileChunk);
      self->file_pending_.append(data, len);
      if (self->file_pending_.size() >= kFileChunk && !self->flush_file()) return 0;
    }
  }
  if (self->spec_->observer && self->sink_accepts_body())
    self->spec_->observer->update(data, len);
  self->sink_pos_ += len;
  self->result_.bytes_received = self->sink_pos_;
  return len;
}

int Transfer::on_prereq(void* self_ptr, char*, char*, int, int) {
  // Called right before each time curl sends the request, including its own silent
  // re-send on a fresh connection when a kept-alive one died: the server may have applied
  // the first copy, so callers resolving ambiguous writes (attempts > 1) must see it.
  auto* self = static_cast<Transfer*>(self_ptr);
  if (++self->sends_ > 1) {
    const RequestSpec& spec = *self->spec_;
    if (!spec.retry.value_or(is_idempotent(spec.method))) {
      self->resend_refused_ = true;
      return CURL_PREREQFUNC_ABORT;
    }
    ++self->result_.attempts;
    self->head_ = ResponseHead();  // the answer to the re-send starts afresh
  }
  return CURL_PREREQFUNC_OK;
}

size_t Transfer::on_header(char* data, size_t size, size_t n, void* self_ptr) {
  auto* self = static_cast<Transfer*>(self_ptr);
  const size_t len = size * n;
  if (auto problem = self->head_.feed(std::string_view(data, len))) {
    self->head_error_ = std::move(*problem);
    return 0;  // curl stops with CURLE_WRITE_ERROR; finish() reports a Protocol error
  }
  // The status decides where the body goes (sink or error body), so keep it current.
  self->result_.status = self->head_.status();
  return len;
}

void Transfer::cancel() {
  cancelled_.store(true);
  if (!result_.failure) fail(ErrorKind::Cancelled, "request cancelled");
}

void Transfer::finish(CURLcode code) {
  CURL* e = easy_;
  // The tail of a file body is still in memory: write it before reporting success.
  if (code == CURLE_OK && spec_->sink.kind == BodySink::Kind::File && !flush_file())
    code = CURLE_WRITE_ERROR;
  result_.timings.name_lookup_s = seconds(e, CURLINFO_NAMELOOKUP_TIME_T);
  result_.timings.connect_s = seconds(e, CURLINFO_CONNECT_TIME_T);
  result_.timings.tls_s = seconds(e, CURLINFO_APPCONNECT_TIME_T);
  result_.timings.start_transfer_s = seconds(e, CURLINFO_STARTTRANSFER_TIME_T);
  result_.timings.total_s = seconds(e, CURLINFO_TOTAL_TIME_T);
  curl_off_t sent = 0;
  curl_easy_getinfo(e, CURLINFO_SIZE_UPLOAD_T, &sent);
  result_.bytes_sent = static_cast<std::uint64_t>(sent);
  curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &result_.new_connections);
  char* url = nullptr;
  curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &url);
  // Usually the request's own URL: then left empty (the binding shows the redacted request
  // URL), which saves building a string per request.
  if (url && spec_->url != url) result_.effective_url = redact_url(url);

  result_.status = head_.status();
  result_.reason = head_.reason();
  result_.headers = std::move(head_.headers());
  // Only failures name the request: a success builds no text at all.
  auto where = [this] { return " (" + spec_->method + " " + redact_url(spec_->url) + ")"; };
  if (code == CURLE_OK && !head_.complete()) {
    // curl can end a transfer "successfully" when the peer closes inside the header
    // block: that is a cut, never an answer (an empty 200 would pass for data).
    fail(ErrorKind::Protocol, "the connection closed inside the response header block" + where(),
         "INCOMPLETE_HEAD");
    return;
  }
  if (code == CURLE_OK && result_.status >= 200 && result_.status < 300 &&
      result_.status != 204 && spec_->method != "HEAD" && head_.content_length() &&
      *head_.content_length() != sink_pos_) {
    // curl checks this too; a second look costs nothing and guards every sink.
    fail(ErrorKind::Protocol,
         "the body has " + std::to_string(sink_pos_) + " bytes, Content-Length said " +
             std::to_string(*head_.content_length()) + where(),
         "CURLE_PARTIAL_FILE");
    return;
  }
  if (code == CURLE_OK) {
    result_.failure.reset();
    return;
  }
  std::string text = errbuf_[0] ? errbuf_ : curl_easy_strerror(code);
  if (!head_error_.empty()) {
    fail(ErrorKind::Protocol, "invalid response head: " + head_error_ + where(), "BAD_HEAD");
  } else if (resend_refused_) {
    fail(ErrorKind::Connection,
         "the connection closed after the request went out; it was not sent again, and the "
         "server may have applied it" + where(),
         "RESEND_REFUSED");
  } else if (cancelled()) {
    fail(ErrorKind::Cancelled, "request cancelled");
  } else if (overflow_) {
    fail(ErrorKind::BufferTooSmall,
         "response body does not fit the " + std::to_string(spec_->sink.capacity) +
             "-byte buffer",
         "CURLE_WRITE_ERROR");
  } else if (local_errno_ && (code == CURLE_WRITE_ERROR || code == CURLE_ABORTED_BY_CALLBACK ||
                              code == CURLE_READ_ERROR)) {
    fail(ErrorKind::Io, std::string("local file error: ") + std::strerror(local_errno_),
         curl_code_name(code));
  } else {
    fail(kind_of(code), redact_text(text, spec_->url) + where(), curl_code_name(code));
  }
}

}  // namespace storewire::http
