"""Subprocesses and call activities: embedded, ad-hoc, a called process and a called global task."""
from __future__ import annotations

from tests.engine.harness import Engine, chain, script


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
