"""Camunda 7 execution listeners run as Camunda 7 runs them: `start` and `end` on tasks, call activities,
subprocesses, events and exclusive, parallel and inclusive gateways (start after the input mappings, end after
the output mappings, and end also when the element is cancelled), `take` on sequence flows (after the source's
end, before the target's start); task listeners on a user task's create, complete and delete (when it is
cancelled). An Expression listener's value is discarded: JUEL here only reads the instance
(`execution.setVariable` is refused at deployment); an inline Python script listener's assignments set
variables as `execution.setVariable` does. One that fails is an incident on its element at that moment. Other
listeners are refused at deployment, located, in the modeler's words."""
from __future__ import annotations

from pathlib import Path

import pytest

from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.parser import parse
from bpmn_runtime.runtime import Runtime


def model(task: str, element_id: str = "t") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://example.com/listeners">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start"/>{task}<bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="{element_id}"/>
    <bpmn:sequenceFlow id="f2" sourceRef="{element_id}" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


# A user task whose start listener reads the input mapping `limit` and checks the event name, and whose end
# listener reads `decision`, which only the output mapping sets (from the completion's `answer`).
APPROVAL = model("""<bpmn:userTask id="t" name="Approve"><bpmn:extensionElements>
    <camunda:inputOutput><camunda:inputParameter name="limit">${amount * 2}</camunda:inputParameter>
      <camunda:outputParameter name="decision">${answer}</camunda:outputParameter></camunda:inputOutput>
    <camunda:executionListener event="start"
        expression="${execution.eventName == 'start' and limit > 0 ? limit : startFailed}"/>
    <camunda:executionListener event="end"
        expression="${execution.eventName == 'end' and decision != 'no' ? decision : endFailed}"/>
  </bpmn:extensionElements></bpmn:userTask>""")


@pytest.fixture()
def runtime(tmp_path: Path) -> Runtime:
    runtime = Runtime(f"sqlite:///{tmp_path / 'listeners.db'}")
    yield runtime
    runtime.close()


def test_start_and_end_listeners_that_hold_let_the_instance_run_to_its_end(runtime: Runtime) -> None:
    runtime.deploy(APPROVAL, "approval.bpmn")
    instance = runtime.start("p", {"amount": 5})
    [task] = runtime.queries.tasks(everyone=True)[0]
    runtime.complete_task(task.id, {"answer": "yes"})
    detail = runtime.queries.instance(instance)
    assert detail.summary.status == "completed" and not detail.incidents
    assert detail.variables == {"amount": 5, "decision": "yes"}


def test_a_failing_start_listener_is_an_incident_before_the_task_is_created(runtime: Runtime) -> None:
    runtime.deploy(APPROVAL, "approval.bpmn")
    instance = runtime.start("p", {"amount": -1})  # limit is -2: the listener reads the missing startFailed
    detail = runtime.queries.instance(instance)
    assert runtime.queries.tasks(everyone=True)[0] == []
    [incident] = detail.incidents
    assert incident.element_id == "t" and "startFailed" in incident.message


def test_a_failing_end_listener_runs_after_the_output_mapping_and_stops_the_instance_there(
        runtime: Runtime) -> None:
    runtime.deploy(APPROVAL, "approval.bpmn")
    instance = runtime.start("p", {"amount": 5})
    [task] = runtime.queries.tasks(everyone=True)[0]
    runtime.complete_task(task.id, {"answer": "no"})
    detail = runtime.queries.instance(instance)
    assert detail.summary.status != "completed"
    [incident] = detail.incidents
    assert incident.element_id == "t" and "endFailed" in incident.message


def test_listeners_of_one_event_run_in_model_order(runtime: Runtime) -> None:
    """The first start listener fails on a missing variable, so the second (which would fail differently)
    never runs: the incident names the first."""
    runtime.deploy(model("""<bpmn:task id="t" name="Check"><bpmn:extensionElements>
        <camunda:executionListener event="start" expression="${first}"/>
        <camunda:executionListener event="start" expression="${second}"/></bpmn:extensionElements></bpmn:task>"""),
        "order.bpmn")
    [incident] = runtime.queries.instance(runtime.start("p")).incidents
    assert "first" in incident.message and "second" not in incident.message


def refusal(task: str, element_id: str = "t") -> str:
    with pytest.raises(DeploymentError) as refused:
        parse(model(task, element_id), "c7.bpmn")
    [problem] = refused.value.problems
    assert problem.element_id == element_id and problem.line > 0
    return problem.message


@pytest.mark.parametrize("listener, reason", [
    ('<camunda:executionListener event="start" delegateExpression="${logger}"/>',
     'it names Java code (delegateExpression="${logger}")'),
    ('<camunda:executionListener event="end" class="org.example.Log"/>', 'class="org.example.Log"'),
    ('<camunda:executionListener event="start"><camunda:script scriptFormat="groovy">x</camunda:script>'
     '</camunda:executionListener>', "a listener's script in 'groovy' is not run here"),
    ('<camunda:executionListener event="start"><camunda:script scriptFormat="python" resource="a.py"/>'
     '</camunda:executionListener>', "scripts from external resources are not loaded"),
    ('<camunda:executionListener event="start"/>', "only listeners of type Expression or Script run here"),
    ('<camunda:executionListener event="take" expression="${x}"/>', "Event type 'take' is not run here"),
])
def test_listeners_the_engine_cannot_run_are_refused_naming_why(listener: str, reason: str) -> None:
    message = refusal(f'<bpmn:task id="t" name="Check"><bpmn:extensionElements>{listener}'
                      '</bpmn:extensionElements></bpmn:task>')
    assert message.startswith("camunda:executionListener on 'Check' (t):") and reason in message


def test_an_expression_listener_that_would_change_the_instance_is_refused() -> None:
    message = refusal("""<bpmn:task id="t" name="Check"><bpmn:extensionElements><camunda:executionListener
        event="start" expression="${execution.setVariable('x', 1)}"/></bpmn:extensionElements></bpmn:task>""")
    assert "setVariable" in message and "would change the process instance" in message


def test_listeners_on_loops_and_task_listeners_on_other_tasks_are_refused() -> None:
    listener = '<bpmn:extensionElements><camunda:executionListener event="start" expression="${x}"/>' \
               '</bpmn:extensionElements>'
    loop = refusal(f'<bpmn:task id="t" name="Each">{listener}<bpmn:multiInstanceLoopCharacteristics>'
                   '<bpmn:loopCardinality>3</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>'
                   '</bpmn:task>')
    assert "subprocesses (without a loop)" in loop
    on_service_task = refusal('<bpmn:serviceTask id="t" name="Call" camunda:type="external" camunda:topic="c">'
                              '<bpmn:extensionElements><camunda:taskListener event="create" expression="${x}"/>'
                              '</bpmn:extensionElements></bpmn:serviceTask>')
    assert "task listeners run here only on user tasks without a loop" in on_service_task


@pytest.mark.parametrize("event, why", [
    ("assignment", "the inbox claims and assigns tasks outside the process run"),
    ("update", "the inbox changes tasks outside the process run"),
    ("timeout", "put a timer boundary event on the user task"),
])
def test_task_listeners_on_events_other_than_create_complete_and_delete_are_refused(event: str, why: str) -> None:
    message = refusal('<bpmn:userTask id="t" name="Approve"><bpmn:extensionElements><camunda:taskListener '
                      f'event="{event}" expression="${{x}}"/></bpmn:extensionElements></bpmn:userTask>')
    assert message.startswith(f"camunda:taskListener on 'Approve' (t): Event type '{event}' is not run here")
    assert why in message and "use create, complete or delete" in message


REVIEW = model("""<bpmn:userTask id="t" name="Review"><bpmn:extensionElements>
    <camunda:inputOutput><camunda:outputParameter name="verdict">${answer}</camunda:outputParameter>
    </camunda:inputOutput>
    <camunda:taskListener event="create" expression="${reviewer != null ? reviewer : createFailed}"/>
    <camunda:taskListener event="complete"
        expression="${answer == 'ok' and empty verdict ? answer : completeFailed}"/>
  </bpmn:extensionElements></bpmn:userTask>""")


def test_task_listeners_run_on_create_and_on_complete_before_the_output_mapping(runtime: Runtime) -> None:
    runtime.deploy(REVIEW, "review.bpmn")
    instance = runtime.start("p", {"reviewer": "ana", "verdict": None})
    [task] = runtime.queries.tasks(everyone=True)[0]
    runtime.complete_task(task.id, {"answer": "ok"})
    detail = runtime.queries.instance(instance)
    assert detail.summary.status == "completed" and not detail.incidents
    assert detail.variables["verdict"] == "ok"


def test_a_failing_create_listener_leaves_no_task_and_a_failing_complete_listener_an_incident(
        runtime: Runtime) -> None:
    runtime.deploy(REVIEW, "review.bpmn")
    no_reviewer = runtime.start("p", {"reviewer": None, "verdict": None})
    assert runtime.queries.tasks(everyone=True)[0] == []
    [incident] = runtime.queries.instance(no_reviewer).incidents
    assert incident.element_id == "t" and "createFailed" in incident.message
    rejected = runtime.start("p", {"reviewer": "ana", "verdict": None})
    [task] = runtime.queries.tasks(everyone=True)[0]
    runtime.complete_task(task.id, {"answer": "no"})
    detail = runtime.queries.instance(rejected)
    [incident] = detail.incidents
    assert "completeFailed" in incident.message and detail.variables["verdict"] is None


def test_a_cancelled_user_task_runs_its_delete_listener_then_its_end_listener(runtime: Runtime) -> None:
    """Interrupted by a message, the task is deleted (its delete listener) and then left (its end listener); a
    completed task runs its complete listener and never its delete listener."""
    def noted(kind: str, event: str) -> str:
        return (f'<camunda:{kind} event="{event}"><camunda:script scriptFormat="python">trace = trace + '
                f"['{event}']</camunda:script></camunda:{kind}>")
    runtime.deploy(f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://example.com/listeners">
  <bpmn:message id="m" name="stop"/>
  <bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="start"/>
    <bpmn:userTask id="t" name="Approve"><bpmn:extensionElements>{noted("taskListener", "delete")}
      {noted("taskListener", "complete")}{noted("executionListener", "end")}</bpmn:extensionElements></bpmn:userTask>
    <bpmn:boundaryEvent id="stopped" attachedToRef="t"><bpmn:messageEventDefinition messageRef="m"/>
    </bpmn:boundaryEvent><bpmn:endEvent id="end"/><bpmn:endEvent id="end2"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="t"/><bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="end"/>
    <bpmn:sequenceFlow id="f3" sourceRef="stopped" targetRef="end2"/>
  </bpmn:process>
</bpmn:definitions>""".encode(), "delete.bpmn")
    cancelled = runtime.start("p", {"trace": []})
    runtime.correlate_message("stop")
    detail = runtime.queries.instance(cancelled)
    assert detail.summary.status == "completed" and detail.variables["trace"] == ["delete", "end"]
    completed = runtime.start("p", {"trace": []})
    [task] = runtime.queries.tasks(everyone=True)[0]
    runtime.complete_task(task.id, {})
    assert runtime.queries.instance(completed).variables["trace"] == ["complete", "end"]


def test_an_operator_cancels_an_instance_without_running_its_listeners(runtime: Runtime) -> None:
    """As Camunda 7's Cockpit cancels (skipping custom listeners): a listener that would fail cannot keep an
    operator from ending the instance."""
    runtime.deploy(model("""<bpmn:userTask id="t" name="Approve"><bpmn:extensionElements>
        <camunda:executionListener event="end" expression="${missing}"/>
        <camunda:taskListener event="delete" expression="${missing}"/></bpmn:extensionElements></bpmn:userTask>"""),
        "cancel.bpmn")
    instance = runtime.start("p")
    runtime.cancel(instance, "ordered by mistake")
    detail = runtime.queries.instance(instance)
    assert detail.summary.status == "cancelled" and not detail.incidents
