"""What ``storewire version`` prints about the native core: how it was built, and each native
library it uses with its version and where it comes from -- linked in from a static archive,
or a shared library loaded from the wheel's own ``storewire.libs/`` (bundled) or from the
system. The file a shared library was loaded from is read from ``/proc/self/maps`` (Linux).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "NativeLibrary", "libraries", "loaded_files", "print_version", "report", "unoptimised_warning",
]

# (name shown, build_info key, file name prefix, static_libs name)
_LIBRARIES = (
    ("libcurl", "curl", "libcurl", "curl"),
    ("OpenSSL", "openssl", "libssl", "openssl"),
    ("UDT", "udt", "libudt", "udt"),
    ("pugixml", "pugixml", "libpugixml", "pugixml"),
)
BUNDLED_DIR = "storewire.libs"


@dataclass(frozen=True)
class NativeLibrary:
    """One native library of the extension: its version and how it is linked."""

    name: str
    version: str
    origin: str  # "linked in (static)", "bundled", "system" or "not loaded"
    path: str = ""


def loaded_files(maps: str | None = None) -> list[str]:
    """The shared object files mapped into this process (from ``/proc/self/maps``)."""
    if maps is None:
        try:
            maps = Path("/proc/self/maps").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return []
    # "start-end perms offset dev inode   /path" (the path is missing for anonymous maps)
    rows = (line.split(None, 5) for line in maps.splitlines())
    files = {row[5].strip() for row in rows if len(row) == 6}
    return sorted(f for f in files if f.startswith("/") and ".so" in Path(f).name)


def _version(info: dict[str, str], key: str) -> str:
    text = info.get(key, "") or "unknown"
    return text.removeprefix("OpenSSL ")


def libraries(info: dict[str, str], files: list[str]) -> list[NativeLibrary]:
    """Each library of the extension, given its ``build_info()`` and the loaded files."""
    static = {s.strip() for s in info.get("static_libs", "").split(",") if s.strip()}
    found = []
    for name, key, prefix, static_name in _LIBRARIES:
        version = _version(info, key)
        if static_name in static:
            found.append(NativeLibrary(name, version, "linked in (static)"))
            continue
        paths = [f for f in files if Path(f).name.startswith((f"{prefix}.", f"{prefix}-"))]
        # The bundled copy is the one the extension uses (its RPATH) if Python's own modules
        # also loaded the system's (the ssl module and OpenSSL).
        paths.sort(key=lambda f: Path(f).parent.name != BUNDLED_DIR)
        path = paths[0] if paths else ""
        origin = ("bundled" if Path(path).parent.name == BUNDLED_DIR else "system") if path \
            else "not loaded"
        found.append(NativeLibrary(name, version, origin, path))
    return found


def unoptimised_warning(info: dict[str, str]) -> str:
    """A warning when the extension was compiled without optimisation, else ''."""
    if info.get("optimised", "yes") == "yes":
        return ""
    return (f"WARNING: storewire's native extension was built without compiler optimisation "
            f"({info.get('build_type') or 'no build type'}): transfers will be much slower. "
            "Rebuild it as a Release build (pip install . or make build).")


def report(info: dict[str, str], files: list[str]) -> str:
    """The lines ``storewire version`` prints after the package version."""
    optimised = "optimised" if info.get("optimised") == "yes" else "NOT optimised"
    sanitizers = f", sanitizers {info['sanitizers']}" if info.get("sanitizers") else ""
    lines = [f"native core {info.get('version', '?')}: {info.get('build_type', '?')} build, "
             f"{optimised}{sanitizers}, compiler {info.get('compiler', '?')}"]
    libs = libraries(info, files)
    width = max(len(lib.name) for lib in libs)
    vwidth = max(len(lib.version) for lib in libs)
    for lib in libs:
        where = f"{lib.origin}: {lib.path}" if lib.path else lib.origin
        lines.append(f"  {lib.name:<{width}}  {lib.version:<{vwidth}}  {where}")
    return "\n".join(lines)


def print_version() -> int:
    """``storewire version``: 0, or 1 when the native extension cannot be loaded."""
    from . import __version__, build_info

    print(f"storewire {__version__}")
    try:
        info = build_info()
    except ImportError as exc:
        print(f"native core not available: {exc}", file=sys.stderr)
        return 1
    print(report(info, loaded_files()))
    if warning := unoptimised_warning(info):
        print(warning, file=sys.stderr)
    return 0
