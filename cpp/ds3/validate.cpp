#include "ds3/validate.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <vector>

#include "storewire/error.h"

namespace storewire::ds3 {
namespace {

[[noreturn]] void bad(const std::string& job_id, const std::string& text) {
  throw Error(ErrorKind::Protocol, "invalid bulk plan from the server (job " + job_id + "): " + text,
              "BAD_BULK_PLAN");
}

std::string blob_name(const BulkObject& b) {
  return "'" + b.name + "' Offset=" + std::to_string(b.offset) +
         " Length=" + std::to_string(b.length);
}

}  // namespace

std::uint64_t checked_end(std::uint64_t offset, std::uint64_t length, const std::string& what) {
  std::uint64_t end = 0;
  if (__builtin_add_overflow(offset, length, &end))
    throw Error(ErrorKind::Protocol,
                what + ": Offset " + std::to_string(offset) + " + Length " +
                    std::to_string(length) + " overflows 64 bits",
                "BAD_BULK_PLAN");
  return end;
}

void check_job_plan(const Job& job, const ObjectLimitMap& objects, bool complete) {
  // Job ids go into URLs and partial file names: a UUID-like token, nothing else.
  const bool id_ok = !job.job_id.empty() && job.job_id.size() <= 128 && job.job_id[0] != '.' &&
                     std::all_of(job.job_id.begin(), job.job_id.end(), [](char c) {
                       return std::isalnum(static_cast<unsigned char>(c)) || c == '-' ||
                              c == '_' || c == '.';
                     });
  if (!id_ok) bad("?", "JobId '" + job.job_id.substr(0, 64) + "' is not a plain token");
  // Per object: offset -> end, to find overlaps and gaps.
  std::map<std::string, std::map<std::uint64_t, std::uint64_t>> ranges;
  for (const auto& chunk : job.chunks) {
    if (chunk.chunk_id.empty()) bad(job.job_id, "a chunk has no ChunkId");
    for (const auto& b : chunk.objects) {
      auto limits = objects.find(b.name);
      if (limits == objects.end())
        bad(job.job_id, "blob " + blob_name(b) + " names an object the job was not asked for");
      const std::uint64_t end = checked_end(b.offset, b.length, "blob " + blob_name(b));
      const ObjectLimits& l = limits->second;
      if (l.size && end > *l.size)
        bad(job.job_id, "blob " + blob_name(b) + " ends beyond the object's " +
                            std::to_string(*l.size) + " bytes");
      if (l.capacity && end > *l.capacity)  // the caller's buffer, or the server: both stop here
        throw Error(ErrorKind::BufferTooSmall,
                    "the buffer for '" + b.name + "' holds " + std::to_string(*l.capacity) +
                        " bytes; the job's blob Offset=" + std::to_string(b.offset) + " Length=" +
                        std::to_string(b.length) + " needs " + std::to_string(end),
                    "BAD_BULK_PLAN");
      if (b.length == 0 && (b.offset != 0 || (l.size && *l.size != 0)))
        bad(job.job_id, "zero-length blob " + blob_name(b) + " in a non-empty object");
      auto& spans = ranges[b.name];
      auto [it, fresh] = spans.emplace(b.offset, end);
      if (!fresh) {
        // The same blob listed twice (in two chunks) is tolerated only if identical.
        if (it->second != end) bad(job.job_id, "blob " + blob_name(b) + " is listed twice");
      }
    }
  }
  for (const auto& [name, spans] : ranges) {
    std::uint64_t expect = spans.begin()->first;
    if (complete && expect != 0)
      bad(job.job_id, "object '" + name + "' has no blob at offset 0 (first at " +
                          std::to_string(expect) + ")");
    for (const auto& [offset, end] : spans) {
      if (offset < expect)
        bad(job.job_id, "blobs of '" + name + "' overlap at offset " + std::to_string(offset));
      if (complete && offset != expect)
        bad(job.job_id, "blobs of '" + name + "' leave a gap at " + std::to_string(expect) +
                            ".." + std::to_string(offset));
      expect = end;
    }
    const auto& l = objects.at(name);
    if (complete && l.size && expect != *l.size)
      bad(job.job_id, "blobs of '" + name + "' cover " + std::to_string(expect) + " of its " +
                          std::to_string(*l.size) + " bytes");
  }
  if (complete) {
    for (const auto& [name, l] : objects) {
      if (!ranges.count(name)) bad(job.job_id, "the plan has no blob for object '" + name + "'");
    }
  }
}

void check_listed_blob(const std::string& job_id, const std::string& chunk_id, bool known_chunk,
                       const BulkObject& blob, std::optional<std::uint64_t> planned_length) {
  if (!known_chunk)
    bad(job_id, "the server lists chunk '" + chunk_id + "', which is not one of the job's");
  if (!planned_length)
    bad(job_id, "chunk '" + chunk_id + "' lists blob " + blob_name(blob) + ", not in the job's plan");
  if (*planned_length != blob.length)
    bad(job_id, "chunk '" + chunk_id + "' lists blob " + blob_name(blob) + "; the plan has Length " +
                    std::to_string(*planned_length));
}

}  // namespace storewire::ds3
