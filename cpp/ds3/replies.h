// DS3 answers: XML documents and object headers, read into the structs of ds3/types.h.
#pragma once

#include <string>
#include <vector>

#include "ds3/types.h"
#include "http/types.h"
#include "storewire/status_error.h"

namespace storewire::ds3 {

// Public for the tests, the fuzz targets and the bulk engine.
Service parse_service(const std::string& xml);
ListBucketResult parse_list_bucket(const std::string& xml);
Job parse_job(const std::string& xml);  // MasterObjectList (or a Data-wrapped one)
std::vector<Job> parse_jobs(const std::string& xml);
Chunk parse_chunk(const std::string& xml);  // <Objects ChunkId ...>
DeleteResult parse_delete_result(const std::string& xml);
std::vector<SearchObject> parse_search_objects(const std::string& xml);
SystemInformation parse_system_information(const std::string& xml);
SystemHealth parse_system_health(const std::string& xml);
PhysicalPlacement parse_physical_placement(const std::string& xml);
// Code, Message, Resource of an <Error> body; empty fields when it is not one.
StatusErrorInfo parse_error(const std::string& body);
// Metadata and checksum headers of a HEAD/GET answer.
void read_object_headers(const http::Result& result, ObjectInfo& info);

}  // namespace storewire::ds3
