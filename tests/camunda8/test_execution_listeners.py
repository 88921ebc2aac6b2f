"""Camunda 8 execution listeners run as Zeebe runs them: each is a job of its type that the element waits for,
start listeners after the input mappings and before the element's work (their variables local to the element),
end listeners after the output mappings and before the element is left (their variables set in its scope), one
after the other in model order. Where the engine does not run them so, they are refused at their element."""
from __future__ import annotations

from pathlib import Path

import pytest

from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.parser import parse
from bpmn_runtime.runtime import Runtime
from tests.camunda8.models import deploy_one_task, extensions, flows, model, only_job


def listeners(*declared: str) -> str:
    """zeebe:executionListeners from `event:type[:retries]` declarations, in that order."""
    items = []
    for text in declared:
        event, job_type, *retries = text.split(":")
        extra = f' retries="{retries[0]}"' if retries else ""
        items.append(f'<zeebe:executionListener eventType="{event}" type="{job_type}"{extra}/>')
    return f"<zeebe:executionListeners>{''.join(items)}</zeebe:executionListeners>"


def charge_task(*parts: str) -> str:
    return ('<bpmn:serviceTask id="work" name="Charge card">'
            + extensions('<zeebe:taskDefinition type="charge"/>', *parts) + '</bpmn:serviceTask>')


def work_on(runtime: Runtime, expected_topic: str, results: dict[str, object] | None = None) -> dict[str, object]:
    """Complete the one job there is, which must be of `expected_topic`; the variables its worker saw."""
    job = only_job(runtime)
    assert job.topic == expected_topic
    runtime.complete_job(job.job_id, "test-worker", results or {})
    return dict(job.variables)


def test_start_listeners_run_in_order_after_the_inputs_and_before_the_work(tmp_path: Path) -> None:
    task = charge_task('<zeebe:ioMapping><zeebe:input source="=amount * 100" target="cents"/></zeebe:ioMapping>',
                       listeners("start:fetch-card", "start:check-limit", "end:audit"))
    runtime = deploy_one_task(tmp_path, task)
    instance = runtime.start("p", {"amount": 12})
    assert work_on(runtime, "fetch-card", {"card": "4242"})["cents"] == 1200
    seen = work_on(runtime, "check-limit", {"limit": 500})
    assert seen["card"] == "4242"
    seen = work_on(runtime, "charge", {"receipt": "R-1"})
    assert (seen["card"], seen["limit"]) == ("4242", 500)
    assert work_on(runtime, "audit", {"audited": True})["receipt"] == "R-1"
    detail = runtime.queries.instance(instance)
    # what start listeners set is local to the task; what end listeners set reaches the process
    assert (detail.summary.status, detail.variables) == ("completed", {"amount": 12, "receipt": "R-1",
                                                                      "audited": True})


def test_end_listeners_see_the_output_mappings_and_set_variables_in_the_scope(tmp_path: Path) -> None:
    task = charge_task('<zeebe:ioMapping><zeebe:output source="=receipt" target="paymentReceipt"/></zeebe:ioMapping>',
                       listeners("end:audit"))
    runtime = deploy_one_task(tmp_path, task)
    instance = runtime.start("p")
    work_on(runtime, "charge", {"receipt": "R-7"})
    seen = work_on(runtime, "audit", {"auditedReceipt": "R-7"})
    assert seen["paymentReceipt"] == "R-7"
    detail = runtime.queries.instance(instance)
    assert (detail.summary.status, detail.variables) == ("completed", {"paymentReceipt": "R-7",
                                                                      "auditedReceipt": "R-7"})


def test_a_start_listener_can_set_what_the_element_evaluates(tmp_path: Path) -> None:
    """Zeebe's own use case: a start listener computes the variable an expression of the element reads."""
    task = ('<bpmn:userTask id="work" name="Approve">' + extensions(
        '<zeebe:userTask/><zeebe:assignmentDefinition assignee="=approver"/>', listeners("start:find-approver"))
        + '</bpmn:userTask>')
    runtime = deploy_one_task(tmp_path, task)
    runtime.start("p")
    work_on(runtime, "find-approver", {"approver": "mia"})
    [task_row] = runtime.queries.tasks(everyone=True)[0]
    assert task_row.assignee == "mia"


def test_listeners_of_a_subprocess_run_around_what_it_contains(tmp_path: Path) -> None:
    inner = (f'<bpmn:startEvent id="is"/>{charge_task()}<bpmn:endEvent id="ie"/>{flows("is", "work", "ie")}')
    sub = f'<bpmn:subProcess id="sub">{extensions(listeners("start:open", "end:close"))}{inner}</bpmn:subProcess>'
    runtime = deploy_one_task(tmp_path, sub, element_id="sub")
    instance = runtime.start("p")
    for topic in ("open", "charge", "close"):
        work_on(runtime, topic)
    assert runtime.queries.instance(instance).summary.status == "completed"


def test_a_feel_listener_type_and_retries_are_evaluated_and_a_failing_listener_is_an_incident(tmp_path: Path) -> None:
    declared = ('<zeebe:executionListeners><zeebe:executionListener eventType="start" type="=&quot;check-&quot; + '
                'region" retries="=tries"/></zeebe:executionListeners>')
    runtime = deploy_one_task(tmp_path, charge_task(declared))
    instance = runtime.start("p", {"region": "eu", "tries": 2})
    for attempt in (1, 2):
        job = only_job(runtime)
        assert job.topic == "check-eu"
        runtime.fail_job(job.job_id, "test-worker", "limit service down", retry_in_seconds=0)
    [incident] = runtime.queries.instance(instance).incidents
    assert incident.element_id == "work" and "limit service down" in incident.message
    runtime.retry_incident(incident.id)
    work_on(runtime, "check-eu")  # only the failed listener runs again, then the task's own job
    work_on(runtime, "charge")
    assert runtime.queries.instance(instance).summary.status == "completed"


def test_a_listener_that_throws_a_bpmn_error_is_an_incident_not_caught(tmp_path: Path) -> None:
    boundary = ('<bpmn:boundaryEvent id="failed" attachedToRef="work"><bpmn:errorEventDefinition/>'
                '</bpmn:boundaryEvent><bpmn:endEvent id="e2"/>' + flows("failed", "e2"))
    runtime = deploy_one_task(tmp_path, charge_task(listeners("start:check")) + boundary)
    instance = runtime.start("p")
    job = only_job(runtime)
    runtime.job_bpmn_error(job.job_id, "test-worker", "NO_LIMIT")
    detail = runtime.queries.instance(instance)
    assert detail.summary.status == "active"
    [incident] = detail.incidents
    assert "cannot throw a BPMN error" in incident.message


def test_an_interrupting_timer_is_not_armed_before_the_start_listeners_are_done(tmp_path: Path) -> None:
    boundary = ('<bpmn:boundaryEvent id="late" attachedToRef="work"><bpmn:timerEventDefinition><bpmn:timeDuration>'
                'PT0S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent><bpmn:endEvent id="e2"/>'
                + flows("late", "e2"))
    runtime = deploy_one_task(tmp_path, charge_task(listeners("start:check")) + boundary)
    instance = runtime.start("p")
    assert runtime.run_due_timers() == 0  # no timer yet: Zeebe subscribes boundary events after the listeners
    work_on(runtime, "check")
    assert runtime.run_due_timers() == 1
    assert runtime.queries.instance(instance).summary.status == "completed"
    assert runtime.acquire_jobs("test-worker") == []


REFUSED = {
    "gateway": '<bpmn:exclusiveGateway id="work" name="Route">{}</bpmn:exclusiveGateway>',
    "intermediate event": '<bpmn:intermediateThrowEvent id="work" name="Route">{}</bpmn:intermediateThrowEvent>',
    "multi-instance task": '<bpmn:serviceTask id="work" name="Route">{}<bpmn:multiInstanceLoopCharacteristics>'
                           '<bpmn:extensionElements><zeebe:loopCharacteristics inputCollection="=[1, 2]"/>'
                           '</bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics></bpmn:serviceTask>',
}


@pytest.mark.parametrize("element", REFUSED.values(), ids=list(REFUSED))
def test_listeners_where_the_engine_does_not_run_them_are_refused_at_the_element(element: str) -> None:
    declared = extensions('<zeebe:taskDefinition type="route"/>', listeners("start:audit"))
    body = f'<bpmn:startEvent id="s"/>{element.format(declared)}<bpmn:endEvent id="e"/>{flows("s", "work", "e")}'
    with pytest.raises(DeploymentError) as refused:
        parse(model(body), "p.bpmn")
    [problem] = [p for p in refused.value.problems if "listeners" in p.message]
    assert problem.element_id == "work"
    assert "'Route' (work) has execution listeners" in problem.message
    assert problem.message.endswith("(Execution listeners)")


@pytest.mark.parametrize("declared, words", [
    ('<zeebe:executionListener eventType="start"/>', "has no job type"),
    ('<zeebe:executionListener eventType="take" type="audit"/>', "event type 'take'"),
    ('<zeebe:executionListener eventType="end" type="audit"/><zeebe:executionListener eventType="end" type="audit"/>',
     "two end execution listeners have the job type 'audit'"),
    ('<zeebe:executionListener eventType="end" type="audit" retries="many"/>', "retries"),
])
def test_a_listener_zeebe_refuses_is_refused(declared: str, words: str) -> None:
    task = charge_task(f"<zeebe:executionListeners>{declared}</zeebe:executionListeners>")
    with pytest.raises(DeploymentError) as refused:
        parse(model(f'<bpmn:startEvent id="s"/>{task}<bpmn:endEvent id="e"/>{flows("s", "work", "e")}'), "p.bpmn")
    [problem] = refused.value.problems
    assert problem.element_id == "work" and words in problem.message
