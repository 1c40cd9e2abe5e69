// The one place the DS3 client checks what a server said about a bulk job before the
// plan is used: blob offsets and lengths against object sizes
// and the caller's buffers with overflow-safe arithmetic, blobs that overlap or leave
// gaps, and chunk answers that name chunks or blobs the job does not hold. After these
// checks the engine may assume offset + length fits the object and any buffer.
// A violation throws storewire::Error(ErrorKind::Protocol) naming the job, the field and
// the value; nothing has been created or sent by then.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "ds3/types.h"

namespace storewire::ds3 {

// What the client knows of one object of the job before the server's plan arrives.
struct ObjectLimits {
  std::optional<std::uint64_t> size;      // PUT: the size it declared; GET: when known
  std::optional<std::uint64_t> capacity;  // bytes of the caller's buffer, if any
};
using ObjectLimitMap = std::unordered_map<std::string, ObjectLimits>;

// a + b, or a Protocol error naming `what` when the sum does not fit 64 bits.
std::uint64_t checked_end(std::uint64_t offset, std::uint64_t length, const std::string& what);

// Checks a job's plan (the MasterObjectList of a started or resumed job):
// - a job id, and every blob names an object in `objects`;
// - offset + length fits 64 bits and the object's size (Protocol), and the caller's
//   buffer (BufferTooSmall);
// - a zero-length blob only as the one blob of an empty object;
// - blobs of one object neither overlap nor repeat;
// - `complete`: the blobs tile each object from 0 (to its size when known), as a fresh
//   job's plan must; a resumed job may omit chunks that are done.
void check_job_plan(const Job& job, const ObjectLimitMap& objects, bool complete);

// Checks one blob of a later answer (chunks ready, allocated chunk) against the plan:
// `planned_length` is the plan's length for (name, offset), nullopt if the plan has no
// such blob; `known_chunk` whether the chunk id is one of the plan's.
void check_listed_blob(const std::string& job_id, const std::string& chunk_id, bool known_chunk,
                       const BulkObject& blob, std::optional<std::uint64_t> planned_length);

}  // namespace storewire::ds3
