#include "http/retry.h"

#include <curl/curl.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <random>

namespace storewire::http {

bool is_idempotent(const std::string& method) {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" ||
         method == "OPTIONS" || method == "TRACE";
}

std::optional<double> parse_retry_after(const std::string& value) {
  if (value.empty()) return std::nullopt;
  char* end = nullptr;
  double seconds = std::strtod(value.c_str(), &end);
  if (end != value.c_str() && *end == '\0') {
    if (!(seconds >= 0) || !std::isfinite(seconds)) return std::nullopt;
    return seconds;
  }
  time_t when = curl_getdate(value.c_str(), nullptr);
  if (when < 0) return std::nullopt;
  return std::max(0.0, std::difftime(when, std::time(nullptr)));
}

bool RetryPolicy::retryable_failure(ErrorKind kind) const {
  // Connection trouble and truncated replies are worth another try; a timeout is
  // the caller's budget, TLS and local errors will not change on their own.
  return kind == ErrorKind::Connection || kind == ErrorKind::Protocol;
}

bool RetryPolicy::should_retry(const RequestSpec& spec, const Result& result,
                               int attempts) const {
  if (attempts > options_.max_retries) return false;
  if (!spec.retry.value_or(is_idempotent(spec.method))) return false;
  if (result.failure) return retryable_failure(result.failure->kind);
  const auto& codes = options_.retry_statuses;
  return std::find(codes.begin(), codes.end(), result.status) != codes.end();
}

double RetryPolicy::delay_s(const Result& result, int attempts) const {
  const double cap = options_.retry_max_delay_s;
  if (!result.failure) {
    if (const std::string* ra = result.header("Retry-After")) {
      if (auto seconds = parse_retry_after(*ra)) return std::min(*seconds, cap);
    }
  }
  // "Equal jitter": half the exponential step fixed, half random, so retries of many
  // parallel requests spread out but never collapse to zero.
  double step = std::min(cap, options_.retry_base_delay_s * std::ldexp(1.0, attempts - 1));
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_real_distribution<double> half(0.0, step / 2);
  return step / 2 + half(rng);
}

}  // namespace storewire::http
