"""Child side of the soak: runs one system's workload in a fresh interpreter and writes a
JSON report. A hang is caught by the ledger's watchdog, which writes the report and exits;
the servers it started stop with it (``storewire serve`` dies with its parent)."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

from soak_context import Soak
from soak_ledger import Ledger


def main() -> int:
    config = json.loads(sys.argv[1])
    report = Path(config["report"])
    ledger = Ledger(config["system"], None, report, float(config["bound_s"]))
    soak = Soak(
        system=config["system"],
        ops=int(config["ops"]),
        seed=int(config["seed"]),
        rate=float(config["rate"]),
        workdir=Path(config["workdir"]),
        ledger=ledger,
        options=config.get("options", {}),
    )
    workload = importlib.import_module(config["workload"])
    ledger.extra["rate"] = soak.rate
    ledger.extra["seed"] = soak.seed
    try:
        with soak.stack:
            workload.run(soak)
        ledger.write_report()
    except BaseException:
        ledger.write_report(status="crashed")
        raise
    finally:
        ledger.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
