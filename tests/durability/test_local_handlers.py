"""Synchronous local handlers (Camunda 7's Java delegates): a handler of the runtime's `local_handlers` runs
inside the call that reaches its service task, with the same job context, history and failure semantics as
in job-based mode; topics it does not handle wait for workers."""
from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import event

from bpmn_runtime.errors import BpmnError, InvalidInput
from bpmn_runtime.handlers import HandlerRegistry, JobContext
from bpmn_runtime.runtime import Runtime, local_handlers
from bpmn_runtime.worker import Worker
from tests.durability.processes import HEADER, THREE_STEPS
from tests.foundation.test_runtime_rules import ERROR_BOUNDARY, service_process

TOPICS = ("reserve", "charge", "ship")
PARALLEL = f"""{HEADER}
  <bpmn:process id="both" isExecutable="true">
    <bpmn:startEvent id="start"/><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="split"/>
    <bpmn:parallelGateway id="split"/>
    <bpmn:sequenceFlow id="f2" sourceRef="split" targetRef="a"/><bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="b"/>
    <bpmn:serviceTask id="a" camunda:type="external" camunda:topic="a"/>
    <bpmn:serviceTask id="b" camunda:type="external" camunda:topic="b"/>
    <bpmn:sequenceFlow id="f4" sourceRef="a" targetRef="join"/><bpmn:sequenceFlow id="f5" sourceRef="b" targetRef="join"/>
    <bpmn:parallelGateway id="join"/><bpmn:sequenceFlow id="f6" sourceRef="join" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


def _recording(seen: list[JobContext], topics: tuple[str, ...] = TOPICS) -> HandlerRegistry:
    registry = HandlerRegistry()

    def record(job: JobContext) -> dict[str, int]:
        seen.append(job)
        return {job.topic: len(seen)}
    for topic in topics:
        registry.register(topic, record)
    return registry


def _database(request: pytest.FixtureRequest, kind: str) -> str:
    return str(request.getfixturevalue("postgres_url" if kind == "postgres" else "sqlite_url"))


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_start_runs_every_local_handler_and_leaves_the_history_job_based_mode_leaves(
        kind: str, request: pytest.FixtureRequest) -> None:
    seen: list[JobContext] = []
    url = _database(request, kind)
    runtime = Runtime(url, local_handlers=_recording(seen))
    runtime.deploy(THREE_STEPS, "three-steps.bpmn")
    instance_id = runtime.start("three-steps", {"n": 1}, business_key="order-1")
    detail = runtime.queries.instance(instance_id)
    assert detail.summary.status == "completed"
    assert detail.variables == {"n": 1, "reserve": 1, "charge": 2, "ship": 3}
    assert [(j.topic, j.attempt, j.instance_id, j.business_key) for j in seen] == \
        [(t, 1, instance_id, "order-1") for t in TOPICS]
    assert seen[1].variables == {"n": 1, "reserve": 1}
    assert all(j.idempotency_key.startswith(f"{instance_id}-") for j in seen)
    assert runtime.queries.jobs(instance_id=instance_id) == []

    job_based = Runtime(url)  # the same database, handlers run by a worker
    other = job_based.start("three-steps", {"n": 1}, business_key="order-2")
    Worker(job_based, _recording([])).run_until_idle()
    assert [(h.kind, h.element_id) for h in runtime.queries.instance(instance_id).history] == \
        [(h.kind, h.element_id) for h in job_based.queries.instance(other).history]
    job_based.close()
    runtime.close()


def test_a_topic_without_a_local_handler_waits_for_a_worker(sqlite_url: str) -> None:
    seen: list[JobContext] = []
    runtime = Runtime(sqlite_url, local_handlers=_recording(seen, ("reserve", "ship")))
    runtime.deploy(THREE_STEPS, "three-steps.bpmn")
    instance_id = runtime.start("three-steps")
    assert [j.topic for j in seen] == ["reserve"]
    [waiting] = runtime.queries.jobs(instance_id=instance_id)
    assert (waiting.topic, waiting.lock_owner, waiting.attempts) == ("charge", None, 0)
    [charge] = runtime.acquire_jobs("w1", ["charge"])
    runtime.complete_job(charge.job_id, "w1", {})  # the worker's completion reaches ship: run in-line
    assert [j.topic for j in seen] == ["reserve", "ship"]
    assert runtime.queries.instance(instance_id).summary.status == "completed"
    runtime.close()


def test_a_failing_local_handler_spends_a_retry_and_leaves_the_job_to_a_worker(sqlite_url: str) -> None:
    registry = HandlerRegistry()

    @registry.handler("charge")
    def refuse(job: JobContext) -> None:
        raise ConnectionError("the card service is down")
    runtime = Runtime(sqlite_url, local_handlers=registry, retry_backoff_seconds=0.0)
    runtime.deploy(service_process(), "pay.bpmn")
    instance_id = runtime.start("pay")  # the start itself succeeds: the failure belongs to the job
    assert runtime.queries.instance(instance_id).summary.status == "active"
    [job] = runtime.queries.jobs(instance_id=instance_id)
    assert (job.retries, job.attempts, job.lock_owner) == (2, 1, None)
    assert job.last_error is not None and "ConnectionError: the card service is down" in job.last_error
    later = HandlerRegistry()
    later.register("charge", lambda job: {"charged": job.attempt})
    assert Worker(runtime, later).run_until_idle() == 1
    detail = runtime.queries.instance(instance_id)
    assert detail.summary.status == "completed" and detail.variables == {"charged": 2}
    runtime.close()


def test_a_bpmn_error_of_a_local_handler_goes_to_the_error_boundary_event(sqlite_url: str) -> None:
    registry = HandlerRegistry()

    @registry.handler("charge")
    def decline(job: JobContext) -> None:
        raise BpmnError("DECLINED", variables={"reason": "no funds"})
    runtime = Runtime(sqlite_url, local_handlers=registry)
    runtime.deploy(service_process(extra=ERROR_BOUNDARY).replace(
        b"</bpmn:definitions>", b'<bpmn:error id="e1" errorCode="DECLINED"/></bpmn:definitions>'), "pay.bpmn")
    instance_id = runtime.start("pay")
    detail = runtime.queries.instance(instance_id)
    assert detail.summary.status == "completed"
    assert detail.history[-2].element_id == "refused" and detail.variables == {"reason": "no funds"}
    runtime.close()


def test_outputs_that_cannot_be_stored_fail_the_call_and_change_nothing(sqlite_url: str) -> None:
    registry = HandlerRegistry()
    registry.register("charge", lambda job: {"not a name!": 1})
    runtime = Runtime(sqlite_url, local_handlers=registry)
    runtime.deploy(service_process(), "pay.bpmn")
    with pytest.raises(InvalidInput, match="not a name!"):
        runtime.start("pay")
    assert runtime.queries.instances(process="pay", limit=10)[1] == 0
    runtime.close()


def test_parallel_local_handlers_run_one_after_the_other_each_seeing_the_last(sqlite_url: str) -> None:
    seen: list[JobContext] = []
    runtime = Runtime(sqlite_url, local_handlers=_recording(seen, ("a", "b")))
    runtime.deploy(PARALLEL, "both.bpmn")
    instance_id = runtime.start("both", {"n": 0})
    assert [j.topic for j in seen] == ["a", "b"]
    assert seen[1].variables == {"n": 0, "a": 1}
    assert runtime.queries.instance(instance_id).summary.status == "completed"
    runtime.close()


def _job_inserts(runtime: Runtime) -> list[str]:
    """The INSERTs into the jobs table the runtime's SQLite connections run from now on (traced by SQLite)."""
    return _traced(runtime, "INSERT INTO JOBS")


def _traced(runtime: Runtime, *beginnings: str) -> list[str]:
    """The statements beginning so that the runtime's SQLite connections run from now on (traced by SQLite)."""
    inserts: list[str] = []

    def trace(sql: str) -> None:
        if sql.lstrip().upper().startswith(beginnings):
            inserts.append(sql)

    @event.listens_for(runtime.database.engine, "checkout")
    def _traced(dbapi_connection: sqlite3.Connection, *_: object) -> None:
        dbapi_connection.set_trace_callback(trace)
    runtime.database.engine.pool.dispose()
    return inserts


def test_the_steps_after_in_line_handlers_write_the_instance_row_once_after_them(sqlite_url: str) -> None:
    seen: list[JobContext] = []
    runtime = Runtime(sqlite_url, local_handlers=_recording(seen))
    runtime.deploy(THREE_STEPS, "three-steps.bpmn")
    writes = _traced(runtime, "INSERT INTO INSTANCES", "UPDATE INSTANCES")
    instance_id = runtime.start("three-steps", {"n": 1})
    assert len(seen) == 3
    assert [sql.split()[0] for sql in writes] == ["INSERT", "UPDATE"]  # the start's step, then the three after it
    assert "'completed'" in writes[1]
    detail = runtime.queries.instance(instance_id)
    assert detail.summary.status == "completed"
    assert detail.variables == {"n": 1, "reserve": 1, "charge": 2, "ship": 3}
    runtime.close()


def test_a_succeeding_local_handler_leaves_no_job_row_and_gets_the_job_based_idempotency_key(
        sqlite_url: str) -> None:
    seen: list[JobContext] = []
    runtime = Runtime(sqlite_url, local_handlers=_recording(seen))
    runtime.deploy(THREE_STEPS, "three-steps.bpmn")
    inserts = _job_inserts(runtime)
    instance_id = runtime.start("three-steps")
    assert runtime.queries.instance(instance_id).summary.status == "completed"
    assert inserts == [] and [j.job_id for j in seen] == [0, 0, 0]

    job_based = Runtime(sqlite_url)
    worker_inserts = _job_inserts(job_based)
    other = job_based.start("three-steps")
    by_worker: list[JobContext] = []
    Worker(job_based, _recording(by_worker)).run_until_idle()
    assert len(worker_inserts) == 3  # in job-based mode each job has its row: the trace sees them
    assert [j.idempotency_key.removeprefix(f"{instance_id}-") for j in seen] == \
        [j.idempotency_key.removeprefix(f"{other}-") for j in by_worker]
    job_based.close()
    runtime.close()


def test_an_uncaught_bpmn_error_of_a_local_handler_is_an_incident_on_a_job_row_as_in_job_based_mode(
        sqlite_url: str) -> None:
    registry = HandlerRegistry()

    @registry.handler("charge")
    def decline(job: JobContext) -> None:
        raise BpmnError("DECLINED", "no funds")
    runtime = Runtime(sqlite_url, local_handlers=registry)
    runtime.deploy(service_process(), "pay.bpmn")
    instance_id = runtime.start("pay")
    assert runtime.queries.instance(instance_id).summary.status == "active"
    [job] = runtime.queries.jobs(instance_id=instance_id)
    assert (job.retries, job.attempts, job.lock_owner) == (0, 1, None)
    assert job.last_error == "BPMN error DECLINED not caught: no funds"
    [incident] = runtime.queries.incidents()
    assert (incident.instance_id, incident.element_id) == (instance_id, "charge")
    runtime.close()


def test_past_the_bound_of_in_line_runs_a_job_gets_its_row_and_waits_for_a_worker(
        sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local_handlers, "LOCAL_RUNS_PER_CALL", 2)
    seen: list[JobContext] = []
    runtime = Runtime(sqlite_url, local_handlers=_recording(seen))
    runtime.deploy(THREE_STEPS, "three-steps.bpmn")
    instance_id = runtime.start("three-steps")
    assert [j.topic for j in seen] == ["reserve", "charge"]
    [waiting] = runtime.queries.jobs(instance_id=instance_id)
    assert (waiting.topic, waiting.lock_owner, waiting.attempts, waiting.retries) == ("ship", None, 0, 3)
    by_worker: list[JobContext] = []
    assert Worker(runtime, _recording(by_worker)).run_until_idle() == 1
    assert [(j.topic, j.attempt) for j in by_worker] == [("ship", 1)]
    assert runtime.queries.instance(instance_id).summary.status == "completed"
    runtime.close()


@pytest.mark.postgres
def test_in_line_runs_on_postgresql_use_no_job_ids(postgres_url: str) -> None:
    """PostgreSQL's job ids come from a sequence that no rollback or delete gives back: after in-line runs, the
    first job a worker gets is job 1 only if none of them wrote a row."""
    seen: list[JobContext] = []
    runtime = Runtime(postgres_url, local_handlers=_recording(seen))
    runtime.deploy(THREE_STEPS, "three-steps.bpmn")
    for n in range(2):
        runtime.start("three-steps", {"n": n})
    assert len(seen) == 6
    job_based = Runtime(postgres_url)
    job_based.start("three-steps")
    [first] = job_based.acquire_jobs("w1")
    assert first.job_id == 1
    job_based.close()
    runtime.close()
