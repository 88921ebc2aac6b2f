"""spiffworkflow:preScript and postScript: Python assignments run in the sandbox before the activity's work and
as it completes, as SpiffWorkflow runs them; where SpiffWorkflow runs them otherwise (around a whole loop, not
at all on a script task or an event) the deployment is refused at the element."""
from __future__ import annotations

from typing import Any

import pytest

from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.handlers import HandlerRegistry, JobContext
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.worker import Worker
from tests.spiff.models import extensions, process

SCRIPTS = extensions("<spiffworkflow:preScript>total = price * 2</spiffworkflow:preScript>",
                     "<spiffworkflow:postScript>total = total + 1\nlabel = str(total) + ' EUR'</spiffworkflow:postScript>")


def test_a_user_task_sees_its_pre_script_and_its_post_script_sees_the_form(runtime: Runtime) -> None:
    runtime.deploy(process(f'<bpmn:userTask id="work" name="Check">{SCRIPTS}</bpmn:userTask>'), "p.bpmn")
    instance = runtime.start("p", {"price": 10})
    assert runtime.queries.instance(instance).variables == {"price": 10, "total": 20}
    task = runtime.queries.tasks(everyone=True)[0][0]
    runtime.complete_task(task.id, {"total": 5})
    assert runtime.queries.instance(instance).variables == {"price": 10, "total": 6, "label": "6 EUR"}


def test_a_service_tasks_handler_reads_what_the_pre_script_set(runtime: Runtime) -> None:
    seen: list[Any] = []

    def handler(job: JobContext) -> dict[str, Any]:
        seen.append(job.variables["total"])
        return {"total": 100}

    runtime.deploy(process(f'<bpmn:serviceTask id="work">{SCRIPTS}</bpmn:serviceTask>'), "p.bpmn")
    instance = runtime.start("p", {"price": 3})
    registry = HandlerRegistry()
    registry.register("work", handler)
    Worker(runtime, registry).run_once()
    assert (seen, runtime.queries.instance(instance).variables) == (
        [6], {"price": 3, "total": 101, "label": "101 EUR"})


@pytest.mark.parametrize("kind", ["task", "manualTask"])
def test_a_task_or_manual_task_waits_for_a_person_as_in_spiff(runtime: Runtime, kind: str) -> None:
    scripts = extensions("<spiffworkflow:postScript>checked = True</spiffworkflow:postScript>")
    runtime.deploy(process(f'<bpmn:{kind} id="work" name="Pack">{scripts}</bpmn:{kind}>'), "p.bpmn")
    instance = runtime.start("p", {})
    task = runtime.queries.tasks(everyone=True)[0][0]
    assert (task.element_id, runtime.queries.instance(instance).variables) == ("work", {})
    runtime.complete_task(task.id, {})
    assert runtime.queries.instance(instance).variables == {"checked": True}


@pytest.mark.parametrize("script", ["preScript", "postScript"])
def test_a_failing_script_is_an_incident_on_the_activity(runtime: Runtime, script: str) -> None:
    scripts = extensions(f"<spiffworkflow:{script}>total = missing + 1</spiffworkflow:{script}>")
    runtime.deploy(process(f'<bpmn:userTask id="work" name="Pack">{scripts}</bpmn:userTask>'), "p.bpmn")
    instance = runtime.start("p", {})
    for task in runtime.queries.tasks(everyone=True)[0]:
        runtime.complete_task(task.id, {})
    detail = runtime.queries.instance(instance)
    assert [(i.element_id, "missing" in i.message) for i in detail.incidents] == [("work", True)]


def test_a_multi_instance_activity_runs_its_scripts_on_each_instance_when_told_to(runtime: Runtime) -> None:
    loop = ('<bpmn:multiInstanceLoopCharacteristics isSequential="true" spiffworkflow:scriptsOnInstances="true">'
            '<bpmn:loopCardinality>3</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>')
    scripts = extensions("<spiffworkflow:postScript>count = count + 1</spiffworkflow:postScript>")
    runtime.deploy(process(f'<bpmn:manualTask id="work">{scripts}{loop}</bpmn:manualTask>'), "p.bpmn")
    instance = runtime.start("p", {"count": 0})
    for _ in range(3):
        runtime.complete_task(runtime.queries.tasks(everyone=True)[0][0].id, {})
    assert runtime.queries.instance(instance).variables["count"] == 3


@pytest.mark.parametrize(("activity", "reason"), [
    ('<bpmn:scriptTask id="work" name="Pack">{scripts}<bpmn:script>a = 1</bpmn:script></bpmn:scriptTask>',
     "spiffworkflow:postScript on 'Pack' (work): this setting of SpiffWorkflow is not run by this engine"),
    ('<bpmn:intermediateThrowEvent id="work" name="Pack">{scripts}</bpmn:intermediateThrowEvent>',
     "spiffworkflow:postScript on 'Pack' (work): this setting of SpiffWorkflow is not run by this engine"),
])
def test_scripts_spiff_runs_otherwise_are_refused_at_the_element(runtime: Runtime, activity: str,
                                                                reason: str) -> None:
    scripts = extensions("<spiffworkflow:postScript>count = 1</spiffworkflow:postScript>")
    with pytest.raises(DeploymentError) as refused:
        runtime.deploy(process(activity.format(scripts=scripts)), "p.bpmn")
    assert [p.element_id for p in refused.value.problems if reason in p.message] == ["work"]


def test_a_script_the_sandbox_refuses_is_refused_at_deployment(runtime: Runtime) -> None:
    scripts = extensions("<spiffworkflow:preScript>from os import getpid\npid = getpid()</spiffworkflow:preScript>")
    with pytest.raises(DeploymentError) as refused:
        runtime.deploy(process(f'<bpmn:userTask id="work">{scripts}</bpmn:userTask>'), "p.bpmn")
    assert [(p.element_id, p.message.endswith("line 1 imports getpid from os: a script cannot import modules "
                                              "here, since an import gives it the engine's rights over the machine"))
            for p in refused.value.problems] == [("work", True)]


AROUND = extensions("<spiffworkflow:preScript>runs = runs + 1\ndone = None</spiffworkflow:preScript>",
                    "<spiffworkflow:postScript>done = runs * 10</spiffworkflow:postScript>")


@pytest.mark.parametrize("loop", [
    '<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>3</bpmn:loopCardinality>'
    '</bpmn:multiInstanceLoopCharacteristics>',
    '<bpmn:multiInstanceLoopCharacteristics isSequential="true"><bpmn:loopCardinality>3</bpmn:loopCardinality>'
    '</bpmn:multiInstanceLoopCharacteristics>',
    '<bpmn:standardLoopCharacteristics loopMaximum="3"><bpmn:loopCondition>True</bpmn:loopCondition>'
    '</bpmn:standardLoopCharacteristics>'], ids=["parallel", "sequential", "standard"])
def test_a_looping_activitys_scripts_run_once_around_all_its_iterations_as_in_spiff(runtime: Runtime,
                                                                                     loop: str) -> None:
    runtime.deploy(process(f'<bpmn:userTask id="work" name="Pack">{AROUND}{loop}</bpmn:userTask>'), "p.bpmn")
    instance = runtime.start("p", {"runs": 0})
    for _ in range(3):
        assert runtime.queries.instance(instance).variables == {"runs": 1, "done": None}
        runtime.complete_task([t for t in runtime.queries.tasks(everyone=True)[0] if t.element_id == "work"][0].id, {})
    assert runtime.queries.instance(instance).variables == {"runs": 1, "done": 10}
    assert [t.element_id for t in runtime.queries.tasks(everyone=True)[0]] == ["after"]


def test_with_scripts_on_instances_each_instance_runs_them(runtime: Runtime) -> None:
    loop = ('<bpmn:multiInstanceLoopCharacteristics isSequential="true" spiffworkflow:scriptsOnInstances="true">'
            '<bpmn:loopCardinality>2</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>')
    runtime.deploy(process(f'<bpmn:userTask id="work" name="Pack">{AROUND}{loop}</bpmn:userTask>'), "p.bpmn")
    instance = runtime.start("p", {"runs": 0})
    for _ in range(2):
        runtime.complete_task([t for t in runtime.queries.tasks(everyone=True)[0] if t.element_id == "work"][0].id, {})
    assert runtime.queries.instance(instance).variables == {"runs": 2, "done": 20}
