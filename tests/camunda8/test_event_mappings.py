"""Input and output mappings on events, as Zeebe applies them: what a message brings goes through the event's
output mappings when it has them (only what they map reaches the process), timers, boundary, error and end events
and intermediate throw events map their outputs as they complete, and a none start event sets its outputs."""
from __future__ import annotations

from pathlib import Path

import pytest

from bpmn_runtime.clock import VirtualClock
from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.parser import parse
from bpmn_runtime.runtime import Runtime
from tests.camunda8.models import extensions, flows, job, model, runtime_on
from tests.camunda8.test_correlation import KEYED_MESSAGE, PAID
from tests.conftest import DATA


def _io(*mappings: str) -> str:
    return extensions(f"<zeebe:ioMapping>{''.join(mappings)}</zeebe:ioMapping>")


TOTAL = '<zeebe:output source="=amount * 2" target="total"/>'


def _deploy(tmp_path: Path, body: str, declarations: str = "") -> Runtime:
    runtime = runtime_on(tmp_path)
    runtime.deploy(model(body, declarations), "p.bpmn")
    return runtime


@pytest.mark.parametrize("mapped", [True, False], ids=["with output mappings", "without"])
def test_a_message_catch_event_maps_what_the_message_brings(tmp_path: Path, mapped: bool) -> None:
    catch = f'<bpmn:intermediateCatchEvent id="wait">{_io(TOTAL) if mapped else ""}{PAID}</bpmn:intermediateCatchEvent>'
    runtime = _deploy(tmp_path, f'<bpmn:startEvent id="s"/>{catch}<bpmn:endEvent id="e"/>{flows("s", "wait", "e")}',
                      KEYED_MESSAGE)
    instance = runtime.start("p", {"orderId": "o-1"})
    runtime.correlate_message("payment-received", "o-1", {"amount": 21, "card": "4111"})
    variables = runtime.queries.instance(instance).variables
    if mapped:
        assert variables == {"orderId": "o-1", "total": 42}
    else:
        assert variables == {"orderId": "o-1", "amount": 21, "card": "4111"}


def test_a_boundary_message_event_maps_what_the_message_brings(tmp_path: Path) -> None:
    body = (f'<bpmn:startEvent id="s"/><bpmn:userTask id="work"/><bpmn:endEvent id="e"/><bpmn:endEvent id="e2"/>'
            f'<bpmn:boundaryEvent id="cancelled" attachedToRef="work">{_io(TOTAL)}{PAID}</bpmn:boundaryEvent>'
            + flows("s", "work", "e") + flows("cancelled", "e2"))
    runtime = _deploy(tmp_path, body, KEYED_MESSAGE)
    instance = runtime.start("p", {"orderId": "o-1"})
    runtime.correlate_message("payment-received", "o-1", {"amount": 5})
    detail = runtime.queries.instance(instance)
    assert (detail.summary.status, detail.variables) == ("completed", {"orderId": "o-1", "total": 10})


def test_a_timer_catch_event_sets_its_outputs_when_it_fires(tmp_path: Path) -> None:
    timer = ('<bpmn:timerEventDefinition><bpmn:timeDuration>PT1M</bpmn:timeDuration></bpmn:timerEventDefinition>')
    catch = ('<bpmn:intermediateCatchEvent id="wait">' + _io('<zeebe:output source="=&quot;expired&quot;" target="state"/>')
             + f'{timer}</bpmn:intermediateCatchEvent>')
    clock = VirtualClock()
    runtime = Runtime(f"sqlite:///{tmp_path / 'engine.db'}", clock=clock)
    runtime.deploy(model(f'<bpmn:startEvent id="s"/>{catch}<bpmn:endEvent id="e"/>{flows("s", "wait", "e")}'),
                   "p.bpmn")
    instance = runtime.start("p")
    assert "state" not in runtime.queries.instance(instance).variables
    clock.advance(61)
    runtime.run_due_timers()
    assert runtime.queries.instance(instance).variables == {"state": "expired"}


def test_an_error_boundary_event_maps_its_outputs(tmp_path: Path) -> None:
    body = ('<bpmn:startEvent id="s"/>' + job("charge") + '<bpmn:endEvent id="e"/><bpmn:endEvent id="e2"/>'
            '<bpmn:boundaryEvent id="declined" attachedToRef="work">'
            + _io('<zeebe:output source="=&quot;declined: &quot; + reason" target="outcome"/>') +
            '<bpmn:errorEventDefinition errorRef="card"/></bpmn:boundaryEvent>'
            + flows("s", "work", "e") + flows("declined", "e2"))
    runtime = _deploy(tmp_path, body, '<bpmn:error id="card" errorCode="CARD_DECLINED"/>')
    instance = runtime.start("p", {"orderId": "o-1"})
    [work] = runtime.acquire_jobs("w")
    runtime.job_bpmn_error(work.job_id, "w", "CARD_DECLINED", variables={"reason": "expired card", "code": 51})
    detail = runtime.queries.instance(instance)
    assert detail.summary.status == "completed"
    assert detail.variables == {"orderId": "o-1", "outcome": "declined: expired card"}  # the error's only as mapped


def test_throw_and_end_events_map_inputs_locally_and_outputs_to_their_scope(tmp_path: Path) -> None:
    step = ('<bpmn:intermediateThrowEvent id="set">' + _io('<zeebe:input source="=a + 1" target="local"/>',
                                                          '<zeebe:output source="=local * 10" target="b"/>')
            + '</bpmn:intermediateThrowEvent>')
    end = '<bpmn:endEvent id="e">' + _io('<zeebe:output source="=b + 1" target="c"/>') + '</bpmn:endEvent>'
    runtime = _deploy(tmp_path, f'<bpmn:startEvent id="s"/>{step}{end}{flows("s", "set", "e")}')
    instance = runtime.start("p", {"a": 1})
    detail = runtime.queries.instance(instance)
    assert (detail.summary.status, detail.variables) == ("completed", {"a": 1, "b": 20, "c": 21})


def test_the_looping_service_task_of_zeebe_process_test_counts_from_its_start_event(tmp_path: Path) -> None:
    """camunda/zeebe-process-test's looping-servicetask.bpmn: the start event's output sets loopAmount to 0."""
    runtime = runtime_on(tmp_path)
    runtime.deploy(DATA / "real-world" / "zeebe-process-test"
                   / "qa__abstracts__src__main__resources__looping-servicetask.bpmn")
    instance = runtime.start("looping-servicetask", {"totalLoops": 3})
    runs = 0
    while jobs := runtime.acquire_jobs("w"):
        runs += 1
        runtime.complete_job(jobs[0].job_id, "w")
        assert runs <= 3
    detail = runtime.queries.instance(instance)
    assert (runs, detail.summary.status, detail.variables["loopAmount"]) == (3, "completed", 3)


@pytest.mark.parametrize("element, reason", [
    (f'<bpmn:startEvent id="s">{_io(TOTAL)}{PAID}</bpmn:startEvent>', "output mappings"),
    ('<bpmn:startEvent id="s">' + _io('<zeebe:input source="=1" target="x"/>') + '</bpmn:startEvent>',
     "input mappings"),
], ids=["message start outputs", "start inputs"])
def test_start_event_mappings_the_engine_cannot_apply_are_refused(element: str, reason: str) -> None:
    with pytest.raises(DeploymentError) as refused:
        parse(model(f'{element}<bpmn:endEvent id="e"/>{flows("s", "e")}', KEYED_MESSAGE), "p.bpmn")
    [problem] = refused.value.problems
    assert problem.element_id == "s" and reason in problem.message
