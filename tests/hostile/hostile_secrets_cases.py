"""Child side of the secrets hostile cases: a ds3 call against a scripted server, with the
endpoint carrying a password (``http://alice:<pw>@host``), and everything a caller could
print afterwards: the error's str/repr/fields, the 1.x fields, the client's repr and every
record logged (root logger at DEBUG)."""

from __future__ import annotations

import io
import logging
import pickle
from typing import Any

import ds3
from ds3 import ds3 as seed
from storewire import errors
from storewire.log import get_logger

ACCESS_KEY = "AKIDSECRETSHOSTILE"
SECRET_KEY = "ds3-secret-key-never-shown"
URL_PASSWORD = "url-password-never-shown"
URL_USER = "alice"
PROXY_PASSWORD = "proxy-password-never-shown"
# Through a proxy the storage endpoint is never connected to; the proxy answers.
BEHIND_PROXY = "http://127.0.0.1:9"


def with_password(url: str, password: str = URL_PASSWORD) -> str:
    return url.replace("://", f"://{URL_USER}:{password}@", 1)


def _modern(url: str, proxy: str) -> ds3.Client:
    return ds3.Client(with_password(url), ACCESS_KEY, SECRET_KEY, proxy=proxy, max_retries=0,
                      timeout_s=3.0, connect_timeout_s=3.0)


def _seed(url: str, proxy: str) -> seed.Ds3Client:
    client = seed.Ds3Client(with_password(url), seed.Credentials(ACCESS_KEY, SECRET_KEY),
                            proxy=proxy)
    # Built the 1.x way; only the retry budget is cut so a failure is quick.
    client.client = _modern(url, proxy)
    return client


def _call(url: str, call: str, proxy: str) -> Any:
    if call.startswith("seed_"):
        s = _seed(url, proxy)
        name = call[len("seed_"):]
        if name == "getService":
            return list(s.getService())
        if name == "getBucket":
            return s.getBucket("b").name
        if name == "headObject":
            return s.headObject("b", "k")
        if name == "putBucket":
            return s.putBucket("b")
        if name == "getSystemInformation":
            return s.getSystemInformation().serialNumber
        raise ValueError(call)
    c = _modern(url, proxy)
    if call == "get_service":
        return len(c.get_service())
    if call == "put_object":
        c.put_object("b", "k", b"0123456789")
        return None
    if call == "get_object":
        return len(bytes(c.get_object("b", "k").body))
    if call == "head_object":
        return c.head_object("b", "k").size
    if call == "get_bytes":
        return {k: len(v) for k, v in c.get_bytes("b", ["k"]).items()}
    raise ValueError(call)


def texts_after_call(url: str, call: str, via_proxy: bool = False) -> dict[str, Any]:
    """Runs ``call`` (``via_proxy``: ``url`` is a proxy, with a password); returns what was
    raised (class names) and every text a caller sees."""
    proxy = with_password(url, PROXY_PASSWORD) if via_proxy else ""
    if via_proxy:
        url = BEHIND_PROXY
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    texts: list[str] = [repr(seed.Credentials(ACCESS_KEY, SECRET_KEY))]
    raised: list[str] = []
    try:
        value = _call(url, call, proxy)
        texts.append(repr(value))
    except errors.StorageError as exc:
        raised = [c.__name__ for c in type(exc).__mro__]
        # Ds3Error.message is the 1.x body, None when there was none: str() each.
        texts += [str(t) for t in (exc, repr(exc), repr(exc.args), exc.message, exc.resource,
                                   exc.request_id, pickle.loads(pickle.dumps(exc)))]
        if isinstance(exc, seed.Ds3Error):
            texts += [exc.reason, str(exc.statusMessage), str(exc.message)]
        # What an application's own logging of the failure shows.
        get_logger("hostile.secrets").warning("%s failed", call, exc_info=True)
        logging.getLogger("app").warning("%s failed: %s", call, exc)
    texts.append(stream.getvalue())
    return {"raised": raised, "text": "\n".join(texts)}
