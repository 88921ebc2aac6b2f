"""Handlers for the chaos script: every run of a handler books its effect twice over, in a ledger of its
own (the outside world): once in `effects`, with no key (a system without idempotency keys books every
run), and once in `keyed` under the job's idempotency key (a system that honours it books one)."""
from __future__ import annotations

import os
import random
import sqlite3
import time
from typing import Any

from bpmn_runtime import handler
from bpmn_runtime.handlers import JobContext

LEDGER = os.environ.get("CHAOS_LEDGER", "")
_connection: Any = None


def ledger() -> Any:
    """A connection to the ledger: a PostgreSQL DSN, or the path of a SQLite file."""
    global _connection
    if _connection is None:
        if LEDGER.startswith("host="):
            import psycopg2
            _connection = psycopg2.connect(LEDGER)
            _connection.autocommit = True
        else:
            _connection = sqlite3.connect(LEDGER, timeout=30, isolation_level=None)
            _connection.execute("PRAGMA journal_mode=WAL")
    return _connection


def create_ledger() -> None:
    cursor = ledger().cursor()
    cursor.execute("CREATE TABLE IF NOT EXISTS effects (instance_id bigint, effect text, at double precision)")
    cursor.execute("CREATE TABLE IF NOT EXISTS keyed (idempotency_key text PRIMARY KEY, instance_id bigint, "
                   "effect text, at double precision)")


def _book(job: JobContext) -> dict[str, bool]:
    time.sleep(random.uniform(0, float(os.environ.get("CHAOS_HANDLER_SECONDS", "0.02"))))
    mark = "%s" if LEDGER.startswith("host=") else "?"
    cursor = ledger().cursor()
    now = time.time()
    cursor.execute(f"INSERT INTO effects (instance_id, effect, at) VALUES ({mark}, {mark}, {mark})",
                   (job.instance_id, job.topic, now))
    cursor.execute(f"INSERT INTO keyed (idempotency_key, instance_id, effect, at) VALUES ({mark}, {mark}, {mark}, "
                   f"{mark}) ON CONFLICT (idempotency_key) DO NOTHING", (job.idempotency_key, job.instance_id,
                                                                        job.topic, now))
    return {f"{job.topic}_done": True}


@handler("reserve")
def reserve(job: JobContext) -> dict[str, bool]:
    return _book(job)


@handler("charge")
def charge(job: JobContext) -> dict[str, bool]:
    return _book(job)


@handler("ship")
def ship(job: JobContext) -> dict[str, bool]:
    return _book(job)
