"""BlackPearl fidelity of the DS3 emulator: received vs persisted jobs, the pre-seeded
storage configuration, placement and job_chunk lookups, groups and ACLs (enforced), and
notification registrations that really POST their payloads."""

from __future__ import annotations

import http.server
import io
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from ds3_client import DS3Raw

import ds3
from storewire import errors
from storewire.emulators import serve as serve_module
from storewire.emulators.ds3 import DS3Emulator
from storewire.testing.polling import wait_for


@pytest.fixture
def slow_persist() -> Iterator[DS3Emulator]:
    with DS3Emulator(persist_delay_s=0.6) as emu:
        yield emu


def _client(emu: DS3Emulator) -> ds3.Client:
    return ds3.Client(emu.endpoint, emu.access_key, emu.secret_key, proxy="")


# --- jobs: received, then persisted --------------------------------------------------------


def test_a_received_put_job_stays_active_and_cancellable_until_persisted(
    slow_persist: DS3Emulator,
) -> None:
    with _client(slow_persist) as client:
        client.put_bucket("b")
        job = client.start_bulk_put("b", [("k", 5)])
        client.put_object("b", "k", b"hello", job=job.job_id, offset=0)
        received = client.get_job(job.job_id)
        assert received.status == "IN_PROGRESS"
        assert (received.cached_size, received.completed_size) == (5, 0)
        assert job.job_id in [j.job_id for j in client.get_jobs()]
        client.cancel_job(job.job_id)  # force-cancel until persisted
        assert client.get_job(job.job_id).status == "CANCELED"
        assert client.get_bytes("b", ["k"]) == {"k": b"hello"}  # received data stays
        with pytest.raises(errors.StorageError):
            client.cancel_job(job.job_id)  # cancelling again: 404


def test_a_put_job_completes_once_persisted(slow_persist: DS3Emulator) -> None:
    with _client(slow_persist) as client:
        client.put_bucket("b")
        job = client.start_bulk_put("b", [("k", 3)])
        client.put_object("b", "k", b"abc", job=job.job_id, offset=0)
        wait_for(lambda: client.get_job(job.job_id).status == "COMPLETED", 5.0,
                 what="the persisted job's completion")
        done = client.get_job(job.job_id)
        assert (done.original_size, done.cached_size, done.completed_size) == (3, 3, 3)
        assert job.job_id not in [j.job_id for j in client.get_jobs()]
        with pytest.raises(errors.StorageError):
            client.cancel_job(job.job_id)


def test_job_element_lists_carry_status_and_sizes(slow_persist: DS3Emulator) -> None:
    with DS3Raw(slow_persist.endpoint, slow_persist.access_key, slow_persist.secret_key) as c:
        c.request("PUT", "/b")
        body = b'<Objects><Object Name="k" Size="4"/></Objects>'
        job = c.request("PUT", "/_rest_/bucket/b", "operation=START_BULK_PUT", body).xml()
        job_id = job.get("JobId")
        assert c.request("PUT", "/b/k", f"job={job_id}&offset=0", b"abcd").status == 200
        active = c.request("GET", "/_rest_/active_job/").xml().find("Job")
        assert active is not None
        fields = {e.tag: e.text for e in active}
        assert fields["Status"] == "IN_PROGRESS" and fields["BucketName"] == "b"
        assert (fields["OriginalSizeInBytes"], fields["CachedSizeInBytes"],
                fields["CompletedSizeInBytes"], fields["Aggregating"]) == ("4", "4", "0", "false")


# --- pre-seeded storage configuration ------------------------------------------------------


def test_a_fresh_emulator_has_a_storage_domain_pool_partition_and_data_policy(
    ds3_c: DS3Raw,
) -> None:
    policies = ds3_c.request("GET", "/_rest_/data_policy/").xml().findall("DataPolicy")
    assert policies and policies[0].findtext("ChecksumType") == "MD5"
    domains = ds3_c.request("GET", "/_rest_/storage_domain/").xml().findall("StorageDomain")
    assert [d.findtext("Name") for d in domains] == ["default"]
    pools = ds3_c.request("GET", "/_rest_/pool_partition/").xml().findall("PoolPartition")
    assert [(p.findtext("Name"), p.findtext("Type")) for p in pools] == [("default-pool", "ONLINE")]
    member = ds3_c.request("GET", "/_rest_/storage_domain_member/").xml().find(
        "StorageDomainMember")
    assert member is not None
    assert member.findtext("StorageDomainId") == domains[0].findtext("Id")
    assert member.findtext("PoolPartitionId") == pools[0].findtext("Id")
    rules = ds3_c.request("GET", "/_rest_/data_persistence_rule/").xml()
    policy_id = policies[0].findtext("Id")
    assert any(r.findtext("DataPolicyId") == policy_id
               and r.findtext("StorageDomainId") == domains[0].findtext("Id")
               for r in rules.findall("DataPersistenceRule"))
    # Linked from the default user and from new buckets.
    me = ds3_c.request("GET", "/_rest_/user/spectra").xml()
    assert me.findtext("DefaultDataPolicyId") == policy_id
    ds3_c.request("PUT", "/b")
    assert ds3_c.request("GET", "/_rest_/bucket/b").xml().findtext("DataPolicyId") == policy_id


def test_the_seed_is_kept_across_restarts(tmp_path: Path) -> None:
    with DS3Emulator(data_dir=tmp_path) as emu, \
            DS3Raw(emu.endpoint, emu.access_key, emu.secret_key) as c:
        first = c.request("GET", "/_rest_/storage_domain/default").xml().findtext("Id")
    with DS3Emulator(data_dir=tmp_path) as emu, \
            DS3Raw(emu.endpoint, emu.access_key, emu.secret_key) as c:
        again = c.request("GET", "/_rest_/storage_domain/").xml().findall("StorageDomain")
        assert [d.findtext("Id") for d in again] == [first]
        groups = c.request("GET", "/_rest_/group/").xml().findall("Group")
        assert sorted(g.findtext("Name") or "" for g in groups) == [
            "Administrators", "Everyone", "Tape Admins"]


# --- placement, job_chunk by job id, delete-folder ------------------------------------------


def test_physical_placement_full_details_skips_unknown_names(ds3_c: DS3Raw) -> None:
    ds3_c.request("PUT", "/b")
    assert ds3_c.request("PUT", "/b/known", body=b"xyz").status == 200
    body = b'<Objects><Object Name="known"/><Object Name="unknown"/></Objects>'
    r = ds3_c.request("PUT", "/_rest_/bucket/b", "operation=get_physical_placement&full_details",
                      body)
    assert r.status == 200
    assert [(o.get("Name"), o.get("Length")) for o in r.xml().findall("Object")] == [
        ("known", "3")]


def test_job_chunk_accepts_a_job_id(ds3_c: DS3Raw) -> None:
    ds3_c.request("PUT", "/b")
    body = b'<Objects><Object Name="a" Size="2"/></Objects>'
    mol = ds3_c.request("PUT", "/_rest_/bucket/b", "operation=start_bulk_put", body).xml()
    job_id = mol.get("JobId")
    r = ds3_c.request("GET", f"/_rest_/job_chunk/{job_id}")
    assert r.status == 200 and r.xml().tag == "MasterObjectList"
    assert r.xml().get("JobId") == job_id
    assert [o.get("Name") for o in r.xml().iter("Object")] == ["a"]
    chunk_id = mol.find("Objects").get("ChunkId")  # type: ignore[union-attr]
    by_chunk = ds3_c.request("GET", f"/_rest_/job_chunk/{chunk_id}").xml()
    assert by_chunk.tag == "Objects" and by_chunk.get("ChunkId") == chunk_id
    assert ds3_c.request("GET", "/_rest_/job_chunk/00000000-0000-0000-0000-000000000000"
                         ).status == 404


def test_delete_folder_with_an_empty_bucket_id_is_a_client_error(ds3_c: DS3Raw) -> None:
    ds3_c.request("PUT", "/b")
    r = ds3_c.request("DELETE", "/_rest_/folder/dir", "recursive&bucket_id=")
    assert r.status == 400 and "bucket_id" in (r.xml().findtext("Message") or "")


# --- groups and ACLs -------------------------------------------------------------------------


def _add_user(c: DS3Raw, name: str) -> tuple[str, str]:
    made = c.request("POST", "/_rest_/user/", f"name={name}")
    assert made.status == 201
    return made.xml().findtext("AuthId") or "", made.xml().findtext("SecretKey") or ""


def test_bucket_acls_for_users_and_groups_are_enforced(ds3_emulator: DS3Emulator,
                                                       ds3_c: DS3Raw) -> None:
    ds3_c.request("PUT", "/shared")
    assert ds3_c.request("PUT", "/shared/k", body=b"data").status == 200
    access, secret = _add_user(ds3_c, "alice")
    with DS3Raw(ds3_emulator.endpoint, access, secret) as alice:
        assert alice.request("GET", "/shared/k").status == 403
        assert alice.request("GET", "/shared").status == 403
        assert alice.request("GET", "/_rest_/bucket/").xml().findall("Bucket") == []
        # A group ACL: READ for the group alice is in.
        group = ds3_c.request("POST", "/_rest_/group/", "name=readers")
        assert group.status == 201 and group.xml().findtext("BuiltIn") == "false"
        member = ds3_c.request("POST", "/_rest_/group_member/",
                               "group_id=readers&member_user_id=alice")
        assert member.status == 201
        acl = ds3_c.request("POST", "/_rest_/bucket_acl/",
                            "bucket_id=shared&group_id=readers&permission=READ")
        assert acl.status == 201 and acl.xml().findtext("Permission") == "READ"
        assert alice.request("GET", "/shared/k").body == b"data"
        assert [b.findtext("Name") for b in
                alice.request("GET", "/_rest_/bucket/").xml().findall("Bucket")] == ["shared"]
        assert alice.request("PUT", "/shared/new", body=b"x").status == 403
        assert alice.request("GET", "/shared").status == 403  # LIST is another permission
        # A user ACL: WRITE.
        grant = ds3_c.request("POST", "/_rest_/bucket_acl/",
                              "bucket_id=shared&user_id=alice&permission=WRITE")
        assert grant.status == 201
        assert alice.request("PUT", "/shared/new", body=b"x").status == 200
        # Non-admins cannot hand out permissions; alice's own bucket stays hers.
        assert alice.request("POST", "/_rest_/bucket_acl/",
                             "bucket_id=shared&user_id=alice&permission=OWNER").status == 403
        assert alice.request("PUT", "/mine").status == 200
        assert alice.request("PUT", "/mine/k", body=b"1").status == 200
        # Revoking the group ACL takes READ away again.
        acl_id = acl.xml().findtext("Id")
        assert ds3_c.request("DELETE", f"/_rest_/bucket_acl/{acl_id}").status == 204
        assert alice.request("GET", "/shared/k").status == 403
        # The admin (bucket owner) keeps access to everything, alice's bucket too.
        assert ds3_c.request("GET", "/mine/k").body == b"1"
        # Everyone: a global LIST for every user.
        assert ds3_c.request("POST", "/_rest_/bucket_acl/",
                             "group_id=Everyone&permission=LIST").status == 201
        assert alice.request("GET", "/shared").status == 200
        # Bulk jobs need the permission too.
        body = b'<Objects><Object Name="j" Size="1"/></Objects>'
        assert alice.request("PUT", "/_rest_/bucket/shared", "operation=start_bulk_get",
                             b'<Objects><Object Name="k"/></Objects>').status == 403
        assert alice.request("PUT", "/_rest_/bucket/shared", "operation=start_bulk_put",
                             body).status == 200


def test_group_membership_nests_and_acl_checks_refuse_nonsense(ds3_emulator: DS3Emulator,
                                                               ds3_c: DS3Raw) -> None:
    ds3_c.request("PUT", "/b")
    ds3_c.request("PUT", "/b/k", body=b"v")
    access, secret = _add_user(ds3_c, "bob")
    for name in ("inner", "outer"):
        assert ds3_c.request("POST", "/_rest_/group/", f"name={name}").status == 201
    assert ds3_c.request("POST", "/_rest_/group_member/",
                         "group_id=inner&member_user_id=bob").status == 201
    assert ds3_c.request("POST", "/_rest_/group_member/",
                         "group_id=outer&member_group_id=inner").status == 201
    assert ds3_c.request("POST", "/_rest_/bucket_acl/",
                         "bucket_id=b&group_id=outer&permission=OWNER").status == 201
    with DS3Raw(ds3_emulator.endpoint, access, secret) as bob:
        assert bob.request("GET", "/b/k").body == b"v"
        assert bob.request("DELETE", "/b/k").status == 204
    bad = [("bucket_acl", "bucket_id=b&permission=READ"),  # no grantee
           ("bucket_acl", "bucket_id=b&user_id=bob&group_id=inner&permission=READ"),
           ("bucket_acl", "bucket_id=b&user_id=bob&permission=FLY"),
           ("group_member", "group_id=inner")]
    for resource, query in bad:
        assert ds3_c.request("POST", f"/_rest_/{resource}/", query).status == 400, query
    assert ds3_c.request("POST", "/_rest_/bucket_acl/",
                         "bucket_id=nope&user_id=bob&permission=READ").status == 404
    assert ds3_c.request("DELETE", "/_rest_/group/Everyone").status == 409
    policy_acl = ds3_c.request("POST", "/_rest_/data_policy_acl/",
                               "data_policy_id=default&group_id=inner")
    assert policy_acl.status == 201
    listed = ds3_c.request("GET", "/_rest_/data_policy_acl/").xml().findall("DataPolicyAcl")
    assert [a.findtext("Id") for a in listed] == [policy_acl.xml().findtext("Id")]
    one = policy_acl.xml().findtext("Id")
    assert ds3_c.request("GET", f"/_rest_/data_policy_acl/{one}").status == 200
    assert ds3_c.request("DELETE", f"/_rest_/data_policy_acl/{one}").status == 204
    assert ds3_c.request("GET", f"/_rest_/data_policy_acl/{one}").status == 404


# --- notifications ---------------------------------------------------------------------------


class _Receiver:
    """A local HTTP server that records what is POSTed to it."""

    def __init__(self, status: int = 200) -> None:
        received: list[tuple[str, bytes]] = []
        self.received = received

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                received.append((self.path, body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> _Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def payloads(self, path: str) -> list[ET.Element]:
        return [ET.fromstring(body) for p, body in list(self.received) if p == path]


def test_notifications_are_posted_to_the_registered_end_points(slow_persist: DS3Emulator) -> None:
    emu = slow_persist
    with _Receiver() as rx, DS3Raw(emu.endpoint, emu.access_key, emu.secret_key) as c:
        kinds = ("job_created", "job_completed", "object_cached", "object_persisted")
        regs = {}
        for kind in kinds:
            r = c.request("POST", f"/_rest_/{kind}_notification_registration/",
                          f"notification_end_point={rx.url('/' + kind)}")
            assert r.status == 201, r.body
            regs[kind] = r.xml()
            assert regs[kind].findtext("NotificationEndPoint") == rx.url("/" + kind)
            assert regs[kind].findtext("NotificationHttpMethod") == "POST"
        listed = c.request("GET", "/_rest_/job_completed_notification_registration/").xml()
        assert [e.tag for e in listed] == ["JobCompletedNotificationRegistration"]
        c.request("PUT", "/b")
        body = b'<Objects><Object Name="k" Size="2"/></Objects>'
        job_id = c.request("PUT", "/_rest_/bucket/b", "operation=start_bulk_put",
                           body).xml().get("JobId")
        assert c.request("PUT", "/b/k", f"job={job_id}&offset=0", b"hi").status == 200
        wait_for(lambda: all(rx.payloads("/" + k) for k in kinds), 5.0,
                 what="the four notifications")
        created = rx.payloads("/job_created")[0]
        assert created.tag == "Data" and created.findtext("JobId") == job_id
        assert created.findtext("NotificationGenerationDate")
        cached = rx.payloads("/object_cached")[0]
        assert [o.get("Name") for o in cached.findall("Objects/Object")] == ["k"]
        persisted = rx.payloads("/object_persisted")[0]
        assert persisted.findtext("JobId") == job_id
        assert [(o.get("Name"), o.get("Length")) for o in
                persisted.findall("Objects/Object")] == [("k", "2")]
        completed = rx.payloads("/job_completed")[0]
        assert completed.findtext("CancelOccurred") == "false"
        assert completed.find("ObjectsNotPersisted") is not None
        # The registration records the delivery (just after the receiver has answered).
        reg_id = regs["job_completed"].findtext("Id")
        reg_path = f"/_rest_/job_completed_notification_registration/{reg_id}"
        wait_for(lambda: c.request("GET", reg_path).xml().findtext("LastHttpResponseCode")
                 == "200", 5.0, what="the delivery record")
        reg = c.request("GET", reg_path).xml()
        assert reg.findtext("NumberOfFailuresSinceLastSuccess") == "0"
        assert reg.findtext("LastNotification") and not reg.findtext("LastFailure")
        # A cancelled job says so; deleting a registration stops its deliveries.
        second = c.request("PUT", "/_rest_/bucket/b", "operation=start_bulk_put",
                           b'<Objects><Object Name="k2" Size="3"/></Objects>').xml().get("JobId")
        assert c.request("DELETE", f"/_rest_/job/{second}", "force").status == 204
        wait_for(lambda: len(rx.payloads("/job_completed")) == 2, 5.0, what="the cancel")
        cancelled = rx.payloads("/job_completed")[1]
        assert cancelled.findtext("CancelOccurred") == "true"
        assert [o.get("Name") for o in cancelled.findall("ObjectsNotPersisted/Object")] == ["k2"]
        for kind, reg_xml in regs.items():
            path = f"/_rest_/{kind}_notification_registration/{reg_xml.findtext('Id')}"
            assert c.request("DELETE", path).status == 204
        # (one sender, in order: once a later registration's payload arrived, a payload
        # for a deleted one would have arrived before it)
        assert c.request("POST", "/_rest_/job_created_notification_registration/",
                         f"notification_end_point={rx.url('/later')}").status == 201
        c.request("PUT", "/_rest_/bucket/b", "operation=start_bulk_put",
                  b'<Objects><Object Name="k3" Size="1"/></Objects>')
        wait_for(lambda: rx.payloads("/later"), 5.0, what="the later registration's payload")
        assert len(rx.payloads("/job_created")) == 2
        assert emu.notifier.failed == 0 and emu.notifier.delivered >= 6


def test_a_registration_can_be_limited_to_one_job(ds3_emulator: DS3Emulator,
                                                  ds3_c: DS3Raw) -> None:
    with _Receiver() as rx:
        ds3_c.request("PUT", "/b")
        jobs = [ds3_c.request("PUT", "/_rest_/bucket/b", "operation=start_bulk_put",
                              f'<Objects><Object Name="k{i}" Size="1"/></Objects>'.encode()
                              ).xml().get("JobId") for i in range(2)]
        r = ds3_c.request("POST", "/_rest_/job_completed_notification_registration/",
                          f"notification_end_point={rx.url('/one')}&job_id={jobs[1]}")
        assert r.status == 201 and r.xml().findtext("JobId") == jobs[1]
        for i, job in enumerate(jobs):
            assert ds3_c.request("PUT", f"/b/k{i}", f"job={job}&offset=0", b"x").status == 200
        wait_for(lambda: rx.payloads("/one"), 5.0, what="the job's notification")
        assert [p.findtext("JobId") for p in rx.payloads("/one")] == [jobs[1]]


def test_a_get_job_reports_its_objects_cached_at_once(ds3_c: DS3Raw) -> None:
    with _Receiver() as rx:
        ds3_c.request("PUT", "/b")
        assert ds3_c.request("PUT", "/b/k", body=b"abc").status == 200
        assert ds3_c.request("POST", "/_rest_/object_cached_notification_registration/",
                             f"notification_end_point={rx.url('/cached')}").status == 201
        job = ds3_c.request("PUT", "/_rest_/bucket/b", "operation=start_bulk_get",
                            b'<Objects><Object Name="k"/></Objects>').xml().get("JobId")
        wait_for(lambda: rx.payloads("/cached"), 5.0, what="the object_cached payload")
        cached = rx.payloads("/cached")[0]
        assert cached.findtext("JobId") == job
        assert [(o.get("Name"), o.get("Length"), o.get("InCache"), o.findtext("Id") != "")
                for o in cached.findall("Objects/Object")] == [("k", "3", "true", True)]


def test_failed_deliveries_are_counted_not_raised(ds3_emulator: DS3Emulator,
                                                  ds3_c: DS3Raw) -> None:
    with _Receiver(status=500) as rx:
        r = ds3_c.request("POST", "/_rest_/job_created_notification_registration/",
                          f"notification_end_point={rx.url('/x')}")
        reg_id = r.xml().findtext("Id")
        ds3_c.request("PUT", "/b")
        for i in range(2):
            mol = ds3_c.request("PUT", "/_rest_/bucket/b", "operation=start_bulk_put",
                                f'<Objects><Object Name="k{i}" Size="1"/></Objects>'.encode())
            assert mol.status == 200
        reg_path = f"/_rest_/job_created_notification_registration/{reg_id}"
        wait_for(lambda: ds3_c.request("GET", reg_path).xml().findtext(
            "NumberOfFailuresSinceLastSuccess") == "2", 5.0, what="two failed deliveries")
        assert ds3_emulator.notifier.failed == 2 and ds3_emulator.notifier.delivered == 0
        reg = ds3_c.request("GET", reg_path).xml()
        assert reg.findtext("LastHttpResponseCode") == "500"
        assert reg.findtext("LastFailure") == "HTTP 500"
        assert len(rx.received) == 2
    bad = ds3_c.request("POST", "/_rest_/job_created_notification_registration/",
                        "notification_end_point=file:///etc/passwd")
    assert bad.status == 400


# --- the serve flag ----------------------------------------------------------------------------


def test_serve_takes_the_persist_delay(tmp_path: Path) -> None:
    from storewire.cli import build_parser

    args = build_parser().parse_args(
        ["serve", "--only", "ds3", "--ds3", "127.0.0.1:0", "--ds3-persist-delay", "30",
         "--env-file", str(tmp_path / "ds3.env")])
    assert args.ds3_persist_delay == 30.0
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--ds3-persist-delay", "-1"])
    stop = threading.Event()
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(
        serve_module.serve(args, stop=stop, out=io.StringIO())))
    thread.start()
    try:
        env_file = tmp_path / "ds3.env"
        wait_for(env_file.exists, 10.0, what="the env file")
        env = dict(line.split("=", 1) for line in env_file.read_text().splitlines())
        with DS3Raw(env["DS3_ENDPOINT"], env["DS3_ACCESS_KEY"], env["DS3_SECRET_KEY"]) as c:
            c.request("PUT", "/b")
            job = c.request("PUT", "/_rest_/bucket/b", "operation=start_bulk_put",
                            b'<Objects><Object Name="k" Size="1"/></Objects>').xml().get("JobId")
            assert c.request("PUT", "/b/k", f"job={job}&offset=0", b"x").status == 200
            time.sleep(0.2)
            assert c.request("GET", f"/_rest_/job/{job}").xml().get("Status") == "IN_PROGRESS"
    finally:
        stop.set()
        thread.join(10)
    assert result == [0]


def test_data_policy_acls_gate_the_policies_a_user_may_use(ds3_emulator: DS3Emulator,
                                                           ds3_c: DS3Raw) -> None:
    assert ds3_c.request("POST", "/_rest_/data_policy/", "name=gold").status == 201
    access, secret = _add_user(ds3_c, "carol")
    with DS3Raw(ds3_emulator.endpoint, access, secret) as carol:
        # Her default policy needs no ACL; another one does.
        assert carol.request("POST", "/_rest_/bucket/", "name=plain").status == 201
        assert carol.request("POST", "/_rest_/bucket/", "name=g1&data_policy_id=gold"
                             ).status == 403
        assert carol.request("PUT", "/_rest_/bucket/plain", "data_policy_id=gold").status == 403
        assert ds3_c.request("POST", "/_rest_/group/", "name=goldies").status == 201
        assert ds3_c.request("POST", "/_rest_/group_member/",
                             "group_id=goldies&member_user_id=carol").status == 201
        acl = ds3_c.request("POST", "/_rest_/data_policy_acl/",
                            "data_policy_id=gold&group_id=goldies")
        assert acl.status == 201
        made = carol.request("POST", "/_rest_/bucket/", "name=g1&data_policy_id=gold")
        assert made.status == 201
        # Deleting the group takes its memberships and ACLs with it.
        assert ds3_c.request("DELETE", "/_rest_/group/goldies").status == 204
        assert ds3_c.request("GET", "/_rest_/data_policy_acl/").xml().findall(
            "DataPolicyAcl") == []
        assert carol.request("POST", "/_rest_/bucket/", "name=g2&data_policy_id=gold"
                             ).status == 403
        # Only Administrators manage users.
        assert carol.request("POST", "/_rest_/user/", "name=mallory").status == 403
        assert carol.request("DELETE", "/_rest_/user/spectra").status == 403
    assert ds3_c.request("POST", "/_rest_/bucket_acl/",
                         "user_id=carol&permission=READ").status == 201
    assert ds3_c.request("DELETE", "/_rest_/user/carol").status == 204
    assert ds3_c.request("GET", "/_rest_/bucket_acl/").xml().findall("BucketAcl") == []
