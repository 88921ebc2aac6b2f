"""Compensation handlers that wait for people or fail, through the runtime on a real SQLite file: a user-task
handler in the inbox, a failing handler's incident and its retry, an instance cancelled during compensation."""
from __future__ import annotations

from bpmn_runtime.runtime import Runtime

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
             id="Definitions_undo" targetNamespace="https://bpmn-runtime.example/tests">
"""

# A and B complete, each with a compensation handler; a throw then undoes B, then A.
TWO_STEPS = HEAD + """  <process id="undo" isExecutable="true">
    <startEvent id="start"/>
    <scriptTask id="A"><script>a = 1</script></scriptTask>
    <boundaryEvent id="compensate_A" attachedToRef="A"><compensateEventDefinition/></boundaryEvent>
    <scriptTask id="undo_A" isForCompensation="true"><script>undone_a = True</script></scriptTask>
    <scriptTask id="B"><script>b = 1</script></scriptTask>
    <boundaryEvent id="compensate_B" attachedToRef="B"><compensateEventDefinition/></boundaryEvent>
    {undo_b}
    <intermediateThrowEvent id="compensate"><compensateEventDefinition/></intermediateThrowEvent>
    <endEvent id="end"/>
    <sequenceFlow id="f1" sourceRef="start" targetRef="A"/>
    <sequenceFlow id="f2" sourceRef="A" targetRef="B"/>
    <sequenceFlow id="f3" sourceRef="B" targetRef="compensate"/>
    <sequenceFlow id="f4" sourceRef="compensate" targetRef="end"/>
    <association id="a1" sourceRef="compensate_A" targetRef="undo_A"/>
    <association id="a2" sourceRef="compensate_B" targetRef="undo_B"/>
  </process>
</definitions>
"""
USER_TASK_UNDO = TWO_STEPS.format(undo_b='<userTask id="undo_B" name="Call the customer" isForCompensation="true" '
                                         'camunda:candidateGroups="support"/>')
FAILING_UNDO = TWO_STEPS.format(undo_b='<scriptTask id="undo_B" isForCompensation="true">'
                                       '<script>undone_b = 10 / divisor</script></scriptTask>')


def runs(runtime: Runtime, instance_id: int) -> list[tuple[str, str, str]]:
    return [(c.handler_id, c.activity_id, c.result) for c in runtime.queries.instance(instance_id).compensations]


def test_a_user_task_handler_waits_in_the_inbox_and_compensation_goes_on_when_it_is_done(sqlite_url: str) -> None:
    runtime = Runtime(sqlite_url)
    runtime.deploy(USER_TASK_UNDO.encode(), "undo.bpmn")
    instance_id = runtime.start("undo")
    tasks, _ = runtime.queries.tasks(user="ann", groups=["support"])
    assert [(t.name, t.instance_id, t.element_id) for t in tasks] == [("Call the customer", instance_id, "undo_B")]
    assert runs(runtime, instance_id) == [("undo_B", "B", "running")]
    runtime.complete_task(tasks[0].id, {"customer_reached": True})
    detail = runtime.queries.instance(instance_id)
    assert detail.summary.status == "completed"
    assert runs(runtime, instance_id) == [("undo_B", "B", "completed"), ("undo_A", "A", "completed")]
    assert detail.variables["undone_a"] is True and detail.variables["customer_reached"] is True
    started = [h for h in detail.history if h.kind == "compensation_started"]
    completed_b = next(h for h in detail.history if h.kind == "element_completed" and h.element_id == "B")
    assert started[0].element_id == "undo_B"
    assert started[0].data == {"activity": "B", "activity_instance": completed_b.activity_instance, "handler": "undo_B"}


def test_a_failing_handler_raises_an_incident_and_its_retry_resumes_where_compensation_stopped(
        sqlite_url: str) -> None:
    runtime = Runtime(sqlite_url)
    runtime.deploy(FAILING_UNDO.encode(), "undo.bpmn")
    instance_id = runtime.start("undo", {"divisor": 0})
    incidents = runtime.queries.incidents()
    assert [(i.instance_id, i.element_id) for i in incidents] == [(instance_id, "undo_B")]
    assert "division by zero" in incidents[0].message
    assert runs(runtime, instance_id) == [("undo_B", "B", "running")]
    assert "undone_a" not in runtime.queries.instance(instance_id).variables, "A is undone only after B"

    runtime.set_variables(instance_id, {"divisor": 2})
    runtime.retry_incident(incidents[0].id)
    detail = runtime.queries.instance(instance_id)
    assert detail.summary.status == "completed"
    assert detail.variables["undone_b"] == 5 and detail.variables["undone_a"] is True
    assert runs(runtime, instance_id) == [("undo_B", "B", "completed"), ("undo_A", "A", "completed")]
    assert runtime.queries.incidents() == []


def test_cancelling_the_instance_during_compensation_ends_the_running_handler(sqlite_url: str) -> None:
    runtime = Runtime(sqlite_url)
    runtime.deploy(USER_TASK_UNDO.encode(), "undo.bpmn")
    instance_id = runtime.start("undo")
    runtime.cancel(instance_id, "the customer withdrew")
    assert runtime.queries.instance(instance_id).summary.status == "cancelled"
    assert runs(runtime, instance_id) == [("undo_B", "B", "terminated")]
    assert runtime.queries.tasks(everyone=True)[1] == 0
