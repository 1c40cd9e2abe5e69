// The DS3 client's operations: each builds its request, runs it and reads the answer.
#include "ds3/client.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string_view>

#include "auth/encoding.h"
#include "auth/hashes.h"
#include "ds3/fields.h"
#include "ds3/signing.h"
#include "http/retry.h"
#include "xml/xml.h"

namespace storewire::ds3 {

namespace {

constexpr int kMaxRedirects = 5;

namespace f = fields;

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
  sign(method, path, query, access_key_, secret_key_, headers);
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
  // Shown to people only: a Latin-1 or binary reason phrase must not hide the status.
  info.reason_phrase = utf8_lossy(result.reason);
  info.body = result.body;
  if (const std::string* rid = result.header("x-amz-request-id"))
    info.request_id = utf8_lossy(*rid);
  if (info.message.empty())
    info.message = info.reason_phrase.empty() ? "request failed" : info.reason_phrase;
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
      // DS3: "send the identical request again".
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
    headers.emplace_back("x-amz-meta-" + ascii_lower(name), value);
  }
  if (r.body.kind == http::BodySource::Kind::None) headers.emplace_back("Content-Length", "0");
  auto spec = build("PUT", object_path(r.bucket, r.key), q, std::move(headers));
  spec->body = r.body;
  return spec;
}

namespace {

std::string body_digest(const http::BodySource& body, const std::string& algorithm,
                        const Checkpoint& cp) {
  const auto alg = auth::hash_algorithm_from_name(algorithm);
  if (body.kind == http::BodySource::Kind::File)
    return auth::hash_file(alg, body.path, body.offset, body.length ? *body.length : auth::kToEnd,
                           cp);
  if (body.kind == http::BodySource::Kind::Buffer) return auth::digest(alg, body.data, body.size);
  return auth::digest(alg, "", 0);
}

std::uint64_t body_size(const http::BodySource& body) {
  if (body.kind == http::BodySource::Kind::Buffer) return body.size;
  if (body.kind == http::BodySource::Kind::None) return 0;
  if (body.length) return *body.length;
  std::error_code ec;
  const std::uint64_t size = std::filesystem::file_size(body.path, ec);
  return ec || size < body.offset ? 0 : size - body.offset;
}

}  // namespace

bool Client::stored_object_is(const PutObjectRequest& r, const Checkpoint& cp) {
  ObjectInfo info;
  try {
    info = head_object(r.bucket, r.key, cp);
  } catch (const StatusError&) {
    return false;
  }
  if (info.size != body_size(r.body)) return false;
  // The blob checksum the server keeps decides when the object is one blob.
  const std::string algorithm = checksum_algorithm(info.checksum_type);
  if (!algorithm.empty() && info.blob_checksums.size() == 1 &&
      info.blob_checksums[0].first == 0) {
    return auth::base64_encode(body_digest(r.body, algorithm, cp)) == info.blob_checksums[0].second;
  }
  // Otherwise an MD5 ETag (32 hex digits, no "-N" part count) decides.
  std::string etag = info.etag;
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"')
    etag = etag.substr(1, etag.size() - 2);
  if (etag.size() == 32 && etag.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos)
    return ascii_lower(etag) == auth::hex_encode(body_digest(r.body, "md5", cp));
  return false;
}

void Client::put_object(const PutObjectRequest& r, const Checkpoint& cp) {
  const std::string resource = r.bucket + "/" + r.key;
  http::Result res = execute(put_object_request(r, cp), "put_object", resource, cp, {409});
  if (res.status != 409) return;
  // An earlier send may have been stored and its answer lost: then "already exists" means
  // success, provided the stored object is the one sent (size and checksum). Checked on
  // every such 409, not only after the engine's own retries: libcurl silently re-sends a
  // request whose kept-alive connection died, and the engine cannot count that.
  if (r.job.empty() && parse_error(res.body).code == "OBJECT_ALREADY_EXISTS" &&
      stored_object_is(r, cp))
    return;
  raise(res, "put_object", resource);
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
  // The size sizes callers' buffers (get_bytes): a HEAD without it is no answer.
  if (!res.header("Content-Length"))
    f::bad("header Content-Length", "", "missing from the head object answer");
  return info;
}

void Client::delete_object(const std::string& bucket, const std::string& key,
                           const Checkpoint& cp) {
  const std::string resource = bucket + "/" + key;
  auto r = execute(build("DELETE", object_path(bucket, key), {}), "delete_object", resource, cp,
                   {404});
  // A 404 to a request sent more than once (the engine's retry, or curl's own re-send on a
  // fresh connection) is the answer to our own earlier copy: the object is gone, as asked.
  if (r.status == 404 && r.attempts <= 1) raise(r, "delete_object", resource);
}

DeleteResult Client::delete_objects(const std::string& bucket,
                                    const std::vector<std::string>& keys, const Checkpoint& cp) {
  xml::Writer w;
  w.start("Delete");
  for (const auto& k : keys) w.start("Object").element("Key", k).end();
  w.end();
  auto spec = with_body(build("POST", bucket_path(bucket), {{"delete", "", false}}), w.finish());
  auto r = execute(spec, "delete_objects", bucket, cp);
  // Not Quiet: an empty 200 would read as "nothing deleted, no error" (parse_doc refuses it).
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
  auto r = execute(spec, "start_bulk_put", bucket, cp, {409});
  if (r.status != 409) return parse_job(r.body);
  // A retried start whose first attempt created the job meets its own objects: find
  // that job (the only active PUT job of the bucket with exactly these objects).
  // Sent more than once: retried by the engine, or re-sent by libcurl on a new connection
  // after a kept-alive one died (new_connections), which the engine cannot count.
  if ((r.attempts > 1 || r.new_connections > 0) &&
      parse_error(r.body).code == "OBJECT_ALREADY_EXISTS") {
    if (auto job = find_started_put(bucket, objects, cp)) return *job;
  }
  raise(r, "start_bulk_put", bucket);
}

std::optional<Job> Client::find_started_put(
    const std::string& bucket, const std::vector<std::pair<std::string, std::uint64_t>>& objects,
    const Checkpoint& cp) {
  std::map<std::string, std::uint64_t> wanted;
  for (const auto& [name, size] : objects) wanted[name] = size;
  std::optional<Job> found;
  for (const Job& listed : get_jobs(bucket, cp)) {
    if (listed.request_type != "PUT" || listed.status != "IN_PROGRESS" ||
        listed.bucket_name != bucket)
      continue;
    Job job = get_job(listed.job_id, cp);
    std::map<std::string, std::uint64_t> sizes;
    bool overflow = false;
    for (const auto& chunk : job.chunks) {
      for (const auto& blob : chunk.objects) {
        std::uint64_t& total = sizes[blob.name];
        overflow = overflow || total + blob.length < total;
        total += blob.length;
      }
    }
    bool same = !overflow;
    for (const auto& [name, size] : sizes)
      same = same && wanted.count(name) && wanted[name] == size;
    for (const auto& [name, size] : wanted) same = same && (size == 0 || sizes.count(name));
    if (!same) continue;
    if (found) return std::nullopt;  // two candidates: cannot tell which one is ours
    found = std::move(job);
  }
  return found;
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

}  // namespace storewire::ds3
