"""Handlers for the durability tests: each records its effect in a PostgreSQL ledger keyed by the
idempotency key, so a handler run twice for the same activity instance leaves one row."""
from __future__ import annotations

import os
import time

import psycopg2

from bpmn_runtime import handler
from bpmn_runtime.handlers import JobContext

_connection = None


def _ledger():
    global _connection
    if _connection is None:
        _connection = psycopg2.connect(os.environ["LEDGER_DSN"])
        _connection.autocommit = True
    return _connection


def _record(job: JobContext) -> dict:
    time.sleep(float(os.environ.get("LEDGER_HANDLER_SECONDS", "0.01")))  # long enough for kills to land mid-job
    with _ledger().cursor() as cursor:
        cursor.execute("INSERT INTO ledger (idempotency_key, instance_id, effect) VALUES (%s, %s, %s) "
                       "ON CONFLICT (idempotency_key) DO NOTHING", (job.idempotency_key, job.instance_id, job.topic))
    return {f"{job.topic.replace('-', '_')}_done": True}


@handler("reserve")
def reserve(job: JobContext) -> dict:
    return _record(job)


@handler("charge")
def charge(job: JobContext) -> dict:
    return _record(job)


@handler("ship")
def ship(job: JobContext) -> dict:
    return _record(job)
