"""S3 client benchmark against a real server: storewire's ``s3`` vs boto3 vs obstore.

Same run, same server (a fresh Ceph radosgw cluster started here, or
``--endpoint host:port`` with ``--access-key/--secret-key`` to reuse one):

- 1,000 x 4 KiB PUT then GET, sequential (ops/s);
- the same with 16 requests in flight (ops/s): storewire ``put_objects``/``get_many``
  (the native engine's ``perform_many``), boto3 on a 16-thread pool, obstore on asyncio
  with 16 tasks;
- one 512 MiB object PUT from a file and GET into a file (MB/s, MB = 10^6 B): storewire
  ``upload_file``/``download_file`` (parallel multipart and ranged GETs, MD5-verified),
  boto3 ``upload_file``/``download_file``, obstore ``put(Path)``/``get().stream()``.

    .venv/bin/python benchmarks/s3.py [--objects 1000] [--big-mib 512] [--repeat 1]

Medians over ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

SMALL = 4096
PAR = 16
MB = 1_000_000


class Server:
    def __init__(self, host: str, access_key: str, secret_key: str) -> None:
        self.host = host
        self.access_key = access_key
        self.secret_key = secret_key
        self.url = f"http://{host}"


def _timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


# ---- storewire ----------------------------------------------------------------------------


def bench_storewire(
    srv: Server,
    bucket: str,
    keys: list[str],
    payloads: list[bytes],
    big: Path,
    out: Path,
    *,
    verify: bool = True,
) -> dict[str, float]:
    import s3

    client = s3.Client(
        srv.host,
        access_key=srv.access_key,
        secret_key=srv.secret_key,
        tls=False,
        max_concurrency=PAR,
        verify_checksums=verify,
    )
    r: dict[str, float] = {}
    n = len(keys)

    def seq_put() -> None:
        for k, v in zip(keys, payloads, strict=True):
            client.put_object(bucket, k, v)

    def seq_get() -> None:
        for k in keys:
            client.get_object(bucket, k)

    r["seq_put"] = n / _timed(seq_put)
    r["seq_get"] = n / _timed(seq_get)
    r["par_put"] = n / _timed(lambda: client.put_objects(bucket, zip(keys, payloads, strict=True)))
    r["par_get"] = n / _timed(lambda: client.get_many(bucket, keys))
    size = big.stat().st_size
    r["big_put"] = size / MB / _timed(lambda: client.upload_file(big, bucket, "big-storewire"))
    r["big_get"] = size / MB / _timed(lambda: client.download_file(bucket, "big-storewire", out))
    client.close()
    return r


# ---- boto3 --------------------------------------------------------------------------------


def bench_boto3(
    srv: Server, bucket: str, keys: list[str], payloads: list[bytes], big: Path, out: Path
) -> dict[str, float]:
    import boto3
    from botocore.config import Config

    client = boto3.client(
        "s3",
        endpoint_url=srv.url,
        aws_access_key_id=srv.access_key,
        aws_secret_access_key=srv.secret_key,
        region_name="us-east-1",
        config=Config(
            s3={"addressing_style": "path"},
            max_pool_connections=PAR + 4,
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        ),
    )
    r: dict[str, float] = {}
    n = len(keys)

    def seq_put() -> None:
        for k, v in zip(keys, payloads, strict=True):
            client.put_object(Bucket=bucket, Key=k, Body=v)

    def seq_get() -> None:
        for k in keys:
            client.get_object(Bucket=bucket, Key=k)["Body"].read()

    def par(fn: Callable[[int], Any]) -> None:
        with ThreadPoolExecutor(PAR) as pool:
            list(pool.map(fn, range(n)))

    r["seq_put"] = n / _timed(seq_put)
    r["seq_get"] = n / _timed(seq_get)
    r["par_put"] = n / _timed(
        lambda: par(lambda i: client.put_object(Bucket=bucket, Key=keys[i], Body=payloads[i]))
    )
    r["par_get"] = n / _timed(
        lambda: par(lambda i: client.get_object(Bucket=bucket, Key=keys[i])["Body"].read())
    )
    size = big.stat().st_size
    r["big_put"] = size / MB / _timed(lambda: client.upload_file(str(big), bucket, "big-boto3"))
    r["big_get"] = size / MB / _timed(lambda: client.download_file(bucket, "big-boto3", str(out)))
    client.close()
    return r


# ---- obstore ------------------------------------------------------------------------------


def bench_obstore(
    srv: Server, bucket: str, keys: list[str], payloads: list[bytes], big: Path, out: Path
) -> dict[str, float]:
    import obstore
    from obstore.store import S3Store

    store = S3Store(
        bucket,
        endpoint=srv.url,
        access_key_id=srv.access_key,
        secret_access_key=srv.secret_key,
        region="us-east-1",
        virtual_hosted_style_request=False,
        client_options={"allow_http": True},
    )
    r: dict[str, float] = {}
    n = len(keys)

    def seq_put() -> None:
        for k, v in zip(keys, payloads, strict=True):
            obstore.put(store, k, v)

    def seq_get() -> None:
        for k in keys:
            obstore.get(store, k).bytes()

    async def par_put() -> None:
        sem = asyncio.Semaphore(PAR)

        async def one(i: int) -> None:
            async with sem:
                await obstore.put_async(store, keys[i], payloads[i])

        await asyncio.gather(*(one(i) for i in range(n)))

    async def par_get() -> None:
        sem = asyncio.Semaphore(PAR)

        async def one(i: int) -> None:
            async with sem:
                result = await obstore.get_async(store, keys[i])
                await result.bytes_async()

        await asyncio.gather(*(one(i) for i in range(n)))

    def big_get() -> None:
        with open(out, "wb") as f:
            for chunk in obstore.get(store, "big-obstore").stream(min_chunk_size=8 * 2**20):
                f.write(chunk)

    r["seq_put"] = n / _timed(seq_put)
    r["seq_get"] = n / _timed(seq_get)
    r["par_put"] = n / _timed(lambda: asyncio.run(par_put()))
    r["par_get"] = n / _timed(lambda: asyncio.run(par_get()))
    size = big.stat().st_size
    r["big_put"] = size / MB / _timed(lambda: obstore.put(store, "big-obstore", big))
    r["big_get"] = size / MB / _timed(big_get)
    return r


# ---- driver -------------------------------------------------------------------------------

ROWS = (
    ("seq_put", "1000 x 4 KiB PUT, sequential", "ops/s"),
    ("seq_get", "1000 x 4 KiB GET, sequential", "ops/s"),
    ("par_put", "1000 x 4 KiB PUT, 16 in flight", "ops/s"),
    ("par_get", "1000 x 4 KiB GET, 16 in flight", "ops/s"),
    ("big_put", "512 MiB PUT from a file", "MB/s"),
    ("big_get", "512 MiB GET into a file", "MB/s"),
)
CLIENTS: dict[str, Callable[..., dict[str, float]]] = {
    "storewire": bench_storewire,
    "boto3": bench_boto3,
    "obstore": bench_obstore,
    # The same client without Content-MD5 / ETag checks, as boto3 (checksums "when
    # required") and obstore run here: shows what the integrity checks cost.
    "storewire (no MD5)": functools.partial(bench_storewire, verify=False),
}


def _warm_up(admin: Any, payloads: list[bytes], big: Path) -> None:
    """Write (then delete) some small objects and one large one before measuring, so
    that the first client measured is not the only one to meet a cold cluster."""
    bucket = f"bench-warmup-{os.getpid()}"
    admin.create_bucket(bucket)
    keys = [f"warm-{i:05d}" for i in range(min(len(payloads), 300))]
    for k, v in zip(keys, payloads, strict=False):
        admin.put_object(bucket, k, v)
    admin.get_many(bucket, keys)
    admin.upload_file(big, bucket, "warm-big")
    admin.delete_objects(bucket, [*keys, "warm-big"])
    admin.delete_bucket(bucket)


def run(srv: Server, args: argparse.Namespace) -> dict[str, dict[str, list[float]]]:
    import s3
    from storewire.testing import write_pattern_file

    results: dict[str, dict[str, list[float]]] = {c: {} for c in CLIENTS}
    admin = s3.Client(srv.host, access_key=srv.access_key, secret_key=srv.secret_key, tls=False)
    payloads = [os.urandom(SMALL) for _ in range(args.objects)]
    with tempfile.TemporaryDirectory(prefix="storewire-s3-bench-") as tmp:
        big = Path(tmp) / "big.bin"
        write_pattern_file(big, args.big_mib * 2**20, seed=512)
        _warm_up(admin, payloads, big)
        names = list(CLIENTS)
        for rep in range(args.repeat):
            # The OSD's speed drifts with its state and the machine's other load (sequential
            # PUT varies 2x between runs of one client): each repeat starts with a
            # different client so that no client always runs in the same position.
            for name in names[rep % len(names) :] + names[: rep % len(names)]:
                bench = CLIENTS[name]
                slug = name.split()[0] + str(len(name))
                bucket = f"bench-{slug}-{rep}-{os.getpid()}"
                admin.create_bucket(bucket)
                keys = [f"{slug}/obj-{i:05d}" for i in range(args.objects)]
                out = Path(tmp) / f"out-{slug}.bin"
                r = bench(srv, bucket, keys, payloads, big, out)
                if out.read_bytes() != big.read_bytes():
                    raise SystemExit(f"{name}: the 512 MiB download differs from the upload")
                out.unlink()
                for k, v in r.items():
                    results[name].setdefault(k, []).append(v)
                print(
                    f"  run {rep + 1} {name}: " + ", ".join(f"{k}={v:.0f}" for k, v in r.items()),
                    flush=True,
                )
                admin.delete_objects(bucket, [o.key for o in admin.list_objects(bucket)])
                for upload in admin.list_multipart_uploads(bucket):
                    admin.abort_multipart_upload(bucket, upload.key, upload.upload_id)
                admin.delete_bucket(bucket)
    admin.close()
    return results


def format_table(results: dict[str, dict[str, list[float]]]) -> str:
    names = list(CLIENTS)
    lines = [
        "| benchmark | unit | " + " | ".join(names) + " |",
        "|---|---|" + "---|" * len(names),
    ]
    for key, title, unit in ROWS:
        cells = [f"{statistics.median(results[n][key]):.0f}" for n in names]
        lines.append(f"| {title} | {unit} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=1000)
    parser.add_argument("--big-mib", type=int, default=512)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--endpoint", help="host:port of a running S3 server (else radosgw)")
    parser.add_argument("--access-key", default="testaccesskey")
    parser.add_argument("--secret-key", default="testsecretkey")
    args = parser.parse_args(argv)
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        os.environ.pop(var, None)
    if args.endpoint:
        results = run(Server(args.endpoint, args.access_key, args.secret_key), args)
    else:
        from storewire.testing.radosgw import RadosGateway

        started = time.perf_counter()
        with RadosGateway(block_size_bytes=16 * 1024**3) as rgw:
            print(
                f"radosgw up at {rgw.endpoint} in {time.perf_counter() - started:.1f} s", flush=True
            )
            results = run(Server(rgw.host, rgw.access_key, rgw.secret_key), args)
    print()
    print(
        f"S3 clients against radosgw on loopback ({os.cpu_count()} CPUs), median of "
        f"{args.repeat} run(s):"
    )
    print(format_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
