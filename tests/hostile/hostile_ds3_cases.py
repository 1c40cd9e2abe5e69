"""DS3 client calls for the hostile suite, run in a child interpreter by hostile_harness.

``call(url, op, retries)`` makes one client call named ``op`` against the scripted server
at ``url`` and returns a JSON-able summary of the answer, so the test can check that a
result that came back is also the right one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import ds3
from ds3 import ds3 as seed

DATA = b"0123456789abcdef"  # what put_object sends (16 bytes)


def _job(job: Any) -> dict[str, Any]:
    return {
        "job_id": job.job_id,
        "status": job.status,
        "sizes": [job.original_size, job.cached_size, job.completed_size],
        "nodes": [[n.endpoint, n.http_port, n.https_port] for n in job.nodes],
        "chunks": [[c.chunk_id, c.chunk_number, [[b.name, b.offset, b.length, b.in_cache]
                                                 for b in c.objects]] for c in job.chunks],
    }


def _info(info: Any) -> dict[str, Any]:
    return {"size": info.size, "etag": info.etag, "metadata": [list(m) for m in info.metadata],
            "checksums": [list(c) for c in info.blob_checksums]}


def _listing(page: Any) -> dict[str, Any]:
    return {"keys": [[o.key, o.size] for o in page.objects], "next": page.next_marker,
            "truncated": page.is_truncated, "max_keys": page.max_keys,
            "prefixes": list(page.common_prefixes)}


def _seed_client(url: str) -> seed.Ds3Client:
    return seed.Ds3Client(url, seed.Credentials("AK", "SECRETKEY"), proxy="")


OPS: dict[str, Callable[[ds3.Client], Any]] = {
    "get_service": lambda c: [[b.name, b.creation_date] for b in c.get_service()],
    "put_bucket": lambda c: c.put_bucket("b"),
    "head_bucket": lambda c: c.head_bucket("b"),
    "delete_bucket": lambda c: c.delete_bucket("b"),
    "get_bucket": lambda c: _listing(c.get_bucket("b", max_keys=2)),
    "list_objects": lambda c: [o.key for o in c.list_objects("b", page_size=2)],
    "list_objects_cap2": lambda c: [o.key for o in c.list_objects("b", max_empty_pages=2)],
    "list_objects_nocap": lambda c: [o.key for o in c.list_objects("b", max_empty_pages=None)],
    "head_object": lambda c: _info(c.head_object("b", "k")),
    "get_object": lambda c: c.get_object("b", "k").body.hex(),
    "put_object": lambda c: c.put_object("b", "k", DATA),
    "put_object_md5": lambda c: c.put_object("b", "k", DATA, checksum="md5"),
    "delete_object": lambda c: c.delete_object("b", "k"),
    "delete_objects": lambda c: [list(c.delete_objects("b", ["k1", "k2"]).deleted)],
    "start_bulk_put": lambda c: _job(c.start_bulk_put("b", [("k1", 8), ("k2", 0)])),
    "start_bulk_get": lambda c: _job(c.start_bulk_get("b", ["k1"])),
    "get_job": lambda c: _job(c.get_job("j")),
    "get_jobs": lambda c: [_job(j) for j in c.get_jobs()],
    "modify_job": lambda c: _job(c.modify_job("j", priority="HIGH")),
    "cancel_job": lambda c: c.cancel_job("j"),
    "get_available_chunks": lambda c: _job(c.get_available_chunks("j").job),
    "allocate_chunk": lambda c: _job_chunk(c.allocate_chunk("c")),
    "get_objects": lambda c: [[o.name, o.size] for o in c.search_objects(bucket="b")],
    "get_system_information": lambda c: c.get_system_information().api_version,
    "get_system_health": lambda c: c.get_system_health().ms_required_to_verify_data_planner_health,
    "get_physical_placement": lambda c: [t.fields for t in
                                         c.get_physical_placement("b", ["k"]).tapes],
    "get_bytes": lambda c: {k: v.hex() for k, v in c.get_bytes("b", ["k"]).items()},
    "get_bytes_stall": lambda c: {k: v.hex() for k, v in
                                  c.get_bytes("b", ["k"], stall_timeout_s=1.0).items()},
    "get_bytes_zero_bound": lambda c: c.get_bytes("b", ["k"], stall_timeout_s=0),
    "get_bytes_nobound": lambda c: {k: v.hex() for k, v in
                                    c.get_bytes("b", ["k"], stall_timeout_s=math.inf).items()},
}

SEED_OPS: dict[str, Callable[[seed.Ds3Client], Any]] = {
    "seed_get_service": lambda s: [b.name for b in s.getService()],
    "seed_get_bucket": lambda s: [o.name for o in s.getBucket("b").objects],
    "seed_head_bucket": lambda s: s.headBucket("b"),
    "seed_head_object": lambda s: s.headObject("b", "k"),
    "seed_get_job": lambda s: s.getJob("j").jobId,
    "seed_put_bulk": lambda s: s.putBulk("b", [("k1", 8)]).jobId,
    "seed_get_objects": lambda s: [o.name for o in s.getObjects(bucketName="b")],
    "seed_allocate_chunk": lambda s: _seed_allocate(s, 2.0),
}


def _seed_allocate(client: seed.Ds3Client, timeout_s: float) -> Any:
    client.allocate_chunk_timeout_s = timeout_s
    answer = client.allocateChunk("c")
    return [answer.chunk.chunkId, [[b.name, b.offset, b.length] for b in answer.chunk.objects]]


def _job_chunk(answer: Any) -> Any:
    chunk = answer.chunk
    return [answer.allocated, chunk.chunk_id, [[b.name, b.offset, b.length]
                                               for b in chunk.objects]]


def call(url: str, op: str, retries: int = 0) -> Any:
    if op in SEED_OPS:
        return SEED_OPS[op](_seed_client(url))
    with ds3.Client(url, "AK", "SECRETKEY", proxy="", max_retries=retries,
                    retry_max_delay_s=0.05, connect_timeout_s=5.0, timeout_s=20.0) as client:
        return OPS[op](client)
