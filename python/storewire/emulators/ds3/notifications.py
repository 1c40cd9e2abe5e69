"""Notification delivery: the appliance's XML payloads POSTed to registered end points.

Job events arrive from :class:`~.jobs.JobManager` inside its transaction; they are matched
to the registrations (``*_notification_registration`` entities), rendered, and put on a
bounded queue without blocking. One sender thread delivers them with bounded timeouts; a
full queue drops the event and a failed delivery is counted (on the notifier and on the
registration's ``NumberOfFailuresSinceLastSuccess``), never raised. The same thread is the
ticker that completes persisted jobs when nobody polls.
"""

from __future__ import annotations

import http.client
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ...log import get_logger
from .jobs import JobManager
from .store import Store
from .wire import iso_time
from .xml_out import document, leaf, node

log = get_logger("storewire.emulators.ds3")

# event kind -> the registration resource it goes to
_REGISTRATION_OF = {
    "job_created": "job_created_notification_registration",
    "job_completed": "job_completed_notification_registration",
    "object_cached": "object_cached_notification_registration",
    "object_persisted": "object_persisted_notification_registration",
    "object_lost": "object_lost_notification_registration",
}


@dataclass(frozen=True)
class Delivery:
    registration_kind: str
    registration_id: str
    url: str
    method: str
    payload: bytes


def _objects(tag: str, objects: list[dict[str, Any]]) -> str:
    items = [node("Object", [leaf("Id", o["Id"])],
                  {k: v for k, v in o.items() if k != "Id"}) for o in objects]
    return node(tag, items)


def render(kind: str, fields: dict[str, Any]) -> bytes:
    """The payload document of one event (the appliance's ``*NotificationPayload``)."""
    children = []
    if kind == "job_completed":
        children.append(leaf("CancelOccurred", bool(fields.get("cancelled"))))
    if "job_id" in fields:
        children.append(leaf("JobId", fields["job_id"]))
    children.append(leaf("NotificationGenerationDate", iso_time()))
    if kind == "job_completed":
        children.append(_objects("ObjectsNotPersisted", fields.get("not_persisted", [])))
    elif "objects" in fields:
        children.append(_objects("Objects", fields["objects"]))
    return document(node("Data", children))


class Notifier:
    def __init__(self, store: Store, jobs: JobManager, *, queue_size: int = 1000,
                 timeout_s: float = 2.0, tick_s: float = 0.05) -> None:
        self.store = store
        self.jobs = jobs
        self.timeout_s = timeout_s
        self.tick_s = tick_s
        self._queue: queue.Queue[Delivery | None] = queue.Queue(maxsize=queue_size)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.delivered = 0
        self.failed = 0
        self.dropped = 0  # the queue was full

    def start(self) -> None:
        self.jobs.events = self.publish
        self._thread = threading.Thread(target=self._run, name="ds3-notifier", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        self.jobs.events = None
        self._stop.set()
        try:
            self._queue.put_nowait(None)  # wake the thread at once
        except queue.Full:
            pass
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    # --- producing (inside request handling: never blocks) --------------------------------

    def publish(self, kind: str, fields: dict[str, Any]) -> None:
        resource = _REGISTRATION_OF.get(kind)
        if resource is None:
            return
        registrations = self.store.entities(resource)
        if not registrations:
            return
        payload = render(kind, fields)
        for reg in registrations:
            if reg.get("JobId") and reg["JobId"] != fields.get("job_id"):
                continue
            delivery = Delivery(resource, str(reg["Id"]), str(reg["NotificationEndPoint"]),
                                str(reg.get("NotificationHttpMethod") or "POST"), payload)
            try:
                self._queue.put_nowait(delivery)
            except queue.Full:
                self.dropped += 1

    # --- the sender thread ----------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            # Without a persist delay there is nothing to tick for: wake only for work.
            wait_s = self.tick_s if self.jobs.persist_delay_s > 0 else 1.0
            try:
                item = self._queue.get(timeout=wait_s)
            except queue.Empty:
                item = None
            if self._stop.is_set():
                return
            try:
                self.jobs.settle_due()
            except Exception:  # the store may be closing; the next tick retries
                log.debug("DS3 notifier: settling jobs failed", exc_info=True)
            if item is not None:
                self._deliver(item)

    def _deliver(self, item: Delivery) -> None:
        status: int | None = None
        failure: str | None = None
        parts = urlsplit(item.url)
        cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        conn = cls(parts.hostname or "", parts.port, timeout=self.timeout_s)
        try:
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            conn.request(item.method, path, body=item.payload,
                         headers={"Content-Type": "application/xml"})
            response = conn.getresponse()
            response.read(64 * 1024)
            status = response.status
            if status >= 300:
                failure = f"HTTP {status}"
        except (OSError, http.client.HTTPException, ValueError) as exc:
            failure = f"{type(exc).__name__}: {exc}"
        finally:
            conn.close()
        if failure is None:
            self.delivered += 1
        else:
            self.failed += 1
            log.info("DS3 notification to %s failed: %s", parts.hostname, failure)
        self._record(item, status, failure)

    def _record(self, item: Delivery, status: int | None, failure: str | None) -> None:
        """Updates the registration's Last* fields (it may have been deleted meanwhile)."""
        try:
            with self.store.tx():
                reg = self.store.entity(item.registration_kind, item.registration_id)
                if reg is None:
                    return
                reg["LastHttpResponseCode"] = status
                reg["LastNotification"] = iso_time(time.time())
                if failure is None:
                    reg["NumberOfFailuresSinceLastSuccess"] = 0
                else:
                    reg["LastFailure"] = failure
                    reg["NumberOfFailuresSinceLastSuccess"] = \
                        int(reg.get("NumberOfFailuresSinceLastSuccess") or 0) + 1
                self.store.put_entity(item.registration_kind, reg)
        except Exception:  # the store closed under us (stopping)
            log.debug("DS3 notifier: recording a delivery failed", exc_info=True)
