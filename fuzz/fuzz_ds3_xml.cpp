// DS3 answers: every XML reader of cpp/ds3 on the same bytes. A
// server may send any body for any request, so each reader must cope with all of them.
#include <cstddef>
#include <cstdint>
#include <string>

#include "ds3/client.h"
#include "fuzz_common.h"

using namespace storewire::ds3;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  fuzz::typed([&] {
    Job j = parse_job(body);
    for (const Chunk& c : j.chunks) fuzz::check(c.chunk_number >= 0, "negative ChunkNumber");
  });
  fuzz::typed([&] { parse_jobs(body); });
  fuzz::typed([&] {
    Chunk c = parse_chunk(body);
    fuzz::check(c.chunk_number >= 0, "negative ChunkNumber");
  });
  fuzz::typed([&] { parse_service(body); });
  fuzz::typed([&] { parse_list_bucket(body); });
  fuzz::typed([&] { parse_delete_result(body); });
  fuzz::typed([&] { parse_search_objects(body); });
  fuzz::typed([&] { parse_system_information(body); });
  fuzz::typed([&] { parse_system_health(body); });
  fuzz::typed([&] { parse_physical_placement(body); });
  // Error bodies are read while an error is being raised: this one must never throw.
  try {
    parse_error(body);
  } catch (const std::exception& e) {
    fuzz::finding("parse_error threw", e.what());
  }
  return 0;
}
