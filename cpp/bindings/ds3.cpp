// Binding of the DS3 client and bulk engine: argument conversion, GIL release, Ctrl-C.
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ds3/bulk.h"
#include "ds3/client.h"
#include "convert.h"
#include "errors.h"
#include "init.h"
#include "options.h"

namespace py = pybind11;
using storewire::bindings::fspath;
using storewire::bindings::set_engine_options;
using storewire::bindings::set_if_given;
using storewire::bindings::signal_checkpoint;
using namespace storewire;
using namespace storewire::ds3;

namespace {

// Calls f(checkpoint) with the GIL released.
template <class F>
auto nogil(F&& f) {
  bindings::ReleaseGil release;
  return f(signal_checkpoint());
}

py::bytes as_bytes(const std::string& s) { return py::bytes(s); }

struct PyClient {
  std::shared_ptr<http::Client> http;
  std::shared_ptr<Client> client;

  // A strong reference for the duration of one call, so close() from another thread
  // cannot free the client under it (its transfers end with CancelledError instead).
  std::shared_ptr<Client> get() const {
    std::shared_ptr<Client> c = std::atomic_load(&client);  // may run without the GIL
    if (!c) throw Error(ErrorKind::InvalidArgument, "the DS3 client is closed");
    return c;
  }
  void close() {
    std::shared_ptr<http::Client> h = http;  // a second close() may run meanwhile
    if (!h) return;
    {
      bindings::ReleaseGil release;
      h->close();
    }
    std::atomic_store(&client, std::shared_ptr<Client>());
    http.reset();
  }
};

struct PyBulk {
  std::shared_ptr<Client> client;  // keeps the client alive while the transfer exists
  std::vector<std::unique_ptr<bindings::HeldBuffer>> buffers;  // released with the GIL
  std::unique_ptr<BulkTransfer> transfer;

  BulkResult run(const py::object& progress) {
    ProgressFn fn;
    if (!progress.is_none()) {
      // Called on this thread without the GIL; takes it only for the Python call.
      fn = [progress](const BulkProgress& p) {
        bindings::AcquireGil gil;
        progress(p);
      };
    }
    BulkResult result;
    {
      bindings::ReleaseGil release;
      result = transfer->run(signal_checkpoint(), fn);
    }
    return result;
  }
};

// (object name, local path or buffer) pairs. str and os.PathLike are paths; anything
// else must be a contiguous buffer (writable for a GET), held until the transfer dies.
std::vector<BulkFile> to_files(const py::object& files, bool writable,
                               std::vector<std::unique_ptr<bindings::HeldBuffer>>& held) {
  std::vector<BulkFile> out;
  for (py::handle item : py::iterable(files)) {
    py::tuple pair = py::reinterpret_borrow<py::object>(item).cast<py::tuple>();
    if (pair.size() != 2)
      throw py::value_error("files must be (object name, local path or buffer) pairs");
    py::object target = py::reinterpret_borrow<py::object>(pair[1]);
    BulkFile f{pair[0].cast<std::string>(), {}, std::nullopt};
    if (py::isinstance<py::str>(target) || py::hasattr(target, "__fspath__")) {
      f.path = fspath(target);
    } else {
      held.push_back(std::make_unique<bindings::HeldBuffer>(target, writable));
      f.buffer = held.back()->data();
      f.buffer_size = held.back()->size();
    }
    out.push_back(std::move(f));
  }
  return out;
}

// None keeps the engine's default bound; math.inf removes it.
void set_stall_timeout(BulkOptions& o, std::optional<double> stall_timeout_s) {
  if (!stall_timeout_s) return;
  if (std::isnan(*stall_timeout_s) || *stall_timeout_s <= 0)
    throw Error(ErrorKind::InvalidArgument, "stall_timeout_s must be > 0 (math.inf: no bound)");
  if (std::isinf(*stall_timeout_s)) {
    o.stall_timeout_s.reset();
  } else {
    o.stall_timeout_s = stall_timeout_s;
  }
}

// BulkOptions' defaults, for Python to read instead of repeating them. An unbounded
// stall timeout is math.inf, as bulk_put/bulk_get take it.
py::dict bulk_option_defaults() {
  const BulkOptions o;
  py::dict d;
  d["workers"] = o.workers;
  d["checksum"] = o.checksum;
  d["verify"] = o.verify;
  d["in_order"] = o.in_order;
  d["blob_retries"] = o.blob_retries;
  d["max_retry_after_s"] = o.max_retry_after_s;
  d["stall_timeout_s"] = o.stall_timeout_s.value_or(INFINITY);
  d["max_idle_polls"] = o.max_idle_polls;
  d["keep_partial"] = o.keep_partial;
  return d;
}

template <class T>
py::class_<T> record(py::module_& m, const char* name, const char* doc) {
  return py::class_<T>(m, name, doc).def("__repr__", &bindings::record_repr);
}

}  // namespace

void init_ds3(py::module_& m) {
  m.def("bulk_defaults", &bulk_option_defaults,
        "The bulk engine's defaults for bulk_put/bulk_get (a new dict each call): the one "
        "place they are declared is BulkOptions in cpp/ds3/bulk.h.");
  record<Owner>(m, "Owner", "The owner of a bucket or object.")
      .def_readonly("name", &Owner::name)
      .def_readonly("id", &Owner::id);
  record<Bucket>(m, "Bucket", "One bucket of GET service.")
      .def_readonly("name", &Bucket::name)
      .def_readonly("creation_date", &Bucket::creation_date)
      .def("__repr__", [](const Bucket& b) { return "Bucket(" + b.name + ")"; });
  record<Service>(m, "Service", "ListAllMyBucketsResult.")
      .def_readonly("owner", &Service::owner)
      .def_readonly("buckets", &Service::buckets);
  record<Contents>(m, "Contents", "One object of a bucket listing.")
      .def_readonly("key", &Contents::key)
      .def_readonly("last_modified", &Contents::last_modified)
      .def_readonly("etag", &Contents::etag)
      .def_readonly("size", &Contents::size)
      .def_readonly("storage_class", &Contents::storage_class)
      .def_readonly("owner", &Contents::owner)
      .def_readonly("version_id", &Contents::version_id)
      .def_readonly("is_latest", &Contents::is_latest)
      .def("__repr__", [](const Contents& c) {
        return "Contents(" + c.key + ", " + std::to_string(c.size) + ")";
      });
  record<ListBucketResult>(m, "ListBucketResult", "GET bucket: one page of a listing.")
      .def_readonly("name", &ListBucketResult::name)
      .def_readonly("prefix", &ListBucketResult::prefix)
      .def_readonly("marker", &ListBucketResult::marker)
      .def_readonly("next_marker", &ListBucketResult::next_marker)
      .def_readonly("delimiter", &ListBucketResult::delimiter)
      .def_readonly("creation_date", &ListBucketResult::creation_date)
      .def_readonly("max_keys", &ListBucketResult::max_keys)
      .def_readonly("is_truncated", &ListBucketResult::is_truncated)
      .def_readonly("objects", &ListBucketResult::objects)
      .def_readonly("common_prefixes", &ListBucketResult::common_prefixes)
      .def_readonly("versions", &ListBucketResult::versions);
  record<BulkObject>(m, "BulkObject", "One blob of a job: a byte range of an object.")
      .def_readonly("name", &BulkObject::name)
      .def_readonly("offset", &BulkObject::offset)
      .def_readonly("length", &BulkObject::length)
      .def_readonly("in_cache", &BulkObject::in_cache)
      .def_readonly("id", &BulkObject::id)
      .def_readonly("version_id", &BulkObject::version_id)
      .def("__repr__", [](const BulkObject& b) {
        return "BulkObject(" + b.name + ", offset=" + std::to_string(b.offset) +
               ", length=" + std::to_string(b.length) + ")";
      });
  record<Chunk>(m, "Chunk", "A job chunk: blobs that are processed together.")
      .def_readonly("chunk_id", &Chunk::chunk_id)
      .def_readonly("chunk_number", &Chunk::chunk_number)
      .def_readonly("node_id", &Chunk::node_id)
      .def_readonly("objects", &Chunk::objects);
  record<Node>(m, "Node", "A node of the server that data may be sent to.")
      .def_readonly("id", &Node::id)
      .def_readonly("endpoint", &Node::endpoint)
      .def_readonly("http_port", &Node::http_port)
      .def_readonly("https_port", &Node::https_port);
  record<Job>(m, "Job", "A bulk job (MasterObjectList); chunks are empty in job lists.")
      .def_readonly("job_id", &Job::job_id)
      .def_readonly("bucket_name", &Job::bucket_name)
      .def_readonly("name", &Job::name)
      .def_readonly("request_type", &Job::request_type)
      .def_readonly("status", &Job::status)
      .def_readonly("priority", &Job::priority)
      .def_readonly("chunk_order", &Job::chunk_order)
      .def_readonly("start_date", &Job::start_date)
      .def_readonly("user_id", &Job::user_id)
      .def_readonly("user_name", &Job::user_name)
      .def_readonly("original_size", &Job::original_size)
      .def_readonly("cached_size", &Job::cached_size)
      .def_readonly("completed_size", &Job::completed_size)
      .def_readonly("aggregating", &Job::aggregating)
      .def_readonly("naked", &Job::naked)
      .def_readonly("nodes", &Job::nodes)
      .def_readonly("chunks", &Job::chunks)
      .def("__repr__", [](const Job& j) {
        return "Job(" + j.job_id + ", " + j.request_type + ", " + j.status + ")";
      });
  record<ChunksReady>(m, "ChunksReady",
                      "Chunks ready for client processing; retry_after_s > 0 when none is.")
      .def_readonly("job", &ChunksReady::job)
      .def_readonly("retry_after_s", &ChunksReady::retry_after_s);
  record<Allocation>(m, "Allocation", "Allocate job chunk: the chunk, or when to ask again.")
      .def_readonly("allocated", &Allocation::allocated)
      .def_readonly("chunk", &Allocation::chunk)
      .def_readonly("retry_after_s", &Allocation::retry_after_s);
  record<ObjectInfo>(m, "ObjectInfo", "HEAD/GET object: headers, metadata, checksums, body.")
      .def_readonly("status", &ObjectInfo::status)
      .def_readonly("size", &ObjectInfo::size)
      .def_readonly("etag", &ObjectInfo::etag)
      .def_readonly("last_modified", &ObjectInfo::last_modified)
      .def_readonly("content_type", &ObjectInfo::content_type)
      .def_readonly("metadata", &ObjectInfo::metadata)
      .def_readonly("checksum_type", &ObjectInfo::checksum_type)
      .def_readonly("blob_checksums", &ObjectInfo::blob_checksums)
      .def_readonly("checksum", &ObjectInfo::checksum)
      .def_property_readonly("body", [](const ObjectInfo& o) { return as_bytes(o.body); })
      .def_readonly("bytes_received", &ObjectInfo::bytes_received)
      .def_readonly("headers", &ObjectInfo::headers);
  record<DeleteError>(m, "DeleteError", "A key multi-delete could not remove.")
      .def_readonly("key", &DeleteError::key)
      .def_readonly("code", &DeleteError::code)
      .def_readonly("message", &DeleteError::message);
  record<DeleteResult>(m, "DeleteResult", "Multi-object delete answer.")
      .def_readonly("deleted", &DeleteResult::deleted)
      .def_readonly("errors", &DeleteResult::errors);
  record<SearchObject>(m, "SearchObject", "One object of /_rest_/object search.")
      .def_readonly("bucket_id", &SearchObject::bucket_id)
      .def_readonly("id", &SearchObject::id)
      .def_readonly("name", &SearchObject::name)
      .def_readonly("size", &SearchObject::size)
      .def_readonly("owner", &SearchObject::owner)
      .def_readonly("creation_date", &SearchObject::creation_date)
      .def_readonly("storage_class", &SearchObject::storage_class)
      .def_readonly("type", &SearchObject::type)
      .def_readonly("version", &SearchObject::version)
      .def_readonly("latest", &SearchObject::latest);
  record<BuildInformation>(m, "BuildInformation", "Server build.")
      .def_readonly("branch", &BuildInformation::branch)
      .def_readonly("revision", &BuildInformation::revision)
      .def_readonly("version", &BuildInformation::version);
  record<SystemInformation>(m, "SystemInformation", "GET system_information.")
      .def_readonly("api_version", &SystemInformation::api_version)
      .def_readonly("serial_number", &SystemInformation::serial_number)
      .def_readonly("instance_id", &SystemInformation::instance_id)
      .def_readonly("now", &SystemInformation::now)
      .def_readonly("backend_activated", &SystemInformation::backend_activated)
      .def_readonly("build_information", &SystemInformation::build_information);
  record<SystemHealth>(m, "SystemHealth", "GET system_health.")
      .def_readonly("database_filesystem_free_space",
                    &SystemHealth::database_filesystem_free_space)
      .def_readonly("ms_required_to_verify_data_planner_health",
                    &SystemHealth::ms_required_to_verify_data_planner_health);
  record<Medium>(m, "Medium", "A tape or pool of a physical placement, as its fields.")
      .def_readonly("kind", &Medium::kind)
      .def_readonly("fields", &Medium::fields);
  record<PhysicalPlacement>(m, "PhysicalPlacement", "Where objects are stored.")
      .def_readonly("tapes", &PhysicalPlacement::tapes)
      .def_readonly("pools", &PhysicalPlacement::pools);
  record<BulkProgress>(m, "BulkProgress", "Progress after one blob of a bulk transfer.")
      .def_readonly("job_id", &BulkProgress::job_id)
      .def_readonly("name", &BulkProgress::name)
      .def_readonly("offset", &BulkProgress::offset)
      .def_readonly("length", &BulkProgress::length)
      .def_readonly("skipped", &BulkProgress::skipped)
      .def_readonly("bytes_done", &BulkProgress::bytes_done)
      .def_readonly("bytes_total", &BulkProgress::bytes_total)
      .def_readonly("blobs_done", &BulkProgress::blobs_done)
      .def_readonly("blobs_total", &BulkProgress::blobs_total);
  record<BulkResult>(m, "BulkResult", "Summary of a finished bulk transfer.")
      .def_readonly("job_id", &BulkResult::job_id)
      .def_readonly("bytes_total", &BulkResult::bytes_total)
      .def_readonly("blobs_total", &BulkResult::blobs_total)
      .def_readonly("bytes_transferred", &BulkResult::bytes_transferred)
      .def_readonly("blobs_transferred", &BulkResult::blobs_transferred)
      .def_readonly("blobs_skipped", &BulkResult::blobs_skipped)
      .def_readonly("blob_retries", &BulkResult::blob_retries)
      .def_readonly("retry_waits", &BulkResult::retry_waits)
      .def_readonly("chunks_allocated", &BulkResult::chunks_allocated)
      .def_readonly("seconds", &BulkResult::seconds);

  py::class_<PyBulk>(m, "BulkTransfer",
                     "A bulk job between local files and a bucket, run by the native engine.")
      .def("run", &PyBulk::run, py::arg("progress") = py::none(),
           "Run the job to completion; progress(BulkProgress) is called after each blob.")
      .def("cancel", [](PyBulk& self) { self.transfer->cancel(); },
           "Stop run() (from any thread); it raises CancelledError. The job stays resumable.")
      .def_property_readonly("job_id", [](const PyBulk& self) { return self.transfer->job_id(); })
      .def_property_readonly("direction", [](const PyBulk& self) {
        return std::string(self.transfer->direction() == Direction::Put ? "put" : "get");
      });

  py::class_<PyClient>(m, "Client", "DS3 requests signed with the DS3 SigV2 flavour.")
      .def(py::init([](std::string endpoint, std::string access_key, std::string secret_key,
                       std::optional<std::string> proxy, std::optional<bool> use_env_proxy,
                       std::optional<bool> verify_tls, const py::object& ca_file,
                       std::optional<double> connect_timeout_s, std::optional<double> timeout_s,
                       std::optional<int> max_retries, std::optional<double> retry_base_delay_s,
                       std::optional<double> retry_max_delay_s, std::optional<int> max_in_flight,
                       std::optional<double> low_speed_time_s,
                       std::optional<std::string> user_agent) {
             http::ClientOptions o;  // None keeps the default declared there
             set_engine_options(o, std::move(proxy), std::move(use_env_proxy),
                                std::move(verify_tls), ca_file, std::move(connect_timeout_s),
                                std::move(timeout_s), std::move(max_retries),
                                std::move(retry_base_delay_s), std::move(retry_max_delay_s),
                                std::move(max_in_flight), std::move(low_speed_time_s),
                                std::move(user_agent));
             PyClient c;
             c.http = std::make_shared<http::Client>(std::move(o));
             c.client = std::make_shared<Client>(std::move(endpoint), std::move(access_key),
                                                 std::move(secret_key), c.http);
             return c;
           }),
           py::arg("endpoint"), py::arg("access_key"), py::arg("secret_key"), py::kw_only(),
           py::arg("proxy") = py::none(), py::arg("use_env_proxy") = py::none(),
           py::arg("verify_tls") = py::none(), py::arg("ca_file") = py::none(),
           py::arg("connect_timeout_s") = py::none(), py::arg("timeout_s") = py::none(),
           py::arg("max_retries") = py::none(), py::arg("retry_base_delay_s") = py::none(),
           py::arg("retry_max_delay_s") = py::none(), py::arg("max_in_flight") = py::none(),
           py::arg("low_speed_time_s") = py::none(), py::arg("user_agent") = py::none())
      .def_property_readonly("endpoint", [](PyClient& self) { return self.get()->endpoint(); })
      .def_property_readonly("access_key", [](PyClient& self) { return self.get()->access_key(); })
      .def("close", &PyClient::close)
      .def("get_service",
           [](PyClient& self) { return nogil([&](auto& cp) { return self.get()->get_service(cp); }); })
      .def("put_bucket",
           [](PyClient& self, const std::string& bucket) {
             nogil([&](auto& cp) { self.get()->put_bucket(bucket, cp); });
           },
           py::arg("bucket"))
      .def("head_bucket",
           [](PyClient& self, const std::string& bucket) {
             nogil([&](auto& cp) { self.get()->head_bucket(bucket, cp); });
           },
           py::arg("bucket"))
      .def("delete_bucket",
           [](PyClient& self, const std::string& bucket, bool force) {
             nogil([&](auto& cp) { self.get()->delete_bucket(bucket, force, cp); });
           },
           py::arg("bucket"), py::arg("force") = false)
      .def("get_bucket",
           [](PyClient& self, const std::string& bucket, const std::string& prefix,
              const std::string& delimiter, const std::string& marker,
              std::optional<long> max_keys) {
             return nogil([&](auto& cp) {
               return self.get()->get_bucket(bucket, prefix, delimiter, marker, max_keys, cp);
             });
           },
           py::arg("bucket"), py::arg("prefix") = "", py::arg("delimiter") = "",
           py::arg("marker") = "", py::arg("max_keys") = py::none())
      .def("put_object",
           [](PyClient& self, const std::string& bucket, const std::string& key,
              const py::object& data, const py::object& file, std::uint64_t file_offset,
              std::optional<std::uint64_t> length, const std::string& job,
              std::optional<std::uint64_t> offset, const Pairs& metadata,
              const std::string& checksum, const std::string& checksum_value) {
             PutObjectRequest r;
             r.bucket = bucket;
             r.key = key;
             r.job = job;
             r.offset = offset;
             r.metadata = metadata;
             r.checksum_algorithm = checksum;
             r.checksum = checksum_value;
             std::unique_ptr<bindings::HeldBuffer> held;
             if (!data.is_none() && !file.is_none())
               throw py::value_error("give either data or file, not both");
             if (!data.is_none()) {
               held = std::make_unique<bindings::HeldBuffer>(data, false);
               r.body.kind = http::BodySource::Kind::Buffer;
               r.body.data = held->data();
               r.body.size = held->size();
             } else if (!file.is_none()) {
               r.body.kind = http::BodySource::Kind::File;
               r.body.path = fspath(file);
               r.body.offset = file_offset;
               r.body.length = length;
             }
             nogil([&](auto& cp) { self.get()->put_object(r, cp); });
           },
           py::arg("bucket"), py::arg("key"), py::kw_only(), py::arg("data") = py::none(),
           py::arg("file") = py::none(), py::arg("file_offset") = 0,
           py::arg("length") = py::none(), py::arg("job") = "", py::arg("offset") = py::none(),
           py::arg("metadata") = Pairs{}, py::arg("checksum") = "",
           py::arg("checksum_value") = "")
      .def("get_object",
           [](PyClient& self, const std::string& bucket, const std::string& key,
              const std::string& job, std::optional<std::uint64_t> offset,
              const std::string& range, const py::object& into, const py::object& into_file,
              std::uint64_t into_offset) {
             GetObjectRequest r;
             r.bucket = bucket;
             r.key = key;
             r.job = job;
             r.offset = offset;
             r.range = range;
             std::unique_ptr<bindings::HeldBuffer> held;
             if (!into.is_none() && !into_file.is_none())
               throw py::value_error("give either into or into_file, not both");
             if (!into.is_none()) {
               held = std::make_unique<bindings::HeldBuffer>(into, true);
               r.sink.kind = http::BodySink::Kind::Buffer;
               r.sink.data = held->data();
               r.sink.capacity = held->size();
             } else if (!into_file.is_none()) {
               r.sink.kind = http::BodySink::Kind::File;
               r.sink.path = fspath(into_file);
               r.sink.offset = into_offset;
             }
             return nogil([&](auto& cp) { return self.get()->get_object(r, cp); });
           },
           py::arg("bucket"), py::arg("key"), py::kw_only(), py::arg("job") = "",
           py::arg("offset") = py::none(), py::arg("range") = "", py::arg("into") = py::none(),
           py::arg("into_file") = py::none(), py::arg("into_offset") = 0)
      .def("head_object",
           [](PyClient& self, const std::string& bucket, const std::string& key) {
             return nogil([&](auto& cp) { return self.get()->head_object(bucket, key, cp); });
           },
           py::arg("bucket"), py::arg("key"))
      .def("delete_object",
           [](PyClient& self, const std::string& bucket, const std::string& key) {
             nogil([&](auto& cp) { self.get()->delete_object(bucket, key, cp); });
           },
           py::arg("bucket"), py::arg("key"))
      .def("delete_objects",
           [](PyClient& self, const std::string& bucket, const std::vector<std::string>& keys) {
             return nogil([&](auto& cp) { return self.get()->delete_objects(bucket, keys, cp); });
           },
           py::arg("bucket"), py::arg("keys"))
      .def("delete_folder",
           [](PyClient& self, const std::string& bucket, const std::string& folder) {
             nogil([&](auto& cp) { self.get()->delete_folder(bucket, folder, cp); });
           },
           py::arg("bucket"), py::arg("folder"))
      .def("start_bulk_put",
           [](PyClient& self, const std::string& bucket,
              const std::vector<std::pair<std::string, std::uint64_t>>& objects,
              std::optional<std::uint64_t> max_upload_size, const std::string& priority,
              const std::string& name) {
             BulkPutOptions o;
             o.max_upload_size = max_upload_size;
             o.priority = priority;
             o.name = name;
             return nogil(
                 [&](auto& cp) { return self.get()->start_bulk_put(bucket, objects, o, cp); });
           },
           py::arg("bucket"), py::arg("objects"), py::kw_only(),
           py::arg("max_upload_size") = py::none(), py::arg("priority") = "",
           py::arg("name") = "")
      .def("start_bulk_get",
           [](PyClient& self, const std::string& bucket, const std::vector<std::string>& names,
              std::optional<bool> in_order, const std::string& priority,
              const std::string& name) {
             BulkGetOptions o;  // None keeps its default
             set_if_given(o.in_order, std::move(in_order));
             o.priority = priority;
             o.name = name;
             return nogil(
                 [&](auto& cp) { return self.get()->start_bulk_get(bucket, names, o, cp); });
           },
           py::arg("bucket"), py::arg("names"), py::kw_only(), py::arg("in_order") = py::none(),
           py::arg("priority") = "", py::arg("name") = "")
      .def("allocate_chunk",
           [](PyClient& self, const std::string& chunk_id) {
             return nogil([&](auto& cp) { return self.get()->allocate_chunk(chunk_id, cp); });
           },
           py::arg("chunk_id"))
      .def("get_available_chunks",
           [](PyClient& self, const std::string& job_id, std::optional<int> preferred) {
             return nogil(
                 [&](auto& cp) { return self.get()->get_available_chunks(job_id, preferred, cp); });
           },
           py::arg("job_id"), py::arg("preferred_number_of_chunks") = py::none())
      .def("get_job",
           [](PyClient& self, const std::string& job_id) {
             return nogil([&](auto& cp) { return self.get()->get_job(job_id, cp); });
           },
           py::arg("job_id"))
      .def("get_jobs",
           [](PyClient& self, const std::string& bucket) {
             return nogil([&](auto& cp) { return self.get()->get_jobs(bucket, cp); });
           },
           py::arg("bucket") = "")
      .def("cancel_job",
           [](PyClient& self, const std::string& job_id, bool force) {
             nogil([&](auto& cp) { self.get()->cancel_job(job_id, force, cp); });
           },
           py::arg("job_id"), py::arg("force") = true)
      .def("modify_job",
           [](PyClient& self, const std::string& job_id, const std::string& name,
              const std::string& priority) {
             return nogil(
                 [&](auto& cp) { return self.get()->modify_job(job_id, name, priority, cp); });
           },
           py::arg("job_id"), py::kw_only(), py::arg("name") = "", py::arg("priority") = "")
      .def("get_physical_placement",
           [](PyClient& self, const std::string& bucket, const std::vector<std::string>& names) {
             return nogil(
                 [&](auto& cp) { return self.get()->get_physical_placement(bucket, names, cp); });
           },
           py::arg("bucket"), py::arg("names"))
      .def("get_objects",
           [](PyClient& self, const std::string& bucket, const std::string& name,
              const std::string& id, const std::string& type, const std::string& version,
              const std::string& creation_date, std::optional<long> page_length,
              std::optional<long> page_offset) {
             SearchRequest s{bucket, name, id, type, version, creation_date, page_length,
                             page_offset};
             return nogil([&](auto& cp) { return self.get()->get_objects(s, cp); });
           },
           py::kw_only(), py::arg("bucket") = "", py::arg("name") = "", py::arg("id") = "",
           py::arg("type") = "", py::arg("version") = "", py::arg("creation_date") = "",
           py::arg("page_length") = py::none(), py::arg("page_offset") = py::none())
      .def("get_system_information",
           [](PyClient& self) {
             return nogil([&](auto& cp) { return self.get()->get_system_information(cp); });
           })
      .def("get_system_health",
           [](PyClient& self) {
             return nogil([&](auto& cp) { return self.get()->get_system_health(cp); });
           })
      .def("bulk_put",
           [](PyClient& self, const std::string& bucket,
              const py::object& files, std::optional<int> workers,
              std::optional<std::string> checksum, std::optional<std::uint64_t> max_upload_size,
              const std::string& priority, const std::string& name, const std::string& job_id,
              std::optional<int> blob_retries, std::optional<double> max_retry_after_s,
              std::optional<double> stall_timeout_s) {
             BulkOptions o;  // None keeps its default
             set_if_given(o.workers, std::move(workers));
             set_if_given(o.checksum, std::move(checksum));
             o.max_upload_size = max_upload_size;
             o.priority = priority;
             o.name = name;
             o.job_id = job_id;
             set_if_given(o.blob_retries, std::move(blob_retries));
             set_if_given(o.max_retry_after_s, std::move(max_retry_after_s));
             set_stall_timeout(o, stall_timeout_s);
             auto c = self.get();
             PyBulk bulk{c, {}, nullptr};
             auto list = to_files(files, Direction::Put == Direction::Get, bulk.buffers);
             bulk.transfer = std::make_unique<BulkTransfer>(*c, Direction::Put, bucket,
                                                            std::move(list), std::move(o));
             return bulk;
           },
           py::arg("bucket"), py::arg("files"), py::kw_only(), py::arg("workers") = py::none(),
           py::arg("checksum") = py::none(), py::arg("max_upload_size") = py::none(),
           py::arg("priority") = "", py::arg("name") = "", py::arg("job_id") = "",
           py::arg("blob_retries") = py::none(), py::arg("max_retry_after_s") = py::none(),
           py::arg("stall_timeout_s") = py::none(),
           "A bulk PUT of (object name, local path or buffer) pairs; call run() on the result.")
      .def("bulk_get",
           [](PyClient& self, const std::string& bucket,
              const py::object& files, std::optional<int> workers,
              std::optional<bool> verify, std::optional<bool> in_order,
              const std::string& priority, const std::string& name, const std::string& job_id,
              std::optional<int> blob_retries, std::optional<double> max_retry_after_s,
              std::optional<double> stall_timeout_s) {
             BulkOptions o;  // None keeps its default
             set_if_given(o.workers, std::move(workers));
             set_if_given(o.verify, std::move(verify));
             set_if_given(o.in_order, std::move(in_order));
             o.priority = priority;
             o.name = name;
             o.job_id = job_id;
             set_if_given(o.blob_retries, std::move(blob_retries));
             set_if_given(o.max_retry_after_s, std::move(max_retry_after_s));
             set_stall_timeout(o, stall_timeout_s);
             auto c = self.get();
             PyBulk bulk{c, {}, nullptr};
             auto list = to_files(files, Direction::Get == Direction::Get, bulk.buffers);
             bulk.transfer = std::make_unique<BulkTransfer>(*c, Direction::Get, bucket,
                                                            std::move(list), std::move(o));
             return bulk;
           },
           py::arg("bucket"), py::arg("files"), py::kw_only(), py::arg("workers") = py::none(),
           py::arg("verify") = py::none(), py::arg("in_order") = py::none(),
           py::arg("priority") = "", py::arg("name") = "", py::arg("job_id") = "",
           py::arg("blob_retries") = py::none(), py::arg("max_retry_after_s") = py::none(),
           py::arg("stall_timeout_s") = py::none(),
           "A bulk GET of (object name, local path or writable buffer) pairs; call run() on the result.")
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](PyClient& self, const py::args&) { self.close(); });
}
