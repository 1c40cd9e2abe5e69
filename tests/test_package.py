"""Wheel layout and import smoke test: what was installed, what was compiled in."""

from __future__ import annotations

import importlib
import re
import shutil
import subprocess
import sys
import warnings
from importlib import metadata
from pathlib import Path

import pytest

import storewire

PUBLIC_PACKAGES = ("ds3", "sector", "v3io", "s3", "storewire")
REPO = Path(__file__).resolve().parents[1]


def _pkg_config_version(name: str) -> str | None:
    if shutil.which("pkg-config") is None:
        return None
    out = subprocess.run(
        ["pkg-config", "--modversion", name], capture_output=True, text=True, check=False
    )
    return out.stdout.strip() or None


@pytest.mark.parametrize("name", PUBLIC_PACKAGES)
def test_public_package_imports(name):
    module = importlib.import_module(name)
    assert module.__doc__ and module.__doc__.strip(), f"{name} needs a docstring"
    # The import must come from this checkout's python/ tree (editable install or wheel).
    assert Path(module.__file__).parent.name == name


def test_import_is_quiet_in_a_fresh_interpreter():
    # -W error: a RuntimeWarning (debug build) or any other warning fails the import.
    code = "import storewire, ds3, sector, v3io, s3, storewire.config, storewire.log"
    subprocess.run([sys.executable, "-W", "error", "-c", code], check=True)


def test_distribution_metadata():
    assert metadata.version("storewire") == storewire.__version__
    scripts = {ep.name: ep.value for ep in metadata.entry_points(group="console_scripts")}
    assert scripts.get("storewire") == "storewire.cli:main"


def test_distribution_carries_its_licence_and_those_of_linked_libraries():
    meta = metadata.metadata("storewire")
    assert meta["License-Expression"] == "Apache-2.0"
    listed = set(meta.get_all("License-File") or [])
    texts = {f"third_party/licenses/{p.name}" for p in (REPO / "third_party/licenses").iterdir()}
    # one text per native library the extension links, and nothing listed that is not shipped
    assert {Path(t).stem for t in texts} >= {"curl", "openssl", "pugixml", "udt", "pybind11"}
    assert listed == {"LICENSE"} | texts
    dist = metadata.distribution("storewire")
    for name in listed:
        shipped = dist.read_text(f"licenses/{name}")
        assert shipped == (REPO / name).read_text(encoding="utf-8"), name


def test_typed_package_ships_stubs():
    root = Path(storewire.__file__).parent
    assert (root / "py.typed").is_file()
    for area in ("__init__", "http"):
        assert (root / "_native" / f"{area}.pyi").is_file()


def test_extension_lives_inside_storewire():
    from storewire import _native

    path = Path(_native.__file__)
    assert path.suffix == ".so" and path.parent.name == "storewire"
    assert _native.__version__ == storewire.__version__
    for area in ("http", "auth", "xml"):
        assert importlib.import_module(f"storewire._native.{area}") is getattr(_native, area)


def test_sector_extension_loads_only_when_sector_is_used():
    # UDT's static initialiser sleeps 100 ms: only Sector users load it (cpp/CMakeLists.txt).
    code = """
import sys
import ds3, s3, v3io, storewire._native as native
from storewire.cli import main
assert "storewire._native_sector" not in sys.modules, "loaded without Sector"
from storewire._native import sector
import storewire._native.sector as again
assert sector is again is native.sector is sys.modules["storewire._native_sector"]
assert sector.defaults() and native.build_info()["udt"]
"""
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        storewire._native.nope  # noqa: B018  (the __getattr__ serves "sector" only)


def test_build_info_reports_release_and_linked_versions():
    info = storewire.build_info()
    assert info["build_type"] == "Release", info
    assert info == dict(storewire._native.build_info())
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", info["curl"]), info
    assert info["openssl"].startswith("OpenSSL 3."), info
    curl, openssl = _pkg_config_version("libcurl"), _pkg_config_version("openssl")
    if curl:
        assert info["curl"] == curl  # the system libcurl, not a bundled one
    if openssl:
        assert info["openssl"].split()[1] == openssl


def test_debug_build_warns(monkeypatch):
    monkeypatch.delenv("STOREWIRE_ALLOW_DEBUG_BUILD", raising=False)
    monkeypatch.setattr(storewire, "build_info", lambda: {"build_type": "Debug"})
    with pytest.warns(RuntimeWarning, match="Debug build"):
        storewire._warn_if_unoptimised()
    monkeypatch.setenv("STOREWIRE_ALLOW_DEBUG_BUILD", "1")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        storewire._warn_if_unoptimised()


def test_missing_extension_does_not_break_import(monkeypatch):
    def missing() -> dict[str, str]:
        raise ImportError("no _native")

    monkeypatch.setattr(storewire, "build_info", missing)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        storewire._warn_if_unoptimised()


def _console_script() -> str:
    found = shutil.which("storewire", path=str(Path(sys.executable).parent))
    assert found, "the storewire console script is not installed next to python"
    return found


def test_console_script_version():
    out = subprocess.run(
        [_console_script(), "version"], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.startswith(f"storewire {storewire.__version__}\n")
    assert "Release build" in out.stdout
    assert "libcurl" in out.stdout and "OpenSSL" in out.stdout


@pytest.mark.parametrize(
    "args", [["serve", "--ds3", "nohostport"], ["serve", "--only", "ftp"], ["nonsense"], []]
)
def test_cli_rejects_bad_arguments(args, capsys):
    from storewire import cli

    with pytest.raises(SystemExit) as exc:
        cli.main(args)
    assert exc.value.code == 2
    assert "usage: storewire" in capsys.readouterr().err


def test_serve_options_parse():
    from storewire import cli

    args = cli.build_parser().parse_args(
        ["serve", "--ds3", ":8080", "--v3io", "0.0.0.0:8081", "--only", "ds3,V3IO",
         "--data", "/tmp/d", "--env-file", "/tmp/e.env"]
    )  # fmt: skip
    assert args.ds3 == ("127.0.0.1", 8080)
    assert args.v3io == ("0.0.0.0", 8081)
    assert args.only == ("ds3", "v3io")
    assert args.data == Path("/tmp/d") and args.env_file == Path("/tmp/e.env")
