"""The JSON API under load: instance starts and task completions per second through `bpmn-runtime serve`,
from a keep-alive client with 8 concurrent connections, with p50 and p99 latency; on a fresh SQLite file
and on a fresh PostgreSQL database.

    .venv/bin/python tests/benchmarks/api.py            # full: 3 s warm-up, 15 s timed window per figure
    .venv/bin/python tests/benchmarks/api.py --quick    # 0.5 s warm-up, 1.5 s window: a CI smoke run

How it measures, per database: a fresh database; `bpmn-runtime --db URL user add bench --role operator
--group clerks` and `bpmn-runtime --db URL user token bench` give an API token; `bpmn-runtime --db URL
serve --port PORT` runs as a real subprocess in a folder whose processes/ holds inbox_task.bpmn (one user
task offered to the group clerks), which serve deploys. The client is this process: 8 threads, each with
one persistent `http.client` connection (HTTP/1.1 keep-alive), each sending its next request as soon as
the last one answered. Starts: POST /api/v1/instances {"processKey": "inbox-task", ...} (201). Then enough
open tasks are made (starts through the runtime, outside the timed window) and their ids shared out among
the threads; completions: POST /api/v1/tasks/ID/complete (204). For each figure the threads first run a
warm-up, then a timed window; requests/s = requests answered in the window / window length. Any answer
other than the expected status stops the run. The client shares the 2 cores with the server.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from common import CLI, PROCESSES, Figures, Target, begin_report, end_report, percentile, postgres_database, table

CONNECTIONS = 8
USER, GROUP = "bench", "clerks"


@dataclass(frozen=True)
class Counts:
    warm_up: float  # seconds of requests not counted, before each window
    window: float  # seconds of the timed window of each figure
    ceiling: float  # completions per second the task pool is made for (at least; see `measure`)


FULL = Counts(warm_up=3.0, window=15.0, ceiling=1_500.0)
QUICK = Counts(warm_up=0.5, window=1.5, ceiling=150.0)


# --- the server --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """`bpmn-runtime serve` on `url` in a folder of its own, with an operator account and its API token."""

    def __init__(self, url: str, folder: Path, process_files: tuple[str, ...] = ("inbox_task.bpmn",)) -> None:
        self.url = url
        self.folder = folder
        (folder / "processes").mkdir(parents=True, exist_ok=True)
        for name in process_files:
            shutil.copy(PROCESSES / name, folder / "processes" / name)
        self.port = free_port()
        self.process: subprocess.Popen[str] | None = None
        self.token = ""

    def cli(self, *arguments: str) -> str:
        result = subprocess.run([str(CLI), "--db", self.url, *arguments], cwd=self.folder, capture_output=True,
                                text=True, check=False)
        if result.returncode != 0:
            raise SystemExit(f"bpmn-runtime {' '.join(arguments)} failed:\n{result.stderr}")
        return result.stdout.strip()

    def start(self) -> "Server":
        self.cli("user", "add", USER, "--role", "operator", "--group", GROUP, "--password", "bench-password-1")
        self.token = self.cli("user", "token", USER).splitlines()[-1].strip()
        self.process = subprocess.Popen([str(CLI), "--db", self.url, "serve", "--port", str(self.port)],
                                        cwd=self.folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert self.process.stdout is not None
        said = []
        for line in self.process.stdout:
            said.append(line)
            if line.startswith("serving "):
                break
        else:
            raise SystemExit("bpmn-runtime serve stopped before serving:\n" + "".join(said))
        threading.Thread(target=self.process.stdout.read, daemon=True).start()  # keep its pipe from filling
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def connection(self) -> "Client":
        return Client(self.port, self.token)


class Client:
    """One persistent HTTP/1.1 connection with the API token."""

    def __init__(self, port: int, token: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                        "Connection": "keep-alive"}

    def request(self, method: str, path: str, body: object = None) -> tuple[int, bytes]:
        self.connection.request(method, path, body=None if body is None else json.dumps(body), headers=self.headers)
        response = self.connection.getresponse()
        return response.status, response.read()

    def close(self) -> None:
        self.connection.close()


# --- the load ----------------------------------------------------------------------------------------


def load(server: Server, counts: Counts, request: Callable[[Client, int], bool]) -> Figures:
    """CONNECTIONS threads call `request(client, thread)` back to back: a warm-up, then the timed window.
    `request` returns False when it has nothing more to send. Latencies are taken in the window only."""
    clients = [server.connection() for _ in range(CONNECTIONS)]
    barrier = threading.Barrier(CONNECTIONS + 1)
    latencies: list[list[float]] = [[] for _ in range(CONNECTIONS)]
    errors: list[BaseException] = []
    phase = {"window_start": 0.0, "window_end": 0.0}

    def thread(index: int) -> None:
        client = clients[index]
        try:
            barrier.wait()
            while (now := time.perf_counter()) < phase["window_end"]:
                before = now
                if not request(client, index):
                    break
                after = time.perf_counter()
                if before >= phase["window_start"] and after <= phase["window_end"]:
                    latencies[index].append(after - before)
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=thread, args=(i,), daemon=True) for i in range(CONNECTIONS)]
    for t in threads:
        t.start()
    now = time.perf_counter()
    phase["window_start"] = now + counts.warm_up
    phase["window_end"] = phase["window_start"] + counts.window
    barrier.wait()
    time.sleep(max(0.0, phase["window_start"] - time.perf_counter()))
    cpu_before = server_cpu_seconds(server.pid)
    for t in threads:
        t.join()
    cpu = server_cpu_seconds(server.pid) - cpu_before  # to the end of the last request, which may overrun the window
    ended = min(time.perf_counter(), phase["window_end"])
    for client in clients:
        client.close()
    if errors:
        raise SystemExit(f"a request failed: {errors[0]!r}")
    every = [value for values in latencies for value in values]
    seconds = ended - phase["window_start"]
    return {"requests": len(every), "seconds": seconds, "rate": len(every) / seconds,
            "p50": percentile(every, 0.50), "p99": percentile(every, 0.99), "cpu": cpu / max(len(every), 1)}


def server_cpu_seconds(pid: int) -> float:
    """The CPU time (user + system) the server process has used, from /proc: a request's CPU cost does not
    depend on what else the machine runs, as its rate does."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def starts(server: Server, counts: Counts) -> Figures:
    serial = iter(range(10**9))
    lock = threading.Lock()

    def start(client: Client, _: int) -> bool:
        with lock:
            n = next(serial)
        status, body = client.request("POST", "/api/v1/instances",
                                      {"processKey": "inbox-task", "variables": {"n": n}, "businessKey": f"API-{n}"})
        if status != 201:
            raise RuntimeError(f"start answered {status}: {body[:300]!r}")
        return True
    return load(server, counts, start)


def open_task_ids(url: str, needed: int) -> list[int]:
    """At least `needed` open inbox-task tasks (started through the runtime, not timed); their ids."""
    from bpmn_runtime.runtime import Runtime
    runtime = Runtime(url, run_migrations=False)
    try:
        open_now = runtime.queries.tasks(everyone=True, process="inbox-task", limit=1)[1]
        for n in range(max(0, needed - open_now)):
            runtime.start("inbox-task", {"n": -n})
        tasks, _ = runtime.queries.tasks(everyone=True, process="inbox-task", limit=needed + 100)
        return [task.id for task in tasks]
    finally:
        runtime.close()


def completions(server: Server, counts: Counts, ceiling: float) -> Figures:
    """Complete tasks for the warm-up and the window; enough of them for `ceiling` completions a second."""
    ids = open_task_ids(server.url, int(ceiling * (counts.warm_up + counts.window)) + 50)
    shares: list[Iterator[int]] = [iter(ids[i::CONNECTIONS]) for i in range(CONNECTIONS)]

    def complete(client: Client, index: int) -> bool:
        task_id = next(shares[index], None)
        if task_id is None:
            return False
        status, body = client.request("POST", f"/api/v1/tasks/{task_id}/complete", {"variables": {}})
        if status != 204:
            raise RuntimeError(f"completing task {task_id} answered {status}: {body[:300]!r}")
        return True
    figures = load(server, counts, complete)
    figures["pool"] = len(ids)
    return figures


def measure(database: str, counts: Counts) -> Figures:
    """Starts, then completions, through one server on a fresh database of the given kind."""
    with tempfile.TemporaryDirectory(prefix="bpmn-api-") as folder, \
            (postgres_database() if database == "PostgreSQL" else _sqlite(Path(folder))) as url:
        server = Server(url, Path(folder) / "work").start()
        try:
            started = starts(server, counts)
            # enough tasks for completions at up to 3 times the start rate, and at least at `ceiling`
            completed = completions(server, counts, max(counts.ceiling, 3 * started["rate"]))
        finally:
            server.stop()
    return {"starts": started, "completions": completed}


class _sqlite:
    def __init__(self, folder: Path) -> None:
        self.url = f"sqlite:///{folder / 'api.db'}"

    def __enter__(self) -> str:
        return self.url

    def __exit__(self, *_: object) -> None:
        return None


def report(results: dict[str, Figures | str], counts: Counts) -> tuple[str, list[Target]]:
    rows = []
    targets = []
    for database, figures in results.items():
        for what, path in (("starts", "POST /api/v1/instances"), ("completions", "POST /api/v1/tasks/ID/complete")):
            if isinstance(figures, str):
                rows.append((database, what, figures, "-", "-", "-", "-"))
                targets.append(Target(f"API on {database}: at least 500 {what}/s", figures, None))
                continue
            f = figures[what]
            exhausted = " (task pool ran out)" if what == "completions" and f["requests"] >= f["pool"] else ""
            rows.append((database, f"{what}: {path}", f"{f['rate']:,.0f} /s{exhausted}", f"{f['p50'] * 1000:,.1f} ms",
                         f"{f['p99'] * 1000:,.1f} ms", f"{f['cpu'] * 1000:,.2f} ms", f"{f['requests']:,}"))
            targets.append(Target(f"API on {database}: at least 500 {what}/s, 8 keep-alive connections",
                                  f"{f['rate']:,.0f} /s, p50 {f['p50'] * 1000:,.1f} ms, p99 {f['p99'] * 1000:,.1f} ms",
                                  f["rate"] >= 500))
    text = table(("database", "figure", "rate", "p50", "p99", "server CPU/request", f"requests in {counts.window:g} s"),
                 rows)
    return text, targets


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    arguments.add_argument("--quick", action="store_true", help="short warm-up and window (CI smoke run)")
    arguments.add_argument("--databases", default="SQLite,PostgreSQL", help="comma-separated: SQLite, PostgreSQL")
    options = arguments.parse_args()
    counts = QUICK if options.quick else FULL
    postgres = begin_report(options.quick, counts, f"; {CONNECTIONS} connections")
    started = time.perf_counter()
    results: dict[str, Figures | str] = {}
    for database in options.databases.split(","):
        if database == "PostgreSQL" and not postgres:
            results[database] = "PostgreSQL unreachable"
            continue
        print(f"  running the API on {database} ...", file=sys.stderr, flush=True)
        results[database] = measure(database, counts)
    text, targets = report(results, counts)
    end_report(text, f"warm-up {counts.warm_up:g} s, then a {counts.window:g} s window per figure; latency: request"
               f" sent to response read, at the client; server: waitress with 16 threads", targets, started)


if __name__ == "__main__":
    main()
