"""Subprocesses and call activities: embedded, ad-hoc, a called process and a called global task."""
from __future__ import annotations

import pytest

from bpmn_runtime.errors import DeploymentError
from tests.engine.harness import Engine, chain, script, subprocess


def test_an_embedded_subprocess_runs_between_the_activities_around_it(engine: Engine) -> None:
    engine.deploy(f"""<bpmn:process id="p" isExecutable="true">
      <bpmn:startEvent id="start"/>{script("before")}
      <bpmn:subProcess id="sub"><bpmn:startEvent id="s2"/>{script("inside")}<bpmn:endEvent id="e2"/>
        {chain("s2", "inside", "e2")}</bpmn:subProcess>
      {script("after")}<bpmn:endEvent id="end"/>{chain("start", "before", "sub", "after", "end")}
    </bpmn:process>""")
    assert engine.status(engine.start()) == "completed"
    assert engine.trace == ["before", "inside", "after"]


def test_an_ad_hoc_subprocess_runs_its_activities_then_completes(engine: Engine) -> None:
    engine.deploy(f"""<bpmn:process id="p" isExecutable="true">
      <bpmn:startEvent id="start"/>
      <bpmn:adHocSubProcess id="adhoc">{script("one")}{script("two")}</bpmn:adHocSubProcess>
      {script("after")}<bpmn:endEvent id="end"/>{chain("start", "adhoc", "after", "end")}
    </bpmn:process>""")
    assert engine.status(engine.start()) == "completed"
    assert sorted(engine.trace[:2]) == ["one", "two"]
    assert engine.trace[2:] == ["after"]


def _ad_hoc(engine: Engine, attributes: str, completion: str = "") -> None:
    """Process 'p': an ad-hoc subprocess of a receive task `wait` (for message 'go'), a script `b` that sets `done`
    and a script `c`, then script `after`."""
    condition = (f'<bpmn:completionCondition xsi:type="bpmn:tFormalExpression">{completion}'
                 '</bpmn:completionCondition>') if completion else ""
    engine.deploy(f"""<bpmn:process id="p" isExecutable="true">
      <bpmn:startEvent id="start"/>
      <bpmn:adHocSubProcess id="adhoc" {attributes}><bpmn:receiveTask id="wait" messageRef="m"/>
        {script("b", code="done = True")}{script("c")}{condition}</bpmn:adHocSubProcess>
      {script("after")}<bpmn:endEvent id="end"/>{chain("start", "adhoc", "after", "end")}
    </bpmn:process>""", '<bpmn:message id="m" name="go"/>')


def test_a_sequential_ad_hoc_subprocess_runs_one_inner_activity_at_a_time(engine: Engine) -> None:
    _ad_hoc(engine, 'ordering="Sequential"')
    instance = engine.start(done=False)
    assert engine.trace == [] and engine.waiting_at(instance) == ["wait"]
    engine.runtime.correlate_message("go")
    assert engine.trace == ["b", "c", "after"]
    assert engine.status(instance) == "completed"


def test_a_parallel_ad_hoc_subprocess_runs_its_inner_activities_at_once(engine: Engine) -> None:
    _ad_hoc(engine, 'ordering="Parallel"')
    instance = engine.start(done=False)
    assert engine.trace == ["b", "c"] and engine.waiting_at(instance) == ["wait"]
    engine.runtime.correlate_message("go")
    assert engine.trace == ["b", "c", "after"]


def test_an_ad_hoc_completion_condition_cancels_the_remaining_activities(engine: Engine) -> None:
    """BPMN 10.3.5: once the completion condition holds, no more inner activities start, and those running are
    cancelled (cancelRemainingInstances defaults to true)."""
    _ad_hoc(engine, 'ordering="Parallel"', "done")
    instance = engine.start(done=False)
    assert engine.trace == ["b", "c", "after"]
    assert engine.status(instance) == "completed"
    cancelled = [h.element_id for h in engine.runtime.queries.history(instance) if h.kind == "element_terminated"]
    assert sorted(cancelled) == ["c", "wait"]  # c had run its script, but had not completed when b did


def test_a_sequential_ad_hoc_subprocess_starts_nothing_once_its_completion_condition_holds(engine: Engine) -> None:
    engine.deploy(f"""<bpmn:process id="p" isExecutable="true">
      <bpmn:startEvent id="start"/>
      <bpmn:adHocSubProcess id="adhoc" ordering="Sequential">{script("b", code="done = True")}{script("c")}
        <bpmn:completionCondition xsi:type="bpmn:tFormalExpression">done</bpmn:completionCondition></bpmn:adHocSubProcess>
      {script("after")}<bpmn:endEvent id="end"/>{chain("start", "adhoc", "after", "end")}
    </bpmn:process>""")
    assert engine.status(engine.start(done=False)) == "completed"
    assert engine.trace == ["b", "after"]


def test_an_ad_hoc_completion_condition_without_cancelling_waits_for_the_running_activities(engine: Engine) -> None:
    _ad_hoc(engine, 'ordering="Parallel" cancelRemainingInstances="false"', "done")
    instance = engine.start(done=False)
    assert engine.trace == ["b", "c"] and engine.waiting_at(instance) == ["wait"]
    engine.runtime.correlate_message("go")
    assert engine.trace == ["b", "c", "after"]
    assert engine.status(instance) == "completed"


def test_a_call_activity_runs_the_called_process_and_gets_its_variables_back(engine: Engine) -> None:
    engine.deploy(f"""<bpmn:process id="p" isExecutable="true">
      <bpmn:startEvent id="start"/><bpmn:callActivity id="call" calledElement="child"/>{script("after")}
      <bpmn:endEvent id="end"/>{chain("start", "call", "after", "end")}
    </bpmn:process>
    <bpmn:process id="child" isExecutable="true">
      <bpmn:startEvent id="c1"/>{script("work", code="answer = 42")}<bpmn:endEvent id="c2"/>
      {chain("c1", "work", "c2")}
    </bpmn:process>""")
    instance = engine.start()
    assert engine.trace == ["work", "after"]
    assert engine.variables(instance)["answer"] == 42


def test_a_call_activity_that_calls_a_global_task_runs_it_in_place(engine: Engine) -> None:
    engine.deploy(f"""<bpmn:globalScriptTask id="shared"><bpmn:script>run</bpmn:script></bpmn:globalScriptTask>
    <bpmn:process id="p" isExecutable="true">
      <bpmn:startEvent id="start"/><bpmn:callActivity id="call" calledElement="shared"/>{script("after")}
      <bpmn:endEvent id="end"/>{chain("start", "call", "after", "end")}
    </bpmn:process>""")
    assert engine.run_to_end() == ["call", "after"]


@pytest.mark.parametrize("marked", ['isForCompensation="true"', ""])
def test_a_compensation_event_subprocess_runs_when_its_subprocess_is_compensated(engine: Engine, marked: str) -> None:
    """BPMN 10.5.4: the event subprocess with a compensate start event is the subprocess's compensation handler,
    whether or not the modeler also marked it isForCompensation; it runs once the subprocess has completed and a
    compensation throw after it compensates it."""
    handler = f"""<bpmn:subProcess id="undo_all" triggeredByEvent="true" {marked}>
      <bpmn:startEvent id="u1"><bpmn:compensateEventDefinition/></bpmn:startEvent>{script("refund")}
      <bpmn:endEvent id="u2"/>{chain("u1", "refund", "u2")}</bpmn:subProcess>"""
    engine.deploy(f"""<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="start"/>
      {subprocess("sub", handler + script("charge"), "charge")}
      <bpmn:intermediateThrowEvent id="undo"><bpmn:compensateEventDefinition/></bpmn:intermediateThrowEvent>
      {script("after")}<bpmn:endEvent id="end"/>{chain("start", "sub", "undo", "after", "end")}
    </bpmn:process>""")
    assert engine.run_to_end() == ["charge", "refund", "after"]


def test_a_camunda_8_ad_hoc_subprocess_choosing_its_activities_by_a_collection_is_refused(engine: Engine) -> None:
    """Camunda 8 activates only the elements `activeElementsCollection` names; this engine runs them all, so such
    a model is refused where it says so rather than run differently."""
    with pytest.raises(DeploymentError) as refused:
        engine.runtime.deploy(b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="http://x"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0">
  <bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s"/>
    <bpmn:adHocSubProcess id="pick" name="Pick"><bpmn:extensionElements>
      <zeebe:adHoc activeElementsCollection="=chosen"/></bpmn:extensionElements><bpmn:task id="t"/>
    </bpmn:adHocSubProcess><bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="pick"/><bpmn:sequenceFlow id="f2" sourceRef="pick" targetRef="e"/>
  </bpmn:process></bpmn:definitions>""", "pick.bpmn")
    assert "pick.bpmn:5 pick: zeebe:adHoc" in str(refused.value)
    assert "Active elements collection" in str(refused.value)


def test_an_ad_hoc_completion_condition_that_fails_is_an_incident_a_retry_resolves(engine: Engine) -> None:
    engine.deploy(f"""<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="start"/>
      <bpmn:adHocSubProcess id="adhoc">{script("b")}<bpmn:completionCondition xsi:type="bpmn:tFormalExpression">
        finished</bpmn:completionCondition></bpmn:adHocSubProcess>
      {script("after")}<bpmn:endEvent id="end"/>{chain("start", "adhoc", "after", "end")}
    </bpmn:process>""")
    instance = engine.start()
    incidents = engine.runtime.queries.incidents()
    assert [(i.element_id, "finished" in i.message) for i in incidents] == [("b", True)]
    engine.runtime.set_variables(instance, {"finished": True})
    engine.runtime.retry_incident(incidents[0].id)
    assert engine.trace == ["b", "after"] and engine.status(instance) == "completed"


def test_a_sequential_ad_hoc_subprocess_starts_the_next_activity_after_a_path_that_ends_in_an_event(
        engine: Engine) -> None:
    engine.deploy(f"""<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="start"/>
      <bpmn:adHocSubProcess id="adhoc" ordering="Sequential">{script("a")}<bpmn:intermediateThrowEvent id="noted"/>
        {script("b")}{chain("a", "noted")}</bpmn:adHocSubProcess>
      {script("after")}<bpmn:endEvent id="end"/>{chain("start", "adhoc", "after", "end")}
    </bpmn:process>""")
    instance = engine.start()
    assert engine.trace == ["a", "b", "after"] and engine.status(instance) == "completed"
    order = [h.element_id for h in engine.runtime.queries.history(instance) if h.kind == "element_completed"]
    assert order.index("noted") < order.index("b")
