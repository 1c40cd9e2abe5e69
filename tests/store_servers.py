"""Servers for the store adapter and fsspec tests (tests/stores, tests/fs): the three
emulators on 127.0.0.1 port 0 and a real Ceph radosgw for s3, each started on first use
and stopped at the end of the session, with the options a store needs to reach it.

``STOREWIRE_S3_TEST_ENDPOINT`` (and its keys) reuses a running S3 server instead.
"""

from __future__ import annotations

import os
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

#: The stores every adapter and filesystem test runs against.
SCHEMES = ("ds3", "s3", "v3io", "sector")


@dataclass
class StoreServer:
    """How to reach one running server: the store options and a bucket to write to."""

    scheme: str
    options: dict[str, Any]
    bucket: str
    env: dict[str, str] = field(default_factory=dict)  # the same settings as variables
    emulator: Any = None  # the emulator object, for tests that look inside it


def _ds3(stack: ExitStack) -> StoreServer:
    from storewire.emulators.ds3 import DS3Emulator

    # BlackPearl replaces an object only under a data policy that keeps versions.
    emu = stack.enter_context(DS3Emulator(versioning="KEEP_LATEST"))
    options = {"endpoint": emu.endpoint, "access_key": emu.access_key,
               "secret_key": emu.secret_key, "proxy": ""}
    import ds3

    with ds3.Client(emu.endpoint, emu.access_key, emu.secret_key, proxy="") as client:
        client.put_bucket("stores")
    env = {"DS3_ENDPOINT": emu.endpoint, "DS3_ACCESS_KEY": emu.access_key,
           "DS3_SECRET_KEY": emu.secret_key}
    return StoreServer("ds3", options, "stores", env, emu)


def _s3(stack: ExitStack) -> StoreServer:
    from storewire.testing.radosgw import s3_test_server

    server = s3_test_server(stack)
    host, access, secret, region = (server.host, server.access_key, server.secret_key,
                                    server.region)
    url = host if "://" in host else f"http://{host}"
    options = {"endpoint": url, "access_key": access, "secret_key": secret, "region": region}
    import s3

    bucket = f"sw-stores-{os.getpid()}"
    client = stack.enter_context(s3.Client(url, access_key=access, secret_key=secret,
                                           region=region))
    client.create_bucket(bucket)
    stack.callback(_empty_bucket, client, bucket)
    env = {"AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": access,
           "AWS_SECRET_ACCESS_KEY": secret, "AWS_REGION": region}
    return StoreServer("s3", options, bucket, env)


def _empty_bucket(client: Any, bucket: str) -> None:
    keys = [o.key for o in client.list_objects(bucket)]
    if keys:
        client.delete_objects(bucket, keys)
    client.delete_bucket(bucket)


def _v3io(stack: ExitStack) -> StoreServer:
    from storewire.emulators.v3io import V3IOEmulator

    emu = stack.enter_context(V3IOEmulator())
    options = {"endpoint": emu.endpoint, "access_key": emu.access_key,
               "use_env_proxy": False}
    env = {"V3IO_API": emu.endpoint, "V3IO_ACCESS_KEY": emu.access_key}
    return StoreServer("v3io", options, "bigdata", env)


def _sector(stack: ExitStack) -> StoreServer:
    import sector
    from storewire.emulators.sector import SectorEmulator

    emu = stack.enter_context(SectorEmulator(retransmit_s=0.2, seed=11))
    options = {"host": emu.host, "port": emu.port, "user": emu.user,
               "password": emu.password, "cert": str(emu.cert_path), "timeout_s": 20.0,
               "retransmit_s": 0.2}
    with sector.Client(emu.host, emu.port, user=emu.user, password=emu.password,
                       cert=emu.cert_path) as client:
        client.mkdir("/stores")
    env = {"SECTOR_HOST": emu.host, "SECTOR_PORT": str(emu.port), "SECTOR_USER": emu.user,
           "SECTOR_PASSWORD": emu.password, "SECTOR_CERT": str(emu.cert_path)}
    return StoreServer("sector", options, "stores", env)


_START = {"ds3": _ds3, "s3": _s3, "v3io": _v3io, "sector": _sector}


class StoreServers(dict):  # type: ignore[type-arg]
    """``servers[scheme]``: started on first use, stopped with the stack."""

    def __init__(self, stack: ExitStack) -> None:
        super().__init__()
        self._stack = stack

    def __missing__(self, scheme: str) -> StoreServer:
        self[scheme] = server = _START[scheme](self._stack)
        return server
