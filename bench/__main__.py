"""Run every benchmark in turn (`make bench`); each prints its own results and targets.

.venv/bin/python -m bench [NAME ...]     # names: submit sms routing route_cli classify queues
                                          #        search outbox_kill
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHES = {
    "submit": ["-m", "bench.submit_bench"],
    "sms": ["bench/sms_bench.py"],
    "routing": ["bench/routing_bench.py"],
    "route_cli": ["bench/route_cli_bench.py"],
    "classify": ["bench/classify_bench.py"],
    "queues": [
        "bench/queue_bench.py",
        "--postgres",
        "postgresql://postgres@127.0.0.1:5432/postgres",
    ],
    "search": [
        "bench/search_bench.py",
        "--postgres",
        "postgresql://postgres@127.0.0.1:5432/postgres",
    ],
    "outbox_kill": [
        "bench/outbox_kill.py",
        "--database-url",
        "postgresql://postgres@127.0.0.1:5432/postgres",
    ],
}


def main(names: list[str]) -> int:
    """Run the named benchmarks (all by default); exit non-zero if any missed its target."""
    failed = []
    for name in names or list(BENCHES):
        print(f"\n===== {name} =====", flush=True)
        result = subprocess.run(
            [sys.executable, *BENCHES[name]], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}
        )
        if result.returncode != 0:
            failed.append(name)
    if failed:
        print(f"\nmissed a target or failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
