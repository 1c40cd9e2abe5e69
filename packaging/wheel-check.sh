#!/usr/bin/env bash
# make wheel-check: does dist/'s manylinux wheel stand alone on a machine with nothing but
# Python? Makes (once, then cached) a minimal Debian 12 root with debootstrap -- minbase plus
# python3 and python3-venv, none of the -dev or runtime libraries the build used -- installs
# the wheel into a fresh venv inside it and runs packaging/check_installed.py there in a
# chroot (own mount namespace, so nothing stays mounted): storewire version, selfcheck,
# serve and every example runner. Needs root (debootstrap, chroot, mount).
#
#   $1                a Python with pip (the packaging venv's), to fetch dependency wheels
#   STOREWIRE_CACHE   where the root and the dependency wheels are cached (~/.cache/storewire)
#   DEBIAN_MIRROR     the Debian mirror (default: this machine's apt source for Debian)
set -euo pipefail
py=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cd "$(dirname "$0")/.."

suite=bookworm
packages=python3,python3-venv
cache=${STOREWIRE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/storewire}
root=$cache/debian12-minbase-python3
stamp=$root/.storewire-root
want_stamp="$suite minbase $packages"

shopt -s nullglob
wheels=(dist/storewire-*-manylinux*_x86_64.whl)
if [ ${#wheels[@]} -ne 1 ]; then
  echo "wheel-check: expected exactly one manylinux wheel in dist/, found ${#wheels[@]}" >&2
  exit 1
fi
wheel=${wheels[0]}

mirror() {
  # The first Debian (not security) URI in apt's sources, deb822 or one-line format.
  local uri
  uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
        sed -n 's/^URIs:[[:space:]]*//p' | tr ' ' '\n' | grep -E '/debian/?$' | head -n1 || true)
  if [ -z "$uri" ]; then
    uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
          awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /\/debian\/?$/) { print $i; exit } }' || true)
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

if [ "$(id -u)" -ne 0 ]; then
  echo "wheel-check: needs root (debootstrap, chroot and mounts)" >&2
  exit 1
fi
if ! command -v debootstrap >/dev/null; then
  bash third_party/install-debian-packages.sh packaging/wheel-check-packages.txt
fi

started=$(date +%s)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want_stamp" ]; then
  url=${DEBIAN_MIRROR:-$(mirror)}
  echo "wheel-check: making a minimal Debian 12 root in $root ($url)"
  rm -rf "$root" "$root.tmp"
  mkdir -p "$cache"
  debootstrap --variant=minbase --include="$packages" "$suite" "$root.tmp" "$url" \
    >"$cache/debootstrap.log" 2>&1 || { tail -n 20 "$cache/debootstrap.log" >&2; exit 1; }
  echo "$want_stamp" >"$root.tmp/.storewire-root"
  mv "$root.tmp" "$root"
else
  echo "wheel-check: reusing the cached Debian 12 root $root"
fi
# The bare machine must really lack what the build linked (python3 itself brings libssl3).
for lib in libcurl libpugixml libudt libnghttp2 libssh2 libpsl librtmp; do
  if compgen -G "$root/usr/lib/x86_64-linux-gnu/$lib.so*" >/dev/null ||
     compgen -G "$root/usr/lib/$lib.so*" >/dev/null; then
    echo "wheel-check: the root has $lib; it is not a bare machine" >&2
    exit 1
  fi
done

# The root has no package index: the wheel's own dependencies (pure Python, from PyPI) and
# PyYAML (the s3 examples read their account with it; libyaml linked in) are downloaded here
# into the cache (pip skips files it already has) and installed from there.
deps=$cache/wheels
mkdir -p "$deps"
if ! "$py" -m pip download -q --disable-pip-version-check --only-binary=:all: --dest "$deps" \
     --python-version 3.11 --platform manylinux_2_34_x86_64 --platform manylinux2014_x86_64 \
     "$wheel" "pyyaml>=6" >"$cache/pip-download.log" 2>&1; then
  cat "$cache/pip-download.log" >&2
  exit 1
fi
rm -f "$deps"/storewire-*.whl   # the wheel under test is copied in fresh

# A fresh work dir each run: the wheel, PyYAML, the example runners and the driver.
work=$root/check
rm -rf "$work"
mkdir -p "$work/wheels" "$work/src"
cp "$wheel" "$deps"/*.whl "$work/wheels/"
cp -r examples packaging "$work/src/"

echo "wheel-check: $(basename "$wheel") ($(du -k "$wheel" | cut -f1) KiB) in a fresh venv"
status=0
# Bounded as a whole (each step inside is bounded too); timeout signals the whole group.
timeout --kill-after=30 1800 unshare --mount --propagation private bash -euo pipefail -c '
  root=$1
  mount -t proc proc "$root/proc"
  mount --rbind /dev "$root/dev"
  mount -t tmpfs tmpfs "$root/tmp"
  exec chroot "$root" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root LANG=C.UTF-8 \
    PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 /bin/sh -ec "
    python3 -m venv /check/venv
    /check/venv/bin/python -m pip install -q --no-index --find-links /check/wheels storewire pyyaml
    cd /check
    /check/venv/bin/python /check/src/packaging/check_installed.py /check/src/examples
  "
' wheel-check "$root" || status=$?
rm -rf "$work"
if [ "$status" -ne 0 ]; then
  echo "wheel-check: FAILED (exit $status) after $(( $(date +%s) - started )) s" >&2
  exit "$status"
fi
echo "wheel-check: passed in $(( $(date +%s) - started )) s"
