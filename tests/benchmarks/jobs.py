"""Jobs per second: a process with three service tasks whose Python handlers do nothing, run by one worker
process on SQLite and on PostgreSQL, and by two worker processes on PostgreSQL; and side by side the
Camunda-7-style synchronous mode (`Runtime(local_handlers=...)`: the handlers run inside the transaction
of the start, which runs the instance to its end).

    .venv/bin/python tests/benchmarks/jobs.py            # full counts, best of 3 rounds per row (14 minutes on the loaded 2-core machine)
    .venv/bin/python tests/benchmarks/jobs.py --quick    # small counts, one round: a CI smoke run

How one row is measured: a fresh database (SQLite file, or a PostgreSQL database created for the row)
gets the process deployed and `instances` instances started (each waits at its first service task, so
`instances` jobs are due). Then W worker processes start (`Worker` from bpmn_runtime/worker.py with the
handlers of noop_handlers.py, the same class `bpmn-runtime worker` runs), each builds its runtime and says
it is ready; only then are they told to go, so interpreter start and imports are not counted. Each runs
`Worker.run_until_idle()` (acquire a batch of 10 due jobs with a lease, run each handler, complete each job
in its own transaction, which hands the instance's next job to the same worker already locked (job
chaining), fire due timers every round) until nothing is due. The figure is
3 x instances / (wall time from "go" to the last worker's end). Every instance is checked completed.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from common import HERE, REPOSITORY, Figures, Target, begin_report, end_report, postgres_database, table

sys.path.insert(0, str(REPOSITORY))
HANDLERS = HERE / "noop_handlers.py"
JOBS_PER_INSTANCE = 3


@dataclass(frozen=True)
class Counts:
    instances: int  # instances started before the workers go; each is three jobs
    rounds: int  # runs per row; the best counts (other processes share the machine)


FULL = Counts(instances=2_000, rounds=3)
QUICK = Counts(instances=30, rounds=1)

# (mode, database, workers): the rows of the table, in order.
ROWS = (("job-based", "SQLite", 1), ("job-based", "PostgreSQL", 1), ("job-based", "PostgreSQL", 2),
        ("synchronous", "SQLite", 1), ("synchronous", "PostgreSQL", 1))


def worker_child(url: str) -> None:
    """One worker process: build the runtime and handlers, say ready, wait for go, work until idle."""
    from bpmn_runtime.handlers import HandlerRegistry
    from bpmn_runtime.runtime import Runtime
    from bpmn_runtime.worker import Worker
    registry = HandlerRegistry()
    registry.load(str(HANDLERS))
    runtime = Runtime(url, run_migrations=False)
    worker = Worker(runtime, registry)
    runtime.queries.definitions()  # connect now, not after "go"
    print("ready", flush=True)
    sys.stdin.readline()
    started = time.perf_counter()
    done = worker.run_until_idle(max_rounds=10**9)
    print(json.dumps({"done": done, "seconds": time.perf_counter() - started}), flush=True)
    runtime.close()


def job_based(url: str, workers: int, instances: int) -> Figures:
    """Start the instances, then let `workers` worker processes run all their jobs."""
    import subprocess

    from bpmn_runtime.runtime import Runtime
    from tests.durability.processes import THREE_STEPS
    runtime = Runtime(url)
    runtime.deploy(THREE_STEPS, "three-steps.bpmn")
    for n in range(instances):
        runtime.start("three-steps", {"n": n})
    children = [subprocess.Popen([sys.executable, __file__, "--worker", url], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True) for _ in range(workers)]
    try:
        for child in children:
            assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        started = time.perf_counter()
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        reports = [json.loads(child.stdout.readline()) for child in children if child.stdout is not None]
        elapsed = time.perf_counter() - started
    finally:
        for child in children:
            child.wait(timeout=120)
    completed = runtime.queries.instances(process="three-steps", status="completed", limit=1)[1]
    runtime.close()
    assert completed == instances, f"{completed} of {instances} instances completed"
    jobs = instances * JOBS_PER_INSTANCE
    return {"jobs": jobs, "seconds": elapsed, "rate": jobs / elapsed, "per_worker": [r["done"] for r in reports]}


def synchronous(url: str, workers: int, instances: int) -> Figures:
    """The Camunda-7-style synchronous mode: the runtime runs the handlers of noop_handlers.py in-line
    (`Runtime(local_handlers=...)`), so one start runs all three tasks and commits once. The clock covers
    the `instances` starts, from a runtime built and connected before it starts."""
    from bpmn_runtime.handlers import HandlerRegistry
    from bpmn_runtime.runtime import Runtime
    from tests.durability.processes import THREE_STEPS
    registry = HandlerRegistry()
    registry.load(str(HANDLERS))
    runtime = Runtime(url, local_handlers=registry)
    runtime.deploy(THREE_STEPS, "three-steps.bpmn")
    started = time.perf_counter()
    for n in range(instances):
        runtime.start("three-steps", {"n": n})
    elapsed = time.perf_counter() - started
    completed = runtime.queries.instances(process="three-steps", status="completed", limit=1)[1]
    runtime.close()
    assert completed == instances, f"{completed} of {instances} instances completed"
    jobs = instances * JOBS_PER_INSTANCE
    return {"jobs": jobs, "seconds": elapsed, "rate": jobs / elapsed, "per_worker": [jobs]}


def measure(mode: str, database: str, workers: int, counts: Counts) -> Figures:
    """One round of one row, on a fresh database."""
    function = job_based if mode == "job-based" else synchronous
    if database == "PostgreSQL":
        with postgres_database() as url:
            return function(url, workers, counts.instances)
    with tempfile.TemporaryDirectory(prefix="bpmn-jobs-") as folder:
        return function(f"sqlite:///{Path(folder) / 'jobs.db'}", workers, counts.instances)


def run(counts: Counts, postgres: bool) -> dict[tuple[str, str, int], list[Figures] | str]:
    results: dict[tuple[str, str, int], list[Figures] | str] = {}
    for _ in range(counts.rounds):  # rounds alternate between the rows, so a busy minute hits all of them
        for mode, database, workers in ROWS:
            key = (mode, database, workers)
            if database == "PostgreSQL" and not postgres:
                results[key] = "PostgreSQL unreachable"
                continue
            print(f"  running {mode} on {database} with {workers} worker(s) ...", file=sys.stderr, flush=True)
            rounds = results.setdefault(key, [])
            assert isinstance(rounds, list)
            rounds.append(measure(mode, database, workers, counts))
    return results


def best(rounds: list[Figures] | str) -> Figures | None:
    return max(rounds, key=lambda r: r["rate"]) if isinstance(rounds, list) else None


def report(counts: Counts, results: dict[tuple[str, str, int], list[Figures] | str]) -> tuple[str, list[Target]]:
    rows = []
    for (mode, database, workers), rounds in results.items():
        figures = best(rounds)
        if figures is None:
            assert isinstance(rounds, str)
            rows.append((mode, database, str(workers), rounds, "-", "-"))
            continue
        assert isinstance(rounds, list)
        rows.append((mode, database, str(workers), f"{figures['rate']:,.0f} /s",
                     f"{statistics.median(r['rate'] for r in rounds):,.0f} /s",
                     f"{figures['rate'] / JOBS_PER_INSTANCE:,.0f} /s"))
    text = table(("mode", "database", "workers", f"jobs/s (best of {counts.rounds})", "jobs/s (median)",
                  "instances/s"), rows, left=3)

    def rate(database: str, workers: int, mode: str = "job-based") -> float | None:
        figures = best(results.get((mode, database, workers), "missing"))
        return figures["rate"] if figures else None

    def at_least(text: str, value: float | None, goal: float, unit: str = " /s") -> Target:
        if value is None:
            return Target(text, "no figure", None)
        return Target(text, f"{value:,.2f}{unit}" if unit == "x" else f"{value:,.0f}{unit}", value >= goal)
    sqlite, pg1, pg2 = rate("SQLite", 1), rate("PostgreSQL", 1), rate("PostgreSQL", 2)
    targets = [at_least("jobs: one worker on SQLite, at least 3,000 jobs/s", sqlite, 3000),
               at_least("jobs: one worker on PostgreSQL, at least 1,000 jobs/s", pg1, 1000),
               at_least("jobs: two worker processes on PostgreSQL at least 1.6 times one", pg2 / pg1
                        if pg1 and pg2 else None, 1.6, "x")]
    for database in ("SQLite", "PostgreSQL"):
        goal = 3000 if database == "SQLite" else 1000
        targets.append(at_least(f"jobs: synchronous mode on {database}, at least {goal:,} jobs/s",
                                rate(database, 1, "synchronous"), goal))
    return text, targets


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    arguments.add_argument("--quick", action="store_true", help="small counts, one round (CI smoke run)")
    arguments.add_argument("--worker", metavar="URL", help=argparse.SUPPRESS)
    options = arguments.parse_args()
    if options.worker:
        worker_child(options.worker)
        return
    counts = QUICK if options.quick else FULL
    postgres = begin_report(options.quick, counts)
    started = time.perf_counter()
    text, targets = report(counts, run(counts, postgres))
    end_report(text, f"Each row: {counts.instances:,} instances of a process with three service tasks (noop Python"
               f" handlers), {counts.instances * JOBS_PER_INSTANCE:,} jobs, on a fresh database; worker processes"
               f" started and connected before the clock starts.", targets, started)


if __name__ == "__main__":
    main()
