"""XML views of jobs and chunks: MasterObjectList, chunk ``<Objects>``, job lists."""

from __future__ import annotations

from dataclasses import dataclass

from .jobs import ChunkView, JobView
from .xml_out import Value, leaf, node


@dataclass(frozen=True)
class Node:
    """The serving node (``<Nodes>``): clients parse it but do not route on it."""

    id: str
    endpoint: str
    http_port: int

    def xml(self) -> str:
        attrs: dict[str, Value] = {"EndPoint": self.endpoint, "HttpPort": self.http_port,
                                   "Id": self.id}
        return node("Nodes", [leaf("Node", attrs=attrs)])


def job_attrs(view: JobView) -> dict[str, Value]:
    job = view.job
    kind = job["request_type"]
    # PUT: cached = received into the cache, completed = persisted to the storage domain.
    completed = view.persisted_bytes if kind == "PUT" else job["done_bytes"]
    cached = view.cached_bytes if kind != "PUT" else job["done_bytes"]
    attrs: dict[str, Value] = {
        "Aggregating": bool(job["aggregating"]),
        "BucketName": job["bucket_name"],
        "CachedSizeInBytes": cached,
        "ChunkClientProcessingOrderGuarantee": job["order_guarantee"],
        "CompletedSizeInBytes": completed,
        "JobId": job["id"],
        "Name": job["name"],
        "Naked": bool(job["naked"]),
        "OriginalSizeInBytes": job["original_size"],
        "Priority": job["priority"],
        "RequestType": kind,
        "StartDate": job["created"],
        "Status": job["status"],
        "UserId": job["user_id"],
        "UserName": job["user_name"],
    }
    if kind != "PUT":
        attrs["EntirelyInCache"] = view.cached_bytes >= job["original_size"]
    return attrs


def chunk_objects(chunk: ChunkView, node_id: str) -> str:
    blobs = [
        leaf("Object", attrs={"Name": e.name, "Offset": e.offset, "Length": e.length,
                              "InCache": e.in_cache})
        for e in chunk.entries
    ]
    attrs: dict[str, Value] = {"ChunkId": chunk.chunk["id"],
                               "ChunkNumber": chunk.chunk["number"], "NodeId": node_id}
    return node("Objects", blobs, attrs)


def master_object_list(view: JobView, server: Node) -> str:
    children = [server.xml()] + [chunk_objects(c, server.id) for c in view.chunks]
    return node("MasterObjectList", children, job_attrs(view))


def jobs_list(views: list[JobView], server: Node) -> str:
    return node("Jobs", [node("Job", [server.xml()], job_attrs(v)) for v in views])


def job_fields(view: JobView, date_field: str | None = None) -> list[str]:
    """The element form of a job (``/_rest_/active_job``, ``completed_job``…)."""
    job = view.job
    completed = view.persisted_bytes if job["request_type"] == "PUT" else job["done_bytes"]
    fields: dict[str, Value] = {
        "Aggregating": bool(job["aggregating"]),
        "BucketId": job["bucket_id"],
        "BucketName": job["bucket_name"],
        "CachedSizeInBytes": job["done_bytes"],
        "ChunkClientProcessingOrderGuarantee": job["order_guarantee"],
        "CompletedSizeInBytes": completed,
        "CreatedAt": job["created"],
        "Id": job["id"],
        "Name": job["name"],
        "Naked": bool(job["naked"]),
        "OriginalSizeInBytes": job["original_size"],
        "Priority": job["priority"],
        "RequestType": job["request_type"],
        "Status": job["status"],
        "Truncated": bool(job["truncated"]),
        "UserId": job["user_id"],
    }
    if date_field:
        fields[date_field] = job["finished"]
    return [leaf(k, v) for k, v in fields.items()]
