"""Camunda 8 elements that job workers implement: message throw and end events, send tasks and script tasks with
a `zeebe:taskDefinition` are jobs of that type, and the element completes when its job does (the worker sends
the message; the engine does not publish it a second time). `zeebe:properties` reach the worker as headers."""
from __future__ import annotations

from pathlib import Path

import pytest

from bpmn_runtime.runtime import Runtime
from tests.camunda8.models import deploy_one_task, extensions, flows, model, only_job, runtime_on
from tests.camunda8.test_correlation import KEYED_MESSAGE, PAID

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
