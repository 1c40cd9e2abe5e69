"""The Spectra ``/_rest_/`` API: bulk jobs, chunks, job management,
Spectra bucket view, folders, object search, placement, configuration, system calls.

Resource names arrive lower-cased without the trailing slash; ``ident`` is the decoded
``{id}`` (a UUID or a name).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

from storewire import __version__

from . import access, entities, xml_in
from .context import Context
from .faults import Faults
from .job_xml import Node, chunk_objects, job_fields, jobs_list, master_object_list
from .jobs import GetSpec, JobOptions, PutSpec
from .store import Row
from .users import User, new_secret
from .wire import (
    DS3Error,
    Request,
    Response,
    bad_request,
    not_found,
    parse_uint,
    xml_response,
)
from .xml_out import Value, document, leaf, node

Handler = Callable[[Context, Request, str], Response]


def handle(ctx: Context, req: Request, resource: str, ident: str) -> Response:
    handler = _RESOURCES.get(resource)
    if handler is None:
        if resource in entities.KINDS:
            return _entity(ctx, req, resource, ident)
        raise not_found(f"resource /_rest_/{resource}", f"_rest_/{resource}")
    return handler(ctx, req, ident)


def _node(ctx: Context, req: Request) -> Node:
    return Node(ctx.node_id, req.host, req.port)


def _data(fields: dict[str, Value] | list[str]) -> bytes:
    if isinstance(fields, dict):
        return document(node("Data", [leaf(k, v) for k, v in fields.items()]))
    return document(node("Data", fields))


def _bad_method(req: Request, resource: str) -> DS3Error:
    return DS3Error(405, "MethodNotAllowed", f"{req.method} is not supported on {resource}")


def _paged(req: Request, items: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """``page_length`` / ``page_offset`` (items to skip) with the paging headers."""
    total = len(items)
    offset = max(0, req.query.int("page_offset", 0) or 0)
    length = req.query.int("page_length")
    end = total if length is None else min(total, offset + max(0, length))
    page = items[offset:end]
    headers = [("Page-Truncated", str(max(0, total - end))), ("Total-Result-Count", str(total))]
    return page, headers


# --- buckets (Spectra view) and bulk job creation ---------------------------------------------


def _bucket_fields(ctx: Context, db: Any, row: Row) -> dict[str, Value]:
    used = db.execute(
        "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM objects WHERE bucket_id=?", (row["id"],)
    ).fetchone()
    return {
        "CreationDate": row["created"], "DataPolicyId": row["data_policy_id"],
        "Empty": used[0] == 0, "Id": row["id"], "LastPreferredChunkSizeInBytes": None,
        "LogicalUsedCapacity": used[1], "Name": row["name"], "Protected": bool(row["protected"]),
        "UserId": row["owner_id"],
    }


def bucket(ctx: Context, req: Request, ident: str) -> Response:
    q = req.query
    assert req.user is not None
    if not ident:
        if req.method == "POST":
            return _create_bucket(ctx, req)
        if req.method == "GET":
            with ctx.store.tx() as db:
                rows = [r for r in db.execute("SELECT * FROM buckets ORDER BY name")
                        if access.may_see(ctx.store, req.user, r)]
                items = [node("Bucket", [leaf(k, v) for k, v in _bucket_fields(ctx, db, r).items()])
                         for r in rows]
            page, headers = _paged(req, items)
            return xml_response(_data(page), headers=headers)
        raise _bad_method(req, "bucket")
    operation = q.enum("operation", "")
    _check_bucket(ctx, req, ident, _BUCKET_PERMISSION.get(operation) or
                  {"GET": "LIST", "DELETE": "DELETE"}.get(req.method, "OWNER"))
    if req.method == "PUT" and operation:
        return _bucket_operation(ctx, req, ident, operation)
    if req.method == "GET" and operation == "VERIFY_PHYSICAL_PLACEMENT":
        return _placement(ctx, req, ident)
    if req.method == "GET":
        with ctx.store.tx() as db:
            return xml_response(_data(_bucket_fields(ctx, db, ctx.catalog.bucket(db, ident))))
    if req.method == "PUT":  # modify: data policy, protected
        with ctx.store.tx() as db:
            row = ctx.catalog.bucket(db, ident)
            if q.get("data_policy_id"):
                policy = _policy_id(ctx, q.text("data_policy_id"))
                access.check_data_policy(ctx.store, req.user, policy, _default_policy(ctx, req))
                db.execute("UPDATE buckets SET data_policy_id=? WHERE id=?", (policy, row["id"]))
            if q.has("protected"):
                db.execute("UPDATE buckets SET protected=? WHERE id=?",
                           (int(q.flag("protected")), row["id"]))
            row = ctx.catalog.bucket(db, row["id"])
            return xml_response(_data(_bucket_fields(ctx, db, row)))
    if req.method == "DELETE":
        with ctx.store.tx() as db:
            removed = ctx.catalog.delete_bucket(db, ctx.catalog.bucket(db, ident), q.flag("force"))
        ctx.remove_files(removed)
        return Response(204)
    raise _bad_method(req, "bucket")


# What a bucket operation needs (access.py); a bulk job also passes with JOB.
_BUCKET_PERMISSION = {
    "START_BULK_PUT": "WRITE", "START_BULK_GET": "READ", "START_BULK_VERIFY": "READ",
    "START_BULK_STAGE": "READ", "GET_PHYSICAL_PLACEMENT": "READ",
    "VERIFY_PHYSICAL_PLACEMENT": "READ", "VERIFY_SAFE_TO_START_BULK_PUT": "WRITE",
}


def _check_bucket(ctx: Context, req: Request, ident: str, needed: str) -> None:
    """403 unless the caller may do ``needed`` on the bucket (a missing bucket: the
    handler answers 404)."""
    with ctx.store.tx() as db:
        row = db.execute("SELECT id, name, owner_id FROM buckets WHERE name=? OR id=? "
                         "ORDER BY name=? DESC LIMIT 1", (ident, ident, ident)).fetchone()
    access.check_bucket(ctx.store, req.user, row, needed, in_job=needed in ("READ", "WRITE"))


def _default_policy(ctx: Context, req: Request) -> str | None:
    if req.user is None:
        return None
    with ctx.store.tx() as db:
        row = db.execute("SELECT data_policy_id FROM users WHERE id=?", (req.user.id,)).fetchone()
    return str(row[0]) if row and row[0] else None


def _policy_id(ctx: Context, ident: str) -> str:
    policy = ctx.store.entity("data_policy", ident)
    if policy is None:
        raise DS3Error(404, "NotFound", f"data policy {ident!r} does not exist")
    return str(policy["Id"])


def _create_bucket(ctx: Context, req: Request) -> Response:
    q = req.query
    assert req.user is not None
    name = q.text("name")
    if not name:
        raise bad_request("name is required")
    owner = req.user.id
    if q.get("user_id"):
        user = ctx.users.by_id(q.text("user_id"))
        if user is None:
            raise DS3Error(404, "NotFound", f"user {q.text('user_id')!r} does not exist")
        owner = user.id
    policy = _policy_id(ctx, q.text("data_policy_id")) if q.get("data_policy_id") else None
    if policy is not None:
        access.check_data_policy(ctx.store, req.user, policy, _default_policy(ctx, req))
    with ctx.store.tx() as db:
        if policy is None:
            row = db.execute("SELECT data_policy_id FROM users WHERE id=?", (owner,)).fetchone()
            policy = row[0] if row and row[0] else None
        row = ctx.catalog.create_bucket(db, name, owner, policy, q.get("id") or None)
        if q.has("protected"):
            db.execute("UPDATE buckets SET protected=? WHERE id=?",
                       (int(q.flag("protected")), row["id"]))
        return xml_response(_data(_bucket_fields(ctx, db, row)), status=201)


def _job_options(req: Request, root_order: str | None = None) -> JobOptions:
    q = req.query
    order = q.get("chunk_client_processing_order_guarantee") or root_order or "NONE"
    return JobOptions(
        name=q.get("name") or "Untitled",
        priority=q.enum("priority", "NORMAL"),
        order=order.upper(),
        aggregating=q.flag("aggregating"),
        max_upload_size=q.int("max_upload_size"),
    )


def _object_list(req: Request) -> tuple[Any, list[Any]]:
    root = xml_in.parse(req.body.read_all())
    if xml_in.local(root.tag) != "Objects":
        raise bad_request(f"expected <Objects>, got <{xml_in.local(root.tag)}>")
    return root, xml_in.children(root, "Object")


def _int_attr(element: Any, name: str) -> int | None:
    """A Size/Offset/Length attribute: plain digits within 0..2^63-1 (int() alone would
    take "-4", "+4", "1_0" and other scripts' digits)."""
    value = element.get(name)
    if value is None or value == "":
        return None
    number = parse_uint(value)
    if number is None:
        raise bad_request(f"attribute {name} must be an integer from 0 to 2^63-1, "
                          f"got {value[:40]!r}")
    return number


def _bucket_operation(ctx: Context, req: Request, ident: str, operation: str) -> Response:
    assert req.user is not None
    if operation == "VERIFY_SAFE_TO_START_BULK_PUT":
        with ctx.store.tx() as db:
            ctx.catalog.bucket(db, ident)
        return Response(200)
    if operation == "GET_PHYSICAL_PLACEMENT":
        return _placement(ctx, req, ident)
    if operation == "START_BULK_PUT":
        _, objs = _object_list(req)
        put_specs: list[PutSpec] = []
        for obj in objs:
            size = _int_attr(obj, "Size")
            if not obj.get("Name") or size is None:
                raise bad_request("every <Object> of a PUT job needs Name and Size")
            put_specs.append(PutSpec(obj.get("Name"), size))
        job_id = ctx.jobs.create_put_job(ident, req.user, put_specs, _job_options(req))
    elif operation in ("START_BULK_GET", "START_BULK_VERIFY", "START_BULK_STAGE"):
        root, objs = _object_list(req)
        get_specs: list[GetSpec] = []
        for obj in objs:
            if not obj.get("Name"):
                raise bad_request("every <Object> needs a Name")
            get_specs.append(GetSpec(obj.get("Name"), obj.get("VersionId") or None,
                                 _int_attr(obj, "Offset"), _int_attr(obj, "Length")))
        kind = "VERIFY" if operation == "START_BULK_VERIFY" else "GET"
        opts = _job_options(req, root.get("ChunkClientProcessingOrderGuarantee"))
        job_id = ctx.jobs.create_get_job(ident, req.user, get_specs, opts, kind)
    else:
        raise bad_request(f"unknown bucket operation {operation}")
    view = ctx.jobs.get_view(job_id)
    return xml_response(document(master_object_list(view, _node(ctx, req))))


def _placement(ctx: Context, req: Request, ident: str) -> Response:
    body = req.body.read_all()
    with ctx.store.tx() as db:
        row = ctx.catalog.bucket(db, ident)
        objs = xml_in.children(xml_in.parse(body), "Object") if body.strip() else []
        names = [o.get("Name") for o in objs]
        if not req.query.flag("full_details"):
            lists = [leaf(n) for n in ("AzureTargets", "Ds3Targets", "Pools", "S3Targets", "Tapes")]
            return xml_response(_data(lists))
        items = []
        for name in names:
            # Unknown names are left out: the answer lists the objects that exist.
            obj = db.execute("SELECT * FROM objects WHERE bucket_id=? AND name=? ORDER BY "
                             "complete DESC, seq DESC LIMIT 1", (row["id"], name or "")).fetchone()
            if obj is None:
                continue
            for blob in ctx.catalog.blobs(db, obj["id"]):
                attrs: dict[str, Value] = {"Name": name, "Offset": blob["offset"],
                                           "Length": blob["length"],
                                           "InCache": bool(blob["received"]), "Id": blob["id"]}
                placement = node("PhysicalPlacement", [leaf(n) for n in (
                    "AzureTargets", "Ds3Targets", "Pools", "S3Targets", "Tapes")])
                items.append(node("Object", [placement], attrs))
        return xml_response(_data(items))


# --- jobs and chunks ---------------------------------------------------------------------


def job(ctx: Context, req: Request, ident: str) -> Response:
    q = req.query
    if req.method == "GET":
        if not ident:
            views = ctx.jobs.list_jobs("IN_PROGRESS", q.get("bucket_id"))
            return xml_response(document(jobs_list(views, _node(ctx, req))))
        view = ctx.jobs.get_view(ident)
        return xml_response(document(master_object_list(view, _node(ctx, req))))
    if req.method == "PUT" and ident:
        view = ctx.jobs.modify(ident, q.get("name"), q.get("priority"))
        return xml_response(document(master_object_list(view, _node(ctx, req))))
    if req.method == "DELETE":
        if ident:
            removed = ctx.jobs.cancel(ident, force=q.flag("force"))
        else:
            removed = ctx.jobs.cancel_all(q.flag("force"), q.get("bucket_id"),
                                          q.get("request_type"))
        ctx.remove_files(removed)
        return Response(204)
    raise _bad_method(req, "job")


def _job_list(status: str, element: str, date_field: str | None) -> Handler:
    def handler(ctx: Context, req: Request, ident: str) -> Response:
        if req.method == "GET":
            if ident:
                view = ctx.jobs.get_view(ident)
                if view.job["status"] != status:
                    raise not_found(f"{element} {ident}")
                return xml_response(_data(job_fields(view, date_field)))
            views = ctx.jobs.list_jobs(status, req.query.get("bucket_id"))
            items = [node(element, job_fields(v, date_field)) for v in views]
            page, headers = _paged(req, items)
            return xml_response(document(node("Jobs", page)), headers=headers)
        if status == "IN_PROGRESS":
            return job(ctx, req, ident)
        if req.method == "DELETE":
            ctx.jobs.clear(status)
            return Response(204)
        raise _bad_method(req, element)

    return handler


def _ready_chunks(ctx: Context, req: Request, job_id: str) -> Response:
    q = req.query
    view = ctx.jobs.ready_chunks(job_id, q.int("preferred_number_of_chunks"), q.get("job_chunk"))
    headers = []
    if view.retry_after_s is not None:
        headers.append(("Retry-After", str(view.retry_after_s)))
    return xml_response(document(master_object_list(view, _node(ctx, req))), headers=headers)


def job_chunk(ctx: Context, req: Request, ident: str) -> Response:
    q = req.query
    if req.method == "GET" and not ident:
        job_id = q.get("job")
        if not job_id:
            raise bad_request("job is required")
        return _ready_chunks(ctx, req, job_id)
    if req.method == "GET":
        if ctx.jobs.is_job(ident):
            # A job id where a chunk id belongs: the job's chunks ready for processing,
            # as ``?job={id}`` answers them (MasterObjectList, Retry-After when none is).
            return _ready_chunks(ctx, req, ident)
        chunk, _ = ctx.jobs.chunk(ident)
        return xml_response(document(chunk_objects(chunk, ctx.node_id)))
    if req.method == "PUT" and ident:
        if q.enum("operation", "") != "ALLOCATE":
            raise bad_request("the only job_chunk operation is allocate")
        chunk = ctx.jobs.allocate(ident)
        return xml_response(document(chunk_objects(chunk, ctx.node_id)))
    raise _bad_method(req, "job_chunk")


def job_chunk_dao(ctx: Context, req: Request, ident: str) -> Response:
    if req.method != "GET" or not ident:
        raise _bad_method(req, "job_chunk_dao")
    chunk, job_row = ctx.jobs.chunk(ident)
    state = {"PENDING": "PENDING", "ALLOCATED": "IN_PROGRESS"}.get(chunk.chunk["state"],
                                                                   "COMPLETED")
    return xml_response(_data({
        "BlobStoreState": state, "ChunkNumber": chunk.chunk["number"], "Id": chunk.chunk["id"],
        "JobCreationDate": job_row["created"], "JobId": job_row["id"], "NodeId": ctx.node_id,
        "PendingTargetCommit": False, "ReadFromAzureTargetId": None, "ReadFromDs3TargetId": None,
        "ReadFromPoolId": None, "ReadFromS3TargetId": None, "ReadFromTapeId": None,
    }))


# --- folders and objects -------------------------------------------------------------------


def folder(ctx: Context, req: Request, ident: str) -> Response:
    if req.method != "DELETE" or not ident:
        raise _bad_method(req, "folder")
    bucket_name = req.query.get("bucket_id")
    if not bucket_name:
        # BlackPearl answers 500 here; a missing parameter is the client's error, and a 5xx
        # would make clients retry it: 400 (documented in docs/ds3-emulator.md).
        raise bad_request("bucket_id is required")
    prefix = ident if ident.endswith("/") else ident + "/"
    _check_bucket(ctx, req, bucket_name, "DELETE")
    with ctx.store.tx() as db:
        row = ctx.catalog.bucket(db, bucket_name)
        ids = [r[0] for r in db.execute(
            "SELECT id FROM objects WHERE bucket_id=? AND substr(name, 1, ?)=?",
            (row["id"], len(prefix), prefix))]
        if not ids:
            raise not_found(f"folder {ident!r}", f"{bucket_name}/{prefix}")
        ctx.catalog.drop_objects(db, ids)
    ctx.remove_files(ids)
    return Response(204)


def _s3_object(ctx: Context, row: Row, version: int) -> list[str]:
    owner = ctx.users.by_id(row["owner_id"])
    return [leaf(k, v) for k, v in {
        "BucketId": row["bucket_id"], "CreationDate": row["created"], "Id": row["id"],
        "Latest": bool(row["latest"]), "Name": row["name"],
        "Owner": owner.name if owner else row["owner_id"], "Size": row["size"],
        "Type": "FOLDER" if row["name"].endswith("/") else "DATA", "Version": version,
    }.items()]


def object_(ctx: Context, req: Request, ident: str) -> Response:
    if req.method != "GET":
        raise _bad_method(req, "object")
    q = req.query
    if q.get("bucket_id"):
        _check_bucket(ctx, req, q.text("bucket_id"), "LIST")
    with ctx.store.tx() as db:
        bucket_row = ctx.catalog.bucket(db, q.text("bucket_id")) if q.get("bucket_id") else None
        if ident:
            if bucket_row is None:
                raise bad_request("bucket_id is required")
            row = ctx.catalog.readable(db, bucket_row, ident, None)
            return xml_response(_data(_s3_object(ctx, row, 1)))
        sql, args = "SELECT * FROM objects WHERE 1=1", []
        if bucket_row is not None:
            sql += " AND bucket_id=?"
            args.append(bucket_row["id"])
        name = q.get("name")
        if name:
            # SQL LIKE with % wildcards when given, exact match otherwise (Plus+Object).
            sql += " AND name LIKE ? ESCAPE '\\'" if "%" in name else " AND name=?"
            args.append(name.replace("_", "\\_") if "%" in name else name)
        kind = q.enum("type", "")
        if kind == "FOLDER":
            sql += " AND name LIKE '%/'"
        elif kind == "DATA":
            sql += " AND name NOT LIKE '%/'"
        if q.has("latest"):
            sql += " AND latest=?"
            args.append(int(q.flag("latest")))
        rows = db.execute(sql + " ORDER BY name, seq", args).fetchall()
    full = q.flag("full_details")
    items = [node("Object" if full else "S3Object", _s3_object(ctx, r, 1)) for r in rows]
    page, headers = _paged(req, items)
    return xml_response(_data(page), headers=headers)


# --- configuration, users, system -------------------------------------------------------------


def _entity(ctx: Context, req: Request, kind_name: str, ident: str) -> Response:
    kind = entities.KINDS[kind_name]

    def render(fields: dict[str, Any]) -> list[str]:
        return [leaf(k, v) for k, v in fields.items()]

    if kind.admin_only and req.method in ("POST", "PUT", "DELETE"):
        access.require_admin(ctx.store, req.user, f"{kind_name} entries")
    if req.method == "POST" and not ident:
        fields = entities.create(ctx.store, kind_name, req.query)
        if kind_name in entities.NOTIFICATION_KINDS and req.user is not None \
                and not fields.get("UserId"):
            fields["UserId"] = req.user.id
            ctx.store.put_entity(kind_name, fields)
        return xml_response(_data(render(fields)), status=201)
    if req.method == "GET" and not ident:
        items = [node(kind.element, render(f)) for f in ctx.store.entities(kind_name)]
        page, headers = _paged(req, items)
        return xml_response(_data(page), headers=headers)
    found = ctx.store.entity(kind_name, ident) if ident else None
    if found is None:
        raise DS3Error(404, "NotFound", f"{kind_name} {ident!r} does not exist")
    fields = found
    if req.method == "GET":
        return xml_response(_data(render(fields)))
    if req.method == "PUT":
        entities.apply_query(ctx.store, fields, req.query)
        ctx.store.put_entity(kind_name, fields)
        return xml_response(_data(render(fields)))
    if req.method == "DELETE":
        if kind_name == "group" and fields.get("BuiltIn"):
            raise DS3Error(409, "Conflict", f"the built-in group {fields['Name']!r} stays")
        if kind_name == "data_policy":
            with ctx.store.tx() as db:
                if db.execute("SELECT 1 FROM buckets WHERE data_policy_id=?",
                              (fields["Id"],)).fetchone():
                    raise DS3Error(409, "Conflict", "the data policy is used by a bucket")
        ctx.store.delete_entity(kind_name, fields["Id"])
        if kind_name == "group":
            access.forget(ctx.store, group_id=fields["Id"])
        return Response(204)
    raise _bad_method(req, kind_name)


def _user_fields(ctx: Context, user: User) -> dict[str, Value]:
    with ctx.store.tx() as db:
        row = db.execute("SELECT data_policy_id, max_buckets FROM users WHERE id=?",
                         (user.id,)).fetchone()
    return {"AuthId": user.access_id, "DefaultDataPolicyId": row[0] if row else None,
            "Id": user.id, "MaxBuckets": row[1] if row else 10000, "Name": user.name,
            "SecretKey": user.secret_key}


def user(ctx: Context, req: Request, ident: str) -> Response:
    if req.method == "GET" and not ident:
        items = [node("SpectraUser", [leaf(k, v) for k, v in _user_fields(ctx, u).items()])
                 for u in ctx.users.all()]
        page, headers = _paged(req, items)
        return xml_response(_data(page), headers=headers)
    if req.method == "POST" and not ident:  # delegate create
        access.require_admin(ctx.store, req.user, "users")
        name = req.query.text("name")
        if not name:
            raise bad_request("name is required")
        if any(u.name == name for u in ctx.users.all()):
            raise DS3Error(409, "Conflict", f"user {name!r} already exists")
        created = User(entities.access_id_for(name), req.query.get("secret_key") or new_secret(),
                       name)
        policy = _policy_id(ctx, req.query.text("default_data_policy_id")) \
            if req.query.get("default_data_policy_id") else None
        ctx.users.add(created, policy)
        return xml_response(_data(_user_fields(ctx, created)), status=201)
    found = ctx.users.by_id(ident) if ident else None
    if found is None:
        raise DS3Error(404, "NotFound", f"user {ident!r} does not exist")
    if req.method == "GET":
        return xml_response(_data(_user_fields(ctx, found)))
    if req.method == "DELETE":
        access.require_admin(ctx.store, req.user, "users")
        ctx.users.remove(found.id)
        access.forget(ctx.store, user_id=found.id)
        return Response(204)
    raise _bad_method(req, "user")


def system_information(ctx: Context, req: Request, ident: str) -> Response:
    # ApiVersion "X.Y" of two MD5 digests, as the seed docstring describes.
    api = hashlib.md5(b"storewire-ds3-api", usedforsecurity=False).hexdigest().upper()
    build = node("BuildInformation", [leaf("Branch", "storewire-emulator"),
                                      leaf("Revision", __version__), leaf("Version", "5.8.0")])
    return xml_response(_data([
        leaf("ApiVersion", f"{api}.{api[::-1]}"), leaf("BackendActivated", True), build,
        leaf("InstanceId", ctx.instance_id), leaf("Now", int(time.time() * 1000)),
        leaf("SerialNumber", ctx.serial_number),
    ]))


def system_health(ctx: Context, req: Request, ident: str) -> Response:
    return xml_response(_data({"DatabaseFilesystemFreeSpace": "NORMAL",
                               "MsRequiredToVerifyDataPlannerHealth": 3}))


def emulator_faults(ctx: Context, req: Request, ident: str) -> Response:
    """Emulator-only admin call: read (GET) or replace (PUT) the fault injection knobs."""
    if req.method == "PUT":
        values = {name: value or "" for name, value in req.query.pairs}
        try:
            ctx.faults.set(Faults.from_mapping(values))
        except (TypeError, ValueError) as exc:
            raise bad_request(str(exc)) from exc
    elif req.method != "GET":
        raise _bad_method(req, "emulator_faults")
    fields = ctx.faults.faults.as_dict()
    fields["error_statuses"] = ",".join(str(s) for s in ctx.faults.faults.error_statuses)
    return xml_response(_data({k: v for k, v in fields.items()}))  # type: ignore[misc]


def cache_state(ctx: Context, req: Request, ident: str) -> Response:
    state = ctx.jobs.cache_state()
    return xml_response(_data({"CacheSizeInBytes": state["size"],
                               "UsedSizeInBytes": state["used"]}))


_RESOURCES: dict[str, Handler] = {
    "bucket": bucket,
    "job": job,
    "active_job": _job_list("IN_PROGRESS", "Job", None),
    "completed_job": _job_list("COMPLETED", "CompletedJob", "DateCompleted"),
    "canceled_job": _job_list("CANCELED", "CanceledJob", "DateCanceled"),
    "job_chunk": job_chunk,
    "job_chunk_dao": job_chunk_dao,
    "folder": folder,
    "object": object_,
    "user": user,
    "system_information": system_information,
    "system_health": system_health,
    "emulator_faults": emulator_faults,
    "cache_state": cache_state,
}
