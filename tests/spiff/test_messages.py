"""SpiffWorkflow messages carry their payload only: spiffworkflow:messagePayload (Python, evaluated when the
message is thrown; none: an empty payload) reaches the catcher in the variable spiffworkflow:messageVariable
names (none: nowhere), whether the message starts a process or reaches a waiting one. Correlation by
correlation properties: test_correlation."""
from __future__ import annotations

from typing import Any

from bpmn_runtime.clock import VirtualClock
from bpmn_runtime.runtime import Runtime
from tests.spiff.models import SPIFF, START, extensions

# A SpiffWorkflow instruction for people, which changes nothing: it makes each file one made for SpiffWorkflow
# when its message has no payload or variable.
MARK = extensions("<spiffworkflow:instructionsForEndUser>Go</spiffworkflow:instructionsForEndUser>")
HEAD = (f'<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions '
        f'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" {SPIFF} id="d" targetNamespace="t">')


def message(payload: str | None = None, variable: str | None = None) -> str:
    parts = [f"<spiffworkflow:messagePayload>{payload}</spiffworkflow:messagePayload>" if payload else "",
             f"<spiffworkflow:messageVariable>{variable}</spiffworkflow:messageVariable>" if variable else ""]
    return f'<bpmn:message id="m" name="order_delayed">{extensions(*parts)}</bpmn:message>'


def thrower(payload: str | None) -> bytes:
    """Process `sender` throws the message from an end event."""
    return (HEAD + message(payload) + f'<bpmn:process id="sender" isExecutable="true"><bpmn:startEvent id="s">{MARK}'
            "</bpmn:startEvent>"
            '<bpmn:endEvent id="send"><bpmn:messageEventDefinition messageRef="m"/></bpmn:endEvent>'
            '<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="send"/></bpmn:process></bpmn:definitions>').encode()


def starter(variable: str | None) -> bytes:
    """Process `qa` starts with the message and waits in a user task."""
    return (HEAD + message(variable=variable) + '<bpmn:process id="qa" isExecutable="true"><bpmn:startEvent id="s">'
            f'<bpmn:messageEventDefinition messageRef="m"/></bpmn:startEvent><bpmn:userTask id="look">{MARK}'
            '</bpmn:userTask>'
            '<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="look"/></bpmn:process></bpmn:definitions>').encode()


def catcher(variable: str | None) -> bytes:
    """Process `waiter` waits for the message in a catch event, then in a user task."""
    return (HEAD + message(variable=variable) + '<bpmn:process id="waiter" isExecutable="true"><bpmn:startEvent id="s"/>'
            '<bpmn:intermediateCatchEvent id="wait"><bpmn:messageEventDefinition messageRef="m"/>'
            f'</bpmn:intermediateCatchEvent><bpmn:userTask id="look">{MARK}</bpmn:userTask>'
            '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="wait"/>'
            '<bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="look"/></bpmn:process></bpmn:definitions>').encode()


def started_with(runtime: Runtime, payload: str | None, variable: str | None) -> dict[str, Any]:
    """The variables of the instance of `qa` that the message thrown by `sender` started."""
    runtime.deploy(starter(variable), "qa.bpmn")
    runtime.deploy(thrower(payload), "sender.bpmn")
    runtime.start("sender", {"reason": "late truck", "secret": "s3"})
    started = [i for i in runtime.queries.instances()[0] if i.process_key == "qa"]
    return runtime.queries.instance(started[0].id).variables


def test_the_payload_starts_the_process_in_the_message_variable(runtime: Runtime) -> None:
    assert started_with(runtime, "{'reason_delayed': reason, 'days': 2}", "order_info") == {
        "order_info": {"reason_delayed": "late truck", "days": 2}}


def test_without_a_payload_the_message_carries_nothing(runtime: Runtime) -> None:
    assert started_with(runtime, None, "order_info") == {"order_info": {}}


def test_without_a_message_variable_the_payload_goes_nowhere(runtime: Runtime) -> None:
    assert started_with(runtime, "{'days': 2}", None) == {}


def test_a_waiting_instance_gets_the_payload_of_a_correlated_message(runtime: Runtime) -> None:
    runtime.deploy(catcher("delay"), "waiter.bpmn")
    waiting = runtime.start("waiter", {"order": 7})
    runtime.correlate_message("order_delayed", variables={"days": 3})
    assert runtime.queries.instance(waiting).variables == {"order": 7, "delay": {"days": 3}}


def test_a_payload_that_is_not_a_dict_is_an_incident(runtime: Runtime) -> None:
    runtime.deploy(thrower("'late'"), "sender.bpmn")
    detail = runtime.queries.instance(runtime.start("sender", {}))
    assert [i.message for i in detail.incidents] == [
        "the payload of message 'order_delayed' gives 'late'; a message carries variables here, so its payload must "
        "give a dict of names to values"]


def test_a_payload_that_reads_the_clock_reads_the_engines_clock(clocked: tuple[Runtime, VirtualClock]) -> None:
    """The events tutorial's order_delayed payload: datetime.datetime.utcnow().timestamp(), on the virtual clock."""
    runtime, _ = clocked
    variables = started_with(runtime, "{'reason_delayed': reason, 'timestamp': datetime.datetime.utcnow().timestamp()}",
                             "order_info")
    assert variables == {"order_info": {"reason_delayed": "late truck",
                                        "timestamp": START.replace(tzinfo=None).timestamp()}}
