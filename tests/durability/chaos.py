"""Chaos run: worker processes are SIGKILLed, their database connections dropped and the database taken
away for seconds (through a proxy this script owns, never the shared server), while instances keep
starting; then the faults stop, the work drains, and the figures are printed.

    .venv/bin/python tests/durability/chaos.py --db postgres --seconds 180
    .venv/bin/python tests/durability/chaos.py --db sqlite --seconds 180

Exit code 0 when no instance was lost or stuck, none completed twice and no effect was booked twice under
an idempotency key; 1 otherwise. tests/durability/test_chaos_smoke.py runs it for a few seconds.
"""
from __future__ import annotations

import argparse
import functools
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

REPOSITORY = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPOSITORY))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bpmn_runtime.errors import DatabaseUnavailable  # noqa: E402
from bpmn_runtime.runtime import Runtime  # noqa: E402
from tests.durability.processes import THREE_STEPS, TIMER_THEN_WORK  # noqa: E402
from tests.durability.proxy import Proxy  # noqa: E402

HANDLERS = Path(__file__).with_name("chaos_handlers.py")
POSTGRES_ADMIN = os.environ.get("BPMN_TEST_POSTGRES", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
EFFECTS = {"three-steps": 3, "timer-then-work": 1}


@dataclass
class Options:
    db: str = "postgres"  # or sqlite
    seconds: float = 180.0  # of faults; then the work drains
    workers: int = 3
    lease: float = 3.0
    rate: float = 20.0  # instances started per second
    kill_every: float = 4.0  # a SIGKILL of a random worker (restarted at once, as a process manager would)
    drop_every: float = 3.0  # every open connection of the workers dropped (PostgreSQL)
    outage_every: float = 40.0  # the database unreachable for outage_seconds (PostgreSQL)
    outage_seconds: float = 6.0
    drain_seconds: float = 120.0
    handler_seconds: float = 0.1  # each handler sleeps up to this long, so that kills land mid-job
    postgres: str = POSTGRES_ADMIN
    keep: bool = False  # keep the scratch folder with the workers' logs


@dataclass
class Figures:
    database: str = ""
    options: Options = field(default_factory=Options)
    started: int = 0
    finished: int = 0
    stuck: int = 0
    lost: int = 0
    incidents: int = 0
    incident_messages: list[str] = field(default_factory=list)
    completed_twice: int = 0
    twice_with_keys: int = 0
    twice_without_keys: int = 0
    missing_effects: int = 0
    kills: int = 0
    drops: int = 0
    dropped_connections: int = 0
    outages: int = 0
    kill_recovery: list[float] = field(default_factory=list)
    outage_recovery: list[float] = field(default_factory=list)
    drain: float = 0.0

    @property
    def ok(self) -> bool:
        return not (self.lost or self.stuck or self.completed_twice or self.twice_with_keys or self.missing_effects)

    def report(self) -> str:
        o = self.options
        faults = f"{self.kills} SIGKILLs"
        if o.db == "postgres":
            faults += (f", {self.drops} connection drops ({self.dropped_connections} connections), "
                       f"{self.outages} outages of {o.outage_seconds:g} s")
        rows = [
            ("instances started", self.started), ("finished", self.finished),
            ("stuck (neither finished nor an incident)", self.stuck), ("lost", self.lost),
            ("incidents", self.incidents), ("completed twice", self.completed_twice),
            ("effects booked twice, with idempotency keys", self.twice_with_keys),
            ("effects booked twice, without idempotency keys", self.twice_without_keys),
            ("effects missing", self.missing_effects),
            ("recovery after a SIGKILL (its jobs done again)", _spread(self.kill_recovery)),
            ("recovery after an outage (first effect after it)", _spread(self.outage_recovery)),
            ("drain after the faults stopped", f"{self.drain:.1f} s"),
        ]
        head = (f"chaos on {self.database} for {o.seconds:g} s: {o.workers} workers, lease {o.lease:g} s, "
                f"{o.rate:g} starts/s; {faults}")
        return "\n".join([head] + [f"  {name:<50} {value}" for name, value in rows]
                         + [f"  incident at {message}" for message in self.incident_messages]
                         + [f"result: {'ok' if self.ok else 'FAILED'}"])


def _spread(values: list[float]) -> str:
    if not values:
        return "-"
    return f"median {statistics.median(values):.1f} s, max {max(values):.1f} s ({len(values)} measured)"


class _Ledger:
    """Reads the handlers' ledger (see chaos_handlers.py)."""

    def __init__(self, location: str) -> None:
        os.environ["CHAOS_LEDGER"] = location
        import tests.durability.chaos_handlers as handlers
        handlers.LEDGER = location
        handlers._connection = None
        handlers.create_ledger()
        self.connection = handlers.ledger()

    def one(self, sql: str) -> Any:
        cursor = self.connection.cursor()
        cursor.execute(sql)
        return cursor.fetchone()[0]

    def booked_since(self, moment: float) -> bool:
        return bool(self.one(f"SELECT count(*) FROM effects WHERE at > {moment}"))

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        cursor = self.connection.cursor()
        cursor.execute(sql)
        return list(cursor.fetchall())


def run(options: Options, say: Callable[[str], None] = print) -> Figures:
    """Run the chaos for `options.seconds`, drain, and measure."""
    scratch = Path(tempfile.mkdtemp(prefix="bpmn-chaos-"))
    figures = Figures(options=options)
    admin = None
    proxy: Proxy | None = None
    if options.db == "postgres":
        admin = create_engine(options.postgres, isolation_level="AUTOCOMMIT")
        name = f"bpmn_chaos_{uuid.uuid4().hex[:10]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = options.postgres.rsplit("/", 1)[0] + f"/{name}"
        parsed = make_url(url)
        proxy = Proxy((parsed.host or "127.0.0.1", parsed.port or 5432))
        workers_url = proxy.url_for(url)
        ledger_location = f"host={parsed.host} port={parsed.port} user={parsed.username} dbname={name}"
        figures.database = "PostgreSQL"
    else:
        url = workers_url = f"sqlite:///{scratch / 'engine.db'}"
        ledger_location = str(scratch / "ledger.db")
        figures.database = "SQLite"
    runtime = Runtime(url)
    try:
        _chaos(options, figures, runtime, workers_url, ledger_location, proxy, scratch, say)
    finally:
        runtime.close()
        if proxy is not None:
            proxy.close()
        if admin is not None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
            admin.dispose()
        if options.keep:
            say(f"the workers' logs are in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    return figures


def _chaos(options: Options, figures: Figures, runtime: Runtime, workers_url: str, ledger_location: str,
           proxy: Proxy | None, scratch: Path, say: Callable[[str], None]) -> None:
    runtime.deploy(THREE_STEPS, "three-steps.bpmn")
    runtime.deploy(TIMER_THEN_WORK, "timer-then-work.bpmn")
    ledger = _Ledger(ledger_location)
    env = {**os.environ, "CHAOS_LEDGER": ledger_location, "PYTHONPATH": str(REPOSITORY),
           "CHAOS_HANDLER_SECONDS": str(options.handler_seconds)}
    cli = str(Path(sys.executable).parent / "bpmn-runtime")

    def spawn(number: int) -> subprocess.Popen[bytes]:
        log = (scratch / f"worker-{number}.log").open("a")
        return subprocess.Popen([cli, "--db", workers_url, "worker", "--handlers", str(HANDLERS),
                                 "--lease", str(options.lease)], env=env, stdout=log, stderr=subprocess.STDOUT)

    workers = [spawn(n) for n in range(options.workers)]
    acknowledged: dict[str, int] = {}
    starting = threading.Event()
    starting.set()
    starter = threading.Thread(target=_start_instances, args=(workers_url, options.rate, starting, acknowledged))
    starter.start()
    watchers: list[threading.Thread] = []
    began = time.monotonic()
    next_kill = began + options.kill_every
    next_drop = began + options.drop_every
    next_outage = began + options.outage_every
    try:
        while time.monotonic() - began < options.seconds:
            now = time.monotonic()
            if now >= next_kill:
                number = random.randrange(len(workers))
                victim = workers[number]
                victim.send_signal(signal.SIGKILL)
                victim.wait()
                with runtime.database.engine.connect() as connection:
                    held = list(connection.execute(text("SELECT id FROM jobs WHERE lock_owner LIKE :owner"),
                                                   {"owner": f"%:{victim.pid}:%"}).scalars())
                workers[number] = spawn(number)
                figures.kills += 1
                if held:
                    watchers.append(_watch(functools.partial(_jobs_gone, runtime, held), now, figures.kill_recovery))
                next_kill = now + options.kill_every
            if proxy is not None and now >= next_drop:
                figures.dropped_connections += proxy.cut()
                figures.drops += 1
                next_drop = now + options.drop_every
            if proxy is not None and now >= next_outage and now - began + options.outage_seconds < options.seconds:
                proxy.down()
                time.sleep(options.outage_seconds)
                proxy.up()
                figures.outages += 1
                back, back_at = time.monotonic(), time.time()
                watchers.append(_watch(functools.partial(ledger.booked_since, back_at), back, figures.outage_recovery))
                next_outage = time.monotonic() + options.outage_every
                next_drop = time.monotonic() + options.drop_every
            time.sleep(0.05)
        starting.clear()
        starter.join()
        say(f"faults stopped after {options.seconds:g} s; {len(acknowledged)} instances started; draining")
        drained = time.monotonic()
        ids = list(acknowledged.values())
        deadline = drained + options.drain_seconds
        while time.monotonic() < deadline and _unfinished(runtime, ids):
            time.sleep(0.25)
        figures.drain = time.monotonic() - drained
        for watcher in watchers:
            watcher.join(timeout=max(0.0, deadline - time.monotonic()))
    finally:
        starting.clear()
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
    _measure(figures, runtime, ledger, acknowledged)


def _start_instances(url: str, rate: float, starting: threading.Event, acknowledged: dict[str, int]) -> None:
    """Start instances at `rate` per second through the workers' way to the database; a start refused by an
    outage is repeated with the same request key until it is acknowledged."""
    runtime = Runtime(url, run_migrations=False, reconnect_seconds=2.0)
    number = 0
    try:
        while starting.is_set():
            number += 1
            key = f"chaos-{number}"
            process = "timer-then-work" if number % 4 == 0 else "three-steps"
            while True:
                try:
                    acknowledged[key] = runtime.start(process, {"n": number}, business_key=f"order-{number}",
                                                      request_key=key)
                    break
                except DatabaseUnavailable:
                    time.sleep(0.2)
            time.sleep(1 / rate)
    finally:
        runtime.close()


def _watch(done: Callable[[], bool], since: float, into: list[float]) -> threading.Thread:
    """Measure, in a thread of its own, how long after `since` the condition `done` holds."""
    def poll() -> None:
        deadline = since + 300
        while time.monotonic() < deadline:
            if done():
                into.append(time.monotonic() - since)
                return
            time.sleep(0.1)
    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    return thread


def _jobs_gone(runtime: Runtime, job_ids: list[int]) -> bool:
    with runtime.database.engine.connect() as connection:
        return not connection.execute(text(f"SELECT count(*) FROM jobs WHERE id IN ({','.join(map(str, job_ids))}) "
                                           f"AND retries > 0")).scalar()


def _unfinished(runtime: Runtime, ids: list[int]) -> int:
    with runtime.database.engine.connect() as connection:
        return int(connection.execute(text(
            "SELECT count(*) FROM instances i WHERE status = 'active' AND NOT EXISTS "
            "(SELECT 1 FROM incidents x WHERE x.instance_id = i.id AND x.resolved_at IS NULL)")).scalar() or 0)


def _measure(figures: Figures, runtime: Runtime, ledger: _Ledger, acknowledged: dict[str, int]) -> None:
    ids = set(acknowledged.values())
    with runtime.database.engine.connect() as connection:
        rows = connection.execute(text("SELECT id, process_key, status FROM instances")).all()
        figures.incident_messages = [f"{row.element_id}: {row.message}" for row in connection.execute(text(
            "SELECT element_id, message FROM incidents WHERE resolved_at IS NULL"))]
        figures.incidents = len(figures.incident_messages)
        figures.completed_twice = int(connection.execute(text(
            "SELECT count(*) FROM (SELECT instance_id FROM history WHERE kind = 'instance_completed' "
            "GROUP BY instance_id HAVING count(*) > 1) AS twice")).scalar() or 0)
    found = {row.id: row for row in rows}
    figures.started = len(ids)
    figures.lost = len(ids - set(found))
    figures.finished = sum(1 for i in ids if i in found and found[i].status == "completed")
    figures.stuck = _unfinished(runtime, list(ids))
    twice = "SELECT count(*) FROM (SELECT instance_id, effect FROM {} GROUP BY instance_id, effect " \
            "HAVING count(*) > 1) AS twice"
    figures.twice_with_keys = int(ledger.one(twice.format("keyed")))
    figures.twice_without_keys = int(ledger.one(twice.format("effects")))
    booked: dict[int, int] = {}
    for instance_id, count in ledger.rows("SELECT instance_id, count(*) FROM keyed GROUP BY instance_id"):
        booked[int(instance_id)] = int(count)
    figures.missing_effects = sum(EFFECTS[found[i].process_key] - booked.get(i, 0) for i in ids
                                  if i in found and found[i].status == "completed")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    defaults = Options()
    parser.add_argument("--db", choices=["postgres", "sqlite"], default=defaults.db)
    for name in ("seconds", "lease", "rate", "kill_every", "drop_every", "outage_every", "outage_seconds",
                 "drain_seconds", "handler_seconds"):
        parser.add_argument(f"--{name.replace('_', '-')}", type=float, default=getattr(defaults, name))
    parser.add_argument("--workers", type=int, default=defaults.workers)
    parser.add_argument("--postgres", default=defaults.postgres, help="an administrator's URL of the server")
    parser.add_argument("--keep", action="store_true", help="keep the workers' logs and say where they are")
    options = Options(**vars(parser.parse_args(argv)))
    figures = run(options)
    print(figures.report())
    return 0 if figures.ok else 1


if __name__ == "__main__":
    sys.exit(main())
