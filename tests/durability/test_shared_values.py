"""The engine never shares a list or map with code outside it. The runtime keeps the states it saved in memory
between calls (`runtime.state_cache`) and writes a large state's values only when they were replaced, so a value
changed in place by a handler, a script runner or the caller that passed it in would make the state in memory
differ from the stored one, and later steps save or lose that change depending on which one they start from.
Every value crossing the boundary is therefore copied: what outside code changes in place stays outside, unless
it hands the value back."""
from __future__ import annotations

from typing import Any, Mapping

import pytest

from bpmn_runtime.engine.step import ScriptCall
from bpmn_runtime.handlers import HandlerRegistry, JobContext
from bpmn_runtime.runtime import Runtime
from tests.durability.processes import HEADER, THREE_STEPS, USER_TASK

TOPICS = ["reserve", "charge", "ship"]

SCRIPT_THEN_TASK = f"""{HEADER}
  <bpmn:process id="script-then-task" isExecutable="true">
    <bpmn:startEvent id="start"/><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="script"/>
    <bpmn:scriptTask id="script" scriptFormat="python"><bpmn:script>items.append(4)</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="script" targetRef="task"/>
    <bpmn:userTask id="task"/><bpmn:sequenceFlow id="f3" sourceRef="task" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


def _open_task(runtime: Runtime, instance_id: int) -> int:
    tasks, _ = runtime.queries.tasks(everyone=True, limit=10)
    return next(task.id for task in tasks if task.instance_id == instance_id)


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_worker_handler_changing_its_variables_in_place_changes_nothing(
        database: str, request: pytest.FixtureRequest) -> None:
    runtime = Runtime(request.getfixturevalue(f"{database}_url"))
    runtime.deploy(THREE_STEPS, "three-steps.bpmn")
    instance_id = runtime.start("three-steps", {"items": [1, 2], "order": {"lines": 1}})
    job = runtime.acquire_jobs("w1", TOPICS)[0]
    job.variables["items"].append(99)  # as a handler might, without returning it
    job.variables["order"]["lines"] = 7
    following = runtime.complete_job(job.job_id, "w1", {"reserved": True}, next_topics=TOPICS)
    assert following is not None
    assert following.variables == {"items": [1, 2], "order": {"lines": 1}, "reserved": True}
    following.variables["items"].clear()
    last = runtime.complete_job(following.job_id, "w1", {}, next_topics=TOPICS)
    assert last is not None and runtime.complete_job(last.job_id, "w1", {}) is None
    assert runtime.queries.instance(instance_id).variables == {
        "items": [1, 2], "order": {"lines": 1}, "reserved": True}
    runtime.close()


def test_an_in_line_handler_changing_its_variables_in_place_changes_nothing(sqlite_url: str) -> None:
    registry = HandlerRegistry()

    def meddle(job: JobContext) -> dict[str, Any]:
        job.variables["items"].append(job.topic)
        return {}
    for topic in TOPICS:
        registry.register(topic, meddle)
    runtime = Runtime(sqlite_url, local_handlers=registry)
    runtime.deploy(THREE_STEPS, "three-steps.bpmn")
    instance_id = runtime.start("three-steps", {"items": [1]})
    assert runtime.queries.instance(instance_id).variables == {"items": [1]}
    runtime.close()


def test_the_caller_changing_what_it_passed_in_changes_nothing(sqlite_url: str) -> None:
    runtime = Runtime(sqlite_url)
    runtime.deploy(USER_TASK, "approve.bpmn")
    variables = {"items": [1], "order": {"lines": 1}}
    instance_id = runtime.start("approve", variables)
    variables["items"].append(2)  # the runtime holds the state it saved: it must not see this
    variables["order"]["lines"] = 5
    runtime.complete_task(_open_task(runtime, instance_id), {"approved": True})
    assert runtime.queries.instance(instance_id).variables == {
        "items": [1], "order": {"lines": 1}, "approved": True}
    runtime.close()


def test_a_script_runner_changing_its_variables_in_place_changes_nothing(sqlite_url: str) -> None:
    def runner(call: ScriptCall) -> Mapping[str, Any]:
        call.variables["items"].append("from the runner")
        return {"ran": True}
    runtime = Runtime(sqlite_url, script_runner=runner)
    runtime.deploy(SCRIPT_THEN_TASK, "script-then-task.bpmn")
    instance_id = runtime.start("script-then-task", {"items": [1, 2, 3]})
    runtime.complete_task(_open_task(runtime, instance_id), {})
    assert runtime.queries.instance(instance_id).variables == {"items": [1, 2, 3], "ran": True}
    runtime.close()


def test_a_trusted_python_script_changing_a_list_in_place_changes_the_variable(sqlite_url: str) -> None:
    """Full Python scripts (turned on by the operator) mean what Python means: `items.append(4)` changes `items`."""
    runtime = Runtime(sqlite_url, python_scripts=True)
    runtime.deploy(SCRIPT_THEN_TASK, "script-then-task.bpmn")
    instance_id = runtime.start("script-then-task", {"items": [1, 2, 3]})
    assert runtime.queries.instance(instance_id).variables == {"items": [1, 2, 3, 4]}
    runtime.complete_task(_open_task(runtime, instance_id), {})
    assert runtime.queries.instance(instance_id).variables == {"items": [1, 2, 3, 4]}
    runtime.close()
