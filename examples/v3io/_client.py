"""The README's "Creating a client", with the endpoint and key from the environment.

``run_examples.py`` sets ``V3IO_API`` and ``V3IO_ACCESS_KEY`` from ``storewire serve
--env-file``; against a real platform, set them to its web-API endpoint and your key.
"""

from __future__ import annotations

import os

import v3io.dataplane


def make_client() -> v3io.dataplane.Client:
    return v3io.dataplane.Client(
        endpoint=os.environ["V3IO_API"], access_key=os.environ["V3IO_ACCESS_KEY"]
    )
