// DS3 answers: XML documents and object headers, read into the structs of ds3/types.h.
// Every field goes through ds3/fields.h, the one place a server's value is checked.
#include "ds3/replies.h"

#include <memory>
#include <string_view>

#include "ds3/fields.h"
#include "ds3/headers.h"
#include "xml/xml.h"

namespace storewire::ds3 {

namespace {

namespace f = fields;

// An answer that must carry a document: an empty 200 is a protocol violation, not an
// empty result (issue 19), and XML errors name the answer they were found in.
std::shared_ptr<const xml::Document> parse_doc(const std::string& body, std::string_view answer) {
  if (body.empty())
    throw Error(ErrorKind::Protocol,
                "the server sent an empty " + std::string(answer) + " answer (a body is required)",
                "ds3-answer");
  try {
    return xml::Document::parse(body.data(), body.size());
  } catch (const Error& e) {
    throw Error(e.kind(), std::string(answer) + " answer: " + e.what(), e.detail());
  }
}

Owner parse_owner(pugi::xml_node n, const std::string& where) {
  return Owner{f::child_text(n, where, "DisplayName"), f::child_text(n, where, "ID")};
}

Contents parse_contents(pugi::xml_node n, const std::string& where) {
  Contents c;
  c.key = f::child_text(n, where, "Key");
  c.last_modified = f::child_text(n, where, "LastModified");
  c.etag = f::child_text(n, where, "ETag");
  c.size = f::child_u64(n, where, "Size");
  c.storage_class = f::child_text(n, where, "StorageClass");
  if (pugi::xml_node o = xml::child(n, "Owner")) c.owner = parse_owner(o, where + "/Owner");
  c.version_id = f::child_text(n, where, "VersionId");
  c.is_latest = f::boolean(where + "/IsLatest", xml::child_text(n, "IsLatest"), true);
  return c;
}

BulkObject parse_blob(pugi::xml_node n) {
  static const std::string where = "Objects/Object";
  BulkObject b;
  b.name = f::attr(n, where, "Name");
  b.offset = f::attr_u64(n, where, "Offset");
  b.length = f::attr_u64(n, where, "Length");
  b.in_cache = f::boolean(where + "@InCache", f::attr_value(n, where, "InCache"));
  b.id = f::attr(n, where, "Id");
  b.version_id = f::attr(n, where, "VersionId");
  return b;
}

Chunk parse_chunk_node(pugi::xml_node n) {
  Chunk c;
  c.chunk_id = f::attr(n, "Objects", "ChunkId");
  c.chunk_number =
      f::non_negative_int("Objects@ChunkNumber", f::attr_value(n, "Objects", "ChunkNumber"));
  c.node_id = f::attr(n, "Objects", "NodeId");
  xml::for_each_child(n, "Object", [&](pugi::xml_node o) { c.objects.push_back(parse_blob(o)); });
  return c;
}

// `where` is "MasterObjectList" or "Jobs/Job"; either must name its job.
Job parse_job_node(pugi::xml_node n, const std::string& where) {
  Job j;
  j.job_id = f::attr(n, where, "JobId");
  if (j.job_id.empty()) f::bad(where + "@JobId", "", "a job answer must name its job");
  j.bucket_name = f::attr(n, where, "BucketName");
  j.name = f::attr(n, where, "Name");
  j.request_type = f::attr(n, where, "RequestType");
  j.status = f::attr(n, where, "Status");
  j.priority = f::attr(n, where, "Priority");
  j.chunk_order = f::attr(n, where, "ChunkClientProcessingOrderGuarantee");
  j.start_date = f::attr(n, where, "StartDate");
  j.user_id = f::attr(n, where, "UserId");
  j.user_name = f::attr(n, where, "UserName");
  j.original_size = f::attr_u64(n, where, "OriginalSizeInBytes");
  j.cached_size = f::attr_u64(n, where, "CachedSizeInBytes");
  j.completed_size = f::attr_u64(n, where, "CompletedSizeInBytes");
  j.aggregating = f::boolean(where + "@Aggregating", f::attr_value(n, where, "Aggregating"));
  j.naked = f::boolean(where + "@Naked", f::attr_value(n, where, "Naked"));
  if (pugi::xml_node nodes = xml::child(n, "Nodes")) {
    const std::string nw = where + "/Nodes/Node";
    xml::for_each_child(nodes, "Node", [&](pugi::xml_node x) {
      j.nodes.push_back(Node{f::attr(x, nw, "Id"), f::attr(x, nw, "EndPoint"),
                             f::port(nw + "@HttpPort", f::attr_value(x, nw, "HttpPort")),
                             f::port(nw + "@HttpsPort", f::attr_value(x, nw, "HttpsPort"))});
    });
  }
  xml::for_each_child(n, "Objects",
                      [&](pugi::xml_node c) { j.chunks.push_back(parse_chunk_node(c)); });
  return j;
}

Medium parse_medium(pugi::xml_node n, const std::string& where) {
  Medium m;
  m.kind = f::text(where + " element name", std::string(xml::local_name(n.name())));
  const std::string w = where + "/" + m.kind;
  for (pugi::xml_attribute a = n.first_attribute(); a; a = a.next_attribute()) {
    // The name is checked first: it becomes part of the value's field name.
    std::string name = f::text(w + " attribute name", a.name());
    std::string value = f::text(w + "@" + name, a.value());
    m.fields.emplace_back(std::move(name), std::move(value));
  }
  xml::for_each_child(n, "*", [&](pugi::xml_node x) {
    const std::string name = f::text(w + " element name", std::string(xml::local_name(x.name())));
    m.fields.emplace_back(name, f::text(w + "/" + name, xml::text(x)));
  });
  return m;
}

}  // namespace

void read_object_headers(const http::Result& result, ObjectInfo& info) {
  info.status = result.status;
  bool have_length = false;
  for (const auto& [name, value] : result.headers) {
    // Every header becomes a Python str (ObjectInfo.headers): checked here, once.
    f::text("a header name", name);
    f::header(name, value);
    const std::string n = ascii_lower(name);
    if (n.rfind("x-amz-meta-", 0) == 0) {
      info.metadata.emplace_back(name.substr(11), value);
    } else if (n == "etag") {
      info.etag = value;
    } else if (n == "last-modified") {
      info.last_modified = value;
    } else if (n == "content-type") {
      info.content_type = value;
    } else if (n == "content-length") {
      if (value.find_first_not_of(" \t") == std::string::npos)
        f::bad("header Content-Length", value, "empty");
      const std::uint64_t size = f::u64("header Content-Length", value);
      if (have_length && size != info.size)
        f::bad("header Content-Length", value, "differs from an earlier Content-Length");
      info.size = size;
      have_length = true;
    } else if (n == "ds3-blob-checksum-type") {
      info.checksum_type = value;
    } else if (n.rfind("ds3-blob-checksum-offset-", 0) == 0) {
      const std::string offset = n.substr(25);
      if (offset.empty()) f::bad("header name", name, "no blob offset");
      info.blob_checksums.emplace_back(f::u64("header " + name, offset), value);
    } else if (n == "content-md5" || n == "content-crc32" || n == "content-crc32c" ||
               n == "content-sha256" || n == "content-sha512") {
      info.checksum = value;
      if (info.checksum_type.empty()) info.checksum_type = checksum_algorithm(n);
    }
  }
  info.headers.assign(result.headers.begin(), result.headers.end());
}

Service parse_service(const std::string& body) {
  auto doc = parse_doc(body, "get service");
  pugi::xml_node root = f::root(doc->root(), "get service", "ListAllMyBucketsResult");
  Service s;
  if (pugi::xml_node o = xml::child(root, "Owner"))
    s.owner = parse_owner(o, "ListAllMyBucketsResult/Owner");
  if (pugi::xml_node bs = xml::child(root, "Buckets")) {
    static const std::string where = "ListAllMyBucketsResult/Buckets/Bucket";
    xml::for_each_child(bs, "Bucket", [&](pugi::xml_node b) {
      s.buckets.push_back(
          Bucket{f::child_text(b, where, "Name"), f::child_text(b, where, "CreationDate")});
    });
  }
  return s;
}

ListBucketResult parse_list_bucket(const std::string& body) {
  auto doc = parse_doc(body, "get bucket");
  static const std::string where = "ListBucketResult";
  pugi::xml_node root = f::root(doc->root(), "get bucket", "ListBucketResult");
  ListBucketResult r;
  r.name = f::child_text(root, where, "Name");
  r.prefix = f::child_text(root, where, "Prefix");
  r.marker = f::child_text(root, where, "Marker");
  r.next_marker = f::child_text(root, where, "NextMarker");
  r.delimiter = f::child_text(root, where, "Delimiter");
  r.creation_date = f::child_text(root, where, "CreationDate");
  r.max_keys = f::non_negative_long(where + "/MaxKeys", xml::child_text(root, "MaxKeys"));
  r.is_truncated = f::boolean(where + "/IsTruncated", xml::child_text(root, "IsTruncated"));
  xml::for_each_child(root, "Contents", [&](pugi::xml_node c) {
    r.objects.push_back(parse_contents(c, where + "/Contents"));
  });
  xml::for_each_child(root, "Version", [&](pugi::xml_node c) {
    r.versions.push_back(parse_contents(c, where + "/Version"));
  });
  xml::for_each_child(root, "CommonPrefixes", [&](pugi::xml_node c) {
    xml::for_each_child(c, "Prefix", [&](pugi::xml_node p) {
      r.common_prefixes.push_back(f::text(where + "/CommonPrefixes/Prefix", xml::text(p)));
    });
  });
  return r;
}

Job parse_job(const std::string& body) {
  auto doc = parse_doc(body, "job");
  return parse_job_node(f::root(doc->root(), "job", "MasterObjectList"), "MasterObjectList");
}

std::vector<Job> parse_jobs(const std::string& body) {
  auto doc = parse_doc(body, "job list");
  pugi::xml_node root = f::root(doc->root(), "job list", "Jobs");
  std::vector<Job> out;
  xml::for_each_child(root, "Job",
                      [&](pugi::xml_node j) { out.push_back(parse_job_node(j, "Jobs/Job")); });
  return out;
}

Chunk parse_chunk(const std::string& body) {
  auto doc = parse_doc(body, "job chunk");
  Chunk c = parse_chunk_node(f::root(doc->root(), "job chunk", "Objects"));
  if (c.chunk_id.empty()) f::bad("Objects@ChunkId", "", "a chunk answer must name its chunk");
  return c;
}

DeleteResult parse_delete_result(const std::string& body) {
  auto doc = parse_doc(body, "multi-delete");
  pugi::xml_node root = f::root(doc->root(), "multi-delete", "DeleteResult");
  DeleteResult r;
  xml::for_each_child(root, "Deleted", [&](pugi::xml_node d) {
    r.deleted.push_back(f::child_text(d, "DeleteResult/Deleted", "Key"));
  });
  static const std::string where = "DeleteResult/Error";
  xml::for_each_child(root, "Error", [&](pugi::xml_node e) {
    r.errors.push_back(DeleteError{f::child_text(e, where, "Key"), f::child_text(e, where, "Code"),
                                   f::child_text(e, where, "Message")});
  });
  return r;
}

std::vector<SearchObject> parse_search_objects(const std::string& body) {
  auto doc = parse_doc(body, "object search");
  pugi::xml_node root = f::root(doc->root(), "object search", "Data");
  std::vector<SearchObject> out;
  static const std::string where = "Data/S3Object";
  xml::for_each_child(root, "S3Object", [&](pugi::xml_node n) {
    SearchObject o;
    o.bucket_id = f::child_text(n, where, "BucketId");
    o.id = f::child_text(n, where, "Id");
    o.name = f::child_text(n, where, "Name");
    o.size = f::child_u64(n, where, "Size");
    o.owner = f::child_text(n, where, "Owner");
    o.creation_date = f::child_text(n, where, "CreationDate");
    o.storage_class = f::child_text(n, where, "StorageClass");
    o.type = f::child_text(n, where, "Type");
    o.version = f::child_text(n, where, "Version");
    o.latest = f::boolean(where + "/Latest", xml::child_text(n, "Latest"), true);
    out.push_back(std::move(o));
  });
  return out;
}

SystemInformation parse_system_information(const std::string& body) {
  auto doc = parse_doc(body, "system information");
  pugi::xml_node root = f::root(doc->root(), "system information", "Data");
  static const std::string where = "Data";
  SystemInformation s;
  s.api_version = f::child_text(root, where, "ApiVersion");
  s.serial_number = f::child_text(root, where, "SerialNumber");
  s.instance_id = f::child_text(root, where, "InstanceId");
  s.now = f::child_text(root, where, "Now");
  s.backend_activated =
      f::boolean("Data/BackendActivated", xml::child_text(root, "BackendActivated"));
  if (pugi::xml_node b = xml::child(root, "BuildInformation")) {
    static const std::string bw = "Data/BuildInformation";
    s.build_information = BuildInformation{f::child_text(b, bw, "Branch"),
                                           f::child_text(b, bw, "Revision"),
                                           f::child_text(b, bw, "Version")};
  }
  return s;
}

SystemHealth parse_system_health(const std::string& body) {
  auto doc = parse_doc(body, "system health");
  pugi::xml_node root = f::root(doc->root(), "system health", "Data");
  SystemHealth h;
  h.database_filesystem_free_space = f::child_text(root, "Data", "DatabaseFilesystemFreeSpace");
  h.ms_required_to_verify_data_planner_health = f::non_negative_long(
      "Data/MsRequiredToVerifyDataPlannerHealth",
      xml::child_text(root, "MsRequiredToVerifyDataPlannerHealth"));
  return h;
}

PhysicalPlacement parse_physical_placement(const std::string& body) {
  auto doc = parse_doc(body, "physical placement");
  PhysicalPlacement p;
  pugi::xml_node root = f::root(doc->root(), "physical placement", "Data");
  if (pugi::xml_node tapes = xml::child(root, "Tapes")) {
    xml::for_each_child(tapes, "*", [&](pugi::xml_node t) {
      p.tapes.push_back(parse_medium(t, "Data/Tapes"));
    });
  }
  if (pugi::xml_node pools = xml::child(root, "Pools")) {
    xml::for_each_child(pools, "*", [&](pugi::xml_node t) {
      p.pools.push_back(parse_medium(t, "Data/Pools"));
    });
  }
  return p;
}

// Error answers are only read by people: invalid UTF-8 becomes U+FFFD instead of failing,
// so the caller still gets the status-based error (a proxy's binary page, a Latin-1 reason).
StatusErrorInfo parse_error(const std::string& body) {
  StatusErrorInfo info;
  if (body.empty()) return info;
  const std::string clean = utf8_lossy(body);
  try {
    auto doc = xml::Document::parse(clean.data(), clean.size());
    pugi::xml_node root = doc->root();
    if (xml::local_name(root.name()) != "Error") return info;
    // Entity references can still decode to text that is not UTF-8 (&#xD800;).
    info.code = utf8_lossy(xml::child_text(root, "Code"));
    info.message = utf8_lossy(xml::child_text(root, "Message"));
    info.resource = utf8_lossy(xml::child_text(root, "Resource"));
    info.request_id = utf8_lossy(xml::child_text(root, "RequestId"));
  } catch (const Error&) {
    info.message = utf8_lossy(body.substr(0, 512));
  }
  return info;
}

}  // namespace storewire::ds3
