// Binding of the signers, hashes and encodings: argument conversion and GIL release only.
#include <pybind11/stl.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "auth/encoding.h"
#include "auth/hashes.h"
#include "auth/sigv2.h"
#include "auth/sigv4.h"
#include "convert.h"
#include "errors.h"
#include "init.h"

namespace py = pybind11;
using storewire::bindings::signal_checkpoint;
using namespace storewire;
using namespace storewire::auth;

namespace {

// Hashing below this size keeps the GIL: releasing costs more than it frees.
constexpr std::size_t kReleaseGilBytes = 64 * 1024;

std::string_view view(const bindings::HeldBuffer& b) {
  return {b.data(), b.size()};
}

// str (as UTF-8) or any contiguous buffer, copied: for keys and short messages.
std::string text_or_bytes(const py::object& obj) {
  if (py::isinstance<py::str>(obj)) return obj.cast<std::string>();
  bindings::HeldBuffer b(obj, false);
  return std::string(view(b));
}

std::string fspath(const py::object& path) {
  // str or bytes; both convert to the byte string the OS takes.
  return py::module_::import("os").attr("fspath")(path).cast<std::string>();
}

uint64_t length_arg(const std::optional<uint64_t>& length) {
  return length ? *length : kToEnd;
}

// Calls f(bytes) on a buffer, without the GIL when the buffer is large.
template <class F>
auto with_buffer(const py::object& data, F&& f) {
  bindings::HeldBuffer b(data, false);
  if (b.size() < kReleaseGilBytes) return f(view(b));
  bindings::ReleaseGil nogil;
  return f(view(b));
}

Headers to_headers(const py::object& obj) {
  Headers out;
  if (obj.is_none()) return out;
  py::iterable items =
      py::hasattr(obj, "items") ? py::iterable(obj.attr("items")()) : py::iterable(obj);
  for (py::handle item : items) {
    py::tuple pair = py::reinterpret_borrow<py::object>(item).cast<py::tuple>();
    if (pair.size() != 2) throw py::value_error("headers must be (name, value) pairs");
    out.emplace_back(py::str(pair[0]).cast<std::string>(), py::str(pair[1]).cast<std::string>());
  }
  return out;
}

// A raw query string ("a=1&b") is decoded; a mapping or pairs hold decoded values, None
// meaning a bare flag.
Query to_query(const py::object& obj) {
  if (obj.is_none()) return {};
  if (py::isinstance<py::str>(obj)) return parse_query(obj.cast<std::string>());
  Query out;
  py::iterable items =
      py::hasattr(obj, "items") ? py::iterable(obj.attr("items")()) : py::iterable(obj);
  for (py::handle item : items) {
    py::tuple pair = py::reinterpret_borrow<py::object>(item).cast<py::tuple>();
    if (pair.size() != 2) throw py::value_error("query must be (name, value) pairs");
    QueryParam p;
    p.name = py::str(pair[0]).cast<std::string>();
    p.has_value = !pair[1].is_none();
    if (p.has_value) p.value = py::str(pair[1]).cast<std::string>();
    out.push_back(std::move(p));
  }
  return out;
}

V2Rules to_rules(const std::string& variant, const std::optional<std::vector<std::string>>& subs,
                 const std::optional<std::string>& style, std::optional<bool> lowercase_amz) {
  V2Rules r = v2_rules(variant);
  if (subs) r.subresources = *subs;
  if (style) {
    if (*style == "joined") {
      r.style = SubresourceStyle::Joined;
    } else if (*style == "separate") {
      r.style = SubresourceStyle::Separate;
    } else {
      throw py::value_error("subresource_style must be 'joined' or 'separate'");
    }
  }
  if (lowercase_amz) r.lowercase_amz_names = *lowercase_amz;
  return r;
}

V4Options to_v4_options(bool double_encode, bool normalize_path,
                        const py::object& unsigned_headers) {
  V4Options o;
  o.double_encode = double_encode;
  o.normalize_path = normalize_path;
  if (!unsigned_headers.is_none()) {
    o.unsigned_headers.clear();
    for (py::handle h : unsigned_headers) {
      std::string name = py::str(h).cast<std::string>();
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      o.unsigned_headers.insert(std::move(name));
    }
  }
  return o;
}

// A Hasher shared by Python threads: the mutex is taken only after the GIL is released, so a
// thread waiting for it never blocks one that needs the GIL (Ctrl-C checkpoints).
struct PyHasher {
  explicit PyHasher(const std::string& name) : hasher(hash_algorithm_from_name(name)) {}
  PyHasher(const PyHasher& other) : hasher(other.hasher) {}
  Hasher hasher;
  std::mutex mutex;
};

py::bytes to_bytes(const std::string& s) {
  return py::bytes(s);
}

#define SW_V2_RULE_ARGS                                                           \
  py::kw_only(), py::arg("variant") = "s3", py::arg("subresources") = py::none(), \
                 py::arg("subresource_style") = py::none(), py::arg("lowercase_amz") = py::none()

void init_encoding(py::module_& m) {
  m.def(
      "base64_encode", [](const py::object& data) { return base64_encode(text_or_bytes(data)); },
      py::arg("data"), "Standard base64 with padding of bytes (or a str as UTF-8).");
  m.def(
      "base64_decode",
      [](const py::object& text) { return to_bytes(base64_decode(text_or_bytes(text))); },
      py::arg("text"), "Decode standard base64 (padding optional); ValueError when malformed.");
  m.def("uri_encode", &uri_encode, py::arg("s"), py::arg("keep_slash") = true,
        "AWS URI encoding: all but A-Za-z0-9-._~ (and '/' if keep_slash) as %XX.");
  m.def("percent_decode", &percent_decode, py::arg("s"),
        "Decode %XX escapes ('+' stays '+'; an invalid escape is kept as is).");
  m.def(
      "parse_query",
      [](const std::string& raw) {
        py::list out;
        for (const auto& p : parse_query(raw)) {
          out.append(
              py::make_tuple(p.name, p.has_value ? py::object(py::str(p.value)) : py::none()));
        }
        return out;
      },
      py::arg("raw"), "Split and decode a raw query string; a bare flag has the value None.");
}

void init_hashes(py::module_& m) {
  m.attr("EMPTY_SHA256") = hex_encode(digest(HashAlgorithm::Sha256, ""));
  m.attr("UNSIGNED_PAYLOAD") = "UNSIGNED-PAYLOAD";
  m.def(
      "digest",
      [](const std::string& algorithm, const py::object& data) {
        const HashAlgorithm a = hash_algorithm_from_name(algorithm);
        return to_bytes(with_buffer(data, [&](std::string_view d) { return digest(a, d); }));
      },
      py::arg("algorithm"), py::arg("data"),
      "Digest of a buffer: md5, sha1, sha256, sha512, or crc32/crc32c as 4 big-endian bytes.");
  m.def(
      "sha256_hex",
      [](const py::object& data) {
        return with_buffer(
            data, [](std::string_view d) { return hex_encode(digest(HashAlgorithm::Sha256, d)); });
      },
      py::arg("data"), "Hex SHA-256 (the SigV4 payload hash).");
  m.def(
      "md5_hex",
      [](const py::object& data) {
        return with_buffer(
            data, [](std::string_view d) { return hex_encode(digest(HashAlgorithm::Md5, d)); });
      },
      py::arg("data"), "Hex MD5 (an S3 single-part ETag).");
  m.def(
      "md5_base64",
      [](const py::object& data) {
        return with_buffer(
            data, [](std::string_view d) { return base64_encode(digest(HashAlgorithm::Md5, d)); });
      },
      py::arg("data"), "Base64 MD5 (the Content-MD5 header).");
  m.def(
      "crc32",
      [](const py::object& data, uint32_t seed) {
        return with_buffer(data,
                           [&](std::string_view d) { return crc32(d.data(), d.size(), seed); });
      },
      py::arg("data"), py::arg("seed") = 0,
      "zlib CRC32; pass a previous result as seed to continue.");
  m.def(
      "crc32c",
      [](const py::object& data, uint32_t seed) {
        return with_buffer(data,
                           [&](std::string_view d) { return crc32c(d.data(), d.size(), seed); });
      },
      py::arg("data"), py::arg("seed") = 0,
      "CRC32C (Castagnoli); pass a previous result as seed to continue.");
  m.def(
      "crc32c_implementation", [] { return crc32c_impl_name(crc32c_impl()); },
      "The CRC32C implementation in use: 'sse4.2' or 'portable' (STOREWIRE_CRC32C=portable "
      "forces the latter).");
  m.def(
      "_crc32c_with",
      [](const std::string& impl, const py::object& data, uint32_t seed) {
        Crc32cImpl which = Crc32cImpl::Portable;
        if (impl == "sse4.2") {
          if (!crc32c_sse42_supported())
            throw Error(ErrorKind::InvalidArgument, "this CPU has no SSE4.2");
          which = Crc32cImpl::Sse42;
        } else if (impl != "portable") {
          throw Error(ErrorKind::InvalidArgument,
                      "unknown CRC32C implementation (expected 'sse4.2' or 'portable')");
        }
        return with_buffer(
            data, [&](std::string_view d) { return crc32c_with(which, d.data(), d.size(), seed); });
      },
      py::arg("impl"), py::arg("data"), py::arg("seed") = 0,
      "Test hook: CRC32C by one named implementation ('sse4.2' or 'portable').");
  m.def(
      "hmac_sha1",
      [](const py::object& key, const py::object& msg) {
        return to_bytes(hmac_sha1(text_or_bytes(key), text_or_bytes(msg)));
      },
      py::arg("key"), py::arg("msg"), "HMAC-SHA1; str arguments are taken as UTF-8.");
  m.def(
      "hmac_sha256",
      [](const py::object& key, const py::object& msg) {
        return to_bytes(hmac_sha256(text_or_bytes(key), text_or_bytes(msg)));
      },
      py::arg("key"), py::arg("msg"), "HMAC-SHA256; str arguments are taken as UTF-8.");
  m.def(
      "hash_file",
      [](const py::object& path, const std::string& algorithm, uint64_t offset,
         std::optional<uint64_t> length) {
        const std::string p = fspath(path);
        const HashAlgorithm a = hash_algorithm_from_name(algorithm);
        std::string out;
        {
          bindings::ReleaseGil nogil;
          out = hash_file(a, p, offset, length_arg(length), signal_checkpoint());
        }
        return to_bytes(out);
      },
      py::arg("path"), py::arg("algorithm"), py::arg("offset") = 0, py::arg("length") = py::none(),
      "Digest of bytes [offset, offset+length) of a file (to the end if length is None).");

  py::class_<PyHasher>(m, "Hasher", "Incremental digest/checksum, fed from buffers or file ranges.")
      .def(py::init<const std::string&>(), py::arg("algorithm"))
      .def(
          "update",
          [](PyHasher& self, const py::object& data) {
            bindings::HeldBuffer b(data, false);
            bindings::ReleaseGil nogil;
            std::lock_guard<std::mutex> lock(self.mutex);
            self.hasher.update(b.data(), b.size());
          },
          py::arg("data"))
      .def(
          "update_file",
          [](PyHasher& self, const py::object& path, uint64_t offset,
             std::optional<uint64_t> length) {
            const std::string p = fspath(path);
            bindings::ReleaseGil nogil;
            std::lock_guard<std::mutex> lock(self.mutex);
            return hash_file_into(self.hasher, p, offset, length_arg(length), signal_checkpoint());
          },
          py::arg("path"), py::arg("offset") = 0, py::arg("length") = py::none(),
          "Feed bytes [offset, offset+length) of a file; returns how many were read.")
      .def("digest",
           [](PyHasher& self) {
             std::string d;
             {
               bindings::ReleaseGil nogil;
               std::lock_guard<std::mutex> lock(self.mutex);
               d = self.hasher.digest();
             }
             return to_bytes(d);
           })
      .def("hexdigest",
           [](PyHasher& self) {
             bindings::ReleaseGil nogil;
             std::lock_guard<std::mutex> lock(self.mutex);
             return hex_encode(self.hasher.digest());
           })
      .def("copy",
           [](PyHasher& self) {
             bindings::ReleaseGil nogil;
             std::lock_guard<std::mutex> lock(self.mutex);
             return std::make_unique<PyHasher>(self);
           })
      .def_property_readonly(
          "name", [](const PyHasher& self) { return hash_algorithm_name(self.hasher.algorithm()); })
      .def_property_readonly(
          "digest_size", [](const PyHasher& self) { return digest_size(self.hasher.algorithm()); });
}

void init_sigv2(py::module_& m) {
  m.def(
      "string_to_sign_v2",
      [](const std::string& method, const std::string& path, const py::object& query,
         const py::object& headers, const std::string& variant,
         const std::optional<std::vector<std::string>>& subs,
         const std::optional<std::string>& style, std::optional<bool> lowercase) {
        return string_to_sign_v2(method, path, to_query(query), to_headers(headers),
                                 to_rules(variant, subs, style, lowercase));
      },
      py::arg("method"), py::arg("path"), py::arg("query") = py::none(),
      py::arg("headers") = py::none(), SW_V2_RULE_ARGS);
  m.def("signature_v2", &signature_v2, py::arg("secret_key"), py::arg("string_to_sign"),
        "base64(HMAC-SHA1(secret_key, string_to_sign)).");
  m.def(
      "sign_v2",
      [](const std::string& secret, const std::string& method, const std::string& path,
         const py::object& query, const py::object& headers, const std::string& variant,
         const std::optional<std::vector<std::string>>& subs,
         const std::optional<std::string>& style, std::optional<bool> lowercase) {
        return signature_v2(secret,
                            string_to_sign_v2(method, path, to_query(query), to_headers(headers),
                                              to_rules(variant, subs, style, lowercase)));
      },
      py::arg("secret_key"), py::arg("method"), py::arg("path"), py::arg("query") = py::none(),
      py::arg("headers") = py::none(), SW_V2_RULE_ARGS);
  m.def(
      "authorization_v2",
      [](const std::string& access, const std::string& secret, const std::string& method,
         const std::string& path, const py::object& query, const py::object& headers,
         const std::string& variant, const std::optional<std::vector<std::string>>& subs,
         const std::optional<std::string>& style, std::optional<bool> lowercase) {
        const std::string sts =
            string_to_sign_v2(method, path, to_query(query), to_headers(headers),
                              to_rules(variant, subs, style, lowercase));
        return authorization_v2(access, signature_v2(secret, sts));
      },
      py::arg("access_key"), py::arg("secret_key"), py::arg("method"), py::arg("path"),
      py::arg("query") = py::none(), py::arg("headers") = py::none(), SW_V2_RULE_ARGS);
  m.def(
      "verify_v2",
      [](const std::string& secret, const std::string& signature, const std::string& method,
         const std::string& path, const py::object& query, const py::object& headers,
         bool s3_compat) {
        return verify_v2(secret, signature, method, path, to_query(query), to_headers(headers),
                         s3_compat);
      },
      py::arg("secret_key"), py::arg("signature"), py::arg("method"), py::arg("path"),
      py::arg("query") = py::none(), py::arg("headers") = py::none(), py::kw_only(),
      py::arg("s3_compat") = true);
  m.def("parse_authorization_v2", &parse_authorization_v2, py::arg("value"),
        "(access_key, signature) from 'AWS <access_key>:<signature>', or None.");
}

void init_sigv4(py::module_& m) {
  py::class_<V4Signed>(m, "SignedRequestV4", "Result of sign_v4 (all strings).")
      .def_readonly("authorization", &V4Signed::authorization)
      .def_readonly("signature", &V4Signed::signature)
      .def_readonly("canonical_request", &V4Signed::canonical_request)
      .def_readonly("string_to_sign", &V4Signed::string_to_sign)
      .def_readonly("signed_headers", &V4Signed::signed_headers)
      .def_readonly("credential_scope", &V4Signed::credential_scope)
      .def_readonly("headers", &V4Signed::headers)
      .def("__repr__",
           [](const V4Signed& s) { return "<SignedRequestV4 " + s.authorization + ">"; });
  m.def(
      "sign_v4",
      [](const std::string& method, const std::string& path, const py::object& query,
         const py::object& headers, const std::string& payload_hash, const std::string& access,
         const std::string& secret, const std::string& region, const std::string& service,
         const std::string& amz_date, const std::optional<std::string>& token, bool double_encode,
         bool normalize_path, const py::object& unsigned_headers) {
        const Query q = to_query(query);
        const Headers h = to_headers(headers);
        return sign_v4({method, path, q, h, payload_hash}, {access, secret, token.value_or("")},
                       {amz_date, region, service},
                       to_v4_options(double_encode, normalize_path, unsigned_headers));
      },
      py::arg("method"), py::arg("path"), py::arg("query"), py::arg("headers"),
      py::arg("payload_hash"), py::arg("access_key"), py::arg("secret_key"), py::arg("region"),
      py::arg("service"), py::arg("amz_date"), py::kw_only(), py::arg("session_token") = py::none(),
      py::arg("double_encode") = false, py::arg("normalize_path") = false,
      py::arg("unsigned_headers") = py::none());
  m.def(
      "presign_v4",
      [](const std::string& method, const std::string& url, const py::object& headers,
         const std::string& access, const std::string& secret, const std::string& region,
         const std::string& service, const std::string& amz_date, int64_t expires_s,
         const std::optional<std::string>& token, const std::string& payload_hash,
         bool double_encode, bool normalize_path, const py::object& unsigned_headers) {
        return presign_v4(method, url, to_headers(headers), {access, secret, token.value_or("")},
                          {amz_date, region, service}, expires_s, payload_hash,
                          to_v4_options(double_encode, normalize_path, unsigned_headers));
      },
      py::arg("method"), py::arg("url"), py::arg("headers"), py::arg("access_key"),
      py::arg("secret_key"), py::arg("region"), py::arg("service"), py::arg("amz_date"),
      py::arg("expires_s"), py::kw_only(), py::arg("session_token") = py::none(),
      py::arg("payload_hash") = "UNSIGNED-PAYLOAD", py::arg("double_encode") = false,
      py::arg("normalize_path") = false, py::arg("unsigned_headers") = py::none());
  m.def(
      "signing_key_v4",
      [](const std::string& secret, const std::string& date, const std::string& region,
         const std::string& service) {
        return to_bytes(signing_key_v4(secret, date, region, service));
      },
      py::arg("secret_key"), py::arg("date"), py::arg("region"), py::arg("service"),
      "The derived SigV4 key for a day (YYYYMMDD), region and service.");
}

}  // namespace

void init_auth(py::module_& m) {
  init_encoding(m);
  init_hashes(m);
  init_sigv2(m);
  init_sigv4(m);
}
