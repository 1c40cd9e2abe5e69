// HTTP engine options from Python keyword arguments. Every default lives in
// http::ClientOptions (cpp/http/types.h); an argument of None keeps it.
#pragma once

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "convert.h"
#include "http/types.h"

namespace storewire::bindings {

// Sets `field` only when Python passed a value.
template <class T, class U>
void set_if_given(T& field, std::optional<U>&& value) {
  if (value) field = std::move(*value);
}

// The engine options both native clients take (the bare engine and ds3), each kept at its
// default when None.
inline void set_engine_options(
    http::ClientOptions& o, std::optional<std::string> proxy, std::optional<bool> use_env_proxy,
    std::optional<bool> verify_tls, const pybind11::object& ca_file,
    std::optional<double> connect_timeout_s, std::optional<double> timeout_s,
    std::optional<int> max_retries, std::optional<double> retry_base_delay_s,
    std::optional<double> retry_max_delay_s, std::optional<int> max_in_flight,
    std::optional<double> low_speed_time_s, std::optional<std::string> user_agent) {
  o.proxy = std::move(proxy);
  set_if_given(o.use_env_proxy, std::move(use_env_proxy));
  set_if_given(o.verify_tls, std::move(verify_tls));
  if (!ca_file.is_none()) o.ca_file = fspath(ca_file);
  set_if_given(o.connect_timeout_s, std::move(connect_timeout_s));
  set_if_given(o.timeout_s, std::move(timeout_s));
  set_if_given(o.max_retries, std::move(max_retries));
  set_if_given(o.retry_base_delay_s, std::move(retry_base_delay_s));
  set_if_given(o.retry_max_delay_s, std::move(retry_max_delay_s));
  set_if_given(o.max_in_flight, std::move(max_in_flight));
  set_if_given(o.low_speed_time_s, std::move(low_speed_time_s));
  set_if_given(o.user_agent, std::move(user_agent));
}

// The native defaults, for Python to read instead of repeating the numbers.
inline pybind11::dict client_option_defaults() {
  const http::ClientOptions o;
  pybind11::dict d;
  d["max_in_flight"] = o.max_in_flight;
  d["max_host_connections"] = o.max_host_connections;
  d["connect_timeout_s"] = o.connect_timeout_s;
  d["timeout_s"] = o.timeout_s;
  d["low_speed_limit_bytes_per_s"] = o.low_speed_limit_bytes_per_s;
  d["low_speed_time_s"] = o.low_speed_time_s;
  d["use_env_proxy"] = o.use_env_proxy;
  d["verify_tls"] = o.verify_tls;
  d["max_retries"] = o.max_retries;
  d["retry_base_delay_s"] = o.retry_base_delay_s;
  d["retry_max_delay_s"] = o.retry_max_delay_s;
  d["retry_statuses"] = o.retry_statuses;
  return d;
}

}  // namespace storewire::bindings
