"""The fault matrix: every fault of the proxy, once, at a chosen request of each write and
read operation, on a warm keep-alive connection and with the client's automatic retries on.
Where the random soak samples, the matrix covers: each (fault, operation) pair is one case,
reported with the same bookkeeping and failure classes.

``options["system"]`` picks the workload (``ds3``, ``s3`` with ``options["target"]``,
``v3io``); its operations run unchanged, the proxy is armed before each one."""

from __future__ import annotations

import importlib
from typing import Any

from fault_proxy import ALL_FAULTS
from soak_context import Soak

# (case name, workload method, request method prefix, request target part)
CASES: dict[str, list[tuple[str, str, str, str]]] = {
    "ds3": [
        ("put_object", "op_put", "PUT", "/soak/o/"),
        ("get_object", "op_get", "GET", "/soak/o/"),
        ("delete_object", "op_delete", "DELETE", "/soak/o/"),
        ("put_files@start_bulk_put", "op_bulk_put", "PUT", "operation=start_bulk_put"),
        ("put_files@blob", "op_bulk_put", "PUT", "job="),
        ("get_bytes@blob", "op_bulk_get", "GET", "job="),
        ("list_objects", "op_list", "GET", "prefix="),
    ],
    "s3": [
        ("put_object", "op_put", "PUT", "/o/"),
        ("get_object", "op_get", "GET", "/o/"),
        ("delete_object", "op_delete", "DELETE", "/o/"),
        ("upload_file@part", "op_upload", "PUT", "partNumber="),
        ("upload_file@complete", "op_upload", "POST", "uploadId="),
        ("download_file", "op_download", "GET", "/o/"),
        ("list_objects", "op_list", "GET", "list-type=2"),
    ],
    "v3io": [
        ("put_object", "op_put", "PUT", "/o/"),
        ("get_object", "op_get", "GET", "/o/"),
        ("delete_object", "op_delete", "DELETE", "/o/"),
        ("put_item", "op_kv_put", "", "/table/"),
        ("get_item", "op_kv_get", "", "/table/"),
        ("update_item", "op_kv_update", "", "/table/"),
        ("delete_item", "op_kv_delete", "", "/table/"),
        ("get_container_contents", "op_list", "GET", "prefix="),
        ("put_records", "op_put_records", "", "/stream/"),
        ("seek_shard+get_records", "op_get_records", "", "/stream/"),
    ],
}
# a few operations without faults first, so reads and deletes have something to act on
SEED_OPS = {"ds3": ["op_put"] * 6, "s3": ["op_put"] * 6,
            "v3io": ["op_put"] * 6 + ["op_kv_put"] * 30 + ["op_put_records"] * 2}


def run(soak: Soak) -> None:
    system = soak.options["system"]
    workload: Any = importlib.import_module(f"soak_{system}").Workload(soak)
    proxy = workload.proxy
    proxy.set_rate(0.0)
    proxy.plan.delay_s = (0.05, 0.3)  # a delay proves the point; long ones only slow the run
    workload.client = workload.robust
    if hasattr(workload, "upload_max"):
        workload.upload_max = 5 * (1 << 20) + 65536  # two parts are enough to aim at
    for method in SEED_OPS[system]:
        getattr(workload, method)()
    missed: list[str] = []
    for fault in ALL_FAULTS:
        for case, method, request_method, target in CASES[system]:
            soak.ledger.tag = f"matrix {fault} at {case}"
            proxy.arm(fault, method=request_method, target_contains=target)
            getattr(workload, method)()
            if proxy.armed:  # the operation made no such request (e.g. an empty object)
                missed.append(f"{fault} at {case}")
                proxy.disarm()
    soak.ledger.tag = ""
    soak.ledger.extra["matrix_cases"] = len(ALL_FAULTS) * len(CASES[system])
    soak.ledger.extra["matrix_missed"] = missed
    workload.finish()
