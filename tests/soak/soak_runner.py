"""Parent side of the soak: runs a workload in a child interpreter (soak_child.py) with a
backstop time bound, reads its report, and turns it into an assertion message that names
every failure: the class, the operation, the key, the faults injected, what came back."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


def settings() -> dict[str, Any]:
    """The knobs ``make soak`` turns (environment), with the short CI defaults."""
    return {
        "ops": int(os.environ.get("SOAK_OPS", "150")),
        "seed": int(os.environ.get("SOAK_SEED", "19")),
        "rate": float(os.environ.get("SOAK_FAULT_RATE", "0.1")),
        "bound_s": float(os.environ.get("SOAK_OP_BOUND_S", "90")),
    }


def run_soak(
    system: str, workload: str, workdir: Path, *, options: dict[str, Any] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    config = {**settings(), **overrides}
    report = workdir / f"{system}-report.json"
    config.update(system=system, workload=workload, workdir=str(workdir),
                  report=str(report), options=options or {})
    env = {k: v for k, v in os.environ.items() if k.lower() not in PROXY_VARIABLES}
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), str(HERE.parent), env.get("PYTHONPATH", "")])
    backstop_s = 300 + config["ops"] * 5 + config["bound_s"]
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-X", "faulthandler", str(HERE / "soak_child.py"), json.dumps(config)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
        start_new_session=True,
    )
    try:
        output, _ = proc.communicate(timeout=backstop_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the child's own process group only
        output, _ = proc.communicate()
    if report.exists():
        result: dict[str, Any] = json.loads(report.read_text())
    else:
        result = {"system": system, "status": "no report", "summary": {}, "failures": []}
    result["returncode"] = proc.returncode
    result["wall_s"] = round(time.monotonic() - started, 1)
    result["output_tail"] = output[-6000:]
    return result


def summary_line(result: dict[str, Any]) -> str:
    faults = sum(result.get("faults", {}).values())
    if "gmp_faults" in result:  # Sector: the emulator's knobs, not the proxy
        injected = f"GMP {result['gmp_faults']}, slaves killed {result.get('killed_slaves')}"
    else:
        injected = f"{result.get('exchanges', 0)} HTTP exchanges, {faults} faults injected"
    if "matrix_cases" in result:
        injected += (f", matrix {result['matrix_cases']} cases "
                     f"({len(result.get('matrix_missed', []))} never met their request)")
    return (
        f"soak {result['system']}: {result.get('operations', 0)} ops, {injected}, "
        f"{result.get('verified', 0)} objects verified directly, "
        f"{result.get('wall_s', 0)} s; failures {result.get('summary', {})}"
    )


def problems(result: dict[str, Any], limit: int = 25) -> str:
    """Empty when the run is clean; otherwise the text the assertion shows."""
    lines = []
    if result.get("status") != "done" or result.get("returncode") not in (0, None):
        lines.append(f"status {result.get('status')!r}, exit {result.get('returncode')}")
    failures = result.get("failures", [])
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for failure in failures:
        by_kind.setdefault(failure["kind"], []).append(failure)
    for kind, items in sorted(by_kind.items()):
        lines.append(f"{len(items)} {kind}:")
        for item in items[:limit]:
            tag = f" ({item['tag']})" if item.get("tag") else ""
            text = f"  op #{item['index']} {item['op']}{tag} {item['key']!r}: {item['detail']}"
            if item.get("error"):
                text += f"\n      raised {item['error'].splitlines()[0]}"
            if item.get("returned"):
                text += f"\n      returned {item['returned']}"
            text += "\n      faults: " + ("; ".join(item["faults"]) or "none")
            lines.append(text)
        if len(items) > limit:
            lines.append(f"  ... and {len(items) - limit} more")
    if lines:
        lines.insert(0, summary_line(result))
        if result.get("status") != "done":
            lines.append("child output (tail):\n" + result.get("output_tail", ""))
    return "\n".join(lines)
