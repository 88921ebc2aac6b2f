"""Timers through the real runtime on a SQLite file, with a virtual clock: start timers, boundary cycles,
handler retry cycles, timers from variables, and what deployment refuses."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bpmn_runtime.clock import VirtualClock
from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.handlers import HandlerRegistry, JobContext
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.worker import Worker
from tests.conformance.betsy import run_timers
from tests.engine.harness import Engine, guarded, timer

UTC = timezone.utc
HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    id="d" targetNamespace="http://example.com">"""


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def started_by_timer(kind: str, text: str) -> bytes:
    """Process 't': a timer start event, then the end."""
    return f"""{HEADER}<bpmn:process id="t" isExecutable="true">
      <bpmn:startEvent id="tick">{timer(kind, text)}</bpmn:startEvent>
      <bpmn:sequenceFlow id="f" sourceRef="tick" targetRef="done"/><bpmn:endEvent id="done"/>
    </bpmn:process></bpmn:definitions>""".encode()


def waiting(*timers: tuple[str, str]) -> bytes:
    """Process 'w': the intermediate timer events `timers` (id, definition) in a row, then the end."""
    events = "".join(f'<bpmn:intermediateCatchEvent id="{ident}" name="Wait {ident}">{definition}'
                     f'</bpmn:intermediateCatchEvent>' for ident, definition in timers)
    ids = ["start", *(ident for ident, _ in timers), "done"]
    flows = "".join(f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>'
                    for i, (a, b) in enumerate(zip(ids, ids[1:])))
    return f"""{HEADER}<bpmn:process id="w" isExecutable="true"><bpmn:startEvent id="start"/>{events}
      <bpmn:endEvent id="done"/>{flows}</bpmn:process></bpmn:definitions>""".encode()


def service(retry_cycle: str | None) -> bytes:
    """Process 'pay': one service task for the handler 'charge', with `retry_cycle` if given."""
    extension = f"<bpmn:extensionElements><camunda:failedJobRetryTimeCycle>{retry_cycle}" \
                f"</camunda:failedJobRetryTimeCycle></bpmn:extensionElements>" if retry_cycle else ""
    return f"""{HEADER}<bpmn:process id="pay" isExecutable="true"><bpmn:startEvent id="s"/>
      <bpmn:serviceTask id="charge" camunda:type="external" camunda:topic="charge">{extension}</bpmn:serviceTask>
      <bpmn:endEvent id="e"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="charge"/>
      <bpmn:sequenceFlow id="f2" sourceRef="charge" targetRef="e"/></bpmn:process></bpmn:definitions>""".encode()


def instance_starts(runtime: Runtime, process: str) -> list[datetime]:
    found, _ = runtime.queries.instances(process=process)
    return sorted(utc(i.started_at) for i in found)


def test_a_start_timer_r2_starts_exactly_two_instances_over_ten_hours(sqlite_url: str) -> None:
    clock = VirtualClock(at("2027-01-01T00:00"))
    runtime = Runtime(sqlite_url, clock=clock)
    runtime.deploy(started_by_timer("Cycle", "R2/PT1H"), "t.bpmn")
    run_timers(runtime, clock, timedelta(hours=10))
    assert instance_starts(runtime, "t") == [at("2027-01-01T01:00"), at("2027-01-01T02:00")]
    assert runtime.next_due() is None, "the start timer is gone after its two firings"


@pytest.mark.parametrize(("deployed", "first"), [("2026-12-31T22:30", "2027-01-01T00:00"),
                                                 ("2027-01-01T05:20", "2027-01-01T06:00")])
def test_a_start_timer_with_a_start_fires_on_its_grid(sqlite_url: str, deployed: str, first: str) -> None:
    clock = VirtualClock(at(deployed))
    runtime = Runtime(sqlite_url, clock=clock)
    runtime.deploy(started_by_timer("Cycle", "R/2027-01-01T00:00:00Z/PT1H"), "t.bpmn")
    run_timers(runtime, clock, at(first) + timedelta(hours=2, minutes=30) - at(deployed))
    assert instance_starts(runtime, "t") == [at(first) + timedelta(hours=h) for h in range(3)]


def test_a_late_worker_starts_one_instance_for_the_missed_firings_and_keeps_the_grid(sqlite_url: str) -> None:
    clock = VirtualClock(at("2027-01-01T00:30"))
    runtime = Runtime(sqlite_url, clock=clock)
    runtime.deploy(started_by_timer("Cycle", "R/2027-01-01T00:00:00Z/PT1H"), "t.bpmn")
    clock.advance(to=at("2027-01-01T04:10"))  # the worker was down from 00:30 to 04:10
    runtime.run_due_timers()
    assert instance_starts(runtime, "t") == [at("2027-01-01T04:10")]
    assert utc(runtime.next_due()) == at("2027-01-01T05:00")


def test_a_start_timer_from_an_expression_is_evaluated_at_deployment(sqlite_url: str) -> None:
    clock = VirtualClock(at("2027-01-01T00:00"))
    runtime = Runtime(sqlite_url, clock=clock)
    runtime.deploy(started_by_timer("Cycle", '="R2/PT1H"'), "t.bpmn")
    run_timers(runtime, clock, timedelta(hours=10))
    assert len(instance_starts(runtime, "t")) == 2


def test_a_non_interrupting_boundary_cycle_fires_n_times_on_its_grid(sqlite_url: str) -> None:
    engine = Engine(sqlite_url)  # its clock starts at 2026-01-01T00:00
    engine.deploy(guarded('<bpmn:receiveTask id="wait" messageRef="m"/>', "wait",
                          timer("Cycle", "R3/2026-01-01T06:00:00Z/PT2H"), interrupting=False),
                  '<bpmn:message id="m" name="go"/>')
    instance = engine.start()
    engine.settle(seconds=86400)
    assert engine.trace == ["caught"] * 3
    fired = [utc(h.at) for h in engine.runtime.queries.instance(instance).history
             if h.kind == "element_activated" and h.element_id == "b"]
    assert fired == [at("2026-01-01T06:00"), at("2026-01-01T08:00"), at("2026-01-01T10:00")]
    assert engine.waiting_at(instance) == ["wait"]


def handler_calls(runtime: Runtime, clock: VirtualClock, hours: float) -> list[datetime]:
    """Run a worker whose handler for 'charge' always fails, moving the clock to each next retry; the
    virtual times of the handler's calls."""
    calls: list[datetime] = []

    def charge(job: JobContext) -> None:
        calls.append(clock.now())
        raise ConnectionError("payment provider unavailable")
    registry = HandlerRegistry()
    registry.register("charge", charge)
    worker, deadline = Worker(runtime, registry), clock.now() + timedelta(hours=hours)
    while clock.now() < deadline:
        worker.run_until_idle()
        due = runtime.next_due()
        if due is None or utc(due) > deadline:
            break
        clock.advance(to=utc(due))
    return calls


def test_a_retry_cycle_r3_pt5m_tries_three_times_five_minutes_apart_then_raises_an_incident(sqlite_url: str) -> None:
    clock = VirtualClock(at("2027-01-01T00:00"))
    runtime = Runtime(sqlite_url, clock=clock, retry_backoff_seconds=1)
    runtime.deploy(service("R3/PT5M"), "pay.bpmn")
    instance = runtime.start("pay")
    assert handler_calls(runtime, clock, hours=2) == [at("2027-01-01T00:00"), at("2027-01-01T00:05"),
                                                      at("2027-01-01T00:10")]
    [incident] = runtime.queries.instance(instance).incidents
    assert "payment provider unavailable" in incident.message


def test_a_retry_list_waits_each_of_its_intervals_in_turn(sqlite_url: str) -> None:
    clock = VirtualClock(at("2027-01-01T00:00"))
    runtime = Runtime(sqlite_url, clock=clock)
    runtime.deploy(service("PT1M,PT5M,PT10M"), "pay.bpmn")
    runtime.start("pay")
    assert handler_calls(runtime, clock, hours=2) == [at("2027-01-01T00:00"), at("2027-01-01T00:01"),
                                                      at("2027-01-01T00:06"), at("2027-01-01T00:16")]


def test_without_a_retry_cycle_the_default_exponential_backoff_applies(sqlite_url: str) -> None:
    clock = VirtualClock(at("2027-01-01T00:00"))
    runtime = Runtime(sqlite_url, clock=clock, retry_backoff_seconds=10, default_retries=3)
    runtime.deploy(service(None), "pay.bpmn")
    runtime.start("pay")
    assert handler_calls(runtime, clock, hours=2) == [at("2027-01-01T00:00"), at("2027-01-01T00:00:10"),
                                                      at("2027-01-01T00:00:30")]


def test_a_timer_from_a_variable_too_far_in_the_future_is_an_incident_and_other_timers_still_fire(
        sqlite_url: str) -> None:
    clock = VirtualClock(at("2027-01-01T00:00"))
    runtime = Runtime(sqlite_url, clock=clock)
    runtime.deploy(waiting(("first", timer("Duration", "PT1M")), ("week", timer("Duration", "${wait}"))), "w.bpmn")
    broken = runtime.start("w", {"wait": "P9999999999D"})
    fine = runtime.start("w", {"wait": "PT1H"})
    clock.advance(60)
    assert runtime.run_due_timers() == 2, "both first timers fire in the same worker round"
    [incident] = runtime.queries.instance(broken).incidents
    assert incident.element_id == "week"
    assert incident.message == ("the timer 'Wait week' (week) got 'P9999999999D' from its expression \"${wait}\", "
                                "which is too far in the future (after the year 9999)")
    run_timers(runtime, clock, timedelta(hours=2))
    assert runtime.queries.instance(fine).summary.status == "completed"
    assert runtime.queries.instance(broken).summary.status == "active"


def test_a_timer_expression_that_gives_no_time_is_an_incident_in_plain_words(sqlite_url: str) -> None:
    runtime = Runtime(sqlite_url, clock=VirtualClock(at("2027-01-01T00:00")))
    runtime.deploy(waiting(("week", timer("Duration", "${wait}"))), "w.bpmn")
    instance = runtime.start("w", {"wait": 7})
    [incident] = runtime.queries.instance(instance).incidents
    assert incident.message == ("the timer 'Wait week' (week) got 7 from its expression \"${wait}\", which is "
                                "neither a text such as PT5M nor a date or a duration")


@pytest.mark.parametrize(("model", "element", "reason"), [
    (waiting(("week", timer("Duration", "P99999999999D"))), "week",
     "the timeDuration 'P99999999999D' is too far in the future (after the year 9999)"),
    (waiting(("tick", timer("Cycle", "R/PT0S"))), "tick",
     "the timeCycle 'R/PT0S' has a zero interval; a repeating timer must wait between its firings"),
    (waiting(("tick", timer("Duration", "-PT5M"))), "tick", "the timeDuration '-PT5M' is negative"),
    (waiting(("tick", timer("Cycle", "R3/2027-01-02T00:00:00Z/2027-01-01T00:00:00Z"))), "tick",
     "does not end after it starts"),
    (waiting(("tick", timer("Cycle", "0 0 0 31 4 *"))), "tick", "'0 0 0 31 4 *' never fires"),
    (started_by_timer("Cycle", "${nightly}"), "tick", "the timer start event cannot be scheduled: cannot evaluate"),
    (service("R/PT1M"), "charge", "camunda:failedJobRetryTimeCycle 'R/PT1M' does not say how many times to try"),
])
def test_a_timer_that_cannot_run_is_refused_at_deployment_where_it_stands(sqlite_url: str, model: bytes,
                                                                          element: str, reason: str) -> None:
    runtime = Runtime(sqlite_url, clock=VirtualClock(at("2027-01-01T00:00")))
    with pytest.raises(DeploymentError) as refused:
        runtime.deploy(model, "refused.bpmn")
    [problem] = refused.value.problems
    assert (problem.file, problem.element_id) == ("refused.bpmn", element)
    assert problem.line > 0
    assert reason in problem.message
