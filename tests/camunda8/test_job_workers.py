"""Camunda 8 elements that job workers implement: message throw and end events, send tasks and script tasks with
a `zeebe:taskDefinition` are jobs of that type, and the element completes when its job does (the worker sends
the message; the engine does not publish it a second time). `zeebe:properties` reach the worker as headers."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bpmn_runtime.runtime import Runtime
from bpmn_runtime.store.tables import Job
from tests.camunda8.models import deploy_one_task, extensions, flows, model, only_job, runtime_on
from tests.camunda8.test_correlation import KEYED_MESSAGE, PAID
from tests.durability.processes import THREE_STEPS

DEFINITION = ('<zeebe:taskDefinition type="publish-payment"/>'
              '<zeebe:ioMapping><zeebe:input source="=&quot;EUR&quot;" target="currency"/>'
              '<zeebe:output source="=receipt" target="paymentReceipt"/></zeebe:ioMapping>')
SENDERS = {
    "intermediate throw event": f'<bpmn:intermediateThrowEvent id="work">{extensions(DEFINITION)}{PAID}'
                                f'</bpmn:intermediateThrowEvent>',
    "send task": f'<bpmn:sendTask id="work" messageRef="paid">{extensions(DEFINITION)}</bpmn:sendTask>',
    "script task": f'<bpmn:scriptTask id="work">{extensions(DEFINITION)}</bpmn:scriptTask>',
}


def _deploy_listener(runtime: Runtime) -> None:
    """Another process, which the message starts when the engine publishes it."""
    runtime.deploy(model(f'<bpmn:startEvent id="s">{PAID}</bpmn:startEvent><bpmn:endEvent id="e"/>{flows("s", "e")}',
                         KEYED_MESSAGE).replace(b'id="p"', b'id="listener"'), "listener.bpmn")


def _published(runtime: Runtime) -> int:
    """How often the engine published the message: the instances of the listening process it started."""
    return runtime.queries.instances(process="listener")[1]


@pytest.mark.parametrize("element", SENDERS.values(), ids=list(SENDERS))
def test_an_element_with_a_task_definition_is_a_job_and_completes_with_it(tmp_path: Path, element: str) -> None:
    runtime = deploy_one_task(tmp_path, element, declarations=KEYED_MESSAGE)
    _deploy_listener(runtime)
    instance = runtime.start("p", {"orderId": "o-1"})
    work = only_job(runtime)
    assert (work.topic, work.activity_id, work.variables["currency"]) == ("publish-payment", "work", "EUR")
    assert runtime.queries.instance(instance).summary.status == "active"
    runtime.complete_job(work.job_id, "test-worker", {"receipt": "R-1"})
    detail = runtime.queries.instance(instance)
    assert (detail.summary.status, detail.variables) == ("completed", {"orderId": "o-1", "paymentReceipt": "R-1"})
    assert _published(runtime) == 0  # the worker sends it, not the engine


def test_a_message_end_event_with_a_task_definition_ends_when_its_job_completes(tmp_path: Path) -> None:
    runtime = runtime_on(tmp_path)
    runtime.deploy(model(f'<bpmn:startEvent id="s"/><bpmn:endEvent id="work">{extensions(DEFINITION)}{PAID}'
                         f'</bpmn:endEvent>{flows("s", "work")}', KEYED_MESSAGE), "p.bpmn")
    _deploy_listener(runtime)
    instance = runtime.start("p", {"orderId": "o-1"})
    work = only_job(runtime)
    assert runtime.queries.instance(instance).summary.status == "active"
    runtime.complete_job(work.job_id, "test-worker", {"receipt": "R-2"})
    detail = runtime.queries.instance(instance)
    assert (detail.summary.status, detail.variables["paymentReceipt"]) == ("completed", "R-2")
    assert _published(runtime) == 0


def test_extension_properties_and_task_headers_reach_the_worker(tmp_path: Path) -> None:
    task = ('<bpmn:serviceTask id="work">' + extensions(
        '<zeebe:taskDefinition type="charge"/>',
        '<zeebe:properties><zeebe:property name="owner" value="billing-team"/>'
        '<zeebe:property name="timeout" value="PT10M"/></zeebe:properties>',
        '<zeebe:taskHeaders><zeebe:header key="timeout" value="PT5M"/></zeebe:taskHeaders>') + '</bpmn:serviceTask>')
    runtime = deploy_one_task(tmp_path, task)
    runtime.start("p")
    assert only_job(runtime).headers == {"owner": "billing-team", "timeout": "PT5M"}


def test_an_acquisition_locks_each_job_for_its_own_lease_and_starts_only_those_asked(tmp_path: Path) -> None:
    timed = ('<bpmn:serviceTask id="work">' + extensions(
        '<zeebe:taskDefinition type="charge"/>',
        '<zeebe:taskHeaders><zeebe:header key="timeout" value="PT5M"/></zeebe:taskHeaders>') + '</bpmn:serviceTask>')
    runtime = deploy_one_task(tmp_path, timed)
    runtime.deploy(THREE_STEPS, "three-steps.bpmn")
    started = [runtime.start("p"), runtime.start("three-steps"), runtime.start("p"), runtime.start("three-steps")]
    runtime.start("three-steps", business_key="left")  # past the limit
    acquired = runtime.acquire_jobs("w", ["charge", "reserve"], limit=4, lease_seconds=30.0, starting=1)
    assert [(job.instance_id, job.topic, job.lease_seconds, job.attempt) for job in acquired] == [
        (started[0], "charge", 300.0, 1), (started[1], "reserve", 30.0, 1), (started[2], "charge", 300.0, 1),
        (started[3], "reserve", 30.0, 1)]
    with runtime.database.session() as session:
        rows = {job.instance_id: job for job in session.execute(select(Job)).scalars()}
    assert all(rows[i].lock_owner == "w" and rows[i].attempts == 1 for i in started)
    leases = [(rows[i].lock_expires_at - rows[started[1]].lock_expires_at).total_seconds() for i in started]
    assert leases == [270.0, 0.0, 270.0, 0.0]  # the model's timeout, else the worker's lease, from the same now
    assert [rows[i].started_at is not None for i in started] == [True, False, False, False]
    assert [job.business_key for job in runtime.acquire_jobs("w2", ["reserve"])] == ["left"]
    runtime.close()
