"""storewire: native-speed clients for DS3 (BlackPearl), Sector, V3IO and S3, with emulators.

The public clients live in the top-level packages ``ds3``, ``sector``, ``v3io`` and ``s3``;
this package holds what they share (errors, config, logging, the CLI, the verb table's
types ``storewire.ByteRange`` and ``storewire.ObjectMeta``) and the private native core
``storewire._native``.

Importing storewire never fails because the native extension is missing (the pure-Python
parts stay usable); :func:`build_info` then raises the ``ImportError``. An extension built
without optimisation triggers a ``RuntimeWarning`` on import, since it is several times
slower; set ``STOREWIRE_ALLOW_DEBUG_BUILD=1`` to silence it on purpose (sanitizer builds).
"""

from __future__ import annotations

import os
import warnings
from typing import Any

from . import _sector_import
from .verbs import ByteRange, ObjectMeta

__all__ = ["ByteRange", "ObjectMeta", "__version__", "build_info"]

_sector_import.install()  # storewire._native.sector: its own extension, loaded on first use

_OPTIMISED_BUILDS = frozenset({"release", "relwithdebinfo", "minsizerel"})


def _read_version() -> str:
    from importlib import metadata  # ~60 ms: only when the version is asked for

    try:
        return metadata.version("storewire")
    except metadata.PackageNotFoundError:  # running from a source tree, not installed
        return "0.0.0+unknown"


def __getattr__(name: str) -> Any:
    # ``storewire.__version__`` read on first use (PEP 562), so that a command's start
    # does not pay for importlib.metadata
    if name == "__version__":
        version = _read_version()
        globals()["__version__"] = version
        return version
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def build_info() -> dict[str, str]:
    """How the native core was built: build type, compiler, linked library versions.

    Raises ``ImportError`` (with a hint) when the extension is not built.
    """
    try:
        from . import _native
    except ImportError as exc:
        raise ImportError(
            f"storewire's native extension is not available ({exc}); build it with `make build`"
        ) from exc
    return dict(_native.build_info())


def _warn_if_unoptimised() -> None:
    if os.environ.get("STOREWIRE_ALLOW_DEBUG_BUILD", "") not in ("", "0"):
        return
    try:
        build_type = str(build_info().get("build_type", ""))
    except Exception:  # a missing or odd extension must not break `import storewire`
        return
    if build_type.lower() not in _OPTIMISED_BUILDS:
        warnings.warn(
            f"storewire's native extension is a {build_type or 'unoptimised'} build "
            "(no compiler optimisation): transfers will be much slower. Rebuild with "
            "CMAKE_BUILD_TYPE=Release, or set STOREWIRE_ALLOW_DEBUG_BUILD=1 if intended.",
            RuntimeWarning,
            stacklevel=2,
        )


_warn_if_unoptimised()
