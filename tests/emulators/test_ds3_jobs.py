"""Spectra bulk jobs on the DS3 emulator: MasterObjectList, blobs, chunks, cache, lifecycle."""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET

from ds3_client import DS3Raw

from storewire.emulators.ds3 import DS3Emulator
from storewire.testing.polling import wait_for

MiB = 1 << 20
GiB = 1 << 30
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _objects(*items: tuple[str, int]) -> bytes:
    inner = "".join(f'<Object Name="{n}" Size="{s}"/>' for n, s in items)
    return f"<Objects>{inner}</Objects>".encode()


def _start_put(c: DS3Raw, bucket: str, items: list[tuple[str, int]], query: str = "") -> ET.Element:
    q = "operation=START_BULK_PUT" + (f"&{query}" if query else "")
    r = c.request("PUT", f"/_rest_/bucket/{bucket}", q, _objects(*items))
    assert r.status == 200, r.body
    assert not re.search(rb">\s+<", r.body)
    return r.xml()


def _blobs(mol: ET.Element) -> list[tuple[str, int, int]]:
    return [
        (o.get("Name") or "", int(o.get("Offset") or 0), int(o.get("Length") or 0))
        for chunk in mol.findall("Objects")
        for o in chunk.findall("Object")
    ]


def test_master_object_list_structure(ds3_emulator: DS3Emulator, ds3_c: DS3Raw) -> None:
    ds3_c.request("PUT", "/books")
    mol = _start_put(ds3_c, "books", [("beowulf.txt", 294), ("dir/empty", 0)])
    assert mol.tag == "MasterObjectList"
    for attr in ("JobId", "UserId"):
        assert UUID.fullmatch(mol.get(attr) or "")
    assert mol.get("BucketName") == "books"
    assert mol.get("RequestType") == "PUT"
    assert mol.get("Status") == "IN_PROGRESS"
    assert mol.get("UserName") == "spectra"
    assert mol.get("Naked") == "false" and mol.get("Aggregating") == "false"
    assert mol.get("OriginalSizeInBytes") == "294"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", mol.get("StartDate") or "")
    nodes = mol.findall("Nodes/Node")
    assert len(nodes) == 1
    assert nodes[0].get("EndPoint") == "127.0.0.1"
    assert nodes[0].get("HttpPort") == str(ds3_emulator.port)
    chunks = mol.findall("Objects")
    assert [c.get("ChunkNumber") for c in chunks] == ["0"]
    assert chunks[0].get("NodeId") == nodes[0].get("Id")
    blobs = chunks[0].findall("Object")
    assert [(b.get("Name"), b.get("Offset"), b.get("Length"), b.get("InCache")) for b in blobs] == [
        ("beowulf.txt", "0", "294", "false"),
        ("dir/empty", "0", "0", "true"),
    ]
    # Declared objects are listed at once; the empty one is complete already.
    listing = ds3_c.request("GET", "/books").xml()
    assert [k.text for k in listing.iter("Key")] == ["beowulf.txt", "dir/empty"]


def test_blob_splitting_with_max_upload_size(ds3_c: DS3Raw) -> None:
    ds3_c.request("PUT", "/b")
    mol = _start_put(ds3_c, "b", [("k1", 15 * MiB), ("k2", 25 * MiB)], "max_upload_size=10485760")
    assert _blobs(mol) == [
        ("k1", 0, 10 * MiB),
        ("k1", 10 * MiB, 5 * MiB),
        ("k2", 0, 10 * MiB),
        ("k2", 10 * MiB, 10 * MiB),
        ("k2", 20 * MiB, 5 * MiB),
    ]
    numbers = [int(c.get("ChunkNumber") or -1) for c in mol.findall("Objects")]
    assert numbers == list(range(len(numbers)))
    # Every blob moved with job= and offset=, no chunks-ready call first.
    job = mol.get("JobId")
    payload = {
        name: bytes([i + 1]) * size
        for i, (name, size) in enumerate([("k1", 15 * MiB), ("k2", 25 * MiB)])
    }
    for name, offset, length in _blobs(mol):
        r = ds3_c.request(
            "PUT",
            f"/b/{name}",
            f"job={job}&offset={offset}",
            payload[name][offset : offset + length],
        )
        assert r.status == 200, r.body
    job_state = ds3_c.request("GET", f"/_rest_/job/{job}").xml()
    assert job_state.get("Status") == "COMPLETED"
    head = ds3_c.request("HEAD", "/b/k2")
    offsets = sorted(
        int(n.rsplit("-", 1)[1])
        for n in head.headers.keys()
        if n.startswith("ds3-blob-checksum-offset-")
    )
    assert offsets == [0, 10 * MiB, 20 * MiB]
    # A GET job returns the blobs as stored, and the blob GETs return exactly them.
    r = ds3_c.request(
        "PUT",
        "/_rest_/bucket/b",
        "operation=start_bulk_get",
        b'<Objects ChunkClientProcessingOrderGuarantee="IN_ORDER"><Object Name="k2"/></Objects>',
    )
    get_mol = r.xml()
    assert get_mol.get("RequestType") == "GET"
    assert get_mol.get("ChunkClientProcessingOrderGuarantee") == "IN_ORDER"
    assert [b[1:] for b in _blobs(get_mol)] == [
        (0, 10 * MiB),
        (10 * MiB, 10 * MiB),
        (20 * MiB, 5 * MiB),
    ]
    gjob = get_mol.get("JobId")
    assert ds3_c.request("GET", f"/_rest_/job/{gjob}").xml().get("Status") == "IN_PROGRESS"
    ready = ds3_c.request("GET", "/_rest_/job_chunk/", f"job={gjob}")
    assert len(list(ready.xml().iter("Object"))) == 3  # several blobs may share a chunk
    for _, offset, length in _blobs(get_mol):
        r = ds3_c.request("GET", "/b/k2", f"job={gjob}&offset={offset}")
        assert r.status == 200 and r.body == payload["k2"][offset : offset + length]
    # Ranges inside a blob are absolute object offsets.
    r = ds3_c.request(
        "GET",
        "/b/k2",
        f"job={gjob}&offset={10 * MiB}",
        headers={"Range": f"bytes={10 * MiB}-{10 * MiB + 9}"},
    )
    assert r.status == 206 and len(r.body) == 10
    # Completed once the last blob has gone out: noted just after the client has read it.
    wait_for(lambda: ds3_c.request("GET", f"/_rest_/job/{gjob}").xml().get("Status")
             == "COMPLETED", 10.0, what="the GET job's completion")


def test_huge_declared_objects_reserve_no_space(ds3_emulator: DS3Emulator, ds3_c: DS3Raw) -> None:
    ds3_c.request("PUT", "/b")
    mol = _start_put(ds3_c, "b", [("huge1", 400 * GiB), ("huge2", 400 * GiB)])
    blobs = _blobs(mol)
    assert blobs[:7] == [("huge1", i * 64 * GiB, 64 * GiB) for i in range(6)] + [
        ("huge1", 412316860416, 17179869184)
    ]
    assert all(len(c.findall("Object")) == 1 for c in mol.findall("Objects"))
    assert len(mol.findall("Objects")) == 14
    data_dir = ds3_emulator.data_dir
    assert data_dir is not None
    assert sum(p.stat().st_size for p in data_dir.rglob("*") if p.is_file()) < 10 * MiB


def test_chunks_ready_returns_everything_on_the_first_poll(ds3_c: DS3Raw) -> None:
    ds3_c.request("PUT", "/b")
    mol = _start_put(ds3_c, "b", [(f"k{i}", 3 * MiB) for i in range(4)], "max_upload_size=2097152")
    job = mol.get("JobId")
    assert len(mol.findall("Objects")) == 8
    ready = ds3_c.request("GET", "/_rest_/job_chunk", f"job={job}")
    assert ready.status == 200 and ready.header("Retry-After") is None
    assert len(ready.xml().findall("Objects")) == 8
    limited = ds3_c.request("GET", "/_rest_/JOB_CHUNK/", f"job={job}&preferred_number_of_chunks=2")
    assert len(limited.xml().findall("Objects")) == 2
    assert (
        ds3_c.request(
            "GET", "/_rest_/job_chunk/", "job=00000000-0000-0000-0000-000000000000"
        ).status
        == 404
    )


def test_tiny_cache_makes_chunks_wait(tmp_path: object) -> None:
    with (
        DS3Emulator(cache_size_bytes=2 * MiB, persist_delay_s=0.3) as emu,
        DS3Raw(emu.endpoint, emu.access_key, emu.secret_key, "p") as c,
    ):
        c.request("PUT", "/b")
        mol = _start_put(c, "b", [("a", 2 * MiB), ("b", 2 * MiB), ("c", MiB)])
        job = mol.get("JobId")
        chunks = mol.findall("Objects")
        assert len(chunks) == 3
        first = c.request("GET", "/_rest_/job_chunk/", f"job={job}")
        ready = first.xml().findall("Objects")
        assert [o.get("Name") for r in ready for o in r.findall("Object")] == ["a"]
        # The second chunk cannot get cache space: allocate says 503 + Retry-After.
        second_id = chunks[1].get("ChunkId")
        r = c.request("PUT", f"/_rest_/job_chunk/{second_id}", "operation=allocate")
        assert r.status == 503 and int(r.header("Retry-After") or 0) >= 1
        assert r.xml().findtext("HttpErrorCode") == "503"
        # A blob PUT for it is refused the same way.
        r = c.request("PUT", "/b/b", f"job={job}&offset=0", b"b" * (2 * MiB))
        assert r.status == 503 and r.header("Retry-After")
        assert c.request("PUT", "/b/a", f"job={job}&offset=0", b"a" * (2 * MiB)).status == 200
        # Chunk "a" completed; its space frees after the persist delay.
        r = c.request("GET", "/_rest_/job_chunk/", f"job={job}")
        assert r.status == 200 and r.xml().findall("Objects") == []
        assert int(r.header("Retry-After") or 0) >= 1
        assert r.xml().tag == "MasterObjectList"
        time.sleep(0.4)
        r = c.request("PUT", f"/_rest_/job_chunk/{second_id}", "operation=ALLOCATE")
        assert r.status == 200
        assert r.xml().tag == "Objects" and r.xml().get("ChunkId") == second_id
        again = c.request("PUT", f"/_rest_/job_chunk/{second_id}", "operation=allocate")
        assert again.status == 200  # idempotent
        assert c.request("PUT", "/b/b", f"job={job}&offset=0", b"b" * (2 * MiB)).status == 200
        time.sleep(0.4)
        r = c.request("GET", "/_rest_/job_chunk/", f"job={job}")
        assert [o.get("Name") for o in r.xml().iter("Object")] == ["c"]
        assert c.request("PUT", "/b/c", f"job={job}&offset=0", b"c" * MiB).status == 200
        # Received, not yet persisted: still active until the persist delay has passed.
        assert c.request("GET", f"/_rest_/job/{job}").xml().get("Status") == "IN_PROGRESS"
        wait_for(lambda: c.request("GET", f"/_rest_/job/{job}").xml().get("Status")
                 == "COMPLETED", 5.0, what="the PUT job's persistence")


def test_jobs_list_cancel_truncate(ds3_c: DS3Raw) -> None:
    ds3_c.request("PUT", "/b")
    job1 = _start_put(ds3_c, "b", [("x", 10)]).get("JobId")
    job2 = _start_put(ds3_c, "b", [("y", 10)]).get("JobId")
    jobs = ds3_c.request("GET", "/_rest_/job/")
    assert jobs.status == 200 and jobs.xml().tag == "Jobs"
    listed = jobs.xml().findall("Job")
    assert {j.get("JobId") for j in listed} == {job1, job2}
    for j in listed:
        for attr in ("BucketName", "JobId", "StartDate", "UserId", "UserName"):
            assert j.get(attr)
        assert j.find("Nodes/Node") is not None
    assert ds3_c.request("DELETE", f"/_rest_/job/{job1}", "force").status == 204
    assert ds3_c.request("GET", f"/_rest_/job/{job1}").xml().get("Status") == "CANCELED"
    assert ds3_c.request("DELETE", f"/_rest_/job/{job1}", "force").status == 404
    # The canceled job's unfinished object is gone; the other job's is still listed.
    assert [k.text for k in ds3_c.request("GET", "/b").xml().iter("Key")] == ["y"]
    assert ds3_c.request("DELETE", f"/_rest_/job/{job2}").status == 204  # truncate (seed)
    assert ds3_c.request("GET", "/_rest_/job").xml().findall("Job") == []
    assert ds3_c.request("GET", "/_rest_/job_chunk/", f"job={job1}").status == 410
    assert ds3_c.request("PUT", "/b/x", f"job={job1}&offset=0", b"0123456789").status == 410
    canceled = ds3_c.request("GET", "/_rest_/canceled_job/").xml()
    assert canceled.tag == "Jobs" and len(canceled.findall("CanceledJob")) == 2
    assert ds3_c.request("GET", "/_rest_/job/nope").status == 404


def test_modify_job_and_chunk_resources(ds3_c: DS3Raw) -> None:
    ds3_c.request("PUT", "/b")
    mol = _start_put(ds3_c, "b", [("x", 10)], "priority=HIGH&name=nightly")
    job = mol.get("JobId")
    assert (mol.get("Priority"), mol.get("Name")) == ("HIGH", "nightly")
    r = ds3_c.request("PUT", f"/_rest_/job/{job}", "priority=low&name=renamed")
    assert r.status == 200
    assert (r.xml().get("Priority"), r.xml().get("Name")) == ("LOW", "renamed")
    chunk = mol.find("Objects")
    assert chunk is not None
    r = ds3_c.request("GET", f"/_rest_/job_chunk/{chunk.get('ChunkId')}")
    assert r.status == 200 and r.xml().tag == "Objects"
    dao = ds3_c.request("GET", f"/_rest_/job_chunk_dao/{chunk.get('ChunkId')}").xml()
    assert dao.findtext("JobId") == job
    active = ds3_c.request("GET", "/_rest_/active_job/").xml()
    assert [j.findtext("Id") for j in active.findall("Job")] == [job]


def test_naked_put_creates_an_implicit_job(ds3_c: DS3Raw) -> None:
    ds3_c.request("PUT", "/b")
    assert ds3_c.request("PUT", "/b/empty-folder/", body=b"").status == 200
    assert ds3_c.request("PUT", "/b/Plus%2BObject", body=b"data").status == 200
    done = ds3_c.request("GET", "/_rest_/completed_job/").xml()
    naked = [j for j in done.findall("CompletedJob") if j.findtext("Naked") == "true"]
    assert len(naked) == 2
    found = ds3_c.request("GET", "/_rest_/object/", "bucket_id=b&name=Plus%2BObject").xml()
    assert [o.findtext("Name") for o in found.findall("S3Object")] == ["Plus+Object"]
    folders = ds3_c.request("GET", "/_rest_/object", "bucket_id=b&type=FOLDER")
    assert [o.findtext("Name") for o in folders.xml().findall("S3Object")] == ["empty-folder/"]
    assert folders.header("Total-Result-Count") == "1"


def test_delete_folder_and_force_delete_bucket(ds3_c: DS3Raw, ds3_p: DS3Raw) -> None:
    ds3_c.request("PUT", "/b")
    for key in ("dir/a", "dir/sub/b", "dirt", "other"):
        assert ds3_c.request("PUT", f"/b/{key}", body=b"1").status == 200
    r = ds3_c.request("DELETE", "/_rest_/folder/dir", "bucket_id=b&recursive")
    assert r.status == 204
    assert [k.text for k in ds3_c.request("GET", "/b").xml().iter("Key")] == ["dirt", "other"]
    assert ds3_p.request("DELETE", "/_rest_/folder/dir", "recursive&bucketId=b").status == 404
    assert ds3_c.request("DELETE", "/_rest_/bucket/b").status == 409
    assert ds3_c.request("DELETE", "/_rest_/bucket/b", "force").status == 204
    assert ds3_c.request("HEAD", "/b").status == 404


def test_spectra_bucket_and_configuration_calls(ds3_c: DS3Raw, ds3_p: DS3Raw) -> None:
    r = ds3_c.request(
        "POST",
        "/_rest_/data_policy/",
        "name=crc&checksum_type=CRC_32C&versioning=KEEP_MULTIPLE_VERSIONS",
    )
    assert r.status == 201
    policy = r.xml()
    assert policy.tag == "Data" and policy.findtext("ChecksumType") == "CRC_32C"
    assert ds3_c.request("POST", "/_rest_/data_policy/", "name=crc").status == 409
    domain = ds3_c.request("POST", "/_rest_/storage_domain/", "name=sd1")
    assert domain.status == 201
    pool = ds3_c.request("POST", "/_rest_/pool_partition/", "name=pp1&type=ONLINE")
    assert pool.status == 201
    member = ds3_c.request(
        "POST", "/_rest_/storage_domain_member/", "pool_partition_id=pp1&storage_domain_id=sd1"
    )
    assert member.status == 201
    assert member.xml().findtext("StorageDomainId") == domain.xml().findtext("Id")
    rule = ds3_c.request(
        "POST",
        "/_rest_/data_persistence_rule/",
        "data_policy_id=crc&isolation_level=STANDARD&storage_domain_id=sd1&type=PERMANENT",
    )
    assert rule.status == 201 and rule.xml().findtext("Id")
    r = ds3_c.request("POST", "/_rest_/bucket/", "name=vb&data_policy_id=crc")
    assert r.status == 201
    assert r.xml().findtext("DataPolicyId") == policy.findtext("Id")
    assert ds3_c.request("POST", "/_rest_/bucket/", "name=vb").status == 409
    assert ds3_c.request("POST", "/_rest_/bucket/", "name=trailing_slash/").status == 400
    # Two PUTs of one key in a versioned bucket → two <Version> entries, no Contents.
    assert ds3_p.request("PUT", "/vb/k", body=b"1").status == 200
    assert ds3_p.request("PUT", "/vb/k", body=b"22").status == 200
    versions = ds3_c.request("GET", "/vb", "versions").xml()
    assert versions.findall("Contents") == []
    assert [v.findtext("IsLatest") for v in versions.findall("Version")] == ["true", "false"]
    head = ds3_c.request("HEAD", "/vb/k")
    assert head.header("ds3-blob-checksum-type") == "CRC_32C"
    assert ds3_c.request("GET", "/_rest_/data_policy/nope").xml().findtext("Code") == "NotFound"
    assert (
        ds3_c.request(
            "DELETE", "/_rest_/data_persistence_rule/" + (rule.xml().findtext("Id") or "")
        ).status
        == 204
    )
    assert ds3_c.request("DELETE", "/_rest_/storage_domain/sd1").status == 204
    assert ds3_c.request("GET", "/_rest_/bucket/vb").xml().findtext("Name") == "vb"


def test_system_calls_and_placement(ds3_c: DS3Raw, ds3_p: DS3Raw) -> None:
    for path in ("/_rest_/system_information/", "/_rest_/SYSTEM_INFORMATION"):
        info = ds3_c.request("GET", path).xml()
        assert info.tag == "Data"
        for field in (
            "ApiVersion",
            "SerialNumber",
            "BuildInformation/Branch",
            "BuildInformation/Revision",
            "BuildInformation/Version",
        ):
            assert info.findtext(field)
        assert re.fullmatch(r"[0-9A-F]{32}\.[0-9A-F]{32}", info.findtext("ApiVersion") or "")
    health = ds3_p.request("GET", "/_rest_/SYSTEM_HEALTH")
    assert health.status == 200
    assert health.xml().findtext("MsRequiredToVerifyDataPlannerHealth") == "3"
    ds3_c.request("PUT", "/b")
    body = b'<Objects><Object Name="k"/></Objects>'
    r = ds3_c.request("PUT", "/_rest_/bucket/b", "operation=get_physical_placement", body)
    assert r.status == 200
    assert [c.tag for c in r.xml()] == ["AzureTargets", "Ds3Targets", "Pools", "S3Targets", "Tapes"]
    assert (
        ds3_c.request("PUT", "/_rest_/bucket/none", "operation=GET_PHYSICAL_PLACEMENT", body).status
        == 404
    )
    assert ds3_c.request("GET", "/_rest_/user/").xml().findtext("SpectraUser/Name") == "spectra"


def test_bulk_put_errors(ds3_c: DS3Raw) -> None:
    assert (
        ds3_c.request(
            "PUT", "/_rest_/bucket/missing", "operation=start_bulk_put", _objects(("k", 1))
        ).status
        == 404
    )
    ds3_c.request("PUT", "/b")
    assert (
        ds3_c.request(
            "PUT", "/_rest_/bucket/b", "operation=start_bulk_put", _objects(("k", 1), ("k", 2))
        ).status
        == 400
    )
    assert (
        ds3_c.request("PUT", "/_rest_/bucket/b", "operation=start_bulk_put", b"<Objects/>").status
        == 400
    )
    assert (
        ds3_c.request("PUT", "/_rest_/bucket/b", "operation=start_bulk_put", b"not xml").status
        == 400
    )
    _start_put(ds3_c, "b", [("k", 1)])
    r = ds3_c.request("PUT", "/_rest_/bucket/b", "operation=start_bulk_put", _objects(("k", 1)))
    assert r.status == 409 and r.xml().findtext("Code") == "OBJECT_ALREADY_EXISTS"
    assert (
        ds3_c.request(
            "PUT",
            "/_rest_/bucket/b",
            "operation=start_bulk_get",
            b'<Objects><Object Name="nope"/></Objects>',
        ).status
        == 404
    )


def test_seed_style_flow_with_allocate(ds3_p: DS3Raw) -> None:
    """The seed README: putBulk, allocateChunk for every chunk, putObject per blob."""
    ds3_p.request("PUT", "/testBucket")
    files = {"beowulf.txt": b"B" * 3000, "ulysses.txt": b"U" * 5000}
    mol = _start_put(ds3_p, "testBucket", [(k, len(v)) for k, v in files.items()])
    job = mol.get("JobId")
    for chunk in mol.findall("Objects"):
        alloc = ds3_p.request(
            "PUT", f"/_rest_/job_chunk/{chunk.get('ChunkId')}", "operation=allocate"
        )
        assert alloc.status == 200
        for obj in alloc.xml().findall("Object"):
            name, offset, length = (
                obj.get("Name") or "",
                int(obj.get("Offset") or 0),
                int(obj.get("Length") or 0),
            )
            r = ds3_p.request(
                "PUT",
                f"/testBucket/{name}",
                f"job={job}&offset={offset}",
                files[name][offset : offset + length],
            )
            assert r.status == 200
    listing = ds3_p.request("GET", "/testBucket").xml()
    assert [c.findtext("Size") for c in listing.findall("Contents")] == ["3000", "5000"]
