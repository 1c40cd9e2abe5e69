// Plain DS3 data: what the parsers return.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace storewire::ds3 {

using Pairs = std::vector<std::pair<std::string, std::string>>;

struct Owner {
  std::string name;  // DisplayName
  std::string id;
};

struct Bucket {
  std::string name;
  std::string creation_date;
};

struct Service {
  Owner owner;
  std::vector<Bucket> buckets;
};

struct Contents {
  std::string key;
  std::string last_modified;
  std::string etag;
  std::uint64_t size = 0;
  std::string storage_class;
  Owner owner;
  std::string version_id;
  bool is_latest = true;
};

struct ListBucketResult {
  std::string name;
  std::string prefix;
  std::string marker;
  std::string next_marker;
  std::string delimiter;
  std::string creation_date;
  long max_keys = 0;
  bool is_truncated = false;
  std::vector<Contents> objects;
  std::vector<std::string> common_prefixes;
  std::vector<Contents> versions;
};

// One blob of a job: a byte range of an object.
struct BulkObject {
  std::string name;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  bool in_cache = false;
  std::string id;
  std::string version_id;
};

struct Chunk {
  std::string chunk_id;
  int chunk_number = 0;
  std::string node_id;
  std::vector<BulkObject> objects;
};

struct Node {
  std::string id;
  std::string endpoint;
  int http_port = 0;
  int https_port = 0;
};

// MasterObjectList (or one <Job> of a job list: no chunks).
struct Job {
  std::string job_id;
  std::string bucket_name;
  std::string name;
  std::string request_type;  // PUT | GET | VERIFY
  std::string status;        // IN_PROGRESS | COMPLETED | CANCELED
  std::string priority;
  std::string chunk_order;   // ChunkClientProcessingOrderGuarantee
  std::string start_date;
  std::string user_id;
  std::string user_name;
  std::uint64_t original_size = 0;
  std::uint64_t cached_size = 0;
  std::uint64_t completed_size = 0;
  bool aggregating = false;
  bool naked = false;
  std::vector<Node> nodes;
  std::vector<Chunk> chunks;
};

// Chunks ready for client processing; retry_after_s > 0 when nothing is ready.
struct ChunksReady {
  Job job;
  double retry_after_s = 0;
};

// Allocate job chunk: allocated, or retry after retry_after_s (503 + Retry-After).
struct Allocation {
  bool allocated = false;
  Chunk chunk;
  double retry_after_s = 0;
};

// HEAD / GET object answers.
struct ObjectInfo {
  long status = 0;
  std::uint64_t size = 0;            // Content-Length
  std::string etag;
  std::string last_modified;
  std::string content_type;
  Pairs metadata;                    // (name without x-amz-meta-, value)
  std::string checksum_type;         // ds3-blob-checksum-type (HEAD) or the header's type (GET)
  std::vector<std::pair<std::uint64_t, std::string>> blob_checksums;  // offset → base64
  std::string checksum;              // GET: the blob checksum header value (base64), if any
  std::string body;                  // GET into memory
  std::uint64_t bytes_received = 0;
  Pairs headers;
};

struct DeleteError {
  std::string key;
  std::string code;
  std::string message;
};

struct DeleteResult {
  std::vector<std::string> deleted;
  std::vector<DeleteError> errors;
};

struct SearchObject {
  std::string bucket_id;
  std::string id;
  std::string name;
  std::uint64_t size = 0;
  std::string owner;
  std::string creation_date;
  std::string storage_class;
  std::string type;
  std::string version;
  bool latest = true;
};

struct BuildInformation {
  std::string branch;
  std::string revision;
  std::string version;
};

struct SystemInformation {
  std::string api_version;
  std::string serial_number;
  std::string instance_id;
  std::string now;
  bool backend_activated = false;
  BuildInformation build_information;
};

struct SystemHealth {
  std::string database_filesystem_free_space;
  long ms_required_to_verify_data_planner_health = 0;
};

// A tape or pool of the physical placement answer: its element fields as text.
struct Medium {
  std::string kind;  // "Tape" | "Pool" | ...
  Pairs fields;
};

struct PhysicalPlacement {
  std::vector<Medium> tapes;
  std::vector<Medium> pools;
};

}  // namespace storewire::ds3
