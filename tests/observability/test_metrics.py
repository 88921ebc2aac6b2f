"""The metrics of the checklist, with the values a known run must give them: outcomes, durations of
instances and activities (on a virtual clock), compensation by outcome, and the gauges read at scrape time."""
from __future__ import annotations

import pytest
from prometheus_client import generate_latest

from bpmn_runtime.clock import VirtualClock
from bpmn_runtime.handlers import JobContext
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.worker import Worker
from tests.observability.processes import SAGA, registry

EXISTING = ("bpmn_instances_started_total", "bpmn_instances_ended_total", "bpmn_step_seconds_count",
            "bpmn_job_seconds_count", "bpmn_job_retries_total", "bpmn_incidents_total",
            "bpmn_compensation_handlers_total", "bpmn_jobs_due", "bpmn_timers_due", "bpmn_incidents_open",
            "bpmn_instances_active")


def broken(job: JobContext) -> None:
    raise RuntimeError("the provider is down")


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture(params=["sqlite_url", pytest.param("postgres_url", marks=pytest.mark.postgres)])
def runtime(request: pytest.FixtureRequest, clock: VirtualClock) -> Runtime:
    """On both databases: the times of instance starts and waits come back from each in its own way."""
    runtime = Runtime(request.getfixturevalue(request.param), clock=clock, default_retries=2,
                      retry_backoff_seconds=0)
    runtime.deploy(SAGA, "saga.bpmn")
    return runtime


def sample(runtime: Runtime, name: str, **labels: str) -> float | None:
    return runtime.metrics.registry.get_sample_value(name, labels)


def test_a_saga_counts_its_outcome_its_duration_and_each_activity_with_its_duration(
        runtime: Runtime, clock: VirtualClock) -> None:
    runtime.start("observed-saga")
    clock.advance(60)
    Worker(runtime, registry()).run_until_idle()  # the charge job waited 60 s
    clock.advance(300)
    (task,), _ = runtime.queries.tasks(everyone=True)
    runtime.complete_task(task.id)  # the task waited 300 s; the refund job is created now
    clock.advance(10)
    Worker(runtime, registry()).run_until_idle()
    process = {"process": "observed-saga"}
    assert sample(runtime, "bpmn_instance_outcomes_total", **process, outcome="completed") == 1
    assert sample(runtime, "bpmn_instance_duration_seconds_count", **process) == 1
    assert sample(runtime, "bpmn_instance_duration_seconds_sum", **process) == 370
    assert sample(runtime, "bpmn_instance_duration_seconds_bucket", **process, le="300.0") == 0
    assert sample(runtime, "bpmn_instance_duration_seconds_bucket", **process, le="900.0") == 1
    for element_type, topic, seconds in (("serviceTask", "charge", 60), ("userTask", "", 300),
                                         ("serviceTask", "refund", 10)):
        labels = {"element_type": element_type, "topic": topic}
        assert sample(runtime, "bpmn_activities_total", **labels) == 1, labels
        assert sample(runtime, "bpmn_activity_duration_seconds_count", **labels) == 1, labels
        assert sample(runtime, "bpmn_activity_duration_seconds_sum", **labels) == seconds, labels
    assert sample(runtime, "bpmn_compensation_handlers_total", **process) == 1
    assert sample(runtime, "bpmn_compensation_runs_total", **process, outcome="completed") == 1


def test_incidents_retries_and_cancellations_are_outcomes(runtime: Runtime) -> None:
    failing = runtime.start("observed-saga")
    Worker(runtime, registry(charge=broken)).run_until_idle()  # one retry, then an incident
    undoing = runtime.start("observed-saga")
    Worker(runtime, registry(refund=broken)).run_until_idle()
    task = next(t for t in runtime.queries.tasks(everyone=True)[0] if t.instance_id == undoing)
    runtime.complete_task(task.id)
    Worker(runtime, registry(refund=broken)).run_until_idle()  # the refund fails twice: a compensation incident
    runtime.cancel(failing)
    process = {"process": "observed-saga"}
    assert sample(runtime, "bpmn_job_retries_total", topic="charge") == 1
    assert sample(runtime, "bpmn_job_retries_total", topic="refund") == 1
    assert sample(runtime, "bpmn_incidents_total", **process) == 2
    assert sample(runtime, "bpmn_instance_outcomes_total", **process, outcome="incident") == 2
    assert sample(runtime, "bpmn_compensation_runs_total", **process, outcome="incident") == 1
    assert sample(runtime, "bpmn_compensation_runs_total", **process, outcome="completed") is None
    assert sample(runtime, "bpmn_instance_outcomes_total", **process, outcome="terminated") == 1
    assert sample(runtime, "bpmn_instances_ended_total", **process, status="cancelled") == 1


def test_gauges_count_running_instances_waiting_jobs_and_stalled_instances(
        runtime: Runtime, clock: VirtualClock) -> None:
    for _ in range(3):
        runtime.start("observed-saga")
    held = runtime.acquire_jobs("w1", ["charge"], limit=1, lease_seconds=30)
    assert sample(runtime, "bpmn_instances_running", process="observed-saga") == 3
    assert sample(runtime, "bpmn_jobs_waiting", topic="charge") == 2  # the third is held by w1
    assert sample(runtime, "bpmn_jobs_due") == 3
    assert sample(runtime, "bpmn_instances_stalled", process="observed-saga") is None
    clock.advance(2 * 3600)  # nobody ran the jobs for two hours; w1's lease ran out long ago
    assert sample(runtime, "bpmn_jobs_waiting", topic="charge") == 3
    assert sample(runtime, "bpmn_instances_stalled", process="observed-saga") == 3
    runtime.complete_job(held[0].job_id, "w1", {})  # it moved: no longer stalled
    assert sample(runtime, "bpmn_instances_stalled", process="observed-saga") == 2


def test_the_existing_metric_names_still_work(runtime: Runtime) -> None:
    runtime.start("observed-saga")
    Worker(runtime, registry()).run_until_idle()
    (task,), _ = runtime.queries.tasks(everyone=True)
    runtime.complete_task(task.id)
    runtime.start("observed-saga")
    Worker(runtime, registry(charge=broken)).run_until_idle()
    text = generate_latest(runtime.metrics.registry).decode()
    names: set[str] = {line.split("{")[0].split(" ")[0] for line in text.splitlines() if not line.startswith("#")}
    assert [name for name in EXISTING if name not in names] == []
