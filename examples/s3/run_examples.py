"""Run both README examples end to end against a real S3 server.

With ``S3_YAML`` (or a path argument) pointing at an ``s3.yaml``, that account is used.
Otherwise a throw-away Ceph radosgw cluster is started (storewire.testing.radosgw), its
default bucket created, an ``s3.yaml`` written to a temporary directory, and the two
scripts run there; the cluster is stopped afterwards. Without radosgw (not installed and
not installable), or with ``STOREWIRE_S3_EXAMPLES_SERVER=emulator``, both run against the
DS3 emulator's S3 side instead. Exits non-zero on any failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ("example_1_roundtrip.py", "example_2_metadata.py")


def run_scripts(yaml_path: Path, workdir: Path, scripts: tuple[str, ...] = SCRIPTS) -> int:
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])
    )
    for name in scripts:
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, str(HERE / name), str(yaml_path)], cwd=workdir, env=env, check=False
        )
        print(
            f"  {name}: {'ok' if result.returncode == 0 else 'FAILED'} "
            f"({time.perf_counter() - started:.1f} s)"
        )
        if result.returncode != 0:
            return result.returncode
    return 0


def _write_yaml(path: Path, access_key: str, secret_key: str, host: str, extra: str = "") -> None:
    path.write_text(
        "---\ns3:\n"
        f'    access_key_id: "{access_key}"\n'
        f'    secret_access_key: "{secret_key}"\n'
        '    default_bucket: "examples"\n'
        f'    endpoint: "{host}"\n'
        "    tls: false\n" + extra
    )


def _with_radosgw(workdir: Path) -> int:
    import s3
    from storewire.testing.radosgw import RadosGateway

    started = time.perf_counter()
    with RadosGateway(block_size_bytes=4 * 1024**3) as rgw:
        print(f"  radosgw up at {rgw.endpoint} in {time.perf_counter() - started:.1f} s")
        with s3.Client(
            rgw.host, access_key=rgw.access_key, secret_key=rgw.secret_key, tls=False
        ) as client:
            client.create_bucket("examples")
        _write_yaml(workdir / "s3.yaml", rgw.access_key, rgw.secret_key, rgw.host)
        return run_scripts(workdir / "s3.yaml", workdir)


def _with_ds3_emulator(workdir: Path) -> int:
    """Without radosgw: the DS3 emulator's S3 side, signed with SigV4 like any S3 tool, so
    the bucket is S3-style (overwrites allowed) and the metadata update is a real
    server-side copy."""
    import s3
    from storewire.emulators.ds3 import DS3Emulator

    with DS3Emulator() as emu:
        host = emu.endpoint.split("//", 1)[1]
        print(f"  DS3 emulator (S3 side, SigV4) at {emu.endpoint}")
        with s3.Client(host, access_key=emu.access_key, secret_key=emu.secret_key,
                       tls=False) as client:
            client.create_bucket("examples")
        _write_yaml(workdir / "s3.yaml", emu.access_key, emu.secret_key, host)
        return run_scripts(workdir / "s3.yaml", workdir)


def main() -> int:
    given = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("S3_YAML")
    with tempfile.TemporaryDirectory(prefix="storewire-s3-examples-") as tmp:
        workdir = Path(tmp)
        if given:
            return run_scripts(Path(given).resolve(), workdir)
        from storewire.testing import radosgw

        if os.environ.get("STOREWIRE_S3_EXAMPLES_SERVER") == "emulator":
            return _with_ds3_emulator(workdir)
        try:
            radosgw.ensure_installed()
        except radosgw.RadosGatewayUnavailable as exc:
            print(f"  radosgw unavailable ({exc}); using the DS3 emulator")
            return _with_ds3_emulator(workdir)
        return _with_radosgw(workdir)


if __name__ == "__main__":
    sys.exit(main())
