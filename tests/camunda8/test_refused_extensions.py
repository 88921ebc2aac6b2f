"""Zeebe extensions the engine does not run as Camunda 8 does are refused at deployment, at the element that
carries them and in the modeler's words, never ignored."""
from __future__ import annotations

import pytest

from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.parser import parse
from tests.camunda8.models import extensions, flows, model

EXECUTION_LISTENERS = ('<zeebe:executionListeners><zeebe:executionListener eventType="start" type="audit"/>'
                       '</zeebe:executionListeners>')
TASK_LISTENERS = ('<zeebe:taskListeners><zeebe:taskListener eventType="updating" type="check"/>'
                  '</zeebe:taskListeners>')


@pytest.mark.parametrize("task, expected", [
    ('<bpmn:serviceTask id="work" name="Approve order">' + extensions('<zeebe:taskDefinition type="approve"/>',
                                                                        EXECUTION_LISTENERS)
     + '<bpmn:standardLoopCharacteristics/></bpmn:serviceTask>',
     "the service task 'Approve order' (work) has execution listeners, which Camunda 8 runs as jobs as it starts or "
     "ends; this engine runs them on the process, tasks, subprocesses and call activities (on each instance of a "
     "multi-instance one), on intermediate and end events, the end listeners of start and boundary events and the "
     "start listeners of gateways only: do the listener's work in a service task of that job type before or after "
     "it (Execution listeners)"),
    (f'<bpmn:userTask id="work">{extensions("<zeebe:userTask/>", TASK_LISTENERS)}</bpmn:userTask>',
     "the user task work has a task listener of the event type 'updating'; this engine runs Camunda 8's creating and "
     "completing task listeners only: do the listener's work in a service task before or after the user task, or "
     "run the file on Camunda 8 (Task listeners, Event type)"),
    ('<bpmn:serviceTask id="work" name="Charge">' + extensions(
        '<zeebe:taskDefinition type="charge"/><zeebe:somethingNew value="1"/>') + '</bpmn:serviceTask>',
     "the service task 'Charge' (work) has zeebe:somethingNew, which this engine does not know, so it cannot do "
     "what Camunda 8 does with it; remove it, or run the file on Camunda 8"),
    ('<bpmn:sendTask id="work" name="Notify">' + extensions(
        '<zeebe:taskDefinition type="notify"/><zeebe:publishMessage correlationKey="=orderId"/>')
     + '</bpmn:sendTask>',
     "the send task 'Notify' (work) has a message to publish (zeebe:publishMessage), which Camunda 8 does not "
     "publish itself either: it leaves sending the message to the job worker of the element's job type; remove it "
     "and send the message from that worker (Task definition, Job type)"),
], ids=["execution listeners", "task listeners", "unknown element", "publish message"])
def test_an_extension_the_engine_does_not_run_is_refused_at_its_element(task: str, expected: str) -> None:
    with pytest.raises(DeploymentError) as refused:
        parse(model(f'<bpmn:startEvent id="s"/>{task}<bpmn:endEvent id="e"/>{flows("s", "work", "e")}'), "p.bpmn")
    assert [(p.element_id, p.line, p.message) for p in refused.value.problems] == [("work", 6, expected)]


def test_end_listeners_of_a_process_a_terminate_end_event_ends_are_refused_at_the_process() -> None:
    declared = extensions('<zeebe:executionListeners><zeebe:executionListener eventType="end" type="audit"/>'
                          '</zeebe:executionListeners>')
    body = (f'{declared}<bpmn:startEvent id="s"/><bpmn:endEvent id="e"><bpmn:terminateEventDefinition/>'
            f'</bpmn:endEvent>{flows("s", "e")}')
    with pytest.raises(DeploymentError) as refused:
        parse(model(body), "p.bpmn")
    [problem] = refused.value.problems
    assert problem.element_id == "p" and problem.message.startswith("the process p has end listeners")


def test_extensions_of_a_process_that_is_not_executable_are_not_refused() -> None:
    runnable = ('<bpmn:process id="q" isExecutable="true"><bpmn:startEvent id="s2"/><bpmn:endEvent id="e2"/>'
                f'{flows("s2", "e2")}</bpmn:process>')
    data = model(f'<bpmn:userTask id="work">{extensions(TASK_LISTENERS)}</bpmn:userTask>').replace(
        b'isExecutable="true"', b'isExecutable="false"').replace(b"</bpmn:definitions>", runnable.encode()
                                                                + b"</bpmn:definitions>")
    assert list(parse(data, "p.bpmn").processes) == ["p", "q"]


@pytest.mark.parametrize("condition", ["${amount > 100}", "amount > 100"])
def test_a_condition_that_is_not_feel_is_refused_in_a_camunda_8_file(condition: str) -> None:
    body = ('<bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="g" default="small"/><bpmn:endEvent id="e"/>'
            '<bpmn:endEvent id="e2"/>' + flows("s", "g")
            + '<bpmn:sequenceFlow id="big" name="large order" sourceRef="g" targetRef="e"><bpmn:conditionExpression>'
            f'{condition.replace(">", "&gt;")}</bpmn:conditionExpression></bpmn:sequenceFlow>'
            '<bpmn:sequenceFlow id="small" sourceRef="g" targetRef="e2"/>')
    with pytest.raises(DeploymentError) as refused:
        parse(model(body), "p.bpmn")
    [problem] = refused.value.problems
    assert (problem.element_id, problem.message) == ("big", (
        f"the condition '{condition}' of the sequence flow 'large order' (big) is not FEEL: Camunda 8 reads "
        f"conditions as FEEL expressions starting with '='; write it as FEEL (Condition expression)"))
    assert parse(model(body.replace(condition.replace(">", "&gt;"), "= amount &gt; 100")), "p.bpmn").processes["p"]
