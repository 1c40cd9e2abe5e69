#include "ds3/client.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <ctime>

#include "auth/encoding.h"
#include "auth/hashes.h"
#include "auth/sigv2.h"
#include "http/retry.h"
#include "xml/xml.h"

namespace storewire::ds3 {

namespace {

constexpr int kMaxRedirects = 5;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool iequals(const std::string& a, const std::string& b) { return lower(a) == lower(b); }

// RFC 1123 date in GMT, independent of the C locale.
std::string http_date() {
  static const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday],
                tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

std::uint64_t to_u64(const char* s) { return s && *s ? std::strtoull(s, nullptr, 10) : 0; }
long to_long(const std::string& s) { return s.empty() ? 0 : std::strtol(s.c_str(), nullptr, 10); }
bool to_bool(const std::string& s) { return iequals(s, "true"); }

std::shared_ptr<const xml::Document> parse_doc(const std::string& body) {
  return xml::Document::parse(body.data(), body.size());
}

// P strips a <Data> wrapper; so do we.
pugi::xml_node unwrap(pugi::xml_node root, const char* wanted) {
  if (xml::local_name(root.name()) == wanted) return root;
  pugi::xml_node inner = xml::child(root, wanted);
  return inner ? inner : root;
}

std::string attr(pugi::xml_node n, const char* name) { return n.attribute(name).value(); }

Owner parse_owner(pugi::xml_node n) {
  return Owner{xml::child_text(n, "DisplayName"), xml::child_text(n, "ID")};
}

Contents parse_contents(pugi::xml_node n) {
  Contents c;
  c.key = xml::child_text(n, "Key");
  c.last_modified = xml::child_text(n, "LastModified");
  c.etag = xml::child_text(n, "ETag");
  c.size = std::strtoull(xml::child_text(n, "Size", "0").c_str(), nullptr, 10);
  c.storage_class = xml::child_text(n, "StorageClass");
  if (pugi::xml_node o = xml::child(n, "Owner")) c.owner = parse_owner(o);
  c.version_id = xml::child_text(n, "VersionId");
  c.is_latest = xml::child_text(n, "IsLatest", "true") != "false";
  return c;
}

BulkObject parse_blob(pugi::xml_node n) {
  BulkObject b;
  b.name = attr(n, "Name");
  b.offset = to_u64(n.attribute("Offset").value());
  b.length = to_u64(n.attribute("Length").value());
  b.in_cache = to_bool(attr(n, "InCache"));
  b.id = attr(n, "Id");
  b.version_id = attr(n, "VersionId");
  return b;
}

Chunk parse_chunk_node(pugi::xml_node n) {
  Chunk c;
  c.chunk_id = attr(n, "ChunkId");
  c.chunk_number = static_cast<int>(to_long(attr(n, "ChunkNumber")));
  c.node_id = attr(n, "NodeId");
  xml::for_each_child(n, "Object", [&](pugi::xml_node o) { c.objects.push_back(parse_blob(o)); });
  return c;
}

Job parse_job_node(pugi::xml_node n) {
  Job j;
  j.job_id = attr(n, "JobId");
  j.bucket_name = attr(n, "BucketName");
  j.name = attr(n, "Name");
  j.request_type = attr(n, "RequestType");
  j.status = attr(n, "Status");
  j.priority = attr(n, "Priority");
  j.chunk_order = attr(n, "ChunkClientProcessingOrderGuarantee");
  j.start_date = attr(n, "StartDate");
  j.user_id = attr(n, "UserId");
  j.user_name = attr(n, "UserName");
  j.original_size = to_u64(n.attribute("OriginalSizeInBytes").value());
  j.cached_size = to_u64(n.attribute("CachedSizeInBytes").value());
  j.completed_size = to_u64(n.attribute("CompletedSizeInBytes").value());
  j.aggregating = to_bool(attr(n, "Aggregating"));
  j.naked = to_bool(attr(n, "Naked"));
  if (pugi::xml_node nodes = xml::child(n, "Nodes")) {
    xml::for_each_child(nodes, "Node", [&](pugi::xml_node x) {
      j.nodes.push_back(Node{attr(x, "Id"), attr(x, "EndPoint"),
                             static_cast<int>(to_long(attr(x, "HttpPort"))),
                             static_cast<int>(to_long(attr(x, "HttpsPort")))});
    });
  }
  xml::for_each_child(n, "Objects",
                      [&](pugi::xml_node c) { j.chunks.push_back(parse_chunk_node(c)); });
  return j;
}

Medium parse_medium(pugi::xml_node n) {
  Medium m;
  m.kind = std::string(xml::local_name(n.name()));
  for (pugi::xml_attribute a = n.first_attribute(); a; a = a.next_attribute())
    m.fields.emplace_back(a.name(), a.value());
  xml::for_each_child(n, "*", [&](pugi::xml_node f) {
    m.fields.emplace_back(std::string(xml::local_name(f.name())), xml::text(f));
  });
  return m;
}

void append_query(std::string& out, const QueryList& query) {
  bool first = true;
  for (const auto& q : query) {
    out += first ? '?' : '&';
    first = false;
    out += q.name;
    if (q.has_value) {
      out += '=';
      out += escape(q.value, false);
    }
  }
}

auth::Query to_auth_query(const QueryList& query) {
  auth::Query out;
  for (const auto& q : query) out.push_back(auth::QueryParam{q.name, q.value, q.has_value});
  return out;
}

std::string bucket_path(const std::string& bucket) {
  if (bucket.empty()) throw Error(ErrorKind::InvalidArgument, "the bucket name must not be empty");
  return "/" + escape(bucket, false);
}

std::string object_path(const std::string& bucket, const std::string& key) {
  if (key.empty()) throw Error(ErrorKind::InvalidArgument, "the object name must not be empty");
  return bucket_path(bucket) + "/" + escape(key, true);
}

std::string rest_path(const std::string& resource, const std::string& id = {}) {
  std::string p = "/_rest_/" + resource + "/";
  if (!id.empty()) p += escape(id, false);
  return p;
}

std::string objects_body(const std::vector<std::string>& names, const char* root_attr_name = nullptr,
                         const std::string& root_attr_value = {}) {
  xml::Writer w;
  w.start("Objects");
  if (root_attr_name) w.attribute(root_attr_name, root_attr_value);
  for (const auto& n : names) w.start("Object").attribute("Name", n).end();
  w.end();
  return w.finish();
}

// The body must outlive the transfer: keep it in a buffer owned by a shared holder.
struct OwnedSpec : http::RequestSpec {
  std::string owned_body;
};

std::shared_ptr<http::RequestSpec> with_body(const std::shared_ptr<http::RequestSpec>& base,
                                             std::string body) {
  auto spec = std::make_shared<OwnedSpec>();
  static_cast<http::RequestSpec&>(*spec) = *base;
  spec->owned_body = std::move(body);
  spec->body.kind = http::BodySource::Kind::Buffer;
  spec->body.data = spec->owned_body.data();
  spec->body.size = spec->owned_body.size();
  return spec;
}

}  // namespace

std::string escape(const std::string& s, bool keep_slash) { return auth::uri_encode(s, keep_slash); }

std::string checksum_header(const std::string& algorithm) {
  const std::string a = lower(algorithm);
  if (a == "md5") return "Content-MD5";
  if (a == "crc32") return "Content-CRC32";
  if (a == "crc32c") return "Content-CRC32C";
  if (a == "sha256") return "Content-SHA256";
  if (a == "sha512") return "Content-SHA512";
  throw Error(ErrorKind::InvalidArgument,
              "unknown checksum '" + algorithm + "' (md5, crc32, crc32c, sha256, sha512)");
}

std::string checksum_algorithm(const std::string& type_or_header) {
  std::string t = lower(type_or_header);
  if (t.rfind("content-", 0) == 0) t = t.substr(8);
  t.erase(std::remove(t.begin(), t.end(), '_'), t.end());
  if (t == "md5" || t == "crc32" || t == "crc32c" || t == "sha256" || t == "sha512") return t;
  return {};
}

Client::Client(std::string endpoint, std::string access_key, std::string secret_key,
               std::shared_ptr<http::Client> http)
    : endpoint_(std::move(endpoint)),
      access_key_(std::move(access_key)),
      secret_key_(std::move(secret_key)),
      http_(std::move(http)) {
  while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
  if (endpoint_.empty()) throw Error(ErrorKind::InvalidArgument, "the DS3 endpoint is empty");
  if (endpoint_.find("://") == std::string::npos) endpoint_ = "http://" + endpoint_;
  if (!http_) throw Error(ErrorKind::InvalidArgument, "no HTTP engine");
}

std::string Client::url(const std::string& path, const QueryList& query) const {
  std::string u = endpoint_ + path;
  append_query(u, query);
  return u;
}

std::shared_ptr<http::RequestSpec> Client::build(const std::string& method,
                                                 const std::string& path,
                                                 const QueryList& query,
                                                 http::HeaderList headers) const {
  auto spec = std::make_shared<OwnedSpec>();
  spec->method = method;
  spec->url = url(path, query);
  headers.emplace_back("Date", http_date());
  static const auth::V2Rules rules = auth::v2_rules("ds3");
  auth::Headers signed_headers(headers.begin(), headers.end());
  const std::string sts =
      auth::string_to_sign_v2(method, path, to_auth_query(query), signed_headers, rules);
  headers.emplace_back("Authorization",
                       auth::authorization_v2(access_key_, auth::signature_v2(secret_key_, sts)));
  spec->headers = std::move(headers);
  return spec;
}

void Client::raise(const http::Result& result, const std::string& operation,
                   const std::string& resource) {
  if (result.failure) {
    const auto& f = *result.failure;
    throw Error(f.kind, operation + ": " + f.message, f.detail);
  }
  StatusErrorInfo info = parse_error(result.body);
  info.status = result.status;
  info.operation = operation;
  if (info.resource.empty()) info.resource = resource;
  info.reason_phrase = result.reason;
  info.body = result.body;
  if (const std::string* rid = result.header("x-amz-request-id")) info.request_id = *rid;
  if (info.message.empty()) info.message = result.reason.empty() ? "request failed" : result.reason;
  throw StatusError(std::move(info));
}

http::Result Client::execute(const std::shared_ptr<http::RequestSpec>& spec,
                             const std::string& operation, const std::string& resource,
                             const Checkpoint& checkpoint, const std::vector<long>& accept) {
  for (int redirect = 0;; ++redirect) {
    auto batch = http_->submit({spec});
    while (!batch->wait_for(std::chrono::milliseconds(50))) {
      if (!checkpoint) continue;
      try {
        checkpoint();
      } catch (...) {
        http_->cancel(batch);
        while (!batch->wait_for(std::chrono::milliseconds(50))) {
        }
        throw;
      }
    }
    http::Result result = std::move(batch->results()[0]);
    if (!result.failure && result.status == 307 && redirect < kMaxRedirects) {
      // DS3: "send the identical request again" (ds3.md §1).
      continue;
    }
    if (result.failure) raise(result, operation, resource);
    if (result.status >= 300 &&
        std::find(accept.begin(), accept.end(), result.status) == accept.end())
      raise(result, operation, resource);
    return result;
  }
}

// ---- S3 subset ---------------------------------------------------------------------------

Service Client::get_service(const Checkpoint& cp) {
  auto r = execute(build("GET", "/", {}), "get_service", "/", cp);
  return parse_service(r.body);
}

void Client::put_bucket(const std::string& bucket, const Checkpoint& cp) {
  execute(build("PUT", bucket_path(bucket), {}), "put_bucket", bucket, cp);
}

void Client::head_bucket(const std::string& bucket, const Checkpoint& cp) {
  execute(build("HEAD", bucket_path(bucket), {}), "head_bucket", bucket, cp);
}

void Client::delete_bucket(const std::string& bucket, bool force, const Checkpoint& cp) {
  if (force) {
    execute(build("DELETE", rest_path("bucket", bucket), {{"force", "", false}}),
            "delete_bucket", bucket, cp);
  } else {
    execute(build("DELETE", bucket_path(bucket), {}), "delete_bucket", bucket, cp);
  }
}

ListBucketResult Client::get_bucket(const std::string& bucket, const std::string& prefix,
                                    const std::string& delimiter, const std::string& marker,
                                    std::optional<long> max_keys, const Checkpoint& cp) {
  QueryList q;
  if (!delimiter.empty()) q.push_back({"delimiter", delimiter});
  if (!marker.empty()) q.push_back({"marker", marker});
  if (max_keys) q.push_back({"max_keys", std::to_string(*max_keys)});
  if (!prefix.empty()) q.push_back({"prefix", prefix});
  auto r = execute(build("GET", bucket_path(bucket), q), "get_bucket", bucket, cp);
  return parse_list_bucket(r.body);
}

std::shared_ptr<http::RequestSpec> Client::put_object_request(const PutObjectRequest& r,
                                                              const Checkpoint& cp) const {
  QueryList q;
  if (!r.job.empty()) {
    q.push_back({"job", r.job});
    q.push_back({"offset", std::to_string(r.offset.value_or(0))});
  } else if (r.offset) {
    q.push_back({"offset", std::to_string(*r.offset)});
  }
  http::HeaderList headers;
  if (!r.checksum_algorithm.empty()) {
    std::string value = r.checksum;
    if (value.empty()) {
      const auto alg = auth::hash_algorithm_from_name(r.checksum_algorithm);
      std::string raw;
      if (r.body.kind == http::BodySource::Kind::File) {
        raw = auth::hash_file(alg, r.body.path, r.body.offset,
                              r.body.length ? *r.body.length : auth::kToEnd, cp);
      } else if (r.body.kind == http::BodySource::Kind::Buffer) {
        raw = auth::digest(alg, r.body.data, r.body.size);
      } else {
        raw = auth::digest(alg, "", 0);
      }
      value = auth::base64_encode(raw);
    }
    headers.emplace_back(checksum_header(r.checksum_algorithm), value);
  }
  for (const auto& [name, value] : r.metadata) {
    if (name.empty() || value.empty()) continue;  // the C SDK drops empty values too
    headers.emplace_back("x-amz-meta-" + lower(name), value);
  }
  if (r.body.kind == http::BodySource::Kind::None) headers.emplace_back("Content-Length", "0");
  auto spec = build("PUT", object_path(r.bucket, r.key), q, std::move(headers));
  spec->body = r.body;
  return spec;
}

void Client::put_object(const PutObjectRequest& r, const Checkpoint& cp) {
  execute(put_object_request(r, cp), "put_object", r.bucket + "/" + r.key, cp);
}

std::shared_ptr<http::RequestSpec> Client::get_object_request(const GetObjectRequest& r) const {
  QueryList q;
  if (!r.job.empty()) {
    q.push_back({"job", r.job});
    q.push_back({"offset", std::to_string(r.offset.value_or(0))});
  } else if (r.offset) {
    q.push_back({"offset", std::to_string(*r.offset)});
  }
  http::HeaderList headers;
  if (!r.range.empty()) headers.emplace_back("Range", r.range);
  auto spec = build("GET", object_path(r.bucket, r.key), q, std::move(headers));
  spec->sink = r.sink;
  return spec;
}

void read_object_headers(const http::Result& result, ObjectInfo& info) {
  info.status = result.status;
  for (const auto& [name, value] : result.headers) {
    const std::string n = lower(name);
    if (n.rfind("x-amz-meta-", 0) == 0) {
      info.metadata.emplace_back(name.substr(11), value);
    } else if (n == "etag") {
      info.etag = value;
    } else if (n == "last-modified") {
      info.last_modified = value;
    } else if (n == "content-type") {
      info.content_type = value;
    } else if (n == "content-length") {
      info.size = std::strtoull(value.c_str(), nullptr, 10);
    } else if (n == "ds3-blob-checksum-type") {
      info.checksum_type = value;
    } else if (n.rfind("ds3-blob-checksum-offset-", 0) == 0) {
      info.blob_checksums.emplace_back(std::strtoull(n.c_str() + 25, nullptr, 10), value);
    } else if (n == "content-md5" || n == "content-crc32" || n == "content-crc32c" ||
               n == "content-sha256" || n == "content-sha512") {
      info.checksum = value;
      if (info.checksum_type.empty()) info.checksum_type = checksum_algorithm(n);
    }
  }
  info.headers.assign(result.headers.begin(), result.headers.end());
}

ObjectInfo Client::get_object(const GetObjectRequest& r, const Checkpoint& cp) {
  auto res = execute(get_object_request(r), "get_object", r.bucket + "/" + r.key, cp);
  ObjectInfo info;
  read_object_headers(res, info);
  info.bytes_received = res.bytes_received;
  info.body = std::move(res.body);
  return info;
}

ObjectInfo Client::head_object(const std::string& bucket, const std::string& key,
                               const Checkpoint& cp) {
  auto res = execute(build("HEAD", object_path(bucket, key), {}), "head_object",
                     bucket + "/" + key, cp);
  ObjectInfo info;
  read_object_headers(res, info);
  return info;
}

void Client::delete_object(const std::string& bucket, const std::string& key,
                           const Checkpoint& cp) {
  execute(build("DELETE", object_path(bucket, key), {}), "delete_object", bucket + "/" + key, cp);
}

DeleteResult Client::delete_objects(const std::string& bucket,
                                    const std::vector<std::string>& keys, const Checkpoint& cp) {
  xml::Writer w;
  w.start("Delete");
  for (const auto& k : keys) w.start("Object").element("Key", k).end();
  w.end();
  auto spec = with_body(build("POST", bucket_path(bucket), {{"delete", "", false}}), w.finish());
  auto r = execute(spec, "delete_objects", bucket, cp);
  if (r.body.empty()) return {};
  return parse_delete_result(r.body);
}

// ---- Spectra extensions ----------------------------------------------------------------------

void Client::delete_folder(const std::string& bucket, const std::string& folder,
                           const Checkpoint& cp) {
  execute(build("DELETE", rest_path("folder", folder),
                {{"bucket_id", bucket}, {"recursive", "", false}}),
          "delete_folder", bucket + "/" + folder, cp);
}

Job Client::start_bulk_put(const std::string& bucket,
                           const std::vector<std::pair<std::string, std::uint64_t>>& objects,
                           const BulkPutOptions& o, const Checkpoint& cp) {
  if (objects.empty())
    throw Error(ErrorKind::InvalidArgument, "The bulk command requires a list of objects to process");
  QueryList q{{"operation", "start_bulk_put"}};
  if (o.max_upload_size) q.push_back({"max_upload_size", std::to_string(*o.max_upload_size)});
  if (!o.priority.empty()) q.push_back({"priority", o.priority});
  if (!o.name.empty()) q.push_back({"name", o.name});
  if (o.aggregating) q.push_back({"aggregating", "true"});
  xml::Writer w;
  w.start("Objects");
  for (const auto& [name, size] : objects)
    w.start("Object").attribute("Name", name).attribute("Size", std::to_string(size)).end();
  w.end();
  auto spec = with_body(build("PUT", rest_path("bucket", bucket), q), w.finish());
  auto r = execute(spec, "start_bulk_put", bucket, cp);
  return parse_job(r.body);
}

Job Client::start_bulk_get(const std::string& bucket, const std::vector<std::string>& names,
                           const BulkGetOptions& o, const Checkpoint& cp) {
  if (names.empty())
    throw Error(ErrorKind::InvalidArgument, "The bulk command requires a list of objects to process");
  const std::string order = o.in_order ? "IN_ORDER" : "NONE";
  QueryList q{{"operation", "start_bulk_get"}, {"chunk_client_processing_order_guarantee", order}};
  if (!o.priority.empty()) q.push_back({"priority", o.priority});
  if (!o.name.empty()) q.push_back({"name", o.name});
  std::string body = o.legacy_order_attribute
                         ? objects_body(names, "ChunkClientProcessingOrderGuarantee", order)
                         : objects_body(names);
  auto spec = with_body(build("PUT", rest_path("bucket", bucket), q), std::move(body));
  auto r = execute(spec, "start_bulk_get", bucket, cp);
  return parse_job(r.body);
}

Allocation Client::allocate_chunk(const std::string& chunk_id, const Checkpoint& cp) {
  auto spec = build("PUT", rest_path("job_chunk", chunk_id), {{"operation", "allocate"}});
  spec->retry = false;  // 503 + Retry-After is an answer here, not a failure
  auto r = execute(spec, "allocate_chunk", chunk_id, cp, {503});
  Allocation a;
  if (r.status == 503) {
    const std::string* ra = r.header("Retry-After");
    auto s = ra ? http::parse_retry_after(*ra) : std::nullopt;
    a.retry_after_s = s ? *s : 1.0;
    return a;
  }
  if (r.body.empty()) {  // 1.x servers: 2xx without a body means "retry later"
    const std::string* ra = r.header("Retry-After");
    auto s = ra ? http::parse_retry_after(*ra) : std::nullopt;
    a.retry_after_s = s ? *s : 1.0;
    return a;
  }
  a.allocated = true;
  a.chunk = parse_chunk(r.body);
  return a;
}

ChunksReady Client::get_available_chunks(const std::string& job_id,
                                         std::optional<int> preferred, const Checkpoint& cp) {
  QueryList q{{"job", job_id}};
  if (preferred) q.push_back({"preferred_number_of_chunks", std::to_string(*preferred)});
  auto r = execute(build("GET", rest_path("job_chunk"), q), "get_available_chunks", job_id, cp);
  ChunksReady out;
  out.job = parse_job(r.body);
  if (const std::string* ra = r.header("Retry-After")) {
    if (auto s = http::parse_retry_after(*ra)) out.retry_after_s = *s;
  }
  return out;
}

Job Client::get_job(const std::string& job_id, const Checkpoint& cp) {
  auto r = execute(build("GET", rest_path("job", job_id), {}), "get_job", job_id, cp);
  return parse_job(r.body);
}

std::vector<Job> Client::get_jobs(const std::string& bucket, const Checkpoint& cp) {
  QueryList q;
  if (!bucket.empty()) q.push_back({"bucket_id", bucket});
  auto r = execute(build("GET", rest_path("job"), q), "get_jobs", bucket, cp);
  return parse_jobs(r.body);
}

void Client::cancel_job(const std::string& job_id, bool force, const Checkpoint& cp) {
  QueryList q;
  if (force) q.push_back({"force", "", false});
  execute(build("DELETE", rest_path("job", job_id), q), "cancel_job", job_id, cp);
}

Job Client::modify_job(const std::string& job_id, const std::string& name,
                       const std::string& priority, const Checkpoint& cp) {
  QueryList q;
  if (!name.empty()) q.push_back({"name", name});
  if (!priority.empty()) q.push_back({"priority", priority});
  auto r = execute(build("PUT", rest_path("job", job_id), q), "modify_job", job_id, cp);
  return parse_job(r.body);
}

PhysicalPlacement Client::get_physical_placement(const std::string& bucket,
                                                 const std::vector<std::string>& names,
                                                 const Checkpoint& cp) {
  auto spec = with_body(
      build("PUT", rest_path("bucket", bucket), {{"operation", "get_physical_placement"}}),
      objects_body(names));
  auto r = execute(spec, "get_physical_placement", bucket, cp);
  if (r.body.empty()) return {};
  return parse_physical_placement(r.body);
}

std::vector<SearchObject> Client::get_objects(const SearchRequest& s, const Checkpoint& cp) {
  QueryList q;
  if (!s.bucket.empty()) q.push_back({"bucket_id", s.bucket});
  if (!s.creation_date.empty()) q.push_back({"creation_date", s.creation_date});
  if (!s.id.empty()) q.push_back({"id", s.id});
  if (!s.name.empty()) q.push_back({"name", s.name});
  if (s.page_length) q.push_back({"page_length", std::to_string(*s.page_length)});
  if (s.page_offset) q.push_back({"page_offset", std::to_string(*s.page_offset)});
  if (!s.type.empty()) q.push_back({"type", s.type});
  if (!s.version.empty()) q.push_back({"version", s.version});
  auto r = execute(build("GET", rest_path("object"), q), "get_objects", s.bucket, cp);
  return parse_search_objects(r.body);
}

SystemInformation Client::get_system_information(const Checkpoint& cp) {
  auto r = execute(build("GET", rest_path("system_information"), {}), "get_system_information",
                   "", cp);
  return parse_system_information(r.body);
}

SystemHealth Client::get_system_health(const Checkpoint& cp) {
  auto r = execute(build("GET", rest_path("system_health"), {}), "verify_system_health", "", cp);
  return parse_system_health(r.body);
}

// ---- parsers -------------------------------------------------------------------------------

Service parse_service(const std::string& body) {
  auto doc = parse_doc(body);
  pugi::xml_node root = doc->root();
  Service s;
  if (pugi::xml_node o = xml::child(root, "Owner")) s.owner = parse_owner(o);
  if (pugi::xml_node bs = xml::child(root, "Buckets")) {
    xml::for_each_child(bs, "Bucket", [&](pugi::xml_node b) {
      s.buckets.push_back(Bucket{xml::child_text(b, "Name"), xml::child_text(b, "CreationDate")});
    });
  }
  return s;
}

ListBucketResult parse_list_bucket(const std::string& body) {
  auto doc = parse_doc(body);
  pugi::xml_node root = doc->root();
  ListBucketResult r;
  r.name = xml::child_text(root, "Name");
  r.prefix = xml::child_text(root, "Prefix");
  r.marker = xml::child_text(root, "Marker");
  r.next_marker = xml::child_text(root, "NextMarker");
  r.delimiter = xml::child_text(root, "Delimiter");
  r.creation_date = xml::child_text(root, "CreationDate");
  r.max_keys = to_long(xml::child_text(root, "MaxKeys"));
  r.is_truncated = to_bool(xml::child_text(root, "IsTruncated"));
  xml::for_each_child(root, "Contents",
                      [&](pugi::xml_node c) { r.objects.push_back(parse_contents(c)); });
  xml::for_each_child(root, "Version",
                      [&](pugi::xml_node c) { r.versions.push_back(parse_contents(c)); });
  xml::for_each_child(root, "CommonPrefixes", [&](pugi::xml_node c) {
    xml::for_each_child(c, "Prefix",
                        [&](pugi::xml_node p) { r.common_prefixes.push_back(xml::text(p)); });
  });
  return r;
}

Job parse_job(const std::string& body) {
  auto doc = parse_doc(body);
  return parse_job_node(unwrap(doc->root(), "MasterObjectList"));
}

std::vector<Job> parse_jobs(const std::string& body) {
  auto doc = parse_doc(body);
  std::vector<Job> out;
  xml::for_each_child(doc->root(), "Job", [&](pugi::xml_node j) { out.push_back(parse_job_node(j)); });
  return out;
}

Chunk parse_chunk(const std::string& body) {
  auto doc = parse_doc(body);
  return parse_chunk_node(unwrap(doc->root(), "Objects"));
}

DeleteResult parse_delete_result(const std::string& body) {
  auto doc = parse_doc(body);
  DeleteResult r;
  xml::for_each_child(doc->root(), "Deleted",
                      [&](pugi::xml_node d) { r.deleted.push_back(xml::child_text(d, "Key")); });
  xml::for_each_child(doc->root(), "Error", [&](pugi::xml_node e) {
    r.errors.push_back(DeleteError{xml::child_text(e, "Key"), xml::child_text(e, "Code"),
                                   xml::child_text(e, "Message")});
  });
  return r;
}

std::vector<SearchObject> parse_search_objects(const std::string& body) {
  auto doc = parse_doc(body);
  std::vector<SearchObject> out;
  xml::for_each_child(doc->root(), "S3Object", [&](pugi::xml_node n) {
    SearchObject o;
    o.bucket_id = xml::child_text(n, "BucketId");
    o.id = xml::child_text(n, "Id");
    o.name = xml::child_text(n, "Name");
    o.size = std::strtoull(xml::child_text(n, "Size", "0").c_str(), nullptr, 10);
    o.owner = xml::child_text(n, "Owner");
    o.creation_date = xml::child_text(n, "CreationDate");
    o.storage_class = xml::child_text(n, "StorageClass");
    o.type = xml::child_text(n, "Type");
    o.version = xml::child_text(n, "Version");
    o.latest = xml::child_text(n, "Latest", "true") != "false";
    out.push_back(std::move(o));
  });
  return out;
}

SystemInformation parse_system_information(const std::string& body) {
  auto doc = parse_doc(body);
  pugi::xml_node root = doc->root();
  SystemInformation s;
  s.api_version = xml::child_text(root, "ApiVersion");
  s.serial_number = xml::child_text(root, "SerialNumber");
  s.instance_id = xml::child_text(root, "InstanceId");
  s.now = xml::child_text(root, "Now");
  s.backend_activated = to_bool(xml::child_text(root, "BackendActivated"));
  if (pugi::xml_node b = xml::child(root, "BuildInformation")) {
    s.build_information = BuildInformation{xml::child_text(b, "Branch"),
                                           xml::child_text(b, "Revision"),
                                           xml::child_text(b, "Version")};
  }
  return s;
}

SystemHealth parse_system_health(const std::string& body) {
  auto doc = parse_doc(body);
  SystemHealth h;
  h.database_filesystem_free_space = xml::child_text(doc->root(), "DatabaseFilesystemFreeSpace");
  h.ms_required_to_verify_data_planner_health =
      to_long(xml::child_text(doc->root(), "MsRequiredToVerifyDataPlannerHealth"));
  return h;
}

PhysicalPlacement parse_physical_placement(const std::string& body) {
  auto doc = parse_doc(body);
  PhysicalPlacement p;
  pugi::xml_node root = doc->root();
  if (pugi::xml_node tapes = xml::child(root, "Tapes"))
    xml::for_each_child(tapes, "*", [&](pugi::xml_node t) { p.tapes.push_back(parse_medium(t)); });
  if (pugi::xml_node pools = xml::child(root, "Pools"))
    xml::for_each_child(pools, "*", [&](pugi::xml_node t) { p.pools.push_back(parse_medium(t)); });
  return p;
}

StatusErrorInfo parse_error(const std::string& body) {
  StatusErrorInfo info;
  if (body.empty()) return info;
  try {
    auto doc = parse_doc(body);
    pugi::xml_node root = doc->root();
    if (xml::local_name(root.name()) != "Error") return info;
    info.code = xml::child_text(root, "Code");
    info.message = xml::child_text(root, "Message");
    info.resource = xml::child_text(root, "Resource");
    info.request_id = xml::child_text(root, "RequestId");
  } catch (const Error&) {
    info.message = body.substr(0, 512);
  }
  return info;
}

}  // namespace storewire::ds3
