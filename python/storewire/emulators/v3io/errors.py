"""The error a handler raises to answer with a V3IO error body.

V3IO answers failures with ``{"ErrorCode": <int>, "ErrorMessage": "<text>"}``. File-system
style failures use negative errno values (-2 "No such file or directory", -13 "Permission
denied"); the data service adds its own codes (16777244 for a false condition). Clients
match on substrings of the body, so the messages below are the ones they look for.
"""

from __future__ import annotations

import json

# Codes documented or observed on real servers.
ENOENT = -2
EACCES = -13
EEXIST = -17
ENOTDIR = -20
EISDIR = -21
EINVAL = -22
E2BIG = -7
ENOTEMPTY = -39
EPERM = -1
CONDITION_FALSE = 16777244
ITEM_EXISTS = 369098809
SHARD_OUT_OF_RANGE = -201326594
# Not documented: any negative code outside the errno range would do for streams.
STREAM_ERROR = -201326593


class V3ioError(Exception):
    """A failure that becomes an HTTP error status with the V3IO JSON error body."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def body(self) -> bytes:
        return json.dumps({"ErrorCode": self.code, "ErrorMessage": self.message}).encode()


def not_found(what: str = "") -> V3ioError:
    # "No such file" is the substring clients search for in listing errors.
    message = "No such file or directory"
    return V3ioError(404, ENOENT, f"{message}: {what}" if what else message)


def container_not_found(name: str) -> V3ioError:
    return V3ioError(404, ENOENT, f"Container not found: {name}")


def bad_request(message: str, code: int = EINVAL) -> V3ioError:
    return V3ioError(400, code, message)


def stream_error(status: int, name: str, detail: str = "", code: int = STREAM_ERROR) -> V3ioError:
    # The streaming API reports exception-like names as the message; the detail follows.
    return V3ioError(status, code, f"{name}: {detail}" if detail else name)
