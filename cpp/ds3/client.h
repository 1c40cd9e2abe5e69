// DS3 (Spectra BlackPearl) requests: paths (ds3/paths.h), DS3 SigV2 signing
// (ds3/signing.h), executed on the shared HTTP engine, answers read by ds3/replies.h into the
// structs of ds3/types.h. Failures throw storewire::Error (transport) or StatusError
// (HTTP status >= 300 with the server's Code and Message).
#pragma once

#include "storewire/checkpoint.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ds3/headers.h"
#include "ds3/paths.h"
#include "ds3/replies.h"
#include "ds3/types.h"
#include "http/client.h"
#include "storewire/status_error.h"

namespace storewire::ds3 {

using storewire::Checkpoint;

struct PutObjectRequest {
  std::string bucket;
  std::string key;
  http::BodySource body;            // None: empty body
  std::string job;                  // "" → naked PUT
  std::optional<std::uint64_t> offset;
  Pairs metadata;                   // names without the x-amz-meta- prefix
  std::string checksum_algorithm;   // "" none; else computed over the body unless given
  std::string checksum;             // base64 value (optional)
};

struct GetObjectRequest {
  std::string bucket;
  std::string key;
  std::string job;
  std::optional<std::uint64_t> offset;
  std::string range;                // "bytes=a-b[,c-d]" or ""
  http::BodySink sink;              // Memory (default), Buffer or File
};

struct BulkPutOptions {
  std::optional<std::uint64_t> max_upload_size;
  std::string priority;
  std::string name;
  bool aggregating = false;
};

struct BulkGetOptions {
  bool in_order = false;            // ChunkClientProcessingOrderGuarantee IN_ORDER
  std::string priority;
  std::string name;
  bool legacy_order_attribute = true;  // also send the order as the root attribute (1.x)
};

struct SearchRequest {
  std::string bucket;
  std::string name;
  std::string id;
  std::string type;                 // DATA | FOLDER
  std::string version;
  std::string creation_date;
  std::optional<long> page_length;
  std::optional<long> page_offset;
};

class Client {
 public:
  Client(std::string endpoint, std::string access_key, std::string secret_key,
         std::shared_ptr<http::Client> http);

  const std::string& endpoint() const { return endpoint_; }
  const std::string& access_key() const { return access_key_; }
  http::Client& http() { return *http_; }

  // A signed request for `path` (already escaped, starting with '/').
  std::shared_ptr<http::RequestSpec> build(const std::string& method, const std::string& path,
                                           const QueryList& query,
                                           http::HeaderList headers = {}) const;

  // Runs a request (re-sending it on 307, up to 5 times), waiting in steps that call
  // `checkpoint`. Throws on a transport failure, and StatusError when the status is >= 300
  // and not in `accept`.
  http::Result execute(const std::shared_ptr<http::RequestSpec>& spec,
                       const std::string& operation, const std::string& resource,
                       const Checkpoint& checkpoint, const std::vector<long>& accept = {});

  // The error for a finished request (transport failure or bad status).
  [[noreturn]] static void raise(const http::Result& result, const std::string& operation,
                                 const std::string& resource);

  // ---- S3 subset ----------------------------------------------------------------------
  Service get_service(const Checkpoint& cp = {});
  void put_bucket(const std::string& bucket, const Checkpoint& cp = {});
  void head_bucket(const std::string& bucket, const Checkpoint& cp = {});
  // force: the Spectra delete (DELETE /_rest_/bucket/{b}?force) that removes objects too.
  void delete_bucket(const std::string& bucket, bool force = false, const Checkpoint& cp = {});
  ListBucketResult get_bucket(const std::string& bucket, const std::string& prefix,
                              const std::string& delimiter, const std::string& marker,
                              std::optional<long> max_keys, const Checkpoint& cp = {});
  std::shared_ptr<http::RequestSpec> put_object_request(const PutObjectRequest& r,
                                                        const Checkpoint& cp = {}) const;
  // A naked PUT that meets 409 OBJECT_ALREADY_EXISTS succeeds when the stored object is the
  // one sent (size and checksum/ETag, by HEAD): its own earlier send whose answer was lost.
  void put_object(const PutObjectRequest& r, const Checkpoint& cp = {});
  std::shared_ptr<http::RequestSpec> get_object_request(const GetObjectRequest& r) const;
  ObjectInfo get_object(const GetObjectRequest& r, const Checkpoint& cp = {});
  ObjectInfo head_object(const std::string& bucket, const std::string& key,
                         const Checkpoint& cp = {});
  void delete_object(const std::string& bucket, const std::string& key,
                     const Checkpoint& cp = {});
  DeleteResult delete_objects(const std::string& bucket, const std::vector<std::string>& keys,
                              const Checkpoint& cp = {});

  // ---- Spectra extensions --------------------------------------------------------------
  void delete_folder(const std::string& bucket, const std::string& folder,
                     const Checkpoint& cp = {});
  // A retried start that meets 409 OBJECT_ALREADY_EXISTS returns the job its first attempt
  // created, when exactly one active PUT job of the bucket holds exactly these objects.
  Job start_bulk_put(const std::string& bucket,
                     const std::vector<std::pair<std::string, std::uint64_t>>& objects,
                     const BulkPutOptions& options = {}, const Checkpoint& cp = {});
  Job start_bulk_get(const std::string& bucket, const std::vector<std::string>& names,
                     const BulkGetOptions& options = {}, const Checkpoint& cp = {});
  // allocated=false with retry_after_s on 503 (never retried here).
  Allocation allocate_chunk(const std::string& chunk_id, const Checkpoint& cp = {});
  ChunksReady get_available_chunks(const std::string& job_id,
                                   std::optional<int> preferred_number_of_chunks = {},
                                   const Checkpoint& cp = {});
  Job get_job(const std::string& job_id, const Checkpoint& cp = {});
  std::vector<Job> get_jobs(const std::string& bucket = {}, const Checkpoint& cp = {});
  // force=true: cancel; false: truncate (the seed's deleteJob).
  void cancel_job(const std::string& job_id, bool force = true, const Checkpoint& cp = {});
  Job modify_job(const std::string& job_id, const std::string& name = {},
                 const std::string& priority = {}, const Checkpoint& cp = {});
  PhysicalPlacement get_physical_placement(const std::string& bucket,
                                           const std::vector<std::string>& names,
                                           const Checkpoint& cp = {});
  std::vector<SearchObject> get_objects(const SearchRequest& r, const Checkpoint& cp = {});
  SystemInformation get_system_information(const Checkpoint& cp = {});
  SystemHealth get_system_health(const Checkpoint& cp = {});

 private:
  std::string url(const std::string& path, const QueryList& query) const;
  // Whether the stored object is the one `r` sends (size, then blob checksum or MD5 ETag).
  bool stored_object_is(const PutObjectRequest& r, const Checkpoint& cp);
  // The one active PUT job of `bucket` holding exactly `objects`, if there is one.
  std::optional<Job> find_started_put(
      const std::string& bucket, const std::vector<std::pair<std::string, std::uint64_t>>& objects,
      const Checkpoint& cp);

  std::string endpoint_;
  std::string access_key_;
  std::string secret_key_;
  std::shared_ptr<http::Client> http_;
};

}  // namespace storewire::ds3
