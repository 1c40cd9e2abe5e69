"""Hostile Sector peers (issue 19): login answers over TLS, GMP replies over UDP (and UDT),
and data frames from slaves that a broken or malicious master or slave can send. Each case
runs one client call in a child interpreter (hostile_harness) and asserts how it ends: the
right result, or the typed error the answer deserves, within a bound. Never
UnicodeDecodeError, a signal, a hang, or a wrong result.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hostile_harness import Outcome, expect_ok, expect_typed, run_case
from hostile_sector_servers import (
    FILE_DATA,
    FILE_PATH,
    I32,
    MSG,
    GmpRequest,
    HostileLoginServer,
    SlaveCommand,
    TamperedCluster,
    error_reply,
    login_script,
    login_tail,
    master_entry,
)

from storewire._native import sector as native

TARGET = "hostile_sector_cases:call"
BOUND_S = 30.0
TIMEOUT_S = 3.0  # the client's per-request bound in every case
FILE_SHA = hashlib.sha256(FILE_DATA).hexdigest()
SPOOF = 0x4955  # the high 16 bits a real 2.7 master put on port 26100 (0x495565f4)


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("sector-hostile-cert")
    native.make_self_signed_cert(where / "master_node.cert", where / "master_node.key")
    return where


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, certs: Path) -> Iterator[TamperedCluster]:
    with TamperedCluster(tmp_path_factory.mktemp("sector-hostile"), certs) as c:
        yield c


@pytest.fixture
def tampered(cluster: TamperedCluster) -> Iterator[TamperedCluster]:
    yield cluster
    cluster.reset()


def run(peer: dict[str, Any], op: str, path: str = FILE_PATH,
        timeout_s: float = TIMEOUT_S) -> Outcome:
    return run_case(TARGET, peer, op, path, timeout_s, bound_s=BOUND_S)


def check(outcome: Outcome, expected: Any) -> None:
    """``expected``: a storewire.errors class name, or ("ok", predicate on the value). A
    ProtocolError must say which field of the reply was wrong."""
    if isinstance(expected, tuple):
        value = expect_ok(outcome)
        assert expected[1](value), outcome.describe()
    else:
        expect_typed(outcome, expected)
        if expected == "ProtocolError" and outcome.error_class == "ProtocolError":
            assert any(word in outcome.message for word in (
                "field", "truncated", "unterminated", "E_VERSION")), outcome.describe()
    assert "UnicodeDecodeError" not in outcome.stderr, outcome.describe()


# ---- login -----------------------------------------------------------------------

KEY = I32.pack(1_700_000_000)
GOOD = login_tail()

LOGIN_CASES: dict[str, tuple[Any, Any]] = {
    "key E_SECURITY": (login_script(I32.pack(-2000)), "PermissionDeniedError"),
    "key E_VERSION": (login_script(I32.pack(-5000)), "ProtocolError"),
    "key zero": (login_script(I32.pack(0)), "PermissionDeniedError"),
    "key unknown negative code": (login_script(I32.pack(-7777)), "StorageError"),
    "key cut after 2 bytes": (login_script(b"\x01\x02"), "TransportError"),
    "silence after the hello": (login_script(b"", stall=True), "TimeoutError"),
    "key dripped a byte per 0.4 s, topology of 1000 bytes": (
        login_script(KEY, login_tail(topology=I32.pack(1000) + bytes(1000)), drip_s=0.4),
        "TimeoutError"),
    "topology length negative": (login_script(KEY, login_tail(topology=I32.pack(-1))),
                                 "ProtocolError"),
    "topology length 2 GiB": (login_script(KEY, login_tail(topology=I32.pack(0x7FFFFFFF))),
                              "ProtocolError"),
    "master count negative": (login_script(KEY, login_tail(masters=I32.pack(-3))),
                              "ProtocolError"),
    "master count a million": (login_script(KEY, login_tail(masters=I32.pack(1_000_000))),
                               "ProtocolError"),
    "master address length negative": (
        login_script(KEY, login_tail(masters=I32.pack(1) + master_entry(5, b"127.0.0.1", 6000,
                                                                        length=-8))),
        "ProtocolError"),
    "master address length 1 GiB": (
        login_script(KEY, login_tail(masters=I32.pack(1) + master_entry(5, b"127.0.0.1", 6000,
                                                                        length=1 << 30))),
        "ProtocolError"),
    "master address not UTF-8": (
        login_script(KEY, login_tail(masters=I32.pack(1) + master_entry(5, b"\xff\xfe.1", 6000))),
        "ProtocolError"),
    "master address not a host name": (
        login_script(KEY, login_tail(masters=I32.pack(1) + master_entry(5, b"a b;c", 6000))),
        "ProtocolError"),
    "master port 0": (
        login_script(KEY, login_tail(masters=I32.pack(1) + master_entry(5, b"127.0.0.1", 0))),
        "ProtocolError"),
    "master port 0x10001 (1 after masking: no room for port - 1)": (
        login_script(KEY, login_tail(masters=I32.pack(1) + master_entry(5, b"127.0.0.1",
                                                                        0x10001))),
        "ProtocolError"),
    "master port 0x495565f4 is 26100": (
        login_script(KEY, login_tail(masters=I32.pack(1) + master_entry(5, b"127.0.0.1",
                                                                        0x495565F4))),
        ("ok", lambda v: v["key_positive"] and 26100 in v["ports"])),
    "closed before the sync word": (
        login_script(KEY, login_tail()[:-4]), "TransportError"),
    "good login": (login_script(KEY, GOOD), ("ok", lambda v: v["key_positive"])),
}


@pytest.mark.parametrize("name", list(LOGIN_CASES))
def test_hostile_login(certs: Path, name: str) -> None:
    script, expected = LOGIN_CASES[name]
    with HostileLoginServer(certs / "master_node.cert", certs / "master_node.key",
                            script) as server:
        peer = {"host": "127.0.0.1", "port": server.port, "user": "u",
                "password": "hostile-pw-1", "cert": str(certs / "master_node.cert")}
        check(run(peer, "login", "/", 2.0), expected)


def test_login_to_a_server_that_does_not_speak_tls(certs: Path) -> None:
    def http(conn: Any, stopping: Any) -> None:
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    with HostileLoginServer(certs / "master_node.cert", certs / "master_node.key", http,
                            tls=False) as server:
        peer = {"host": "127.0.0.1", "port": server.port, "user": "u", "password": "pw-123",
                "cert": str(certs / "master_node.cert")}
        expect_typed(run(peer, "login", "/", 2.0), "TlsError")


def test_login_to_a_master_with_another_certificate(certs: Path, tmp_path: Path) -> None:
    native.make_self_signed_cert(tmp_path / "other.cert", tmp_path / "other.key")
    with HostileLoginServer(tmp_path / "other.cert", tmp_path / "other.key",
                            login_script(KEY, GOOD)) as server:
        peer = {"host": "127.0.0.1", "port": server.port, "user": "u", "password": "pw-123",
                "cert": str(certs / "master_node.cert")}
        expect_typed(run(peer, "login", "/", 2.0), "TlsError")


# ---- GMP replies -----------------------------------------------------------------

def stat_text(text: bytes) -> Callable[[GmpRequest], bytes]:
    return lambda r: r.reply(text + b"\0")


def data(raw: bytes) -> Callable[[GmpRequest], bytes]:
    return lambda r: r.reply(raw)


def garbage_then_real(r: GmpRequest) -> bytes:
    r.datagram(0, 77, r.msg_id + 1000, b"\xff" * 40)  # a reply to a request never made
    r.datagram(7, 78, 0)                               # an unknown datagram type
    r.datagram(1, 999_999, 0)                          # an ACK of nothing
    r.gmp._sock.sendto(b"\x01\x02\x03", r.addr)        # shorter than a header
    for i in range(50):
        r.datagram(2, 1000 + i, 0)                     # RTT probes to answer
    return r.real()


def twice(r: GmpRequest) -> bytes:
    real = r.real()
    r.gmp.send_reply(r.addr, r.msg_id, real)
    return real  # the same answer again, under a new message id


def wrong_id(r: GmpRequest) -> None:
    r.datagram(0, 4242, r.msg_id + 1, r.real())  # answers a request that was not made
    return None


def from_another_port(r: GmpRequest) -> None:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        s.sendto(struct.pack("<iiii", 0, 5, 1, r.msg_id) + r.real(), r.addr)
    return None


def oversized_datagram(r: GmpRequest) -> None:
    # 3000 bytes in one UDP datagram: GMP allows 1456, the receiver cuts the rest off
    r.datagram(0, 4343, r.msg_id, r.reply(b"3,abc,0,1,5,1,1,65536" + b",127.0.0.1,1" * 240))
    return None


def sysinfo(*, nc: int = 1, nm: int = 1, ns: int = 1, master_port: int = 6000,
            slave_ip: bytes = b"127.0.0.1", path_len: int | None = None,
            path: bytes = b"/data\0") -> bytes:
    out = struct.pack("<qqqqq", 1, 2, 3, 4, 0)
    out += I32.pack(nc) + struct.pack("<iiqqqq", 0, 1, 5, 6, 0, 0) * max(0, min(nc, 2))
    out += I32.pack(nm) + struct.pack("<i16sI", 9, b"", master_port & 0xFFFFFFFF) * max(
        0, min(nm, 2))
    rec = struct.pack("<i16siqqqqqqqii", 0, slave_ip, 6001, 1, 2, 3, 4, 5, 6, 7, 1, 0)
    rec += I32.pack(len(path) if path_len is None else path_len) + path
    out += I32.pack(ns) + rec * max(0, min(ns, 2))
    return out


def master_list(count: int, entries: bytes) -> Callable[[GmpRequest], bytes]:
    return lambda r: r.reply(I32.pack(count) + entries)


def routing_then(list_answer: Callable[[GmpRequest], bytes]) -> list[tuple[int, Any]]:
    """stat answers E_ROUTING, so the client asks the master list (type 5): hostile."""
    return [(102, lambda r: error_reply(-101)), (5, list_answer)]


def many_entries(r: GmpRequest) -> bytes:
    rows = b"".join(b"%d,e%04d,0,1,%d,1,1,65536;" % (5, i, i) for i in range(3000))
    return r.reply(rows + b"\0")  # ~90 kB: sent over UDT


def large_reply_from_port(sender_port: int) -> Callable[[GmpRequest], None]:
    """The list reply over UDT, whose stream names ``sender_port`` as the master's."""
    def answer(r: GmpRequest) -> None:
        native.udt_send_message(r.addr[0], r.addr[1] - 1, sender_port, r.gmp._session,
                                9_000_001, r.msg_id, many_entries(r), timeout_s=10.0)
        return None
    return answer


def spoofed(r: GmpRequest) -> None:
    return large_reply_from_port((SPOOF << 16) | r.gmp.port)(r)


def good_locations(v: Any) -> bool:
    return v["size"] == 5 and v["locations"] == [["127.0.0.1", 26100]]


GMP_CASES: dict[str, tuple[str, list[tuple[int, Any]], Any]] = {
    # stat (102)
    "stat name not UTF-8": ("stat", [(102, stat_text(b"3,\xff\xfe\xfd,0,1,5,1,1,65536"))],
                            "ProtocolError"),
    "stat namelen negative": ("stat", [(102, stat_text(b"-1,x,0,1,5,1,1,65536"))],
                              "ProtocolError"),
    "stat namelen past the end": ("stat", [(102, stat_text(b"999999,x,0,1,5,1,1,65536"))],
                                  "ProtocolError"),
    "stat namelen too short": ("stat", [(102, stat_text(b"1,abc,0,1,5,1,1,65536"))],
                               "ProtocolError"),
    "stat size negative": ("stat", [(102, stat_text(b"1,f,0,1,-5,1,1,65536"))],
                           "ProtocolError"),
    "stat size over 2^63": ("stat", [(102, stat_text(b"1,f,0,1,99999999999999999999,1,1,1"))],
                            "ProtocolError"),
    "stat size not a number": ("stat", [(102, stat_text(b"1,f,0,1,12ab,1,1,65536"))],
                               "ProtocolError"),
    "stat size with a plus sign": ("stat", [(102, stat_text(b"1,f,0,1,+5,1,1,65536"))],
                                   "ProtocolError"),
    "stat is_dir 2": ("stat", [(102, stat_text(b"1,f,2,1,5,1,1,65536"))], "ProtocolError"),
    "stat replicas over 2^31": ("stat", [(102, stat_text(b"1,f,0,1,5,4294967296,1,65536"))],
                                "ProtocolError"),
    "stat empty": ("stat", [(102, data(b""))], "ProtocolError"),
    "stat binary garbage": ("stat", [(102, data(bytes(range(256))))], "ProtocolError"),
    "stat text after the record": ("stat", [(102, stat_text(b"1,f,0,1,5,1,1,65536;junk"))],
                                   "ProtocolError"),
    "stat location port 0x495565f4 is 26100": (
        "stat", [(102, stat_text(b"1,f,0,1,5,1,1,65536,127.0.0.1,1230333428"))],
        ("ok", good_locations)),
    "stat location port 0": ("stat", [(102, stat_text(b"1,f,0,1,5,1,1,65536,127.0.0.1,0"))],
                             "ProtocolError"),
    "stat location ip not IPv4": (
        "stat", [(102, stat_text(b"1,f,0,1,5,1,1,65536,999.1.1.1,5"))], "ProtocolError"),
    "stat location ip not UTF-8": (
        "stat", [(102, stat_text(b"1,f,0,1,5,1,1,65536,\xc3\x28,5"))], "ProtocolError"),
    "stat reply of another type": ("stat", [(102, lambda r: r.reply(b"x\0", mtype=101))],
                                   "ProtocolError"),
    "stat reply 4 bytes": ("stat", [(102, lambda r: b"\x66\0\0\0")], "ProtocolError"),
    "stat error without a code": ("stat", [(102, lambda r: MSG.pack(-1, 0))], "StorageError"),
    "stat error code positive": ("stat", [(102, lambda r: error_reply(5))], "ProtocolError"),
    "stat error code unknown": ("stat", [(102, lambda r: error_reply(-4242))], "StorageError"),
    "stat error E_NOEXIST": ("stat", [(102, lambda r: error_reply(-1003))], "NotFoundError"),
    "stat silence": ("stat", [(102, lambda r: None)], "TimeoutError"),
    "stat reply to another request id": ("stat", [(102, wrong_id)], "TimeoutError"),
    "stat reply from another port": ("stat", [(102, from_another_port)], "TimeoutError"),
    "stat oversized datagram": ("stat", [(102, oversized_datagram)], "ProtocolError"),
    "stat garbage datagrams before the reply": (
        "stat", [(102, garbage_then_real)], ("ok", lambda v: v["size"] == len(FILE_DATA))),
    "stat reply sent twice": ("stat", [(102, twice)],
                              ("ok", lambda v: v["size"] == len(FILE_DATA))),
    # list (101)
    "list name not UTF-8": ("list", [(101, data(b"1,a,0,1,5,1,1,65536;2,\xff\xff,0,1,5,1,1,1;\0"))],
                            "ProtocolError"),
    "list name with a slash": (
        "list", [(101, data(b"11,../../../x1,0,1,5,1,1,65536;\0"))], "ProtocolError"),
    "list name ..": ("list", [(101, data(b"2,..,1,1,0,1,1,65536;\0"))], "ProtocolError"),
    "list without separators": ("list", [(101, data(b"1,a,0,1,5,1,1,65536x1,b\0"))],
                                "ProtocolError"),
    "list of 3000 entries over UDT": ("list", [(101, many_entries)],
                                      ("ok", lambda v: len(v) == 3000)),
    "list empty": ("list", [(101, data(b"\0"))], ("ok", lambda v: v == [])),
    "list over UDT, sender port with garbage high bits": (
        "list", [(101, spoofed)], ("ok", lambda v: len(v) == 3000)),
    "list over UDT, sender port 0x10000": (
        "list", [(101, large_reply_from_port(0x10000))], "TimeoutError"),
    # sysinfo (3)
    "sysinfo cut in the header": ("sysinfo", [(3, data(bytes(20)))], "ProtocolError"),
    "sysinfo cluster count negative": ("sysinfo", [(3, data(sysinfo(nc=-1)))], "ProtocolError"),
    "sysinfo cluster count 2^31-1": ("sysinfo", [(3, data(sysinfo(nc=0x7FFFFFFF)))],
                                     "ProtocolError"),
    "sysinfo master count huge": ("sysinfo", [(3, data(sysinfo(nm=100_000)))],
                                  "ProtocolError"),
    "sysinfo slave count huge": ("sysinfo", [(3, data(sysinfo(ns=50_000_000)))],
                                 "ProtocolError"),
    "sysinfo slave path length negative": ("sysinfo", [(3, data(sysinfo(path_len=-2)))],
                                           "ProtocolError"),
    "sysinfo slave path length huge": ("sysinfo", [(3, data(sysinfo(path_len=1 << 30)))],
                                       "ProtocolError"),
    "sysinfo slave path not UTF-8": ("sysinfo", [(3, data(sysinfo(path=b"/d\xe9j\xe0\0")))],
                                     "ProtocolError"),
    "sysinfo slave ip not UTF-8": ("sysinfo", [(3, data(sysinfo(slave_ip=b"\xff\xfe\xfd")))],
                                   "ProtocolError"),
    "sysinfo master port 0x495565f4 is 26100": (
        "sysinfo_ports", [(3, data(sysinfo(master_port=0x495565F4)))],
        ("ok", lambda v: v == [26100])),
    "sysinfo well formed": ("sysinfo", [(3, data(sysinfo()))],
                            ("ok", lambda v: v["slaves"] == 1 and v["masters"] == 1)),
    # df (12)
    "df cut short": ("df", [(12, data(bytes(8)))], "ProtocolError"),
    "df negative": ("df", [(12, data(struct.pack("<qq", -1, 5)))], "ProtocolError"),
    # master list (5), asked after E_ROUTING
    "master list count negative": ("stat", routing_then(master_list(-1, b"")), "ProtocolError"),
    "master list count huge": ("stat", routing_then(master_list(1_000_000, b"")),
                               "ProtocolError"),
    "master list entry cut short": (
        "stat", routing_then(master_list(1, I32.pack(5) + b"127.0")), "ProtocolError"),
    "master list address not UTF-8": (
        "stat", routing_then(master_list(1, I32.pack(5) + b"\xfe\xff\0" + I32.pack(6000))),
        "ProtocolError"),
    "master list port 0": (
        "stat", routing_then(master_list(1, I32.pack(5) + b"127.0.0.1\0" + I32.pack(0))),
        "ProtocolError"),
    "master list empty, still E_ROUTING": ("stat", routing_then(master_list(0, b"")),
                                           "ServerError"),
}


def open_reply(r: GmpRequest, *, n: int | None = None, ip: bytes | None = None,
               port: int | None = None, size: int | None = None, cut: int = 0) -> bytes:
    """The emulator's real open reply with one field replaced."""
    real = r.real()
    if MSG.unpack_from(real)[0] < 0:
        return real
    body = bytearray(real[MSG.size:])
    if size is not None:
        body[4:12] = struct.pack("<q", size)
    if n is not None:
        body[20:24] = I32.pack(n)
    if ip is not None:
        body[24:88] = ip.ljust(64, b"\0")
    if port is not None:
        body[88:92] = struct.pack("<I", port & 0xFFFFFFFF)
    out = bytes(body[:len(body) - cut] if cut else body)
    return real[:MSG.size] + out


def spoofed_slave_port(r: GmpRequest) -> bytes:
    real = r.real()
    body = bytearray(real[MSG.size:])
    (port,) = struct.unpack_from("<I", body, 88)
    body[88:92] = struct.pack("<I", (SPOOF << 16) | port)
    return real[:MSG.size] + bytes(body)


OPEN_CASES: dict[str, tuple[str, Any, Any]] = {
    "open slave count 0": ("read", lambda r: open_reply(r, n=0), "ServerError"),
    "open slave count negative": ("read", lambda r: open_reply(r, n=-1), "ProtocolError"),
    "open slave count 1000": ("read", lambda r: open_reply(r, n=1000), "ProtocolError"),
    "open slave ip a host name": ("read", lambda r: open_reply(r, ip=b"slave.example"),
                                  "ProtocolError"),
    "open slave ip not UTF-8": ("read", lambda r: open_reply(r, ip=b"\xff\xfe\xfd\xfc"),
                                "ProtocolError"),
    "open slave ip not UTF-8, download": ("download", lambda r: open_reply(
        r, ip=b"10.0.0.\xff"), "ProtocolError"),
    "open slave port 0x10000 (0 after masking)": ("read", lambda r: open_reply(r, port=0x10000),
                                                  "ProtocolError"),
    "open slave port with garbage high bits": (
        "read", spoofed_slave_port, ("ok", lambda v: v["sha256"] == FILE_SHA)),
    "open file size negative": ("read", lambda r: open_reply(r, size=-10), "ProtocolError"),
    "open reply cut short": ("read", lambda r: open_reply(r, cut=70), "ProtocolError"),
    "open file size past the real end": ("download", lambda r: open_reply(
        r, size=len(FILE_DATA) + 100), "TimeoutError"),
}


@pytest.mark.parametrize("name", list(GMP_CASES))
def test_hostile_gmp_reply(tampered: TamperedCluster, name: str) -> None:
    op, tampers, expected = GMP_CASES[name]
    for mtype, answer in tampers:
        tampered.tamper_gmp(mtype, answer)
    check(run(tampered.peer(), op, "/" if op == "list" else FILE_PATH), expected)


@pytest.mark.parametrize("name", list(OPEN_CASES))
def test_hostile_open_reply(tampered: TamperedCluster, name: str) -> None:
    op, answer, expected = OPEN_CASES[name]
    tampered.tamper_gmp(110, answer)
    check(run(tampered.peer(), op), expected)


# ---- data frames from a slave --------------------------------------------------

def read_then(send: Callable[[SlaveCommand], None]) -> Callable[[SlaveCommand], None]:
    """cmd 1 (read): takes the (offset, size) frame, then answers with ``send``."""
    def answer(c: SlaveCommand) -> None:
        c.next()
        send(c)
    return answer


def download_then(send: Callable[[SlaveCommand], None]) -> Callable[[SlaveCommand], None]:
    """cmd 3 (download): takes the offset frame, answers status 0, then ``send``."""
    def answer(c: SlaveCommand) -> None:
        c.next()
        c.frame(I32.pack(0))
        send(c)
    return answer


def in_pieces(size: int) -> Callable[[SlaveCommand], None]:
    def send(c: SlaveCommand) -> None:
        for i in range(0, len(FILE_DATA), size):
            c.frame(FILE_DATA[i:i + size])
    return send


def flood_other_session(c: SlaveCommand) -> None:
    c.raw(c.head(0, session=c.transid + 1) * 70_000)  # 70 000 empty frames to park


SLAVE_CASES: dict[str, tuple[str, int, Any, Any]] = {
    "read refused": ("read", 1, read_then(lambda c: c.frame(I32.pack(-1))), "TransportError"),
    "read status of 8 bytes": ("read", 1, read_then(lambda c: c.frame(bytes(8))),
                               "ProtocolError"),
    "read frame short": ("read", 1, read_then(
        lambda c: (c.frame(I32.pack(0)), c.frame(FILE_DATA[:50]))), "ProtocolError"),
    "read frame longer than asked": ("read", 1, read_then(
        lambda c: (c.frame(I32.pack(0)), c.frame(FILE_DATA + b"extra"))), "ProtocolError"),
    "read frame size -7": ("read", 1, read_then(
        lambda c: (c.frame(I32.pack(0)), c.raw(c.head(-7)))), "ProtocolError"),
    "read frame size 2^31-1": ("read", 1, read_then(
        lambda c: (c.frame(I32.pack(0)), c.raw(c.head(0x7FFFFFFF)))), "ProtocolError"),
    "read error frame": ("read", 1, read_then(lambda c: c.raw(c.head(-1))), "TransportError"),
    "read silence": ("read", 1, read_then(lambda c: None), "TimeoutError"),
    "read flood of other sessions' frames": ("read", 1, read_then(flood_other_session),
                                             "ProtocolError"),
    "download frame past the end": ("download", 3, download_then(
        lambda c: c.frame(FILE_DATA + bytes(500))), "ProtocolError"),
    "download empty frames": ("download", 3, download_then(
        lambda c: c.raw(c.head(0) * 10_000)), "ProtocolError"),
    "download frame size negative": ("download", 3, download_then(
        lambda c: c.raw(c.head(-9))), "ProtocolError"),
    "download header cut short, then silence": ("download", 3, download_then(
        lambda c: c.raw(c.head(100)[:5])), "TimeoutError"),
    "download error frame midway": ("download", 3, download_then(
        lambda c: (c.frame(FILE_DATA[:100]), c.raw(c.head(-1)))), "TransportError"),
    "download refused": ("download", 3, lambda c: (c.next(), c.frame(I32.pack(-1))),
                         "TransportError"),
    "download in 1-byte frames": ("download", 3, download_then(in_pieces(1)),
                                  ("ok", lambda v: v["sha256"] == FILE_SHA)),
    "download in 1000-byte frames": ("download", 3, download_then(in_pieces(1000)),
                                     ("ok", lambda v: v["sha256"] == FILE_SHA)),
    "close answers 0, not -1": ("read", 5, lambda c: c.frame(I32.pack(0)), "TransportError"),
    "close answers nothing": ("read", 5, lambda c: None, "TimeoutError"),
}


def sync_then(status: int) -> Callable[[SlaveCommand], None]:
    """cmd 7 (sync): takes the length, the log and the mtime frames, answers ``status``."""
    def answer(c: SlaveCommand) -> None:
        c.next()
        c.next()
        c.next()
        c.frame(I32.pack(status))
    return answer


WRITE_CASES: dict[str, tuple[int, Any, Any]] = {
    "upload refused": (4, lambda c: (c.next(), c.frame(I32.pack(-1))), "TransportError"),
    "upload status frame of 2^31-1 bytes": (4, lambda c: (c.next(), c.raw(c.head(0x7FFFFFFF))),
                                            "ProtocolError"),
    "write chain refused": (8, lambda c: (c.next(), c.frame(I32.pack(-1))), "TransportError"),
    "write chain status of 2 bytes": (8, lambda c: (c.next(), c.frame(b"\0\0")),
                                      "ProtocolError"),
    "sync answers -1": (7, sync_then(-1), "TransportError"),
    "sync answers 7": (7, sync_then(7), "TransportError"),
}


@pytest.mark.parametrize("name", list(SLAVE_CASES))
def test_hostile_slave(tampered: TamperedCluster, name: str) -> None:
    op, cmd, answer, expected = SLAVE_CASES[name]
    tampered.tamper_slave(cmd, answer)
    check(run(tampered.peer(), op), expected)


@pytest.mark.parametrize("name", list(WRITE_CASES))
def test_hostile_slave_during_an_upload(tampered: TamperedCluster, name: str) -> None:
    cmd, answer, expected = WRITE_CASES[name]
    tampered.tamper_slave(cmd, answer)
    # a path of its own: a failed upload may leave its write lock until the session ends
    path = f"/up-{list(WRITE_CASES).index(name)}"
    check(run(tampered.peer(), "upload", path), expected)


def test_an_upload_through_the_tampered_cluster_works_untampered(
        tampered: TamperedCluster) -> None:
    assert expect_ok(run(tampered.peer(), "upload", "/up-good")) == len(FILE_DATA)


REOPEN_CASES: dict[str, Callable[[GmpRequest], bytes]] = {
    "reopen ip not UTF-8": lambda r: r.reply(b"\xff\xfe".ljust(64, b"\0") + I32.pack(6001)),
    "reopen port 0": lambda r: r.reply(b"127.0.0.1".ljust(64, b"\0") + I32.pack(0x30000)),
    "reopen reply cut short": lambda r: r.reply(b"127.0.0.1"),
    "reopen E_RESOURCE": lambda r: error_reply(-4000),
}


@pytest.mark.parametrize("name", list(REOPEN_CASES))
def test_hostile_reopen_after_a_failed_read(tampered: TamperedCluster, name: str) -> None:
    """A refused read asks the master for another replica (112); a hostile answer to that
    leaves the first failure as the error, never a crash or a connect to nowhere."""
    tampered.tamper_slave(1, read_then(lambda c: c.frame(I32.pack(-1))))
    tampered.tamper_gmp(112, REOPEN_CASES[name])
    check(run(tampered.peer(), "read"), "TransportError")


@pytest.mark.parametrize("name", ["download frame past the end", "download error frame midway",
                                  "download header cut short, then silence"])
def test_a_failed_download_leaves_the_local_file_as_it_was(tampered: TamperedCluster,
                                                           name: str) -> None:
    _, cmd, answer, expected = SLAVE_CASES[name]
    tampered.tamper_slave(cmd, answer)
    value = expect_ok(run(tampered.peer(), "download_over"))
    assert value == {"error": expected, "files": ["copy"], "local": "old"}


def test_a_good_download_replaces_the_local_file(tampered: TamperedCluster) -> None:
    value = expect_ok(run(tampered.peer(), "download_over"))
    assert value == {"error": "", "files": ["copy"], "local": FILE_SHA}


# ---- several masters: ports with garbage in the high 16 bits ----------------------------------

def test_master_ports_with_garbage_high_bits_route_to_the_right_master(
        tmp_path: Path, certs: Path) -> None:
    """A real 2.7 master sent 0x495565f4 for port 26100, at login and in type 5 replies;
    the stock client kept the low 16 bits. Requests routed to that master must work."""
    with TamperedCluster(tmp_path / "two", certs, masters=2) as two:
        two.spoof_master_ports(SPOOF)
        value = expect_ok(run(two.peer(), "mkdirs", "/spread", 10.0))
        assert value == [f"d{i}" for i in range(8)]


# ---- re-entering a file from its own download sink -----------------------------------------

@pytest.mark.parametrize("action", ["tell", "read", "close", "seek"])
def test_download_sink_touching_the_same_file_raises(tampered: TamperedCluster,
                                                     action: str) -> None:
    outcome = run(tampered.peer(), f"sink_{action}", FILE_PATH, 10.0)
    expect_typed(outcome, "InvalidRequestError")
    assert "download" in outcome.message and "same file" in outcome.message


def test_download_sink_may_use_the_client(tampered: TamperedCluster) -> None:
    assert expect_ok(run(tampered.peer(), "sink_stat", FILE_PATH, 10.0)) == len(FILE_DATA)


# ---- Ctrl-C during a stalled login ---------------------------------------------------------

def test_ctrl_c_stops_a_login_the_master_stalls(certs: Path) -> None:
    """The login waits in 100 ms slices, so SIGINT ends it long before its 60 s bound."""
    import os
    import signal
    import subprocess
    import sys
    import time

    with HostileLoginServer(certs / "master_node.cert", certs / "master_node.key",
                            login_script(b"", stall=True)) as server:
        code = (
            "import sector, sys\n"
            "try:\n"
            f"    sector.Client('127.0.0.1', {server.port}, user='u', password='pw-123',\n"
            f"                  cert={str(certs / 'master_node.cert')!r}, timeout_s=60.0)\n"
            "except KeyboardInterrupt:\n"
            "    print('interrupted', flush=True)\n"
        )
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            deadline = time.monotonic() + 20
            while server.connections == 0 and time.monotonic() < deadline:
                time.sleep(0.05)  # the child is in the login now
            time.sleep(0.5)
            started = time.monotonic()
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=10)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        assert "interrupted" in out, err
        assert time.monotonic() - started < 5
