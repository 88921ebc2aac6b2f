"""Worker throughput: instances per second of a three-service-task process for 1, 2 and 4 worker
processes on PostgreSQL, and one worker on SQLite. A measurement that prints its figures, not a test.

    .venv/bin/python tests/benchmarks/workers.py [--instances 600] [--postgres URL]
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPOSITORY))

from bpmn_runtime.runtime import Runtime  # noqa: E402
from common import fresh_postgres  # noqa: E402
from tests.durability.processes import THREE_STEPS  # noqa: E402

HANDLERS = Path(__file__).with_name("noop_handlers.py")
CLI = Path(sys.executable).parent / "bpmn-runtime"


def measure(url: str, workers: int, instances: int) -> float:
    """Start `instances`, then let `workers` processes run them all; instances completed per second."""
    runtime = Runtime(url)
    runtime.deploy(THREE_STEPS, "three-steps.bpmn")
    for n in range(instances):
        runtime.start("three-steps", {"n": n})
    started = time.perf_counter()
    processes = [subprocess.Popen([str(CLI), "--db", url, "worker", "--handlers", str(HANDLERS)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(workers)]
    try:
        while runtime.queries.instances(status="completed", limit=1)[1] < instances:
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=60)
        runtime.close()
    return instances / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=600)
    parser.add_argument("--postgres", default="postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; "
          f"{args.instances} instances of a process with three service tasks (handlers do nothing)")
    print(f"{'database':<12} {'workers':>7} {'instances/s':>12}")
    for workers in (1, 2, 4):
        url, drop = fresh_postgres(args.postgres)
        try:
            print(f"{'PostgreSQL':<12} {workers:>7} {measure(url, workers, args.instances):>12.1f}", flush=True)
        finally:
            drop()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        print(f"{'SQLite':<12} {1:>7} {measure(url, 1, args.instances):>12.1f}")


if __name__ == "__main__":
    main()
