// The one place where what a DS3 server sent becomes a C++ value (issue 19): every string
// is checked to be UTF-8 before it may become a Python str, every number is parsed
// strictly (digits only, no sign, no overflow, within the field's range). A violation is
// Error(Protocol) naming the field and the value (shown escaped, so the message itself is
// always printable UTF-8). The parsers of ds3/client.cpp read answers only through these.
#pragma once

#include <pugixml.hpp>

#include <cctype>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>

#include "storewire/error.h"
#include "storewire/text.h"
#include "xml/xml.h"

namespace storewire::ds3::fields {

// A server value for a message: printable ASCII kept, other bytes as \xNN, at most 64
// bytes shown.
inline std::string shown(std::string_view value) {
  constexpr std::size_t kMax = 64;
  std::string out = "'";
  static const char* hex = "0123456789abcdef";
  for (std::size_t i = 0; i < value.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'') {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  out += value.size() > kMax ? "'... (" + std::to_string(value.size()) + " bytes)" : "'";
  return out;
}

[[noreturn]] inline void bad(std::string_view field, std::string_view value, std::string_view why) {
  throw Error(ErrorKind::Protocol,
              "the server sent " + std::string(field) + " = " + shown(value) + ": " +
                  std::string(why),
              "ds3-answer");
}

// Text that becomes a Python str.
inline std::string text(std::string_view field, std::string value) {
  if (!is_utf8(value)) bad(field, value, "not UTF-8");
  return value;
}

// A non-negative integer no larger than `max`; `fallback` when the field is absent/empty.
inline std::uint64_t number(std::string_view field, std::string_view value, std::uint64_t max,
                            std::uint64_t fallback = 0) {
  std::size_t b = 0, e = value.size();
  while (b < e && (value[b] == ' ' || value[b] == '\t')) ++b;  // XML may pad element text
  while (e > b && (value[e - 1] == ' ' || value[e - 1] == '\t')) --e;
  if (b == e) return fallback;
  if (value[b] == '-') bad(field, value, "a negative number");
  std::uint64_t n = 0;
  for (std::size_t i = b; i < e; ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c < '0' || c > '9') bad(field, value, "not a decimal number");
    const std::uint64_t digit = c - '0';
    if (n > (max - digit) / 10)
      bad(field, value, "out of range (at most " + std::to_string(max) + ")");
    n = n * 10 + digit;
  }
  return n;
}

inline std::uint64_t u64(std::string_view field, std::string_view value) {
  return number(field, value, std::numeric_limits<std::uint64_t>::max());
}

inline long non_negative_long(std::string_view field, std::string_view value) {
  return static_cast<long>(number(field, value, std::numeric_limits<long>::max()));
}

inline int non_negative_int(std::string_view field, std::string_view value) {
  return static_cast<int>(number(field, value, std::numeric_limits<int>::max()));
}

// Ports are 16-bit; 0 means "not given".
inline int port(std::string_view field, std::string_view value) {
  return static_cast<int>(number(field, value, 65535));
}

// "true"/"false" (any case); `fallback` when absent/empty.
inline bool boolean(std::string_view field, std::string_view value, bool fallback = false) {
  if (value.empty()) return fallback;
  std::string lower(value);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "true") return true;
  if (lower == "false") return false;
  bad(field, value, "not true/false");
}

// Readers over XML nodes: `where` names the element ("ListBucketResult/Contents").
inline std::string child_text(pugi::xml_node n, std::string_view where, const char* name,
                              std::string_view fallback = {}) {
  return text(std::string(where) + "/" + name, xml::child_text(n, name, fallback));
}

// An attribute's raw value ("" when absent). pugixml keeps both copies of an attribute
// given twice; readers could then disagree on which one counts, so that is refused.
inline const char* attr_value(pugi::xml_node n, std::string_view where, const char* name) {
  const pugi::xml_attribute a = n.attribute(name);
  for (pugi::xml_attribute b = a ? a.next_attribute() : a; b; b = b.next_attribute()) {
    if (std::strcmp(b.name(), name) == 0)
      bad(std::string(where) + "@" + name, b.value(), "the attribute is given twice");
  }
  return a.value();
}

inline std::string attr(pugi::xml_node n, std::string_view where, const char* name) {
  return text(std::string(where) + "@" + name, attr_value(n, where, name));
}

inline std::uint64_t attr_u64(pugi::xml_node n, std::string_view where, const char* name) {
  return u64(std::string(where) + "@" + name, attr_value(n, where, name));
}

inline std::uint64_t child_u64(pugi::xml_node n, std::string_view where, const char* name) {
  return u64(std::string(where) + "/" + name, xml::child_text(n, name));
}

// Text of a header value the client reads (names are checked by the caller).
inline std::string header(std::string_view name, const std::string& value) {
  return text("header " + std::string(name), value);
}

// The root element of an answer, which must be `wanted` (optionally in a <Data> wrapper).
inline pugi::xml_node root(pugi::xml_node root, std::string_view answer, const char* wanted) {
  if (xml::local_name(root.name()) == wanted) return root;
  if (xml::local_name(root.name()) == "Data") {
    if (pugi::xml_node inner = xml::child(root, wanted)) return inner;
  }
  bad(std::string(answer) + " root element", root.name(),
      "expected <" + std::string(wanted) + ">");
}

}  // namespace storewire::ds3::fields
