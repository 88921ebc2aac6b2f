"""Where the time goes: a workload of a stage-2 benchmark under py-spy (a sampling profiler; no cProfile
distortion), its samples summed per function: the share of busy samples each function is on the stack for
(inclusive) and at the top of (self). Idle threads (waitress's waiting threads, the worker's heartbeat)
are left out of both.

    .venv/bin/pip install py-spy                                     # once; not a dependency of the project
    .venv/bin/python tests/benchmarks/hotspots.py jobs               # one worker, SQLite (also: jobs-pg)
    .venv/bin/python tests/benchmarks/hotspots.py api-starts         # the serve process under 8 connections
    .venv/bin/python tests/benchmarks/hotspots.py --quick straight   # a short run: a CI smoke run

Workloads: straight (bench.py scenario 1: starts of the ten-step process, SQLite), jobs / jobs-pg (one
in-process `Worker.run_until_idle` over three-service-task instances), api-starts / api-completions /
api-starts-pg / api-completions-pg (the `bpmn-runtime serve` process, sampled by pid, while api.py's
8-connection load runs), multi-instance (completing inner tasks of a 10,000-item parallel multi-instance).
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

from common import HERE, PROCESSES, REPOSITORY, postgres_database, table

SPY = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
IDLE_LEAVES = ("Condition.wait", "Event.wait", "poll (waitress", "select (selectors", "sleep (")
QUICK_SIZE = {"straight": 200, "jobs": 60, "jobs-pg": 60, "multi-instance": 300}
FULL_SIZE = {"straight": 3_000, "jobs": 600, "jobs-pg": 600, "multi-instance": 10_000}


# --- the workloads (each runs in a child process that py-spy starts) ---------------------------------


def straight(size: int) -> None:
    from bpmn_runtime.runtime import Runtime
    with tempfile.TemporaryDirectory() as folder:
        runtime = Runtime(f"sqlite:///{folder}/straight.db")
        runtime.deploy(PROCESSES / "straight_through.bpmn")
        for _ in range(size):
            runtime.start("straight-through", {"x": 0})


def jobs(size: int, url: str) -> None:
    sys.path.insert(0, str(REPOSITORY))
    from bpmn_runtime.handlers import HandlerRegistry
    from bpmn_runtime.runtime import Runtime
    from bpmn_runtime.worker import Worker
    from tests.durability.processes import THREE_STEPS
    runtime = Runtime(url)
    runtime.deploy(THREE_STEPS, "three-steps.bpmn")
    for n in range(size):
        runtime.start("three-steps", {"n": n})
    registry = HandlerRegistry()
    registry.load(str(HERE / "noop_handlers.py"))
    Worker(runtime, registry).run_until_idle(max_rounds=10**9)
    runtime.close()


def multi_instance(size: int) -> None:
    from bpmn_runtime.runtime import Runtime
    with tempfile.TemporaryDirectory() as folder:
        runtime = Runtime(f"sqlite:///{folder}/mi.db")
        runtime.deploy(PROCESSES / "multi_instance_review.bpmn")
        runtime.start("multi-instance-review", {"items": [f"item-{i}" for i in range(size)]})
        tasks, _ = runtime.queries.tasks(everyone=True, limit=20)
        for task in tasks:
            runtime.complete_task(task.id, {"ok": True})


ENTRY = {"straight": "Runtime.start", "jobs": "run_until_idle", "jobs-pg": "run_until_idle",
         "multi-instance": "Runtime.complete_task"}


# --- sampling ----------------------------------------------------------------------------------------


def record(arguments: list[str], output: Path) -> subprocess.Popen[bytes]:
    if SPY is None:
        raise SystemExit("py-spy is not installed: .venv/bin/pip install py-spy")
    return subprocess.Popen([SPY, "record", "-r", "200", "-f", "raw", "-o", str(output), *arguments],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def summary(raw: Path, entry: str | None, count: int = 30) -> str:
    """Inclusive and self shares of the busy samples (those whose stack holds `entry`, when given)."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, number = line.rpartition(" ")
        frames = stack.split(";")
        if any(leaf in frames[-1] for leaf in IDLE_LEAVES) or (entry and not any(entry in f for f in frames)):
            continue
        samples = int(number)
        total += samples
        names = []
        for frame in frames:
            match = re.match(r"(.*) \((.*?):\d+\)", frame)
            names.append(f"{match.group(1)} ({match.group(2).split('site-packages/')[-1].split(str(REPOSITORY) + '/')[-1]})"
                         if match else frame)
        for name in set(names):
            inclusive[name] += samples
        own[names[-1]] += samples
    if not total:
        return "no busy samples"
    ours = [(name, n) for name, n in inclusive.most_common() if "bpmn_runtime" in name or "sqlalchemy/orm/session" in name
            or "do_commit" in name or "do_ping" in name or "flask/app" in name][:count]
    return (f"busy samples: {total:,}\n\ninclusive (bpmn-runtime's functions, and ORM sessions, commits, pings):\n" +
            table(("function", "share"), [(name, f"{100 * n / total:.1f}%") for name, n in ours], left=1) +
            "\n\nself (where the samples stop):\n" +
            table(("function", "share"), [(name, f"{100 * n / total:.1f}%") for name, n in own.most_common(count)],
                  left=1))


@contextlib.contextmanager
def database(workload: str, folder: str) -> Iterator[str]:
    if workload.endswith("-pg"):
        with postgres_database() as url:
            yield url
    else:
        yield f"sqlite:///{folder}/hotspots.db"


def profile_api(workload: str, quick: bool, raw: Path) -> None:
    """Sample the serve process while api.py's load runs (its warm-up included: the server is warm by then)."""
    import api
    counts = api.Counts(warm_up=0.5, window=1.5 if quick else 10.0, ceiling=300.0)
    with tempfile.TemporaryDirectory(prefix="bpmn-hotspots-") as folder, database(workload, folder) as url:
        server = api.Server(url, Path(folder) / "serve").start()
        try:
            if "completions" in workload:
                api.open_task_ids(url, int(counts.ceiling * (counts.warm_up + counts.window)) + 50)
            spy = record(["--pid", str(server.pid), "-d", str(int(counts.warm_up + counts.window))], raw)
            if "completions" in workload:
                api.completions(server, counts, counts.ceiling)
            else:
                api.starts(server, counts)
            spy.wait()
        finally:
            server.stop()


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    arguments.add_argument("workload", choices=[*ENTRY, "api-starts", "api-completions", "api-starts-pg",
                                                "api-completions-pg"])
    arguments.add_argument("--quick", action="store_true", help="a short run (CI smoke run)")
    arguments.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    arguments.add_argument("--url", help=argparse.SUPPRESS)
    options = arguments.parse_args()
    size = (QUICK_SIZE if options.quick else FULL_SIZE).get(options.workload, 0)
    if options.child:
        if options.workload.startswith("jobs"):
            jobs(size, options.url)
        else:
            {"straight": straight, "multi-instance": multi_instance}[options.workload](size)
        return
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bpmn-hotspots-") as folder:
        raw = Path(folder) / "samples.txt"
        if options.workload.startswith("api"):
            profile_api(options.workload, options.quick, raw)
            entry = "Flask.full_dispatch_request"
        else:
            with database(options.workload, folder) as url:
                child = [sys.executable, __file__, options.workload, "--child", "--url", url] + \
                        (["--quick"] if options.quick else [])
                record(["--", *child], raw).wait()
            entry = ENTRY[options.workload]
        print(f"workload: {options.workload} ({'quick' if options.quick else 'full'}), sampled at 200 Hz by py-spy;"
              f" {time.perf_counter() - started:,.0f} s\n")
        print(summary(raw, entry))


if __name__ == "__main__":
    main()
