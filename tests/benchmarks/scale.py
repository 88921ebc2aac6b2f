"""At scale: the inbox's first page at 100,000 open tasks, the instance list and its searches (by business
key, by status) at 1,100,000 instances, and start throughput with 1,000,000 ended instances in history
against an empty database; through the real `Runtime.queries` and the real API routes of `bpmn-runtime serve`.

    .venv/bin/python tests/benchmarks/scale.py                          # PostgreSQL and SQLite, full size
    .venv/bin/python tests/benchmarks/scale.py --databases PostgreSQL   # only PostgreSQL (the targets' database)
    .venv/bin/python tests/benchmarks/scale.py --quick                  # 2,000 + 500 instances: a CI smoke run

The data. The engine itself runs three template instances of processes/inbox_task.bpmn (one user task
offered to clerks) on the database: one completed, one cancelled, one left waiting at its task. Their
rows (instances.state, status, version, end_reason; their history rows in order; the waiting one's
user_tasks row) are then copied by one INSERT ... SELECT per table over a series of numbers
(generate_series on PostgreSQL, a recursive CTE on SQLite): `ended` instances (every 50th cancelled, the
others completed; 11 and 8 history rows each) and `open` instances waiting at their task (6 history rows
and a task row each). Every instance gets a business key ORD-00000001, ...; timestamps 10 ms apart, in the
past. Then the id sequences are moved past the new rows and the planner's statistics refreshed (VACUUM
ANALYZE on PostgreSQL, as autovacuum would; ANALYZE on SQLite). So the rows are what the engine writes.

The figures. Lists are counted as the console and the API count them, up to 10,000 (past it they say "more
than 10,000"), and the indexes are the migrations' (on PostgreSQL with pg_trgm trigram indexes for the
business-key and candidate-group searches). Each query is run `repeats` times after one warm-up and the median
reported; the API
figures are the latency of the same request through one keep-alive connection to `bpmn-runtime serve`
on that database (authenticated by an API token of an operator in the group clerks). Throughput: starts
of processes/straight_through.bpmn (ten steps, 31 history rows each) per second on the big database and
on an empty one, alternating, best of `rounds` each. Beside each rate, the CPU one start cost this process
(the engine; on SQLite the database's work too) and, on PostgreSQL, the server processes of that database
(read from /proc): on a loaded, shared machine the rates move by more than 10% from run to run, while these
show whether a start does more work on the full database.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

from common import (
    PROCESSES, Figures, Target, begin_report, end_report, median_seconds, postgres_database, shown, table, timed,
)


@dataclass(frozen=True)
class Counts:
    ended: int  # completed or cancelled instances, with their history
    open: int  # instances waiting at a user task (open tasks in the inbox)
    repeats: int  # runs of each query, the median reported (after one warm-up)
    starts: int  # straight-through starts per throughput run
    rounds: int  # throughput runs per database, alternating big and empty, the best counted


FULL = Counts(ended=1_000_000, open=100_000, repeats=7, starts=2_000, rounds=3)
QUICK = Counts(ended=2_000, open=500, repeats=3, starts=100, rounds=1)
CANCELLED_EVERY = 50
KEY = "ORD-{:08d}"

# Dialect pieces of the generating statements; {i} is the number of the generated instance (1, 2, ...).
SQL = {
    "postgresql": {
        "series": "generate_series(1, :total) AS g(i)",
        "at": "CAST(:t0 AS timestamptz) + {i} * interval '10 milliseconds'",
        "end": "CAST(:t0 AS timestamptz) + {i} * interval '10 milliseconds' + interval '5 seconds'",
        "key": "'ORD-' || lpad(CAST({i} AS text), 8, '0')",
    },
    "sqlite": {
        "series": "(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < :total) "
                  "SELECT i FROM s) AS g",
        "at": "strftime('%Y-%m-%d %H:%M:%S', :t0 + {i} / 100, 'unixepoch') || printf('.%06d', ({i} % 100) * 10000)",
        "end": "strftime('%Y-%m-%d %H:%M:%S', :t0 + {i} / 100 + 5, 'unixepoch') "
               "|| printf('.%06d', ({i} % 100) * 10000)",
        "key": "'ORD-' || printf('%08d', {i})",
    },
}


# --- the data ----------------------------------------------------------------------------------------


def templates(runtime: Any) -> dict[str, Any]:
    """Let the engine make one completed, one cancelled and one waiting instance; read back their rows."""
    from sqlalchemy import text
    made = {}
    for status in ("completed", "cancelled", "active"):
        instance = runtime.start("inbox-task", {"n": 0}, business_key=f"TEMPLATE-{status}")
        if status == "completed":
            (task,), _ = runtime.queries.tasks(everyone=True, process="inbox-task", limit=1)
            runtime.complete_task(task.id, {"ok": True})
        elif status == "cancelled":
            runtime.cancel(instance)
        made[status] = instance
    with runtime.database.engine.connect() as connection:
        rows: dict[str, Any] = {}
        for status, instance in made.items():
            row = connection.execute(text("SELECT definition_id, status, version, state, end_reason, started_at "
                                          "FROM instances WHERE id = :id"), {"id": instance}).one()
            assert row.status == status, (row.status, status)
            history = connection.execute(text("SELECT at, kind, element_id, activity_instance, data FROM history "
                                              "WHERE instance_id = :id ORDER BY id"), {"id": instance}).all()
            rows[status] = {"row": row, "history": history}
        rows["task"] = connection.execute(text("SELECT * FROM user_tasks WHERE instance_id = :id"),
                                          {"id": made["active"]}).one()
    return rows


def generate(runtime: Any, counts: Counts) -> float:
    """Copy the template rows into `counts.ended` ended and `counts.open` waiting instances; seconds taken."""
    from sqlalchemy import text
    started = time.perf_counter()
    made = templates(runtime)
    engine = runtime.database.engine
    dialect = engine.dialect.name
    sql = SQL[dialect]
    total = counts.ended + counts.open
    then = datetime.now(timezone.utc) - timedelta(days=2) - timedelta(milliseconds=10 * total)
    t0: Any = then if dialect == "postgresql" else int(then.timestamp())
    status_of = (f"CASE WHEN g.i > {counts.ended} THEN 'active' WHEN g.i % {CANCELLED_EVERY} = 0 THEN 'cancelled' "
                 f"ELSE 'completed' END")
    numbered = f"(SELECT g.i AS i, {status_of} AS status FROM {sql['series']}) AS x"
    at, end, key = (sql[name].format(i="x.i") for name in ("at", "end", "key"))
    with engine.begin() as connection:
        base = connection.execute(text("SELECT max(id) FROM instances")).scalar_one()
        connection.execute(text("DROP TABLE IF EXISTS bench_state"))
        connection.execute(text("DROP TABLE IF EXISTS bench_history"))
        connection.execute(text("CREATE TABLE bench_state (status VARCHAR(20), version INTEGER, state TEXT, "
                                "end_reason TEXT)"))
        connection.execute(text("CREATE TABLE bench_history (status VARCHAR(20), ord INTEGER, ended INTEGER, "
                                "kind VARCHAR(64), element_id VARCHAR(255), activity_instance INTEGER, data TEXT)"))
        for status in ("completed", "cancelled", "active"):
            row = made[status]["row"]
            connection.execute(text("INSERT INTO bench_state VALUES (:status, :version, :state, :end_reason)"),
                               {"status": status, "version": row.version, "state": row.state,
                                "end_reason": row.end_reason})
            for order, event in enumerate(made[status]["history"]):
                connection.execute(text("INSERT INTO bench_history VALUES (:status, :ord, :ended, :kind, :element, "
                                        ":ai, :data)"),
                                   {"status": status, "ord": order, "ended": int(event.at != row.started_at),
                                    "kind": event.kind, "element": event.element_id, "ai": event.activity_instance,
                                    "data": event.data})
        values = {"total": total, "t0": t0, "base": base, "definition_id": made["active"]["row"].definition_id}
        connection.execute(text(
            "INSERT INTO instances (id, definition_id, process_key, business_key, request_key, status, version, "
            "state, end_reason, parent_id, parent_wait, started_at, updated_at, ended_at) "
            f"SELECT :base + x.i, :definition_id, 'inbox-task', {key}, NULL, x.status, t.version, t.state, "
            f"t.end_reason, NULL, NULL, {at}, CASE WHEN x.status = 'active' THEN {at} ELSE {end} END, "
            f"CASE WHEN x.status = 'active' THEN NULL ELSE {end} END "
            f"FROM {numbered} JOIN bench_state t ON t.status = x.status ORDER BY x.i"), values)
        connection.execute(text(
            "INSERT INTO history (instance_id, at, kind, element_id, activity_instance, data) "
            f"SELECT :base + x.i, CASE WHEN t.ended = 1 THEN {end} ELSE {at} END, t.kind, t.element_id, "
            f"t.activity_instance, t.data FROM {numbered} JOIN bench_history t ON t.status = x.status "
            f"ORDER BY x.i, t.ord"), values)
        task = made["task"]
        connection.execute(text(
            "INSERT INTO user_tasks (instance_id, wait_key, process_key, business_key, element_id, name, assignee, "
            "candidate_users, candidate_groups, due, priority, created_at) "
            f"SELECT :base + x.i, :wait_key, 'inbox-task', {key}, :element_id, :name, NULL, :users, :groups, NULL, "
            f":priority, {at} FROM {numbered} WHERE x.status = 'active' ORDER BY x.i"),
            dict(values, wait_key=task.wait_key, element_id=task.element_id, name=task.name,
                 users=task.candidate_users, groups=task.candidate_groups, priority=task.priority))
        connection.execute(text("DROP TABLE bench_state"))
        connection.execute(text("DROP TABLE bench_history"))
        if dialect == "postgresql":
            for table_name in ("instances", "history", "user_tasks"):
                connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table_name}', 'id'), "
                                        f"(SELECT max(id) FROM {table_name}))"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE" if dialect == "postgresql" else "ANALYZE"))
    return time.perf_counter() - started


def table_sizes(runtime: Any) -> dict[str, int]:
    from sqlalchemy import text
    with runtime.database.engine.connect() as connection:
        return {name: connection.execute(text(f"SELECT count(*) FROM {name}")).scalar_one()
                for name in ("instances", "history", "user_tasks")}


# --- the measurements --------------------------------------------------------------------------------


def middle_key(counts: Counts) -> str:
    """The business key of an ended instance half-way through the generated ones (not a cancelled one)."""
    number = counts.ended // 2 + 1
    return KEY.format(number if number % CANCELLED_EVERY else number + 1)


def query_figures(runtime: Any, counts: Counts) -> dict[str, float]:
    """Median seconds of each question through Runtime.queries."""
    from bpmn_runtime.runtime.queries import COUNT_LIMIT
    queries = runtime.queries
    key = middle_key(counts)

    def inbox() -> None:
        tasks, total = queries.tasks(user="alice", groups=["clerks"], limit=50)
        assert len(tasks) == 50 and total >= min(counts.open, COUNT_LIMIT), (len(tasks), total)

    def listing(**filters: Any) -> Callable[[], None]:
        def run() -> None:
            rows, total = queries.instances(limit=50, **filters)
            assert rows and total >= 1, (filters, total)
        return run
    questions = {"inbox": inbox, "list": listing(), "business_key": listing(business_key=key),
                 "active": listing(status="active"), "completed": listing(status="completed"),
                 "cancelled": listing(status="cancelled")}
    return {name: median_seconds(question, counts.repeats + 1, warm_up=1) for name, question in questions.items()}


API_PATHS = {"inbox": "/api/v1/tasks?limit=50", "list": "/api/v1/instances?limit=50",
             "business_key": "/api/v1/instances?limit=50&businessKey={key}",
             "active": "/api/v1/instances?limit=50&status=active",
             "completed": "/api/v1/instances?limit=50&status=completed",
             "cancelled": "/api/v1/instances?limit=50&status=cancelled"}


def api_figures(url: str, counts: Counts, folder: Path) -> dict[str, float]:
    """Median latency of each question through the API of `bpmn-runtime serve` on the database."""
    from api import Server
    server = Server(url, folder).start()
    client = server.connection()
    try:
        figures = {}
        for name, path in API_PATHS.items():
            path = path.format(key=middle_key(counts))

            def get() -> None:
                status, body = client.request("GET", path)
                assert status == 200, (path, status, body[:300])
            figures[name] = median_seconds(get, counts.repeats + 1, warm_up=1)
        return figures
    finally:
        client.close()
        server.stop()


def check_generated(runtime: Any, counts: Counts) -> None:
    """The generated rows are the engine's own: it reads an ended instance and completes a generated task."""
    rows, _ = runtime.queries.instances(business_key=middle_key(counts))
    detail = runtime.queries.instance(rows[0].id)
    assert detail.summary.status == "completed" and [h.kind for h in detail.history][-1] == "instance_completed"
    waiting, _ = runtime.queries.instances(business_key=KEY.format(counts.ended + 1))
    (task,) = runtime.queries.instance(waiting[0].id).tasks
    runtime.complete_task(task.id, {"ok": True})
    assert runtime.queries.instance(waiting[0].id).summary.status == "completed"


def server_cpu_seconds(runtime: Any) -> float | None:
    """CPU seconds the PostgreSQL server processes of this database have used (from /proc: the server runs on
    this machine); None on SQLite (its work is the client's) or where /proc does not show them."""
    from sqlalchemy import text
    if runtime.database.engine.dialect.name != "postgresql":
        return None
    with runtime.database.engine.connect() as connection:
        pids = connection.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
                                  ).scalars().all()
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


@dataclass
class Rate:
    """One throughput run: starts per second (wall clock, what the target counts), and the CPU each start
    cost this process (the engine, and SQLite's work) and the database server: exact where the rate is not,
    on a loaded machine."""
    per_second: float
    client_cpu: float
    server_cpu: float | None


def start_rate(runtime: Any, starts: int) -> Rate:
    for _ in range(20):
        runtime.start("straight-through", {"x": 0})
    server, client = server_cpu_seconds(runtime), time.process_time()
    elapsed = timed(lambda: [runtime.start("straight-through", {"x": 0}) for _ in range(starts)])
    client, server_after = time.process_time() - client, server_cpu_seconds(runtime)
    return Rate(starts / elapsed, client / starts,
                None if server is None or server_after is None else (server_after - server) / starts)


@contextlib.contextmanager
def database(kind: str, folder: Path, name: str) -> Iterator[str]:
    if kind == "PostgreSQL":
        with postgres_database() as url:
            yield url
    else:
        yield f"sqlite:///{folder / name}"


def measure(kind: str, counts: Counts) -> Figures:
    from bpmn_runtime.runtime import Runtime
    with tempfile.TemporaryDirectory(prefix="bpmn-scale-") as name, database(kind, Path(name), "big.db") as big_url, \
            database(kind, Path(name), "empty.db") as empty_url:
        big, empty = Runtime(big_url), Runtime(empty_url)
        for runtime in (big, empty):
            runtime.deploy(PROCESSES / "inbox_task.bpmn")
            runtime.deploy(PROCESSES / "straight_through.bpmn")
        print(f"  {kind}: generating {counts.ended:,} ended and {counts.open:,} waiting instances ...",
              file=sys.stderr, flush=True)
        figures: Figures = {"generate": generate(big, counts), "sizes": table_sizes(big)}
        print(f"  {kind}: generated in {figures['generate']:,.0f} s: {figures['sizes']}", file=sys.stderr, flush=True)
        figures["queries"] = query_figures(big, counts)
        figures["api"] = api_figures(big_url, counts, Path(name) / "serve")
        rates: dict[str, list[Rate]] = {"big": [], "empty": []}
        for _ in range(counts.rounds):
            for which, runtime in (("empty", empty), ("big", big)):
                rates[which].append(start_rate(runtime, counts.starts))
        figures["rates"] = rates
        check_generated(big, counts)
        big.close()
        empty.close()
    return figures


# --- the report --------------------------------------------------------------------------------------


ROWS = (("inbox", "inbox first page (50 of {open} open tasks, user in group clerks)", 0.050),
        ("list", "instance list, first page (50 of {all}, counted up to 10,000)", 0.100),
        ("business_key", "search by business key (contains 'ORD-...', 1 match)", 0.100),
        ("active", "search by status=active ({open} match)", 0.100),
        ("completed", "search by status=completed (most of {all} match)", 0.100),
        ("cancelled", "search by status=cancelled (every 50th ended)", 0.100))


def report(counts: Counts, results: dict[str, Figures]) -> tuple[str, list[Target]]:
    rows, targets = [], []
    for kind, f in results.items():
        names = {"open": f"{counts.open:,}", "all": f"{f['sizes']['instances']:,}"}
        for name, label, goal in ROWS:
            q, a = f["queries"][name], f["api"][name]
            rows.append((kind, label.format(**names), shown(q, "ms"), shown(a, "ms"), f"{goal * 1000:,.0f} ms"))
            # the targets are PostgreSQL's, but for the inbox (the default database's too)
            if kind == "PostgreSQL" or name == "inbox":
                for how, value in (("Runtime.queries", q), ("API", a)):
                    targets.append(Target(f"scale on {kind}: {label.format(**names)} under {goal * 1000:,.0f} ms "
                                          f"through {how}", shown(value, "ms"), value < goal))
        per_second = {which: [rate.per_second for rate in f["rates"][which]] for which in ("big", "empty")}
        big, empty = max(per_second["big"]), max(per_second["empty"])
        rows.append((kind, f"straight-through starts/s, {counts.ended:,} ended in history (best of {counts.rounds})",
                     f"{big:,.0f} /s", "-", "-"))
        rows.append((kind, f"straight-through starts/s, empty database (best of {counts.rounds})", f"{empty:,.0f} /s",
                     "-", "-"))
        ratio = big / empty
        rows.append((kind, "  ratio (median of the rounds: "
                     f"{statistics.median(per_second['big']) / statistics.median(per_second['empty']):.2f})",
                     f"{ratio:.2f}", "-", ">= 0.90"))
        for what, cpu in (("this process", "client_cpu"), ("the PostgreSQL server", "server_cpu")):
            spent = {which: [getattr(rate, cpu) for rate in f["rates"][which]] for which in ("big", "empty")}
            if None in spent["big"] + spent["empty"]:
                continue
            big_cpu, empty_cpu = (statistics.median(spent[which]) for which in ("big", "empty"))
            rows.append((kind, f"  CPU per start of {what}, {counts.ended:,} ended vs empty (median of the rounds)",
                         f"{big_cpu * 1000:.2f} vs {empty_cpu * 1000:.2f} ms", "-", "-"))
        if kind == "PostgreSQL":
            targets.append(Target(f"scale on {kind}: start throughput with {counts.ended:,} ended instances within 10% "
                                  f"of an empty database", f"{big:,.0f} vs {empty:,.0f} /s, {ratio:.2f}", ratio >= 0.9))
    text = table(("database", "figure", "Runtime.queries", "API (one connection)", "target"), rows)
    sizes = "; ".join(f"{kind}: generated in {f['generate']:,.0f} s, rows " +
                      ", ".join(f"{t} {n:,}" for t, n in f["sizes"].items()) for kind, f in results.items())
    return text + f"\n\n{sizes}", targets


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    arguments.add_argument("--quick", action="store_true", help="small counts (CI smoke run)")
    arguments.add_argument("--databases", default="PostgreSQL,SQLite", help="comma-separated: PostgreSQL, SQLite")
    options = arguments.parse_args()
    counts = QUICK if options.quick else FULL
    postgres = begin_report(options.quick, counts)
    started = time.perf_counter()
    results = {}
    for kind in options.databases.split(","):
        if kind == "PostgreSQL" and not postgres:
            print("PostgreSQL unreachable: its rows are left out", file=sys.stderr)
            continue
        results[kind] = measure(kind, counts)
    text, targets = report(counts, results)
    if "PostgreSQL" not in results:
        why = "not run (see --databases)" if postgres else "PostgreSQL unreachable"
        targets.append(Target("scale on PostgreSQL: instance list and searches under 100 ms", why, None))
    end_report(text, f"medians of {counts.repeats} runs after a warm-up; API: the same question as GET through one"
               f" keep-alive connection to bpmn-runtime serve (latency at the client)", targets, started)


if __name__ == "__main__":
    main()
