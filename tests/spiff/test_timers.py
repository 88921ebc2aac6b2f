"""SpiffWorkflow evaluates a timer's timeDate, timeDuration and timeCycle as Python: a quoted ISO text, a
timedelta(...) or a datetime(...), over the instance's variables. In a SpiffWorkflow file this engine does the
same; elsewhere such a timer stays refused as not ISO 8601."""
from __future__ import annotations

from datetime import timedelta, timezone

import pytest

from bpmn_runtime.clock import VirtualClock
from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.runtime import Runtime
from tests.spiff.models import SPIFF, START, extensions

MARK = extensions("<spiffworkflow:instructionsForEndUser>Go</spiffworkflow:instructionsForEndUser>")


def waiting(kind: str, text: str, *, spiff: bool = True) -> bytes:
    """Process `p` waits on a timer (`kind`: timeDuration, timeDate) written `text`, then in user task `after`."""
    mark = MARK if spiff else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" {SPIFF} id="d" targetNamespace="t">
<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s"/>
<bpmn:intermediateCatchEvent id="wait" name="Wait a bit"><bpmn:timerEventDefinition><bpmn:{kind}>{text}</bpmn:{kind}>
</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent><bpmn:userTask id="after">{mark}</bpmn:userTask>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="wait"/><bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="after"/>
</bpmn:process></bpmn:definitions>""".encode()


def due_after_start(clocked: tuple[Runtime, VirtualClock], kind: str, text: str,
                    variables: dict[str, object] | None = None) -> timedelta:
    runtime, _ = clocked
    runtime.deploy(waiting(kind, text), "timer.bpmn")
    runtime.start("p", variables or {})
    due = runtime.next_due()
    assert due is not None
    return (due if due.tzinfo else due.replace(tzinfo=timezone.utc)) - START


@pytest.mark.parametrize(("text", "wait"), [
    ("timedelta(seconds=30)", timedelta(seconds=30)), ("timedelta(minutes=wait_minutes)", timedelta(minutes=5)),
    ("&quot;PT2M&quot;", timedelta(minutes=2)), ("'P1D'", timedelta(days=1)),
    ("'PT1H' if wait_minutes &gt; 3 else 'PT1S'", timedelta(hours=1))])
def test_a_python_duration_waits_what_it_gives(clocked: tuple[Runtime, VirtualClock], text: str,
                                               wait: timedelta) -> None:
    assert due_after_start(clocked, "timeDuration", text, {"wait_minutes": 5}) == wait


def test_a_python_date_is_when_the_timer_fires(clocked: tuple[Runtime, VirtualClock]) -> None:
    assert due_after_start(clocked, "timeDate", "datetime(2026, 3, 2, hour=8)") == timedelta(hours=20)


@pytest.mark.parametrize("spiff", [True, False], ids=["spiff file", "plain file"])
def test_the_instance_goes_on_when_the_timer_fires(clocked: tuple[Runtime, VirtualClock], spiff: bool) -> None:
    """In a plain file too: a timedelta(...) timer is Python only SpiffWorkflow evaluates (its test models carry
    no other mark of it)."""
    runtime, clock = clocked
    runtime.deploy(waiting("timeDuration", "timedelta(seconds=30)", spiff=spiff), "timer.bpmn")
    instance = runtime.start("p", {})
    clock.advance(seconds=29)
    runtime.run_due_timers()
    assert [t.element_id for t in runtime.queries.tasks(everyone=True)[0]] == []
    clock.advance(seconds=1)
    runtime.run_due_timers()
    assert [(t.instance_id, t.element_id) for t in runtime.queries.tasks(everyone=True)[0]] == [(instance, "after")]


def test_a_python_value_that_is_no_timer_is_an_incident(clocked: tuple[Runtime, VirtualClock]) -> None:
    runtime, _ = clocked
    runtime.deploy(waiting("timeDuration", "wait_minutes"), "timer.bpmn")
    detail = runtime.queries.instance(runtime.start("p", {"wait_minutes": 5}))
    assert len(detail.incidents) == 1 and "got 5 from its expression" in detail.incidents[0].message


@pytest.mark.parametrize(("text", "reason"), [
    ("PT30S", "SpiffWorkflow evaluates the timer as Python, where PT30S is an unknown name; quote it as a text: "
              "\"PT30S\""),
    ("timedelta(secs=30)", "timedelta() takes no argument 'secs' here"),
    ("timedelta(seconds=open('x'))", "the function 'open' is not allowed"),
    ("datetime.now() + timedelta(days=1)", "timedelta(...) and datetime(...) are run here only as the whole timer"),
    ("timedelta(hours=1) if late else 'PT1S'", "are run here only as the whole timer"),
    ("timedelta(seconds=", "is not a Python expression"),
    ("${delay}", "would be read here as FEEL or JUEL")])
def test_a_python_timer_that_cannot_run_here_is_refused_at_deployment(runtime: Runtime, text: str,
                                                                       reason: str) -> None:
    with pytest.raises(DeploymentError) as refused:
        runtime.deploy(waiting("timeDuration", text), "timer.bpmn")
    assert any(p.element_id == "wait" and reason in p.message for p in refused.value.problems), \
        [p.message for p in refused.value.problems]


def test_in_a_camunda_file_python_timers_stay_refused(runtime: Runtime) -> None:
    camunda = waiting("timeDuration", "timedelta(seconds=30)", spiff=False).replace(
        b'id="d"', b'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d"')
    with pytest.raises(DeploymentError) as refused:
        runtime.deploy(camunda, "timer.bpmn")
    assert [p.message for p in refused.value.problems if p.element_id == "wait"] == [
        "the timeDuration 'timedelta(seconds=30)' is not an ISO 8601 duration such as PT5M, P1DT2H or P1M"]

