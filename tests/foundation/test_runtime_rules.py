"""Runtime rules on a real SQLite file: versions, handler retries and incidents, optimistic locking,
idempotent starts, variable types."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bpmn_runtime.clock import VirtualClock
from bpmn_runtime.errors import BpmnError, Conflict, DeploymentError, InvalidInput, NotFound
from bpmn_runtime.handlers import HandlerRegistry, JobContext
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.runtime.unit_of_work import StaleInstance, UnitOfWork
from bpmn_runtime.worker import Worker

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    id="d" targetNamespace="http://example.com">"""


def service_process(extra: str = "", retries: str = "") -> bytes:
    retry_cycle = f"<bpmn:extensionElements><camunda:failedJobRetryTimeCycle>R{retries}/PT10S" \
                  f"</camunda:failedJobRetryTimeCycle></bpmn:extensionElements>" if retries else ""
    return f"""{HEADER}
  <bpmn:process id="pay" isExecutable="true">
    <bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="charge"/>
    <bpmn:serviceTask id="charge" camunda:type="external" camunda:topic="charge">{retry_cycle}</bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="charge" targetRef="done"/>
    <bpmn:endEvent id="done"/>{extra}
  </bpmn:process>
</bpmn:definitions>""".encode()


ERROR_BOUNDARY = """
    <bpmn:boundaryEvent id="declined" attachedToRef="charge"><bpmn:errorEventDefinition errorRef="e1"/></bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f3" sourceRef="declined" targetRef="refused"/><bpmn:endEvent id="refused"/>"""


def test_versions_identical_file_once_changed_file_new_version_running_keep_theirs(sqlite_url: str) -> None:
    runtime = Runtime(sqlite_url)
    first = runtime.deploy(service_process(), "pay.bpmn")
    assert [(d.key, d.version, d.new) for d in first] == [("pay", 1, True)]
    assert [(d.version, d.new) for d in runtime.deploy(service_process(), "pay.bpmn")] == [(1, False)]
    old = runtime.start("pay")
    changed = service_process(extra=ERROR_BOUNDARY).replace(
        b"</bpmn:definitions>", b'<bpmn:error id="e1" errorCode="DECLINED"/></bpmn:definitions>')
    assert [(d.version, d.new) for d in runtime.deploy(changed, "pay.bpmn")] == [(2, True)]
    new = runtime.start("pay")
    assert runtime.queries.instance(old).summary.version == 1
    assert runtime.queries.instance(new).summary.version == 2
    registry = HandlerRegistry()

    def decline(job: JobContext) -> None:
        raise BpmnError("DECLINED")
    registry.register("charge", decline)
    Worker(runtime, registry).run_until_idle()
    assert runtime.queries.instance(new).summary.status == "completed"
    assert runtime.queries.instance(new).history[-2].element_id == "refused"
    old_detail = runtime.queries.instance(old)
    assert old_detail.summary.status == "active", "version 1 has no boundary event: the error is an incident"
    assert "DECLINED" in old_detail.incidents[0].message


def test_a_failing_handler_is_retried_as_its_retry_cycle_says_then_raises_an_incident_that_can_be_retried(
        sqlite_url: str) -> None:
    clock = VirtualClock()
    runtime = Runtime(sqlite_url, clock=clock)
    runtime.deploy(service_process(retries="3"), "pay.bpmn")
    instance_id = runtime.start("pay", {"amount": 12}, business_key="b-1")
    calls: list[tuple[int, str]] = []
    fail = {"on": True}

    def charge(job: JobContext) -> dict[str, Any]:
        calls.append((job.attempt, job.idempotency_key))
        if fail["on"]:
            raise ConnectionError("payment provider unavailable")
        return {"charged": job.variables["amount"]}
    registry = HandlerRegistry()
    registry.register("charge", charge)
    worker = Worker(runtime, registry)
    worker.run_until_idle()
    assert len(calls) == 1
    [job] = runtime.queries.jobs(instance_id=instance_id)
    assert job.retries == 2 and "payment provider unavailable" in (job.last_error or "")
    clock.advance(9)
    worker.run_until_idle()
    assert len(calls) == 1, "not due before the retry interval (R3/PT10S) has passed"
    clock.advance(1)
    worker.run_until_idle()
    clock.advance(20)
    worker.run_until_idle()
    assert [attempt for attempt, _ in calls] == [1, 2, 3]
    assert len({key for _, key in calls}) == 1, "the idempotency key is stable across retries"
    detail = runtime.queries.instance(instance_id)
    [incident] = detail.incidents
    assert "payment provider unavailable" in incident.message and incident.element_id == "charge"
    clock.advance(3600)
    worker.run_until_idle()
    assert len(calls) == 3, "no retries left: the job waits for an operator"
    fail["on"] = False
    runtime.retry_incident(incident.id)
    worker.run_until_idle()
    detail = runtime.queries.instance(instance_id)
    assert detail.summary.status == "completed" and detail.variables["charged"] == 12
    assert detail.incidents[0].resolved_at is not None
    with pytest.raises(NotFound):
        runtime.retry_incident(incident.id)


def test_a_concurrent_change_is_detected_by_the_instance_version(sqlite_url: str) -> None:
    runtime = Runtime(sqlite_url)
    runtime.deploy(service_process(), "pay.bpmn")
    instance_id = runtime.start("pay")
    [job] = runtime.acquire_jobs("w1")
    with runtime.database.session() as session:
        stale = UnitOfWork(runtime, session.connection()).load(instance_id)
    runtime.complete_job(job.job_id, "w1", {"ok": True})
    with runtime.database.session() as session:
        unit = UnitOfWork(runtime, session.connection())
        with pytest.raises(StaleInstance):
            unit.step(stale, lambda s: s.cancel("late writer"))
        session.rollback()
    assert runtime.queries.instance(instance_id).summary.status == "completed"


def test_a_second_completion_of_a_job_gets_a_clear_answer(sqlite_url: str) -> None:
    runtime = Runtime(sqlite_url)
    runtime.deploy(service_process(), "pay.bpmn")
    runtime.start("pay")
    [job] = runtime.acquire_jobs("w1")
    with pytest.raises(Conflict, match="locked by w1, not w2"):
        runtime.complete_job(job.job_id, "w2", {})
    runtime.complete_job(job.job_id, "w1", {})
    with pytest.raises(NotFound, match="no job"):
        runtime.complete_job(job.job_id, "w1", {})


def test_a_repeated_start_with_the_same_request_key_returns_the_first_instance(sqlite_url: str) -> None:
    runtime = Runtime(sqlite_url)
    runtime.deploy(service_process(), "pay.bpmn")
    first = runtime.start("pay", request_key="req-1")
    assert runtime.start("pay", request_key="req-1") == first
    assert runtime.start("pay", business_key="order-1", unique_business_key=True) == \
        runtime.start("pay", business_key="order-1", unique_business_key=True)
    assert runtime.queries.instances()[1] == 2


def test_variables_of_the_wrong_type_are_refused(sqlite_url: str) -> None:
    runtime = Runtime(sqlite_url)
    runtime.deploy(service_process(), "pay.bpmn")
    with pytest.raises(InvalidInput, match="variable 'when' has type"):
        runtime.start("pay", {"when": Path("/")})
    with pytest.raises(InvalidInput, match="not a valid variable name"):
        runtime.start("pay", {"__class__": 1})
    assert runtime.queries.instances()[1] == 0, "nothing was started"


def test_handlers_load_from_a_file_and_a_missing_handler_is_an_incident(sqlite_url: str, tmp_path: Path) -> None:
    handlers = tmp_path / "my_handlers.py"
    handlers.write_text("from bpmn_runtime import handler\n\n@handler('charge')\n"
                        "def charge(job):\n    return {'paid': True}\n")
    registry = HandlerRegistry()
    registry.load(handlers)
    assert registry.topics == ["charge"]
    runtime = Runtime(sqlite_url)
    runtime.deploy(service_process(), "pay.bpmn")
    instance_id = runtime.start("pay")
    Worker(runtime, registry).run_until_idle()
    assert runtime.queries.instance(instance_id).variables["paid"] is True
    with pytest.raises(FileNotFoundError):
        HandlerRegistry().load(tmp_path / "nope.py")


def test_a_timeout_from_the_model_sets_the_lease(sqlite_url: str) -> None:
    clock = VirtualClock()
    runtime = Runtime(sqlite_url, clock=clock)
    properties = ('<bpmn:extensionElements><camunda:properties><camunda:property name="timeout" value="PT5S"/>'
                  '</camunda:properties></bpmn:extensionElements>')
    runtime.deploy(service_process().replace(b'camunda:topic="charge">', f'camunda:topic="charge">{properties}'.encode()))
    runtime.start("pay")
    [job] = runtime.acquire_jobs("w1", lease_seconds=60)
    clock.advance(6)
    [again] = runtime.acquire_jobs("w2", lease_seconds=60)
    assert again.job_id == job.job_id and again.attempt == 2
    assert runtime.queries.jobs()[0].lock_owner == "w2"
    bad = service_process().replace(b'camunda:topic="charge">',
                                    f'camunda:topic="charge">{properties.replace("PT5S", "soon")}'.encode())
    with pytest.raises(DeploymentError, match="the timeout header: 'soon' is not an ISO 8601 duration"):
        runtime.deploy(bad)
