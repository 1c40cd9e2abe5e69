// The DS3 bulk-plan validator (cpp/ds3/validate.h) behind the XML reader, as the bulk
// engine uses them. Input: optional header lines, then a MasterObjectList, then optionally
// "!chunk" and a chunk answer (<Objects>):
//   !object NAME SIZE [CAPACITY]   what the client knows of an object ("-" = unknown size)
//   !complete                      a fresh job's plan (blobs must tile each object)
// A plan the validator accepts is checked again here, independently: every blob inside its
// object and the caller's buffer without wrapping, no overlaps, full tiling when complete.
// A chunk blob accepted against the plan must be one the plan holds, with its length.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <utility>

#include "ds3/client.h"
#include "ds3/validate.h"
#include "fuzz_common.h"

using namespace storewire::ds3;

namespace {

struct Input {
  ObjectLimitMap objects;
  bool complete = false;
  std::string plan, chunk;
  bool has_chunk = false;
};

std::optional<std::uint64_t> number(const std::string& s) {
  if (s.empty() || s == "-" || s.find_first_not_of("0123456789") != std::string::npos ||
      s.size() > 20)
    return std::nullopt;
  return std::strtoull(s.c_str(), nullptr, 10);
}

Input split(const std::string& in) {
  Input out;
  std::size_t pos = 0;
  while (pos < in.size() && in[pos] == '!') {
    std::size_t nl = in.find('\n', pos);
    if (nl == std::string::npos) nl = in.size();
    std::istringstream line(in.substr(pos + 1, nl - pos - 1));
    std::string word, name, size, capacity;
    line >> word;
    if (word == "complete") out.complete = true;
    if (word == "object" && (line >> name)) {
      line >> size >> capacity;
      out.objects[name] = ObjectLimits{number(size), number(capacity)};
    }
    pos = nl + 1;
  }
  const std::string rest = pos < in.size() ? in.substr(pos) : std::string();
  const std::size_t mark = rest.find("\n!chunk\n");
  out.plan = rest.substr(0, mark);
  if (mark != std::string::npos) {
    out.has_chunk = true;
    out.chunk = rest.substr(mark + 8);
  }
  return out;
}

void recheck(const Job& job, const Input& in) {
  std::map<std::string, std::map<std::uint64_t, std::uint64_t>> spans;
  for (const Chunk& c : job.chunks) {
    for (const BulkObject& b : c.objects) {
      auto l = in.objects.find(b.name);
      fuzz::check(l != in.objects.end(), "accepted a blob of an unknown object", b.name);
      fuzz::check(b.offset <= UINT64_MAX - b.length, "accepted a wrapping blob", b.name);
      const std::uint64_t end = b.offset + b.length;
      if (l->second.size) fuzz::check(end <= *l->second.size, "accepted a blob past the object");
      if (l->second.capacity)
        fuzz::check(end <= *l->second.capacity, "accepted a blob past the caller's buffer");
      auto [it, fresh] = spans[b.name].emplace(b.offset, end);
      fuzz::check(fresh || it->second == end, "accepted two blobs at one offset", b.name);
    }
  }
  for (const auto& [name, s] : spans) {
    std::uint64_t expect = in.complete ? 0 : s.begin()->first;
    for (const auto& [offset, end] : s) {
      fuzz::check(offset >= expect, "accepted overlapping blobs", name);
      if (in.complete) fuzz::check(offset == expect, "accepted a gap in a complete plan", name);
      expect = end;
    }
    const auto& size = in.objects.at(name).size;
    if (in.complete && size) fuzz::check(expect == *size, "accepted a short complete plan", name);
  }
  if (in.complete)
    for (const auto& [name, limits] : in.objects)
      fuzz::check(spans.count(name) > 0, "accepted a complete plan missing an object", name);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Input in = split(std::string(reinterpret_cast<const char*>(data), size));
  Job job;
  if (!fuzz::typed([&] { job = parse_job(in.plan); })) return 0;
  if (!fuzz::typed([&] { check_job_plan(job, in.objects, in.complete); })) return 0;
  recheck(job, in);

  std::map<std::pair<std::string, std::uint64_t>, std::uint64_t> planned;
  std::set<std::string> chunk_ids;
  for (const Chunk& c : job.chunks) {
    chunk_ids.insert(c.chunk_id);
    for (const BulkObject& b : c.objects) planned[{b.name, b.offset}] = b.length;
  }
  auto lookup = [&](const BulkObject& b) -> std::optional<std::uint64_t> {
    auto it = planned.find({b.name, b.offset});
    if (it == planned.end()) return std::nullopt;
    return it->second;
  };
  // The plan's own blobs are always acceptable in a later chunk answer.
  for (const Chunk& c : job.chunks)
    for (const BulkObject& b : c.objects)
      fuzz::check(fuzz::typed([&] { check_listed_blob(job.job_id, c.chunk_id, true, b, lookup(b)); }),
                  "refused a blob of the plan itself", b.name);
  if (!in.has_chunk) return 0;
  Chunk answer;
  if (!fuzz::typed([&] { answer = parse_chunk(in.chunk); })) return 0;
  const bool known = chunk_ids.count(answer.chunk_id) > 0;
  for (const BulkObject& b : answer.objects) {
    if (!fuzz::typed([&] { check_listed_blob(job.job_id, answer.chunk_id, known, b, lookup(b)); }))
      continue;
    fuzz::check(known, "accepted a chunk the job does not hold", answer.chunk_id);
    auto p = lookup(b);
    fuzz::check(p && *p == b.length, "accepted a blob the plan does not hold", b.name);
  }
  return 0;
}
