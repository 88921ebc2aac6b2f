"""Several worker processes on one PostgreSQL database: hundreds of instances complete, every effect
happens exactly once (a ledger keyed by the idempotency key), while one worker is killed with SIGKILL
and another stopped with SIGTERM."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import psycopg2
import pytest
from sqlalchemy.engine import make_url

from bpmn_runtime.runtime import Runtime
from tests.conftest import cli_path
from tests.durability.processes import THREE_STEPS, TIMER_THEN_WORK

HANDLERS = Path(__file__).with_name("ledger_handlers.py")
INSTANCES = 300

pytestmark = pytest.mark.postgres


def _dsn(url: str) -> str:
    parsed = make_url(url)
    return f"host={parsed.host} port={parsed.port} user={parsed.username} dbname={parsed.database}"


def _ledger(url: str) -> psycopg2.extensions.connection:
    connection = psycopg2.connect(_dsn(url))
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS ledger (idempotency_key text PRIMARY KEY, "
                       "instance_id bigint, effect text, at timestamptz DEFAULT now())")
    return connection


def _start_worker(url: str, tmp_path: Path, name: str, handler_seconds: str = "0.01") -> subprocess.Popen:
    env = {**os.environ, "LEDGER_DSN": _dsn(url), "LEDGER_HANDLER_SECONDS": handler_seconds,
           "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    log = open(tmp_path / f"{name}.log", "w")
    return subprocess.Popen([cli_path(), "--db", url, "worker", "--handlers", str(HANDLERS), "--lease", "3"],
                            cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)


def _wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def _count(connection, sql: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def test_hundreds_of_instances_complete_exactly_once_while_workers_die(postgres_url: str, tmp_path: Path) -> None:
    runtime = Runtime(postgres_url)
    runtime.deploy(THREE_STEPS, "three-steps.bpmn")
    ledger = _ledger(postgres_url)
    ids = [runtime.start("three-steps", {"n": n}, business_key=f"order-{n}") for n in range(INSTANCES)]
    workers = [_start_worker(postgres_url, tmp_path, f"w{n}") for n in range(4)]
    try:
        _wait_for(lambda: _count(ledger, "SELECT count(*) FROM ledger") > INSTANCES // 2, 120, "half the work")
        workers[0].send_signal(signal.SIGKILL)
        workers[1].send_signal(signal.SIGTERM)
        assert workers[1].wait(timeout=30) == 0, "SIGTERM stops a worker gracefully"
        assert workers[0].wait(timeout=10) == -signal.SIGKILL
        _wait_for(lambda: runtime.queries.instances(status="completed", limit=1)[1] == INSTANCES, 180,
                  "every instance to complete")
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=30)
    assert _count(ledger, "SELECT count(*) FROM ledger") == INSTANCES * 3
    assert _count(ledger, "SELECT count(*) FROM (SELECT instance_id, effect FROM ledger "
                          "GROUP BY instance_id, effect HAVING count(*) > 1) AS twice") == 0
    assert _count(ledger, f"SELECT count(DISTINCT instance_id) FROM ledger WHERE instance_id IN "
                          f"({','.join(map(str, ids))})") == INSTANCES
    assert runtime.queries.jobs() == [], "no job is left behind"
    assert runtime.queries.incidents() == []
    graceful = (tmp_path / "w1.log").read_text()
    assert "stopped" in graceful
    runtime.close()


def test_a_timer_fires_once_with_several_workers(postgres_url: str, tmp_path: Path) -> None:
    runtime = Runtime(postgres_url)
    runtime.deploy(TIMER_THEN_WORK, "timer.bpmn")
    ledger = _ledger(postgres_url)
    ids = [runtime.start("timer-then-work") for _ in range(20)]
    workers = [_start_worker(postgres_url, tmp_path, f"t{n}", "0") for n in range(3)]
    try:
        _wait_for(lambda: runtime.queries.instances(status="completed", limit=1)[1] == len(ids), 60,
                  "the timers to fire and the instances to complete")
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=30)
    for instance_id in ids:
        fired = [h for h in runtime.queries.history(instance_id) if h.kind == "element_completed"
                 and h.element_id == "wait"]
        assert len(fired) == 1
    assert _count(ledger, "SELECT count(*) FROM ledger") == len(ids)
    runtime.close()
