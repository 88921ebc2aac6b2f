"""Message correlation as Zeebe does it: the correlation key Camunda Modeler writes on the bpmn:message
(`zeebe:subscription correlationKey`) picks the one instance a message is for, wherever the message is waited
for; a message whose key matches no waiting instance reaches none."""
from __future__ import annotations

from pathlib import Path

import pytest

from bpmn_runtime.errors import DeploymentError, NotFound
from bpmn_runtime.parser import parse
from bpmn_runtime.runtime import Runtime
from tests.camunda8.models import extensions, flows, model, runtime_on
from tests.conftest import DATA

PR_FILES = DATA / "real-world" / "zeebe-process-test"
KEYED_MESSAGE = ('<bpmn:message id="paid" name="payment-received">'
                 + extensions('<zeebe:subscription correlationKey="=orderId"/>') + '</bpmn:message>')
PAID = '<bpmn:messageEventDefinition id="paid_definition" messageRef="paid"/>'


def _waits_for(runtime: Runtime, instance: int, message: str) -> bool:
    return any(t.waiting_for == f"message '{message}'" for t in runtime.queries.instance(instance).tokens)


def _waits_for_review(runtime: Runtime, instance: int) -> bool:
    return _waits_for(runtime, instance, "reviewReceived")


def test_the_pr_review_waits_for_its_own_key_only(tmp_path: Path) -> None:
    """camunda/zeebe-process-test's pr-created.bpmn: the review message carries the PR's id."""
    runtime = runtime_on(tmp_path)
    runtime.deploy([PR_FILES / "examples__src__test__resources__automated-tests.bpmn",
                    PR_FILES / "examples__src__test__resources__pr-created.bpmn"])
    instances = {pr: runtime.correlate_message("prCreated", None, {"prId": pr}) for pr in ("pr-7", "pr-8")}
    for task in runtime.queries.tasks(everyone=True)[0]:
        runtime.complete_task(task.id)
    assert all(_waits_for_review(runtime, instance) for instance in instances.values())

    for wrong_key in ("no-such-pr", None):
        with pytest.raises(NotFound):
            runtime.correlate_message("reviewReceived", wrong_key, {"reviewResult": "approved"})
        assert all(_waits_for_review(runtime, instance) for instance in instances.values())

    assert runtime.correlate_message("reviewReceived", "pr-8", {"reviewResult": "approved"}) == instances["pr-8"]
    assert _waits_for_review(runtime, instances["pr-7"])
    assert not _waits_for_review(runtime, instances["pr-8"])
    assert runtime.queries.instance(instances["pr-8"]).variables["reviewResult"] == "approved"


WORK = '<bpmn:userTask id="work"/>'
WAITING = {
    "intermediate catch event": (f'<bpmn:intermediateCatchEvent id="wait">{PAID}</bpmn:intermediateCatchEvent>'
                                 + flows("s", "wait", "e"), "wait"),
    "receive task": ('<bpmn:receiveTask id="wait" messageRef="paid"/>' + flows("s", "wait", "e"), "wait"),
    "boundary event": (f'{WORK}<bpmn:boundaryEvent id="wait" attachedToRef="work">{PAID}</bpmn:boundaryEvent>'
                       '<bpmn:endEvent id="e2"/>' + flows("s", "work", "e") + flows("wait", "e2"), "work"),
    "event-based gateway": ('<bpmn:eventBasedGateway id="gateway"/>'
                            f'<bpmn:intermediateCatchEvent id="wait">{PAID}</bpmn:intermediateCatchEvent>'
                            '<bpmn:intermediateCatchEvent id="late"><bpmn:timerEventDefinition><bpmn:timeDuration>'
                            'P1D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>'
                            '<bpmn:endEvent id="e2"/>' + flows("s", "gateway", "wait", "e") + flows("gateway", "late", "e2"),
                            "gateway"),
    "event subprocess start": (f'{WORK}<bpmn:subProcess id="on_paid" triggeredByEvent="true">'
                               f'<bpmn:startEvent id="wait">{PAID}</bpmn:startEvent><bpmn:endEvent id="e3"/>'
                               + flows("wait", "e3") + '</bpmn:subProcess>' + flows("s", "work", "e"), "work"),
}


@pytest.mark.parametrize("body, waiting_at", WAITING.values(), ids=list(WAITING))
def test_a_message_reaches_only_the_instance_whose_key_it_carries(tmp_path: Path, body: str, waiting_at: str) -> None:
    runtime = runtime_on(tmp_path)
    runtime.deploy(model(f'<bpmn:startEvent id="s"/>{body}<bpmn:endEvent id="e"/>', KEYED_MESSAGE), "paid.bpmn")
    first, second = (runtime.start("p", {"orderId": order}) for order in ("o-1", "o-2"))

    def waiting(instance: int) -> list[str]:
        return sorted(t.element_id for t in runtime.queries.instance(instance).tokens)

    for wrong_key in ("no-such-order", None):
        with pytest.raises(NotFound):
            runtime.correlate_message("payment-received", wrong_key, {"paid": True})
    assert all(_waits_for(runtime, instance, "payment-received") for instance in (first, second))

    assert runtime.correlate_message("payment-received", "o-2", {"paid": True}) == second
    assert _waits_for(runtime, first, "payment-received")
    assert waiting_at in waiting(first)
    assert not _waits_for(runtime, second, "payment-received")
    assert runtime.queries.instance(second).variables["paid"] is True
    assert "paid" not in runtime.queries.instance(first).variables


def test_a_number_key_matches_its_text_and_a_missing_one_is_an_incident(tmp_path: Path) -> None:
    runtime = runtime_on(tmp_path)
    body, _ = WAITING["intermediate catch event"]
    runtime.deploy(model(f'<bpmn:startEvent id="s"/>{body}<bpmn:endEvent id="e"/>', KEYED_MESSAGE), "paid.bpmn")
    numbered = runtime.start("p", {"orderId": 1042})
    missing = runtime.start("p")
    [incident] = runtime.queries.instance(missing).incidents
    assert 'the correlation key "=orderId" gives null; it must give a text or a number' in incident.message
    with pytest.raises(NotFound):
        runtime.correlate_message("payment-received", "None", {})
    assert runtime.correlate_message("payment-received", "1042", {}) == numbered
    assert runtime.queries.instance(numbered).summary.status == "completed"


def test_a_message_start_event_needs_no_key_and_starts_an_instance_per_key(tmp_path: Path) -> None:
    runtime = runtime_on(tmp_path)
    runtime.deploy(model(f'<bpmn:startEvent id="s">{PAID}</bpmn:startEvent>{WORK}<bpmn:endEvent id="e"/>'
                         + flows("s", "work", "e"), KEYED_MESSAGE), "paid.bpmn")
    started = runtime.correlate_message("payment-received", "o-1", {"orderId": "o-1"})
    assert runtime.queries.instance(started).summary.business_key == "o-1"
    assert runtime.correlate_message("payment-received", "o-2", {"orderId": "o-2"}) != started


@pytest.mark.parametrize("name", list(WAITING))
def test_waiting_for_a_message_without_a_key_is_refused_at_the_element(name: str) -> None:
    body, _ = WAITING[name]
    unkeyed = '<bpmn:message id="paid" name="payment-received"/>'
    with pytest.raises(DeploymentError) as refused:
        parse(model(f'<bpmn:startEvent id="s"/>{body}<bpmn:endEvent id="e"/>', unkeyed), "paid.bpmn")
    [problem] = refused.value.problems
    assert problem.element_id == "wait"
    assert "waits for message 'payment-received' without a correlation key" in problem.message
    assert "(Message, Subscription correlation key)" in problem.message


def test_a_message_name_written_as_feel_is_evaluated_where_the_instance_waits(tmp_path: Path) -> None:
    message = KEYED_MESSAGE.replace('name="payment-received"', 'name="=&quot;paid-&quot; + channel"')
    body, _ = WAITING["intermediate catch event"]
    runtime = runtime_on(tmp_path)
    runtime.deploy(model(f'<bpmn:startEvent id="s"/>{body}<bpmn:endEvent id="e"/>', message), "paid.bpmn")
    instance = runtime.start("p", {"orderId": "o-1", "channel": "card"})
    with pytest.raises(NotFound):
        runtime.correlate_message('="paid-" + channel', "o-1", {})
    assert runtime.correlate_message("paid-card", "o-1", {}) == instance
    assert runtime.queries.instance(instance).summary.status == "completed"


def test_a_process_started_by_a_message_whose_name_is_feel_is_refused() -> None:
    message = KEYED_MESSAGE.replace('name="payment-received"', 'name="=&quot;paid-&quot; + channel"')
    with pytest.raises(DeploymentError) as refused:
        parse(model(f'<bpmn:startEvent id="s">{PAID}</bpmn:startEvent><bpmn:endEvent id="e"/>{flows("s", "e")}',
                    message), "paid.bpmn")
    [problem] = refused.value.problems
    assert problem.element_id == "s" and "needs a fixed name (Message, Name)" in problem.message
