"""Metrics and log lines of a call are published once, after its transaction committed: a call retried
after a conflict counts once, and a call that fails counts nothing."""
from __future__ import annotations

import logging

import pytest
from prometheus_client import generate_latest

from bpmn_runtime.runtime import Runtime
from bpmn_runtime.runtime import instances
from bpmn_runtime.runtime.unit_of_work import StaleInstance, UnitOfWork
from tests.integrity.models import user_task


def started_count(runtime: Runtime) -> str:
    text = generate_latest(runtime.metrics.registry).decode()
    return next((line for line in text.splitlines() if line.startswith("bpmn_instances_started_total{")), "none")


def test_a_start_retried_after_a_conflict_counts_and_logs_once(sqlite_url: str,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    runtime = Runtime(sqlite_url)
    runtime.deploy(user_task(), "review.bpmn")
    attempts = []

    def start_losing_the_first_race(unit: UnitOfWork) -> int:
        instance_id = instances.start(unit, "review", {}, business_key="b-1", request_key=None,
                                      unique_business_key=False, version=None)
        attempts.append(instance_id)
        if len(attempts) == 1:
            raise StaleInstance("someone else saved it meanwhile")
        return instance_id

    with caplog.at_level(logging.INFO, logger="bpmn_runtime"):
        runtime.transactions.run(start_losing_the_first_race, "start")
    assert len(attempts) == 2
    assert started_count(runtime) == 'bpmn_instances_started_total{process="review"} 1.0'
    assert sum("started" in r.getMessage() and "b-1" in r.getMessage() for r in caplog.records) == 1


def test_a_call_that_fails_publishes_nothing(sqlite_url: str) -> None:
    runtime = Runtime(sqlite_url)
    runtime.deploy(user_task(), "review.bpmn")

    def start_then_fail(unit: UnitOfWork) -> None:
        instances.start(unit, "review", {}, business_key=None, request_key=None, unique_business_key=False,
                        version=None)
        raise RuntimeError("the caller gave up")

    with pytest.raises(RuntimeError):
        runtime.transactions.run(start_then_fail, "start")
    assert started_count(runtime) == "none"
    assert runtime.queries.instances()[1] == 0
