"""Run both README examples end to end against a real S3 server.

With ``S3_YAML`` (or a path argument) pointing at an ``s3.yaml``, that account is used.
Otherwise a throw-away Ceph radosgw cluster is started (storewire.testing.radosgw), its
default bucket created, an ``s3.yaml`` written to a temporary directory, and the two
scripts run there; the cluster is stopped afterwards. Exits non-zero on any failure.
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


def run_scripts(yaml_path: Path, workdir: Path) -> int:
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])
    )
    for name in SCRIPTS:
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


def main() -> int:
    given = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("S3_YAML")
    with tempfile.TemporaryDirectory(prefix="storewire-s3-examples-") as tmp:
        workdir = Path(tmp)
        if given:
            return run_scripts(Path(given).resolve(), workdir)
        import s3
        from storewire.testing.radosgw import RadosGateway

        started = time.perf_counter()
        with RadosGateway(block_size_bytes=4 * 1024**3) as rgw:
            print(f"  radosgw up at {rgw.endpoint} in {time.perf_counter() - started:.1f} s")
            with s3.Client(
                rgw.host, access_key=rgw.access_key, secret_key=rgw.secret_key, tls=False
            ) as client:
                client.create_bucket("examples")
            yaml_path = workdir / "s3.yaml"
            yaml_path.write_text(
                "---\ns3:\n"
                f'    access_key_id: "{rgw.access_key}"\n'
                f'    secret_access_key: "{rgw.secret_key}"\n'
                '    default_bucket: "examples"\n'
                f'    endpoint: "{rgw.host}"\n'
                "    tls: false\n"
            )
            return run_scripts(yaml_path, workdir)


if __name__ == "__main__":
    sys.exit(main())
