// When and how long to wait before trying a request again.
#pragma once

#include <optional>
#include <string>

#include "http/types.h"

namespace storewire::http {

// Methods that may be repeated safely (RFC 9110 §9.2.2).
bool is_idempotent(const std::string& method);

// Seconds from a Retry-After value: delta-seconds or an HTTP-date; nullopt if unusable.
std::optional<double> parse_retry_after(const std::string& value);

class RetryPolicy {
 public:
  explicit RetryPolicy(const ClientOptions& options) : options_(options) {}

  // Whether attempt number `attempts` (1-based, already made) may be followed by another.
  bool should_retry(const RequestSpec& spec, const Result& result, int attempts) const;

  // Delay before the next attempt: the server's Retry-After when given, else
  // exponential backoff with jitter; both capped at retry_max_delay_s.
  double delay_s(const Result& result, int attempts) const;

 private:
  bool retryable_failure(ErrorKind kind) const;
  const ClientOptions& options_;
};

}  // namespace storewire::http
