"""Camunda 7 execution listeners on events, gateways and sequence flows, and script listeners, deployed and run:
each listener appends to the `trace` variable (an inline Python script, as `execution.setVariable` would), so
the trace shows the order Camunda 7 runs them in: a node's start, its end, the take of the flow it leaves by,
the next node's start; end listeners also run for what an interrupting event cancels."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.parser import parse
from bpmn_runtime.runtime import Runtime

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://example.com/listeners">"""


def listened(owner: str, *events: str) -> str:
    """extensionElements with a Python script listener for each event, appending '<event> <owner>' to `trace`."""
    return "<bpmn:extensionElements>" + "".join(
        f'<camunda:executionListener event="{event}"><camunda:script scriptFormat="python">'
        f"trace = trace + ['{event} {owner}']</camunda:script></camunda:executionListener>"
        for event in events) + "</bpmn:extensionElements>"


def document(body: str, process: str = "p") -> bytes:
    return f'{HEAD}<bpmn:process id="{process}" isExecutable="true">{body}</bpmn:process></bpmn:definitions>'.encode()


def flow(ident: str, source: str, target: str, inner: str = "") -> str:
    return f'<bpmn:sequenceFlow id="{ident}" sourceRef="{source}" targetRef="{target}">{inner}</bpmn:sequenceFlow>'


@pytest.fixture()
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    runtime = Runtime(f"sqlite:///{tmp_path / 'listeners.db'}")
    yield runtime
    runtime.close()


def trace_of(runtime: Runtime, instance: int) -> list[str]:
    detail = runtime.queries.instance(instance)
    assert not detail.incidents, detail.incidents
    return list(detail.variables["trace"])


def test_start_end_and_take_listeners_run_in_camunda_7_order_along_events_and_a_gateway(runtime: Runtime) -> None:
    runtime.deploy(document(
        f'<bpmn:startEvent id="s">{listened("s", "start", "end")}</bpmn:startEvent>'
        + flow("f1", "s", "gw", listened("f1", "take"))
        + f'<bpmn:exclusiveGateway id="gw" default="f3">{listened("gw", "start", "end")}</bpmn:exclusiveGateway>'
        + flow("f2", "gw", "never", listened("f2", "take")
               + '<bpmn:conditionExpression>${false}</bpmn:conditionExpression>')
        + flow("f3", "gw", "note", listened("f3", "take"))
        + '<bpmn:endEvent id="never"/>'
        + f'<bpmn:intermediateThrowEvent id="note">{listened("note", "start", "end")}</bpmn:intermediateThrowEvent>'
        + flow("f4", "note", "e")
        + f'<bpmn:endEvent id="e">{listened("e", "start", "end")}</bpmn:endEvent>'), "order.bpmn")
    instance = runtime.start("p", {"trace": []})
    assert runtime.queries.instance(instance).summary.status == "completed"
    assert trace_of(runtime, instance) == [
        "start s", "end s", "take f1", "start gw", "end gw", "take f3", "start note", "end note", "start e", "end e"]


def test_a_joining_parallel_gateway_runs_its_end_listener_once_for_the_joined_tokens(runtime: Runtime) -> None:
    runtime.deploy(document(
        '<bpmn:startEvent id="s"/><bpmn:parallelGateway id="fork"/>'
        f'<bpmn:parallelGateway id="join">{listened("join", "end")}</bpmn:parallelGateway><bpmn:endEvent id="e"/>'
        + flow("f1", "s", "fork") + flow("a", "fork", "join", listened("a", "take"))
        + flow("b", "fork", "join", listened("b", "take")) + flow("f2", "join", "e")), "join.bpmn")
    instance = runtime.start("p", {"trace": []})
    assert trace_of(runtime, instance) == ["take a", "take b", "end join"]


def test_cancelled_elements_run_their_end_listeners_before_the_boundary_event_starts(runtime: Runtime) -> None:
    runtime.deploy(f"""{HEAD}<bpmn:error id="late" errorCode="LATE"/>
  <bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s"/>
    <bpmn:subProcess id="sub">{listened("sub", "start", "end")}<bpmn:startEvent id="in"/>
      <bpmn:endEvent id="fail">{listened("fail", "start", "end")}<bpmn:errorEventDefinition errorRef="late"/>
      </bpmn:endEvent>{flow("i1", "in", "fail")}</bpmn:subProcess>
    <bpmn:boundaryEvent id="caught" attachedToRef="sub">{listened("caught", "start", "end")}
      <bpmn:errorEventDefinition errorRef="late"/></bpmn:boundaryEvent>
    <bpmn:endEvent id="e"/><bpmn:endEvent id="handled"/>
    {flow("f1", "s", "sub")}{flow("f2", "sub", "e")}{flow("f3", "caught", "handled", listened("f3", "take"))}
  </bpmn:process></bpmn:definitions>""".encode(), "cancel.bpmn")
    instance = runtime.start("p", {"trace": []})
    assert runtime.queries.instance(instance).summary.status == "completed"
    assert trace_of(runtime, instance) == [
        "start sub", "start fail", "end fail", "end sub", "start caught", "end caught", "take f3"]


def test_a_script_listener_sets_variables_where_execution_set_variable_would(runtime: Runtime) -> None:
    """`doubled` exists nowhere, so it goes to the process instance; the input mapping `limit` stays local."""
    runtime.deploy(document(
        '<bpmn:startEvent id="s"/><bpmn:task id="t"><bpmn:extensionElements><camunda:inputOutput>'
        '<camunda:inputParameter name="limit">${amount + 1}</camunda:inputParameter></camunda:inputOutput>'
        '<camunda:executionListener event="start"><camunda:script scriptFormat="python">doubled = limit * 2'
        '</camunda:script></camunda:executionListener></bpmn:extensionElements></bpmn:task><bpmn:endEvent id="e"/>'
        + flow("f1", "s", "t") + flow("f2", "t", "e")), "script.bpmn")
    detail = runtime.queries.instance(runtime.start("p", {"amount": 4}))
    assert detail.summary.status == "completed" and detail.variables == {"amount": 4, "doubled": 10}


@pytest.mark.parametrize("where", ["flow", "gateway"])
def test_a_failing_take_or_gateway_listener_is_an_incident_on_the_element_the_token_leaves(
        runtime: Runtime, where: str) -> None:
    failing = '<bpmn:extensionElements><camunda:executionListener event="{event}" expression="${{missing}}"/>' \
              '</bpmn:extensionElements>'
    runtime.deploy(document(
        '<bpmn:startEvent id="s"/>'
        f'<bpmn:exclusiveGateway id="gw" default="f2">{failing.format(event="end") if where == "gateway" else ""}'
        '</bpmn:exclusiveGateway><bpmn:endEvent id="e"/><bpmn:endEvent id="e2"/>'
        + flow("f1", "s", "gw") + flow("f2", "gw", "e", failing.format(event="take") if where == "flow" else "")
        + flow("f3", "gw", "e2", "<bpmn:conditionExpression>${false}</bpmn:conditionExpression>")),
        "failing.bpmn")
    instance = runtime.start("p")
    detail = runtime.queries.instance(instance)
    assert detail.summary.status == "active"
    [incident] = detail.incidents
    assert incident.element_id == "gw" and "missing" in incident.message


def refusal(body: str) -> tuple[str, str]:
    with pytest.raises(DeploymentError) as refused:
        parse(document(body), "refused.bpmn")
    [problem] = refused.value.problems
    assert problem.line > 0
    return problem.element_id, problem.message


def test_listeners_the_engine_cannot_run_at_camunda_7_moments_are_refused_where_they_are_drawn() -> None:
    start = '<bpmn:extensionElements><camunda:executionListener event="start" expression="${x}"/>' \
            '</bpmn:extensionElements>'
    element, message = refusal(
        f'<bpmn:startEvent id="s"/><bpmn:parallelGateway id="fork"/><bpmn:parallelGateway id="join" name="Both">'
        f'{start}</bpmn:parallelGateway><bpmn:endEvent id="e"/>'
        + flow("f1", "s", "fork") + flow("a", "fork", "join") + flow("b", "fork", "join") + flow("f2", "join", "e"))
    assert element == "join" and message.startswith("camunda:executionListener on 'Both' (join): Camunda 7 runs the "
                                                    "start listeners of a joining gateway as each token arrives")
    element, message = refusal(
        '<bpmn:startEvent id="s"/><bpmn:eventBasedGateway id="gw"/>'
        f'<bpmn:intermediateCatchEvent id="wait">{start}<bpmn:timerEventDefinition><bpmn:timeDuration>PT1M'
        '</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent><bpmn:endEvent id="e"/>'
        '<bpmn:intermediateCatchEvent id="later"><bpmn:timerEventDefinition><bpmn:timeDuration>PT2M'
        '</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>'
        + flow("f1", "s", "gw") + flow("f2", "gw", "wait") + flow("f3", "wait", "e") + flow("f4", "gw", "later")
        + flow("f5", "later", "e"))
    assert element == "wait" and "an event after an event-based gateway is not entered before it occurs" in message
    element, message = refusal(
        '<bpmn:startEvent id="s"/><bpmn:endEvent id="e"/>'
        + flow("f1", "s", "e", '<bpmn:extensionElements><camunda:executionListener event="start" '
                               'expression="${x}"/></bpmn:extensionElements>'))
    assert element == "f1" and "Event type 'start' is not run on a sequence flow; use take" in message
    element, message = refusal(
        f'<bpmn:receiveTask id="r" instantiate="true">{start}</bpmn:receiveTask><bpmn:endEvent id="e"/>'
        + flow("f1", "r", "e"))
    assert element == "r" and "a receive task that starts the process has occurred when it is entered" in message


def test_a_listener_script_the_sandbox_cannot_run_is_refused_at_the_flow_that_carries_it() -> None:
    element, message = refusal(
        '<bpmn:startEvent id="s"/><bpmn:endEvent id="e"/>'
        + flow("f1", "s", "e", '<bpmn:extensionElements><camunda:executionListener event="take"><camunda:script '
                               'scriptFormat="python">execution.setVariable("x", 1)</camunda:script>'
                               '</camunda:executionListener></bpmn:extensionElements>'))
    assert element == "f1" and message.startswith("the script of the take listener: refused script")
    assert "as execution.setVariable('name', value) would" in message


def test_the_start_event_of_an_event_subprocess_runs_its_listeners_with_what_the_error_brought(
        runtime: Runtime) -> None:
    runtime.deploy(f"""{HEAD}<bpmn:error id="late" errorCode="LATE"/>
  <bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s"/>
    <bpmn:endEvent id="fail"><bpmn:errorEventDefinition errorRef="late"/></bpmn:endEvent>{flow("f1", "s", "fail")}
    <bpmn:subProcess id="onError" triggeredByEvent="true">
      <bpmn:startEvent id="caught"><bpmn:extensionElements><camunda:executionListener event="start">
        <camunda:script scriptFormat="python">trace = trace + ['start caught ' + code]</camunda:script>
        </camunda:executionListener></bpmn:extensionElements>
        <bpmn:errorEventDefinition errorRef="late" camunda:errorCodeVariable="code"/></bpmn:startEvent>
      <bpmn:endEvent id="handled">{listened("handled", "end")}</bpmn:endEvent>{flow("e1", "caught", "handled")}
    </bpmn:subProcess>
  </bpmn:process></bpmn:definitions>""".encode(), "event-subprocess.bpmn")
    instance = runtime.start("p", {"trace": []})
    assert runtime.queries.instance(instance).summary.status == "completed"
    assert trace_of(runtime, instance) == ["start caught LATE", "end handled"]
