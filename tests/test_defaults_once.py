"""Each default is declared once, in C++: the HTTP engine's (cpp/http/types.h), the DS3
bulk engine's (``BulkOptions``, cpp/ds3/bulk.h) and the Sector client's (``ClientOptions``,
cpp/sector/client.h).

The bindings take optionals (None = the native default), the stubs say ``None``, and the
Python layer reads ``storewire._native.http.defaults()``, ``storewire._native.ds3.
bulk_defaults()`` and ``storewire._native.sector.defaults()`` instead of repeating a value.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import ds3
import sector
from storewire import errors
from storewire._native import ds3 as native_ds3
from storewire._native import http
from storewire._native import sector as native_sector
from storewire.config import NATIVE_DEFAULTS, ClientConfig, describe, load
from storewire.emulators.ds3 import DS3Emulator
from storewire.emulators.sector import SectorEmulator

ROOT = Path(__file__).resolve().parents[1]
STUBS = ROOT / "python" / "storewire" / "_native"
CLIENT_PACKAGES = ("ds3", "s3", "v3io", "sector")
OPTION_NAMES = frozenset(http.defaults())
BULK_NAMES = frozenset(native_ds3.bulk_defaults())
SECTOR_NAMES = frozenset(native_sector.defaults())


def _init_keywords(stub: Path, method: str = "__init__") -> dict[str, ast.expr | None]:
    tree = ast.parse(stub.read_text())
    client = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Client")
    init = next(n for n in client.body if isinstance(n, ast.FunctionDef) and n.name == method)
    return {a.arg: d for a, d in zip(init.args.kwonlyargs, init.args.kw_defaults, strict=True)}


def test_the_native_defaults_are_the_documented_ones() -> None:
    values = http.defaults()
    assert values["connect_timeout_s"] > 0 and values["max_retries"] >= 0
    assert values["max_in_flight"] >= 1 and values["retry_statuses"]
    assert http.defaults() == values and http.defaults() is not values  # a fresh copy
    with pytest.raises(TypeError):
        NATIVE_DEFAULTS["max_retries"] = 99  # type: ignore[index]


@pytest.mark.parametrize("stub", ["http.pyi", "ds3.pyi"])
def test_stub_defaults_are_none(stub: str) -> None:
    keywords = _init_keywords(STUBS / stub)
    options = OPTION_NAMES & set(keywords)
    assert {"connect_timeout_s", "max_retries", "max_in_flight"} <= options
    for name in options:
        default = keywords[name]
        assert isinstance(default, ast.Constant) and default.value is None, (stub, name)


def test_the_bindings_hold_no_default() -> None:
    for source in ("http.cpp", "ds3.cpp"):
        text = (ROOT / "cpp" / "bindings" / source).read_text()
        for name in OPTION_NAMES:
            for m in re.finditer(rf'py::arg\("{name}"\)\s*=\s*([^,)]+)', text):
                assert m.group(1).strip() == "py::none(", (source, name, m.group(0))


def test_config_defaults_are_the_native_ones() -> None:
    cfg = load(ClientConfig, env={})
    shared = {row.name for row in describe(ClientConfig)} & OPTION_NAMES
    assert {"connect_timeout_s", "max_retries", "max_in_flight", "timeout_s"} <= shared
    for name in shared:
        assert getattr(cfg, name) == NATIVE_DEFAULTS[name], name
    options = cfg.http_options()
    assert all(options[k] == NATIVE_DEFAULTS[k] for k in options if k in OPTION_NAMES)


def test_a_none_option_means_the_native_default() -> None:
    # Explicit None is accepted wherever a default exists; the engine still works.
    with http.Client(max_in_flight=None, connect_timeout_s=None, max_retries=None,
                     retry_statuses=None, verify_tls=None):
        pass
    native_ds3.Client("http://127.0.0.1:9", "k", "s", connect_timeout_s=None,
                      max_in_flight=None, low_speed_time_s=None).close()


def _literal_defaults(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            a = node.args
            positional = a.posonlyargs + a.args
            with_default = positional[len(positional) - len(a.defaults):]
            pairs = list(zip(with_default, a.defaults, strict=True))
            pairs += [
                (x, d) for x, d in zip(a.kwonlyargs, a.kw_defaults, strict=True) if d is not None
            ]
            for arg, default in pairs:
                if arg.arg in OPTION_NAMES and not (
                    isinstance(default, ast.Constant) and default.value is None
                ):
                    found.append(f"{path}:{node.lineno} {arg.arg}={ast.unparse(default)}")
        # A config field named like an engine option must not default to a literal.
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id in OPTION_NAMES
            and isinstance(node.value, ast.Call)
            and node.value.args
            and isinstance(node.value.args[0], ast.Constant)
            and node.value.args[0].value is not None
        ):
            found.append(f"{path}:{node.lineno} {node.target.id}={ast.unparse(node.value)}")
    return found


def test_the_python_layer_repeats_no_native_default() -> None:
    files = [ROOT / "python" / "storewire" / "config.py"]
    for package in CLIENT_PACKAGES:
        files += sorted((ROOT / "python" / package).rglob("*.py"))
    found = [hit for path in files for hit in _literal_defaults(path)]
    assert not found, "\n".join(found)


def test_the_engine_doc_states_the_native_defaults() -> None:
    text = (ROOT / "docs" / "http-engine.md").read_text()
    stated = re.findall(r"`(\w+)`[^`(|]*\(default ([\d.]+)\)", text)
    stated += re.findall(r"^\| `(\w+)` \| ([\d.]+) \|", text, re.M)
    checked = {name for name, _ in stated if name in OPTION_NAMES}
    assert {"connect_timeout_s", "max_in_flight", "max_retries"} <= checked, stated
    for name, value in stated:
        if name in OPTION_NAMES:
            assert float(value) == NATIVE_DEFAULTS[name], (name, value)


# ---- the DS3 bulk engine (BulkOptions) and the Sector client (ClientOptions) --------------


def test_the_bulk_and_sector_defaults_are_native_and_read_by_python() -> None:
    bulk = native_ds3.bulk_defaults()
    assert bulk["workers"] >= 1 and bulk["blob_retries"] >= 0 and bulk["checksum"]
    assert bulk["max_retry_after_s"] > 0 and bulk["stall_timeout_s"] > 0
    assert {"verify", "in_order", "max_idle_polls", "keep_partial"} <= set(bulk)
    assert native_ds3.bulk_defaults() == bulk and native_ds3.bulk_defaults() is not bulk
    assert dict(ds3.client.BULK_DEFAULTS) == bulk
    with pytest.raises(TypeError):
        ds3.client.BULK_DEFAULTS["workers"] = 1  # type: ignore[index]
    values = native_sector.defaults()
    assert set(values) == {"bind_ip", "timeout_s", "retransmit_s", "keepalive"}
    assert values["timeout_s"] > 0 and values["retransmit_s"] > 0 and values["bind_ip"]
    assert native_sector.defaults() == values and native_sector.defaults() is not values


@pytest.mark.parametrize(("stub", "method", "names"), [
    ("ds3.pyi", "bulk_put", BULK_NAMES),
    ("ds3.pyi", "bulk_get", BULK_NAMES),
    ("ds3.pyi", "start_bulk_get", BULK_NAMES),
    ("sector.pyi", "__init__", SECTOR_NAMES),
])
def test_bulk_and_sector_stub_defaults_are_none(stub: str, method: str,
                                                names: frozenset[str]) -> None:
    keywords = _init_keywords(STUBS / stub, method)
    options = names & set(keywords)
    assert options, (stub, method)
    for name in options:
        default = keywords[name]
        assert isinstance(default, ast.Constant) and default.value is None, (stub, method, name)


def _binding_region(source: str, start: str, end: str) -> str:
    text = (ROOT / "cpp" / "bindings" / source).read_text()
    begin = text.index(start)
    return text[begin:text.index(end, begin)]


@pytest.mark.parametrize(("source", "start", "end", "names", "count"), [
    ("ds3.cpp", '.def("start_bulk_get"', '.def("allocate_chunk"', BULK_NAMES, 1),
    ("ds3.cpp", '.def("bulk_put"', '.def("__enter__"', BULK_NAMES, 11),
    ("sector.cpp", "py::class_<PyClient>", '.def(\n          "login"', SECTOR_NAMES, 3),
])
def test_the_bulk_and_sector_bindings_hold_no_default(source: str, start: str, end: str,
                                                      names: frozenset[str], count: int) -> None:
    text = _binding_region(source, start, end)
    found = 0
    for name in names:
        for m in re.finditer(rf'py::arg\("{name}"\)\s*=\s*([^,)]+)', text):
            found += 1
            assert m.group(1).strip() == "py::none(", (source, name, m.group(0))
    assert found == count, (source, start)


def _named_literal_defaults(path: Path, names: frozenset[str]) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            a = node.args
            positional = a.posonlyargs + a.args
            pairs = list(zip(positional[len(positional) - len(a.defaults):], a.defaults,
                             strict=True))
            pairs += [(x, d) for x, d in zip(a.kwonlyargs, a.kw_defaults, strict=True)
                      if d is not None]
            found += [f"{path}:{node.lineno} {arg.arg}={ast.unparse(d)}" for arg, d in pairs
                      if arg.arg in names
                      and not (isinstance(d, ast.Constant) and d.value is None)]
    return found


def test_the_python_clients_repeat_no_bulk_or_sector_default() -> None:
    found = [hit for path in sorted((ROOT / "python" / "ds3").rglob("*.py"))
             for hit in _named_literal_defaults(path, BULK_NAMES)]
    found += [hit for path in sorted((ROOT / "python" / "sector").rglob("*.py"))
              for hit in _named_literal_defaults(path, SECTOR_NAMES)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize(("doc", "values"), [
    ("ds3-client.md", native_ds3.bulk_defaults()),
    ("sector-client.md", native_sector.defaults()),
])
def test_the_client_docs_state_the_native_defaults(doc: str, values: dict[str, object]) -> None:
    text = (ROOT / "docs" / doc).read_text()
    # The one table headed "option | native default" (the config table has other columns).
    table = text.split("| option | native default | meaning |\n", 1)[1].split("\n\n", 1)[0]
    stated = dict(re.findall(r"^\| `(\w+)` \| ([^|`]+?) \|", table, re.M))
    for name, value in values.items():
        assert name in stated, (doc, name)
        if isinstance(value, (bool, str)):
            assert stated[name] == str(value), (doc, name, stated[name])
        else:
            assert isinstance(value, (int, float)) and float(stated[name]) == value, (doc, name)


def test_none_bulk_options_mean_the_native_defaults(tmp_path: Path) -> None:
    data = bytes(range(256)) * 64
    with DS3Emulator() as emu, ds3.Client(emu.endpoint, emu.access_key, emu.secret_key) as c:
        assert (c.workers, c.checksum) == (ds3.client.BULK_DEFAULTS["workers"],
                                           ds3.client.BULK_DEFAULTS["checksum"])
        c.put_bucket("d")
        # Every option None, straight to the binding: the blob carries the default checksum.
        c.native.bulk_put("d", [("k", data)], workers=None, checksum=None, blob_retries=None,
                          max_retry_after_s=None, stall_timeout_s=None).run()
        assert native_ds3.bulk_defaults()["checksum"] == "crc32c"
        assert c.head_object("d", "k").checksum_type == "CRC_32C"
        stored = [p for p in Path(emu.data_dir).rglob("*")
                  if p.is_file() and p.read_bytes() == data]
        assert len(stored) == 1
        stored[0].write_bytes(b"\xff" + data[1:])
        # verify=None is the native default (verify): the corrupt blob is refused.
        with pytest.raises(errors.IntegrityError, match="checksum"):
            c.native.bulk_get("d", [("k", str(tmp_path / "k"))], workers=None, verify=None,
                              in_order=None, blob_retries=None, max_retry_after_s=None).run()
        got = c.get_files("d", {"k": tmp_path / "k2"}, verify=False, blob_retries=None)
        assert got.bytes_total == len(data) and (tmp_path / "k2").read_bytes()[0] == 0xFF


def test_none_sector_options_mean_the_native_defaults(tmp_path: Path) -> None:
    with SectorEmulator(data_dir=tmp_path / "master", seed=3) as master:
        raw = native_sector.Client(master.host, master.port, bind_ip=None, timeout_s=None,
                                   retransmit_s=None)
        try:
            raw.login(master.user, master.password, master.cert_path)
            raw.mkdir("/d")
            assert raw.stat("/d").is_dir
        finally:
            raw.close()
        with sector.Client(master.host, master.port, user=master.user,
                           password=master.password, cert=master.cert_path) as client:
            # Nothing given: the Python client passes no option and the native defaults apply.
            assert (client.config.timeout_s, client.config.retransmit_s) == (None, None)
            client.put("d", "k", b"payload")
            assert client.get("d", "k") == b"payload"
