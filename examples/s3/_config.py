"""Where the examples get their S3 account: a YAML file (the seed's ``s3.yaml`` layout) or
the environment. Shared by the example scripts; not part of the README's code."""

from __future__ import annotations

import os
import sys
from typing import Any


def load_config() -> dict[str, Any]:
    """``{'s3': {...}}`` from the YAML file named by argv[1], ``$S3_YAML`` or ./s3.yaml; or,
    when there is none, from S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_DEFAULT_BUCKET,
    S3_ENDPOINT and S3_TLS."""
    path = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("S3_YAML", "s3.yaml")
    if os.path.exists(path):
        import yaml

        with open(path) as fi:
            config: dict[str, Any] = yaml.safe_load(fi)
        return config
    env = os.environ
    return {
        "s3": {
            "access_key_id": env["S3_ACCESS_KEY_ID"],
            "secret_access_key": env["S3_SECRET_ACCESS_KEY"],
            "default_bucket": env.get("S3_DEFAULT_BUCKET"),
            "endpoint": env.get("S3_ENDPOINT", "s3.amazonaws.com"),
            "tls": env.get("S3_TLS", "true").lower() in ("1", "true", "yes"),
        }
    }


def ensure_local_file(name: str = "example", size: int = 100_000) -> None:
    """The README assumes a local file named "example"; make one if it is missing."""
    if not os.path.exists(name):
        with open(name, "wb") as f:
            f.write(os.urandom(size))
