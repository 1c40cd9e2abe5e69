"""``storewire version``: the native libraries, their versions and where each comes from.

Run against the real extension (the editable build links the system's libcurl and OpenSSL
and has pugixml and UDT linked in); the bundled case is what ``make wheel-check`` sees.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import storewire
from storewire import native_report


def _storewire(*args: str) -> subprocess.CompletedProcess[str]:
    script = shutil.which("storewire", path=str(Path(sys.executable).parent))
    assert script, "the storewire console script is not installed next to python"
    return subprocess.run([script, *args], capture_output=True, text=True, timeout=60,
                          check=False)


def _pkg_config(name: str) -> str:
    out = subprocess.run(["pkg-config", "--modversion", name], capture_output=True, text=True,
                         check=True)
    return out.stdout.strip()


def _rows(stdout: str) -> dict[str, list[str]]:
    return {parts[0]: parts[1:] for line in stdout.splitlines()[2:] if (parts := line.split())}


def test_version_names_each_native_library_with_its_version_and_origin():
    out = _storewire("version")
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""  # an optimised build: no warning
    first, second, *_ = out.stdout.splitlines()
    assert first == f"storewire {storewire.__version__}"
    # `make test-asan`'s build names its sanitizers too
    assert re.fullmatch(rf"native core {re.escape(storewire.__version__)}: Release build, "
                        r"optimised, (sanitizers address,undefined, )?compiler \d+\.\d+\.\d+.*",
                        second), second
    rows = _rows(out.stdout)
    assert list(rows) == ["libcurl", "OpenSSL", "UDT", "pugixml"]
    # shared: the very files this machine's -dev packages link, loaded from the system
    assert rows["libcurl"][0] == _pkg_config("libcurl")
    assert rows["OpenSSL"][0] == _pkg_config("openssl")
    for name, prefix in (("libcurl", "libcurl.so"), ("OpenSSL", "libssl.so")):
        origin, path = rows[name][-2:]
        assert origin == "system:" and Path(path).name.startswith(prefix), rows[name]
        assert Path(path).is_file() and "/storewire.libs/" not in path
    # linked in from Debian's static archives; UDT's version read from its package
    assert rows["pugixml"] == [_pkg_config("pugixml"), "linked", "in", "(static)"]
    udt_deb = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "libudt-dev"],
                             capture_output=True, text=True, check=True).stdout
    assert rows["UDT"] == [udt_deb.split("+")[0], "linked", "in", "(static)"]


def test_libraries_loaded_from_the_wheel_are_reported_as_bundled():
    info = dict(storewire.build_info(), static_libs="udt")
    maps = ("7f00-7f01 r-xp 00000000 08:01 42   /venv/site-packages/storewire.libs/"
            "libcurl-02fbea31.so.4.8.0\n"
            "7f02-7f03 r-xp 00000000 08:01 43   /usr/lib/x86_64-linux-gnu/libssl.so.3\n"
            "7f04-7f05 rw-p 00000000 00:00 0 \n")
    files = native_report.loaded_files(maps)
    libs = {lib.name: lib for lib in native_report.libraries(info, files)}
    assert libs["libcurl"].origin == "bundled"
    assert libs["OpenSSL"].origin == "system"
    # Python's ssl module loaded the system's OpenSSL too: the extension's is the bundled one
    maps += "7f06-7f07 r-xp 00000000 08:01 44   /venv/storewire.libs/libssl-59d05945.so.3\n"
    libs = {lib.name: lib for lib in
            native_report.libraries(info, native_report.loaded_files(maps))}
    assert libs["OpenSSL"].origin == "bundled"
    assert libs["OpenSSL"].path == "/venv/storewire.libs/libssl-59d05945.so.3"
    assert libs["UDT"].origin == "linked in (static)"
    assert libs["pugixml"].origin == "not loaded"  # shared here, and nothing mapped


def test_an_unoptimised_extension_is_warned_about():
    info = dict(storewire.build_info())
    assert native_report.unoptimised_warning(info) == ""
    info.update(optimised="no", build_type="Debug")
    warning = native_report.unoptimised_warning(info)
    assert warning.startswith("WARNING:") and "(Debug)" in warning
    assert "NOT optimised" in native_report.report(info, [])
