"""The watchdog flags stuck instances and jobs whose lease keeps expiring, and leaves waiting ones alone."""
from __future__ import annotations

from datetime import timedelta

from bpmn_runtime.clock import VirtualClock
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.runtime.watchdog import check
from tests.durability.processes import THREE_STEPS, USER_TASK


def test_watchdog_flags_stalled_instances_and_restless_jobs(sqlite_url: str) -> None:
    clock = VirtualClock()
    runtime = Runtime(sqlite_url, clock=clock, default_retries=5)  # every expired lease spends a try
    runtime.deploy(THREE_STEPS, "three.bpmn")
    runtime.deploy(USER_TASK, "approve.bpmn")
    stuck = runtime.start("three-steps", business_key="order-1")
    runtime.start("approve")
    assert check(runtime, stalled_after=timedelta(minutes=10)) == ([], [])
    for worker in ("w1", "w2", "w3", "w4"):
        assert len(runtime.acquire_jobs(worker, lease_seconds=30)) == 1
        clock.advance(31)
    clock.advance(600)
    stalled, restless = check(runtime, stalled_after=timedelta(minutes=10), max_expired_leases=3)
    assert [(s.instance_id, s.business_key, s.waiting_for) for s in stalled] == \
        [(stuck, "order-1", "a worker for topic 'reserve'")]
    assert [(j.instance_id, j.topic, j.expired_leases, j.lock_owner) for j in restless] == \
        [(stuck, "reserve", 3, "w4")]


def test_metrics_report_backlog_and_counts(sqlite_url: str) -> None:
    from prometheus_client import generate_latest
    runtime = Runtime(sqlite_url)
    runtime.deploy(THREE_STEPS, "three.bpmn")
    runtime.start("three-steps")
    runtime.start("three-steps")
    text = generate_latest(runtime.metrics.registry).decode()
    assert "bpmn_jobs_due 2.0" in text
    assert "bpmn_instances_active 2.0" in text
    assert 'bpmn_instances_started_total{process="three-steps"} 2.0' in text
