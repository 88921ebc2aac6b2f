"""Multi-instance at size: one instance of a parallel multi-instance user task over a collection of N items
(processes/multi_instance_review.bpmn), for N = 10, 100, 1,000 and 10,000; what completing one inner task
costs, and how memory and stored state grow with N.

    .venv/bin/python tests/benchmarks/multi_instance.py            # N up to 10,000, SQLite and PostgreSQL
    .venv/bin/python tests/benchmarks/multi_instance.py --quick    # N up to 300, SQLite only: a CI smoke run

Each (database, N) runs in a fresh child process on a fresh database: start one instance with
`items = ["item-0", ...]` (N open tasks, all offered to clerks), then complete inner tasks one by one through
`Runtime.complete_task` (each a transaction: load the instance, step, save it, delete the task row, write
history) and take the median of `repeats` completions after one warm-up, in wall-clock time (the target's
figure) and in CPU time of the process (less noisy on a loaded machine; the database server's work on
PostgreSQL is not in it). Memory: the RSS growth of the process while starting the instance, the
tracemalloc peak while completing one task, and the length of the instance's stored state (the JSON
document in instances.state and, for a large state, its rows in state_rows). Where N is smaller than the completions
timed, as many instances are started as they need (each keeps one task open, so none ends): the RSS
figure is then the growth per instance.
"""
from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

from common import (
    PROCESSES, Figures, Target, begin_report, end_report, median_seconds, postgres_database, rss_bytes, run_child,
    shown, table, timed,
)

PROCESS_FILE, PROCESS_KEY = "multi_instance_review.bpmn", "multi-instance-review"


@dataclass(frozen=True)
class Counts:
    sizes: tuple[int, ...]  # N, the items of the collection
    repeats: int  # completions whose median is reported (after one warm-up)
    databases: tuple[str, ...]


FULL = Counts(sizes=(10, 100, 1_000, 10_000), repeats=15, databases=("SQLite", "PostgreSQL"))
QUICK = Counts(sizes=(10, 100, 300), repeats=3, databases=("SQLite",))


def measure(url: str, size: int, repeats: int) -> Figures:
    from sqlalchemy import text

    from bpmn_runtime.runtime import Runtime
    from bpmn_runtime.runtime.variables import VariableLimits
    # the collection of 10,000 items is ~130 kB of JSON, past the default 100 kB for one value from outside:
    # a deployment that iterates such collections raises that limit, as this one does
    runtime = Runtime(url, variable_limits=VariableLimits(value_bytes=1_000_000, instance_bytes=2_000_000))
    runtime.deploy(PROCESSES / PROCESS_FILE)
    items = [f"item-{i}" for i in range(size)]
    # completions never take an instance's last inner task (that would end it): enough instances for all of them
    copies = -(-(repeats + 2) // (size - 1))
    gc.collect()
    before = rss_bytes()
    instances: list[int] = []
    start = timed(lambda: instances.append(runtime.start(PROCESS_KEY, {"items": items})))
    for _ in range(copies - 1):
        instances.append(runtime.start(PROCESS_KEY, {"items": items}))
    gc.collect()
    grown = (rss_bytes() - before) / copies
    with runtime.database.engine.connect() as connection:
        state = connection.execute(text(
            "SELECT length(state) + coalesce((SELECT sum(length(data)) FROM state_rows WHERE instance_id = :id), 0) "
            "FROM instances WHERE id = :id"), {"id": instances[0]}).scalar_one()
    tasks, total = runtime.queries.tasks(everyone=True, process=PROCESS_KEY, limit=size * copies)
    assert total == size * copies, (total, size, copies)
    taken: dict[int, int] = {}
    chosen = []
    for task in tasks:
        if taken.get(task.instance_id, 0) < size - 1:
            taken[task.instance_id] = taken.get(task.instance_id, 0) + 1
            chosen.append(task)
    queue = iter(chosen)
    cpu: list[float] = []

    def complete() -> None:
        began = time.process_time()
        runtime.complete_task(next(queue).id, {"ok": True})
        cpu.append(time.process_time() - began)
    step = median_seconds(complete, repeats + 1, warm_up=1)
    tracemalloc.start()
    runtime.complete_task(next(queue).id, {"ok": True})
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    left = runtime.queries.tasks(everyone=True, process=PROCESS_KEY, limit=1)[1]
    assert left == size * copies - repeats - 2, (left, size, copies)
    runtime.close()
    return {"start": start, "step": step, "cpu": statistics.median(cpu[1:]), "rss": grown, "peak": peak,
            "state": state}


def child(database: str, size: int, repeats: int) -> Figures:
    if database == "PostgreSQL":
        with postgres_database() as url:
            return measure(url, size, repeats)
    with tempfile.TemporaryDirectory(prefix="bpmn-mi-") as folder:
        return measure(f"sqlite:///{Path(folder) / 'mi.db'}", size, repeats)


def report(counts: Counts, results: dict[str, dict[int, Figures]]) -> tuple[str, list[Target]]:
    rows = []
    targets = []
    small, large, middle = counts.sizes[0], counts.sizes[-1], counts.sizes[-2]
    for database, by_size in results.items():
        for size, f in by_size.items():
            ratio = f["step"] / by_size[small]["step"]
            rows.append((database, f"{size:,}", shown(f["step"], "ms"), f"{ratio:.2f}x", shown(f["cpu"], "ms"),
                         f"{f['cpu'] / by_size[small]['cpu']:.2f}x", shown(f["start"], "ms"),
                         shown(f["state"], "kB"), f"{f['state'] / size:,.0f} B", shown(f["rss"], "MiB"),
                         f"{f['rss'] / size:,.0f} B", shown(f["peak"], "kB")))
        step_ratio = by_size[large]["step"] / by_size[small]["step"]
        targets.append(Target(f"multi-instance on {database}: a step at N={large:,} at most 1.5 times a step at "
                              f"N={small:,}", f"{step_ratio:.2f}x ({shown(by_size[large]['step'], 'ms')} vs "
                              f"{shown(by_size[small]['step'], 'ms')})", step_ratio <= 1.5))
        # linear: the state and the memory per item do not grow with N (from N=middle, past fixed costs)
        per_item = [(what, by_size[large][what] / large, by_size[middle][what] / middle) for what in ("state", "rss")]
        linear = all(at_large <= 1.5 * at_middle for _, at_large, at_middle in per_item)
        targets.append(Target(f"multi-instance on {database}: memory grows linearly (stored state and RSS growth per "
                              f"item at N={large:,} within 1.5 times those at N={middle:,})",
                              "; ".join(f"{what} {at_large:,.0f} vs {at_middle:,.0f} B/item"
                                        for what, at_large, at_middle in per_item), linear))
    header = ("database", "N", "complete one task", "vs N=" + f"{small:,}", "its CPU time", "vs N=" + f"{small:,}",
              "start", "stored state", "state/item",
              "RSS growth (start)", "RSS/item", "tracemalloc peak (step)")
    return table(header, rows), targets


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    arguments.add_argument("--quick", action="store_true", help="small N, SQLite only (CI smoke run)")
    arguments.add_argument("--child", nargs=3, metavar=("DATABASE", "N", "REPEATS"), help=argparse.SUPPRESS)
    options = arguments.parse_args()
    if options.child:
        database, size, repeats = options.child
        print(json.dumps(child(database, int(size), int(repeats))))
        return
    counts = QUICK if options.quick else FULL
    postgres = begin_report(options.quick, counts)
    started = time.perf_counter()
    results: dict[str, dict[int, Figures]] = {}
    for database in counts.databases:
        if database == "PostgreSQL" and not postgres:
            print("PostgreSQL unreachable: its rows are left out", file=sys.stderr)
            continue
        results[database] = {size: run_child(__file__, [database, str(size), str(counts.repeats)],
                                             f"N={size:,} on {database}") for size in counts.sizes}
    text, targets = report(counts, results)
    end_report(text, f"complete one task: median of {counts.repeats} completions after one warm-up, each a"
               f" transaction; its CPU time: this process's CPU time for the same completions; start: the one start of the instance with N items (N tasks written); RSS growth:"
               f" while starting; tracemalloc peak: while completing one task.", targets, started)


if __name__ == "__main__":
    main()
