"""A scripted DS3 server for bulk jobs whose plan (the MasterObjectList) is whatever a
test says, however wrong: blob offsets that wrap, lie outside the object, overlap, or
chunk answers that list chunks the job does not hold. It serves the data of real
objects for the ranges it is asked for and records what it receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote

from hostile_http import HostileHTTPServer, Request, response, xml_response

JOB_ID = "11111111-2222-3333-4444-555555555555"


@dataclass
class Blob:
    name: str
    offset: int
    length: int
    in_cache: bool = False


@dataclass
class Chunk:
    chunk_id: str
    blobs: list[Blob]


def master_object_list(kind: str, chunks: list[Chunk], job_id: str = JOB_ID,
                       status: str = "IN_PROGRESS") -> str:
    parts = []
    for number, chunk in enumerate(chunks):
        objects = "".join(
            f'<Object Name="{b.name}" Offset="{b.offset}" Length="{b.length}" '
            f'InCache="{str(b.in_cache).lower()}"/>' for b in chunk.blobs
        )
        parts.append(f'<Objects ChunkId="{chunk.chunk_id}" ChunkNumber="{number}" '
                     f'NodeId="n1">{objects}</Objects>')
    return (
        f'<MasterObjectList BucketName="b" JobId="{job_id}" RequestType="{kind}" '
        f'Status="{status}" ChunkClientProcessingOrderGuarantee="NONE" Priority="NORMAL" '
        f'OriginalSizeInBytes="0" CachedSizeInBytes="0" CompletedSizeInBytes="0" '
        f'Aggregating="false" Naked="false">'
        f'<Nodes><Node Id="n1" EndPoint="127.0.0.1" HttpPort="80"/></Nodes>{"".join(parts)}'
        f"</MasterObjectList>"
    )


@dataclass
class BulkScript:
    """What the server answers. ``plan`` answers the job start (and get_job);
    ``ready`` the chunk polls (defaults to the plan); objects hold the data served."""

    kind: str
    plan: list[Chunk]
    objects: dict[str, bytes] = field(default_factory=dict)
    ready: list[Chunk] | None = None
    job_id: str = JOB_ID
    received: dict[tuple[str, int], bytes] = field(default_factory=dict)

    def respond(self, request: Request) -> bytes:
        query = {k: v[0] for k, v in parse_qs(request.query, keep_blank_values=True).items()}
        path = unquote(request.path)
        if path.startswith("/_rest_/bucket/") and "operation" in query:
            return xml_response(200, master_object_list(self.kind, self.plan, self.job_id))
        if path.startswith("/_rest_/job_chunk/") and query.get("operation") == "allocate":
            chunk_id = path.rsplit("/", 1)[1]
            chunk = next((c for c in self.plan if c.chunk_id == chunk_id), self.plan[0])
            body = master_object_list(self.kind, [chunk], self.job_id)
            inner = body[body.index("<Objects "):body.rindex("</MasterObjectList>")]
            return xml_response(200, inner)
        if path.startswith("/_rest_/job_chunk"):
            chunks = self.plan if self.ready is None else self.ready
            return xml_response(200, master_object_list(self.kind, chunks, self.job_id))
        if path.startswith("/_rest_/job/"):
            if request.method == "DELETE":
                return response(204)
            return xml_response(200, master_object_list(self.kind, self.plan, self.job_id))
        _, _, rest = path.partition("/")
        _, _, key = rest.partition("/")
        data = self.objects.get(key, b"")
        if request.method == "HEAD":
            return response(200, headers={"Content-Length": str(len(data)), "ETag": '"e"'},
                            content_length=False)
        offset = int(query.get("offset", "0"))
        if request.method == "PUT":
            self.received[(key, offset)] = request.body
            return response(200)
        length = next((b.length for c in self.plan for b in c.blobs
                       if b.name == key and b.offset == offset), len(data) - offset)
        return response(200, data[offset:offset + length])


def serve(script: BulkScript) -> HostileHTTPServer:
    return HostileHTTPServer(script.respond)
