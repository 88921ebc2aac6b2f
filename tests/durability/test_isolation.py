"""One bad step stops one instance, never a worker's round: a timer that cannot fire and a handler result
that cannot be applied become incidents on their instances, and every other timer and job still runs."""
from __future__ import annotations

from pathlib import Path

from bpmn_runtime.clock import VirtualClock
from bpmn_runtime.handlers import HandlerRegistry, JobContext
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.worker import Worker
from tests.durability.processes import HEADER, ONE_STEP, TIMER_THEN_WORK


def _timer_then(step: str, process_id: str) -> bytes:
    return f"""{HEADER}
  <bpmn:process id="{process_id}" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="first"/>
    <bpmn:intermediateCatchEvent id="first"><bpmn:timerEventDefinition>
      <bpmn:timeDuration>PT1S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="first" targetRef="bad"/>
    {step}
    <bpmn:sequenceFlow id="f3" sourceRef="bad" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


BAD_STEPS = {
    "long-wait": '<bpmn:intermediateCatchEvent id="bad"><bpmn:timerEventDefinition><bpmn:timeDuration>${wait}'
                 '</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>',
    "set-result": '<bpmn:scriptTask id="bad" scriptFormat="python"><bpmn:script>x = {1, 2}</bpmn:script>'
                  '</bpmn:scriptTask>',
    "complex-result": '<bpmn:scriptTask id="bad" scriptFormat="python"><bpmn:script>x = (-1) ** 0.5</bpmn:script>'
                      '</bpmn:scriptTask>',
}


def test_timers_that_cannot_fire_become_incidents_and_the_others_fire(sqlite_url: str) -> None:
    clock = VirtualClock()
    runtime = Runtime(sqlite_url, clock=clock)
    runtime.deploy(TIMER_THEN_WORK, "timer.bpmn")
    bad = {}
    for name, step in BAD_STEPS.items():
        runtime.deploy(_timer_then(step, name), f"{name}.bpmn")
        bad[runtime.start(name, {"wait": "P9999999999D"}, business_key=name)] = name
    good = [runtime.start("timer-then-work") for _ in range(2)]
    clock.advance(2)
    worker = Worker(runtime, HandlerRegistry())
    # every first timer fires; the step after it that cannot go on becomes an incident at its element
    assert worker.run_once() == len(good) + len(bad)
    incidents = {i.instance_id: i for i in runtime.queries.incidents()}
    assert set(incidents) == set(bad)
    for incident in incidents.values():
        assert incident.element_id == "bad"
        assert incident.message and "\n" not in incident.message and "Traceback" not in incident.message
    for instance_id in good:
        assert [t.element_id for t in runtime.queries.instance(instance_id).tokens] == ["ship"]
    assert worker.run_once() == 0, "a stopped timer is not picked up again"
    assert len(runtime.queries.incidents()) == len(bad)


def test_a_result_that_cannot_be_applied_becomes_an_incident(sqlite_url: str, tmp_path: Path) -> None:
    runtime = Runtime(sqlite_url)
    runtime.deploy(ONE_STEP, "one-step.bpmn")
    broken = runtime.start("one-step", business_key="order-1")
    fine = runtime.start("one-step", business_key="order-2")
    registry = HandlerRegistry()

    @registry.handler("work")
    def work(job: JobContext) -> dict[str, object]:
        return {"items": {1, 2}} if job.business_key == "order-1" else {"items": [1, 2]}

    Worker(runtime, registry).run_until_idle()
    assert runtime.queries.instance(fine).summary.status == "completed"
    [incident] = runtime.queries.incidents()
    assert (incident.instance_id, incident.element_id) == (broken, "work")
    assert incident.message.startswith("work: the handler's outcome could not be applied: InvalidInput"), \
        incident.message
