"""Cron timer cycles as Camunda 8 runs them (six fields, the first the second; a day must match both day fields),
end to end through the runtime on a SQLite file with a virtual clock: a timer start event starts an instance at
each firing, and a non-interrupting boundary cycle fires until its activity ends."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bpmn_runtime.clock import VirtualClock
from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.runtime import Runtime
from tests.camunda8.models import flows, model
from tests.conformance.betsy import run_timers


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def cycle(cron: str) -> str:
    return (f'<bpmn:timerEventDefinition><bpmn:timeCycle xsi:type="bpmn:tFormalExpression">{cron}</bpmn:timeCycle>'
            f'</bpmn:timerEventDefinition>')


def runtime_at(tmp_path: Path, moment: str) -> tuple[Runtime, VirtualClock]:
    clock = VirtualClock(at(moment))
    return Runtime(f"sqlite:///{tmp_path / 'engine.db'}", clock=clock), clock


def test_a_cron_start_event_starts_an_instance_each_working_day_at_nine(tmp_path: Path) -> None:
    runtime, clock = runtime_at(tmp_path, "2027-01-01T08:00")  # a Friday
    runtime.deploy(model(f'<bpmn:startEvent id="s">{cycle("0 0 9 * * MON-FRI")}</bpmn:startEvent>'
                         f'<bpmn:endEvent id="e"/>{flows("s", "e")}'), "p.bpmn")
    run_timers(runtime, clock, timedelta(days=5))
    started = sorted(i.started_at.replace(tzinfo=timezone.utc) for i in runtime.queries.instances(process="p")[0])
    assert started == [at("2027-01-01T09:00"), at("2027-01-04T09:00"), at("2027-01-05T09:00")]


def test_a_non_interrupting_cron_boundary_fires_until_its_task_is_done(tmp_path: Path) -> None:
    runtime, clock = runtime_at(tmp_path, "2027-01-01T08:10")
    body = ('<bpmn:startEvent id="s"/><bpmn:userTask id="review"><bpmn:extensionElements><zeebe:userTask/>'
            '</bpmn:extensionElements></bpmn:userTask><bpmn:endEvent id="e"/>'
            f'<bpmn:boundaryEvent id="remind" attachedToRef="review" cancelActivity="false">{cycle("0 0/30 * * * *")}'
            '</bpmn:boundaryEvent><bpmn:endEvent id="e2"/>' + flows("s", "review", "e") + flows("remind", "e2"))
    runtime.deploy(model(body), "p.bpmn")
    instance = runtime.start("p")
    run_timers(runtime, clock, timedelta(minutes=75))  # to 09:25
    fired = [h.at.replace(tzinfo=timezone.utc) for h in runtime.queries.instance(instance).history
             if h.kind == "element_activated" and h.element_id == "remind"]
    assert fired == [at("2027-01-01T08:30"), at("2027-01-01T09:00")]
    [task] = runtime.queries.tasks(everyone=True)[0]
    runtime.complete_task(task.id, {})
    assert runtime.queries.instance(instance).summary.status == "completed"
    assert runtime.next_due() is None  # the cycle ended with its task


@pytest.mark.parametrize("cron", ["0 9 * * MON-FRI", "0 0 9 * * MON-FRI 2027"])
def test_a_cron_cycle_of_another_length_than_six_fields_is_refused(tmp_path: Path, cron: str) -> None:
    runtime, _ = runtime_at(tmp_path, "2027-01-01T08:00")
    with pytest.raises(DeploymentError) as refused:
        runtime.deploy(model(f'<bpmn:startEvent id="s">{cycle(cron)}</bpmn:startEvent><bpmn:endEvent id="e"/>'
                             f'{flows("s", "e")}'), "p.bpmn")
    assert [p.element_id for p in refused.value.problems] == ["s"]
