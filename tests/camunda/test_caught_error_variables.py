"""camunda:errorCodeVariable and camunda:errorMessageVariable on catching error events store the caught error's
code and message, as Camunda 7 stores them: from an error end event (its message is the bpmn:error's
camunda:errorMessage, which may embed `${...}`), from a handler's BPMN error, and from a called process that
failed with one. An error without a message sets the message variable to null. camunda:escalationCodeVariable
stores a caught escalation's code the same way."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from bpmn_runtime.runtime import Runtime

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://example.com/errors">"""
CATCH = 'camunda:errorCodeVariable="code" camunda:errorMessageVariable="why"'


@pytest.fixture()
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    runtime = Runtime(f"sqlite:///{tmp_path / 'errors.db'}")
    yield runtime
    runtime.close()


def boundary_model(inner: str, error: str, catch: str = CATCH) -> bytes:
    """A process whose activity `work` (given as `inner`) has an error boundary event leading to `handled`."""
    return f"""{HEAD}{error}
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="s"/>{inner}<bpmn:endEvent id="done"/><bpmn:endEvent id="handled"/>
    <bpmn:boundaryEvent id="caught" name="Refused" attachedToRef="work">
      <bpmn:errorEventDefinition errorRef="refused" {catch}/></bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="work"/>
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="done"/>
    <bpmn:sequenceFlow id="f3" sourceRef="caught" targetRef="handled"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


SUBPROCESS_THAT_FAILS = """<bpmn:subProcess id="work"><bpmn:startEvent id="in"/>
      <bpmn:endEvent id="fail"><bpmn:errorEventDefinition errorRef="refused"/></bpmn:endEvent>
      <bpmn:sequenceFlow id="i1" sourceRef="in" targetRef="fail"/></bpmn:subProcess>"""


def test_a_boundary_event_stores_the_code_and_the_rendered_message_of_an_error_end_event(runtime: Runtime) -> None:
    runtime.deploy(boundary_model(SUBPROCESS_THAT_FAILS, '<bpmn:error id="refused" errorCode="REFUSED" '
                                  'camunda:errorMessage="order ${orderId} refused"/>'), "p.bpmn")
    instance = runtime.start("p", {"orderId": "o-7"})
    detail = runtime.queries.instance(instance)
    assert detail.summary.status == "completed"
    assert detail.variables == {"orderId": "o-7", "code": "REFUSED", "why": "order o-7 refused"}


def test_an_error_without_a_message_sets_the_message_variable_to_null(runtime: Runtime) -> None:
    runtime.deploy(boundary_model(SUBPROCESS_THAT_FAILS, '<bpmn:error id="refused" errorCode="REFUSED"/>'),
                   "p.bpmn")
    detail = runtime.queries.instance(runtime.start("p"))
    assert detail.variables == {"code": "REFUSED", "why": None}


def test_a_catch_all_boundary_event_stores_the_code_of_whatever_error_a_handler_raised(runtime: Runtime) -> None:
    job = '<bpmn:serviceTask id="work" camunda:type="external" camunda:topic="charge"/>'
    catch_all = boundary_model(job, "", CATCH).replace(b' errorRef="refused"', b"")
    runtime.deploy(catch_all, "p.bpmn")
    instance = runtime.start("p")
    [work] = runtime.acquire_jobs("w")
    runtime.job_bpmn_error(work.job_id, "w", "CARD_DECLINED", "the card expired", variables={"tries": 1})
    detail = runtime.queries.instance(instance)
    assert detail.summary.status == "completed"
    assert detail.variables == {"tries": 1, "code": "CARD_DECLINED", "why": "the card expired"}


def test_an_error_event_subprocess_stores_the_error_a_called_process_failed_with(runtime: Runtime) -> None:
    runtime.deploy(f"""{HEAD}<bpmn:error id="late" errorCode="LATE" camunda:errorMessage="too late"/>
  <bpmn:process id="child" isExecutable="true"><bpmn:startEvent id="cs"/>
    <bpmn:endEvent id="ce"><bpmn:errorEventDefinition errorRef="late"/></bpmn:endEvent>
    <bpmn:sequenceFlow id="c1" sourceRef="cs" targetRef="ce"/></bpmn:process>
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="s"/><bpmn:callActivity id="call" calledElement="child"/><bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="call"/><bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="e"/>
    <bpmn:subProcess id="onError" triggeredByEvent="true">
      <bpmn:startEvent id="es"><bpmn:errorEventDefinition errorRef="late" {CATCH}/></bpmn:startEvent>
      <bpmn:userTask id="look" name="Look into it"/>
      <bpmn:sequenceFlow id="e1" sourceRef="es" targetRef="look"/></bpmn:subProcess>
  </bpmn:process>
</bpmn:definitions>""".encode(), "call.bpmn")
    instance = runtime.start("p")
    [tasks] = [runtime.queries.tasks(everyone=True)[0]]
    assert [task.element_id for task in tasks] == ["look"]
    variables = runtime.queries.instance(instance).variables
    assert variables["code"] == "LATE" and variables["why"] == "too late"


def test_an_escalation_boundary_event_stores_the_caught_escalation_code(runtime: Runtime) -> None:
    runtime.deploy(f"""{HEAD}<bpmn:escalation id="late" escalationCode="LATE"/>
  <bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s"/>
    <bpmn:subProcess id="work"><bpmn:startEvent id="in"/>
      <bpmn:endEvent id="raise"><bpmn:escalationEventDefinition escalationRef="late"/></bpmn:endEvent>
      <bpmn:sequenceFlow id="i1" sourceRef="in" targetRef="raise"/></bpmn:subProcess>
    <bpmn:boundaryEvent id="noted" attachedToRef="work" cancelActivity="false">
      <bpmn:escalationEventDefinition camunda:escalationCodeVariable="escalated"/></bpmn:boundaryEvent>
    <bpmn:userTask id="look"/><bpmn:endEvent id="e"/><bpmn:endEvent id="e2"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="work"/><bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="e"/>
    <bpmn:sequenceFlow id="f3" sourceRef="noted" targetRef="look"/><bpmn:sequenceFlow id="f4" sourceRef="look" targetRef="e2"/>
  </bpmn:process>
</bpmn:definitions>""".encode(), "escalation.bpmn")
    instance = runtime.start("p")
    assert runtime.queries.instance(instance).variables == {"escalated": "LATE"}
