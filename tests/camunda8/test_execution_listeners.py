"""Camunda 8 execution listeners run as Zeebe runs them: each is a job of its type that the element waits for,
start listeners after the input mappings and before the element's work (their variables local to the element),
end listeners after the output mappings and before the element is left (their variables set in its scope), one
after the other in model order. Where the engine does not run them so, they are refused at their element."""
from __future__ import annotations

from pathlib import Path

import pytest

from bpmn_runtime.errors import DeploymentError, NotFound
from bpmn_runtime.parser import parse
from bpmn_runtime.runtime import Runtime
from tests.camunda8.models import deploy_one_task, extensions, flows, model, only_job, runtime_on
from tests.camunda8.test_correlation import KEYED_MESSAGE


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


def test_a_start_listener_sets_the_correlation_key_a_message_event_waits_with(tmp_path: Path) -> None:
    """Zeebe's own use case: the listener computes what the event's correlation key reads; the end listener sees
    what the message brought."""
    event = ('<bpmn:intermediateCatchEvent id="work" name="Payment received">'
             + extensions(listeners("start:find-order", "end:book")) +
             '<bpmn:messageEventDefinition messageRef="paid"/></bpmn:intermediateCatchEvent>')
    runtime = deploy_one_task(tmp_path, event, declarations=KEYED_MESSAGE)
    instance = runtime.start("p")
    work_on(runtime, "find-order", {"orderId": "o-7"})
    with pytest.raises(NotFound):
        runtime.correlate_message("payment-received", "o-8", {"amount": 5})
    runtime.correlate_message("payment-received", "o-7", {"amount": 12})
    assert work_on(runtime, "book", {"booked": True})["amount"] == 12
    detail = runtime.queries.instance(instance)
    assert (detail.summary.status, detail.variables) == ("completed", {"amount": 12, "booked": True})


@pytest.mark.parametrize("element", [
    '<bpmn:intermediateThrowEvent id="work">{}</bpmn:intermediateThrowEvent>',
    '<bpmn:intermediateThrowEvent id="work">{}<bpmn:signalEventDefinition signalRef="done"/>'
    '</bpmn:intermediateThrowEvent>',
], ids=["none", "signal"])
def test_an_intermediate_throw_event_waits_for_its_listeners(tmp_path: Path, element: str) -> None:
    runtime = deploy_one_task(tmp_path, element.format(extensions(listeners("start:before", "end:after"))),
                              declarations='<bpmn:signal id="done" name="done"/>')
    instance = runtime.start("p")
    work_on(runtime, "before")
    assert runtime.queries.instance(instance).summary.status == "active"
    work_on(runtime, "after", {"told": "yes"})
    detail = runtime.queries.instance(instance)
    assert (detail.summary.status, detail.variables) == ("completed", {"told": "yes"})


def test_an_end_event_ends_its_path_once_its_listeners_are_done(tmp_path: Path) -> None:
    runtime = runtime_on(tmp_path)
    runtime.deploy(model(f'<bpmn:startEvent id="s"/><bpmn:endEvent id="e">'
                         f'{extensions(listeners("start:close", "end:archive"))}</bpmn:endEvent>{flows("s", "e")}'),
                   "p.bpmn")
    instance = runtime.start("p")
    work_on(runtime, "close", {"closed": True})
    assert work_on(runtime, "archive")["closed"] is True  # start listener variables are the end event's own
    detail = runtime.queries.instance(instance)
    assert (detail.summary.status, detail.variables) == ("completed", {})


def test_the_process_listeners_run_before_its_start_event_and_once_it_has_completed(tmp_path: Path) -> None:
    body = (extensions(listeners("start:open-case", "end:close-case")) + '<bpmn:startEvent id="s"/>'
            + charge_task() + '<bpmn:endEvent id="e"/>' + flows("s", "work", "e"))
    runtime = runtime_on(tmp_path)
    runtime.deploy(model(body), "p.bpmn")
    instance = runtime.start("p", {"amount": 3})
    assert work_on(runtime, "open-case", {"caseId": "c-1"})["amount"] == 3
    assert work_on(runtime, "charge", {"receipt": "R-1"})["caseId"] == "c-1"
    assert runtime.queries.instance(instance).summary.status == "active"  # the end listener's job waits
    assert work_on(runtime, "close-case", {"closed": True})["receipt"] == "R-1"
    detail = runtime.queries.instance(instance)
    assert (detail.summary.status, detail.variables) == ("completed", {"amount": 3, "caseId": "c-1",
                                                                      "receipt": "R-1", "closed": True})


def test_a_process_started_by_a_message_runs_its_start_listener_before_its_start_event(tmp_path: Path) -> None:
    body = (extensions(listeners("start:open-case")) + '<bpmn:startEvent id="s">'
            '<bpmn:messageEventDefinition messageRef="paid"/></bpmn:startEvent>' + charge_task()
            + '<bpmn:endEvent id="e"/>' + flows("s", "work", "e"))
    runtime = runtime_on(tmp_path)
    runtime.deploy(model(body, KEYED_MESSAGE), "p.bpmn")
    instance = runtime.correlate_message("payment-received", "o-9", {"orderId": "o-9"})
    assert work_on(runtime, "open-case")["orderId"] == "o-9"
    work_on(runtime, "charge")
    assert runtime.queries.instance(instance).summary.status == "completed"


def test_end_listeners_of_start_and_boundary_events_run_as_the_token_leaves_them(tmp_path: Path) -> None:
    body = ('<bpmn:startEvent id="s">' + extensions(listeners("end:opened")) + '</bpmn:startEvent>'
            + charge_task() + '<bpmn:boundaryEvent id="late" attachedToRef="work">'
            + extensions('<zeebe:ioMapping><zeebe:output source="=&quot;late&quot;" target="outcome"/>'
                         '</zeebe:ioMapping>', listeners("end:escalate"))
            + '<bpmn:timerEventDefinition><bpmn:timeDuration>PT0S</bpmn:timeDuration></bpmn:timerEventDefinition>'
            '</bpmn:boundaryEvent><bpmn:endEvent id="e"/><bpmn:endEvent id="e2"/>'
            + flows("s", "work", "e") + flows("late", "e2"))
    runtime = runtime_on(tmp_path)
    runtime.deploy(model(body), "p.bpmn")
    instance = runtime.start("p")
    work_on(runtime, "opened", {"openedBy": "listener"})
    assert runtime.run_due_timers() == 1  # the task's job is cancelled; the boundary event waits for its listener
    assert work_on(runtime, "escalate", {"escalated": True})["outcome"] == "late"
    detail = runtime.queries.instance(instance)
    assert (detail.summary.status, detail.variables) == ("completed", {"openedBy": "listener", "outcome": "late",
                                                                      "escalated": True})


def test_listeners_of_a_multi_instance_activity_run_for_each_of_its_instances(tmp_path: Path) -> None:
    """Zeebe's 'before each' and 'after each': around every inner instance, which the start listener sees."""
    loop = ('<bpmn:multiInstanceLoopCharacteristics isSequential="true"><bpmn:extensionElements>'
            '<zeebe:loopCharacteristics inputCollection="=[&quot;a&quot;, &quot;b&quot;]" inputElement="item"/>'
            '</bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics>')
    task = charge_task(listeners("start:before-each", "end:after-each")).replace("</bpmn:serviceTask>",
                                                                               loop + "</bpmn:serviceTask>")
    runtime = deploy_one_task(tmp_path, task)
    instance = runtime.start("p")
    seen = []
    for _ in range(2):
        seen.append(work_on(runtime, "before-each")["item"])
        work_on(runtime, "charge")
        work_on(runtime, "after-each")
    assert seen == ["a", "b"]
    assert runtime.queries.instance(instance).summary.status == "completed"


def test_a_gateway_start_listener_sets_what_its_conditions_read(tmp_path: Path) -> None:
    """Zeebe's own use case: the listener computes the variable that decides the path; it stays the gateway's."""
    body = ('<bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="g" default="to_normal">'
            + extensions(listeners("start:rate-customer")) + '</bpmn:exclusiveGateway>'
            '<bpmn:endEvent id="vip"/><bpmn:endEvent id="normal"/>' + flows("s", "g")
            + '<bpmn:sequenceFlow id="to_vip" sourceRef="g" targetRef="vip"><bpmn:conditionExpression>'
            '=tier = "gold"</bpmn:conditionExpression></bpmn:sequenceFlow>'
            '<bpmn:sequenceFlow id="to_normal" sourceRef="g" targetRef="normal"/>')
    runtime = runtime_on(tmp_path)
    runtime.deploy(model(body), "p.bpmn")
    instance = runtime.start("p")
    work_on(runtime, "rate-customer", {"tier": "gold"})
    detail = runtime.queries.instance(instance)
    assert (detail.summary.status, detail.variables) == ("completed", {})
    assert "vip" in [h.element_id for h in detail.history if h.kind == "element_completed"]


def test_a_joining_gateway_runs_its_start_listener_once_the_tokens_are_joined(tmp_path: Path) -> None:
    body = ('<bpmn:startEvent id="s"/><bpmn:parallelGateway id="fork"/><bpmn:task id="a"/><bpmn:task id="b"/>'
            '<bpmn:parallelGateway id="join">' + extensions(listeners("start:joined")) + '</bpmn:parallelGateway>'
            '<bpmn:endEvent id="e"/>' + flows("s", "fork", "a", "join", "e") + flows("fork", "b", "join"))
    runtime = runtime_on(tmp_path)
    runtime.deploy(model(body), "p.bpmn")
    instance = runtime.start("p")
    work_on(runtime, "joined")  # one job for the two tokens
    assert runtime.acquire_jobs("test-worker") == []
    assert runtime.queries.instance(instance).summary.status == "completed"


def test_an_event_based_gateway_start_listener_sets_the_key_its_events_wait_with(tmp_path: Path) -> None:
    body = ('<bpmn:startEvent id="s"/><bpmn:eventBasedGateway id="g">' + extensions(listeners("start:find-order"))
            + '</bpmn:eventBasedGateway><bpmn:intermediateCatchEvent id="got_paid"><bpmn:messageEventDefinition '
            'messageRef="paid"/></bpmn:intermediateCatchEvent><bpmn:intermediateCatchEvent id="late">'
            '<bpmn:timerEventDefinition><bpmn:timeDuration>P1D</bpmn:timeDuration></bpmn:timerEventDefinition>'
            '</bpmn:intermediateCatchEvent><bpmn:endEvent id="e"/><bpmn:endEvent id="e2"/>'
            + flows("s", "g", "got_paid", "e") + flows("g", "late", "e2"))
    runtime = runtime_on(tmp_path)
    runtime.deploy(model(body, KEYED_MESSAGE), "p.bpmn")
    instance = runtime.start("p")
    waiting = [token.waiting_for for token in runtime.queries.instance(instance).tokens]
    assert waiting == ["a worker for topic 'find-order'"]  # the events wait once the listener is done
    work_on(runtime, "find-order", {"orderId": "o-3"})
    runtime.correlate_message("payment-received", "o-3")
    assert runtime.queries.instance(instance).summary.status == "completed"


END = '<bpmn:endEvent id="e"/>'
REFUSED = {
    "gateway": ('<bpmn:parallelGateway id="work" name="Route">{}</bpmn:parallelGateway>' + END
                + '<bpmn:endEvent id="e2"/>' + flows("s", "work", "e") + flows("work", "e2"), "end"),
    "standard loop": ('<bpmn:serviceTask id="work" name="Route">{}<bpmn:standardLoopCharacteristics/>'
                      '</bpmn:serviceTask>' + END + flows("s", "work", "e"), "execution"),
    "boundary event": (charge_task().replace('id="work" name="Charge card"', 'id="pay"')
                       + '<bpmn:boundaryEvent id="work" name="Route" attachedToRef="pay">{}<bpmn:timerEventDefinition>'
                       '<bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>'
                       + END + flows("s", "pay", "e") + flows("work", "e"), "start"),
    "terminate end event": ('<bpmn:endEvent id="work" name="Route">{}<bpmn:terminateEventDefinition/>'
                            '</bpmn:endEvent>' + flows("s", "work"), "end"),
    "link throw event": ('<bpmn:intermediateThrowEvent id="work" name="Route">{}<bpmn:linkEventDefinition '
                         'name="on"/></bpmn:intermediateThrowEvent><bpmn:intermediateCatchEvent id="c">'
                         '<bpmn:linkEventDefinition name="on"/></bpmn:intermediateCatchEvent>' + END
                         + flows("s", "work") + flows("c", "e"), "end"),
}


@pytest.mark.parametrize("element, which", REFUSED.values(), ids=list(REFUSED))
def test_listeners_where_the_engine_does_not_run_them_are_refused_at_the_element(element: str, which: str) -> None:
    job = '<zeebe:taskDefinition type="route"/>' if "serviceTask" in element else ""
    declared = extensions(job, listeners("start:audit", "end:audit"))
    with pytest.raises(DeploymentError) as refused:
        parse(model(f'<bpmn:startEvent id="s"/>{element.format(declared)}'), "p.bpmn")
    [problem] = refused.value.problems
    assert problem.element_id == "work"
    assert f"'Route' (work) has {which} listeners, which Camunda 8 runs as jobs" in problem.message
    assert problem.message.endswith("(Execution listeners)")


@pytest.mark.parametrize("declared, words", [
    ('<zeebe:executionListener eventType="start"/>', "has no job type"),
    ('<zeebe:executionListener eventType="take" type="audit"/>', "event type 'take'"),
    ('<zeebe:executionListener eventType="end" type="audit"/><zeebe:executionListener eventType="end" type="audit"/>',
     "two end execution listeners have the job type 'audit'"),
    ('<zeebe:executionListener eventType="end" type="audit" retries="many"/>', "retries"),
    ('<zeebe:executionListener eventType="beforeAll" type="audit"/>', "beforeAll"),
])
def test_a_listener_zeebe_refuses_is_refused(declared: str, words: str) -> None:
    task = charge_task(f"<zeebe:executionListeners>{declared}</zeebe:executionListeners>")
    with pytest.raises(DeploymentError) as refused:
        parse(model(f'<bpmn:startEvent id="s"/>{task}<bpmn:endEvent id="e"/>{flows("s", "work", "e")}'), "p.bpmn")
    [problem] = refused.value.problems
    assert problem.element_id == "work" and words in problem.message


def test_a_listener_type_that_gives_no_text_is_an_incident_retried_with_the_data_fixed(tmp_path: Path) -> None:
    declared = ('<zeebe:executionListeners><zeebe:executionListener eventType="start" type="=&quot;check-&quot; + '
                'region"/></zeebe:executionListeners>')
    runtime = deploy_one_task(tmp_path, charge_task(declared))
    instance = runtime.start("p")
    [incident] = runtime.queries.instance(instance).incidents
    assert incident.element_id == "work" and "gives no text" in incident.message
    assert runtime.acquire_jobs("test-worker") == []  # neither the listener's job nor the task's
    runtime.retry_incident(incident.id, variables={"region": "us"})
    work_on(runtime, "check-us")
    work_on(runtime, "charge")
    assert runtime.queries.instance(instance).summary.status == "completed"
