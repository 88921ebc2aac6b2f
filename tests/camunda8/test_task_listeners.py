"""Camunda 8 task listeners run as Zeebe runs them: jobs of their type, one after the other in model order,
creating listeners before the task is offered, completing listeners after the person submits and before the task
completes. Their jobs see the task's variables, set none, and may correct the task (creating) or deny the
completion (completing). The events this engine does not run are refused by name at deployment."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from bpmn_runtime.errors import DeploymentError, InvalidInput
from bpmn_runtime.handlers import HandlerRegistry
from bpmn_runtime.parser import parse
from bpmn_runtime.runtime import Runtime
from tests.camunda8.models import deploy_one_task, extensions, flows, model, only_job
from tests.camunda8.test_execution_listeners import work_on


def approval(*declared: str, camunda_user_task: bool = True) -> str:
    """A user task 'Approve' with zeebe:taskListeners from `event:type[:retries]` declarations, in that order."""
    items = []
    for text in declared:
        event, job_type, *retries = text.split(":")
        extra = f' retries="{retries[0]}"' if retries else ""
        items.append(f'<zeebe:taskListener eventType="{event}" type="{job_type}"{extra}/>')
    marker = "<zeebe:userTask/>" if camunda_user_task else ""
    parts = extensions(marker, '<zeebe:assignmentDefinition assignee="mia"/>',
                       f"<zeebe:taskListeners>{''.join(items)}</zeebe:taskListeners>")
    return f'<bpmn:userTask id="work" name="Approve">{parts}</bpmn:userTask>'


def open_tasks(runtime: Runtime) -> list[tuple[str, str | None]]:
    return [(task.name, task.assignee) for task in runtime.queries.tasks(everyone=True)[0]]


def test_creating_listeners_run_in_order_before_the_task_is_offered(tmp_path: Path) -> None:
    runtime = deploy_one_task(tmp_path, approval("creating:first", "create:second"))
    runtime.start("p", {"amount": 12})
    assert open_tasks(runtime) == []
    assert work_on(runtime, "first")["amount"] == 12
    assert open_tasks(runtime) == []
    work_on(runtime, "second")
    assert open_tasks(runtime) == [("Approve", "mia")]


def test_completing_listeners_run_after_the_submission_and_before_the_instance_goes_on(tmp_path: Path) -> None:
    runtime = deploy_one_task(tmp_path, approval("completing:check", "complete:archive"))
    instance = runtime.start("p", {"amount": 12})
    [task] = runtime.queries.tasks(everyone=True)[0]
    runtime.complete_task(task.id, {"approved": True})
    assert open_tasks(runtime) == []
    assert runtime.queries.instance(instance).summary.status == "active"
    seen = work_on(runtime, "check")
    assert seen == {"amount": 12}  # the task's variables; the submission is not applied yet
    work_on(runtime, "archive")
    detail = runtime.queries.instance(instance)
    assert (detail.summary.status, detail.variables) == ("completed", {"amount": 12, "approved": True})


def test_a_completing_listener_may_deny_and_the_submission_is_not_applied(tmp_path: Path) -> None:
    runtime = deploy_one_task(tmp_path, approval("completing:check"))
    instance = runtime.start("p")
    [task] = runtime.queries.tasks(everyone=True)[0]
    runtime.complete_task(task.id, {"approved": False})
    work_on(runtime, "check", {"denied": True, "deniedReason": "a reason is missing"})
    assert open_tasks(runtime) == [("Approve", "mia")]
    [again] = runtime.queries.tasks(everyone=True)[0]
    runtime.complete_task(again.id, {"approved": True, "reason": "fine"})
    work_on(runtime, "check", {"denied": False})
    detail = runtime.queries.instance(instance)
    assert (detail.summary.status, detail.variables) == ("completed", {"approved": True, "reason": "fine"})


def test_creating_listeners_correct_the_task_before_it_is_offered(tmp_path: Path) -> None:
    runtime = deploy_one_task(tmp_path, approval("creating:route", "creating:schedule"))
    runtime.start("p")
    job = only_job(runtime)
    assert (job.headers["io.camunda.zeebe:assignee"], job.headers["io.camunda.zeebe:priority"]) == ("mia", "50")
    runtime.complete_job(job.job_id, "test-worker", {"corrections": {"assignee": "noah",
                                                                     "candidateGroups": ["sales"]}})
    job = only_job(runtime)  # the next listener sees the task as corrected so far
    assert (job.headers["io.camunda.zeebe:assignee"], job.headers["io.camunda.zeebe:candidateGroups"]) == \
        ("noah", '["sales"]')
    runtime.complete_job(job.job_id, "test-worker", {"corrections": {"dueDate": "2026-12-31", "priority": 80}})
    [task] = runtime.queries.tasks(everyone=True)[0]
    assert (task.assignee, task.candidate_groups, task.due, task.priority) == ("noah", ["sales"], "2026-12-31", 80)


@pytest.mark.parametrize("result, expected", [
    ({"approved": True}, "cannot set variables (approved)"),
    ({"corrections": {"name": "Other"}}, "cannot correct 'name'"),
    ({"corrections": {"priority": 300}}, "between 0 and 100"),
    ({"corrections": {"dueDate": "tomorrow"}}, "ISO 8601"),
    ({"denied": True}, "cannot set variables (denied)"),
], ids=["variables", "unknown field", "priority", "date", "deny on creating"])
def test_a_result_a_listener_cannot_give_is_refused_to_its_worker(tmp_path: Path, result: dict[str, object],
                                                                  expected: str) -> None:
    runtime = deploy_one_task(tmp_path, approval("creating:route"))
    instance = runtime.start("p")
    job = only_job(runtime)
    with pytest.raises(InvalidInput, match=re.escape(expected)):
        runtime.complete_job(job.job_id, "test-worker", result)
    runtime.complete_job(job.job_id, "test-worker", {})  # the job is still the worker's
    assert open_tasks(runtime) == [("Approve", "mia")]
    assert runtime.queries.instance(instance).variables == {}


def test_a_listener_failing_all_tries_is_an_incident_and_a_retry_runs_that_listener_again(tmp_path: Path) -> None:
    runtime = deploy_one_task(tmp_path, approval("creating:first", "creating:second:2"))
    instance = runtime.start("p")
    work_on(runtime, "first")
    for _ in range(2):
        job = only_job(runtime)
        assert job.topic == "second"
        runtime.fail_job(job.job_id, "test-worker", "directory down", retry_in_seconds=0)
    [incident] = runtime.queries.instance(instance).incidents
    assert incident.element_id == "work" and "directory down" in incident.message
    assert open_tasks(runtime) == []
    runtime.retry_incident(incident.id)
    work_on(runtime, "second")  # only the failed listener runs again
    assert open_tasks(runtime) == [("Approve", "mia")]


def test_a_task_interrupted_while_its_creating_listener_runs_ends_without_it(tmp_path: Path) -> None:
    boundary = ('<bpmn:boundaryEvent id="late" attachedToRef="work"><bpmn:timerEventDefinition><bpmn:timeDuration>'
                'PT0S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent><bpmn:endEvent id="e2"/>'
                + flows("late", "e2"))
    runtime = deploy_one_task(tmp_path, approval("creating:route") + boundary)
    instance = runtime.start("p")
    assert runtime.run_due_timers() == 1  # Zeebe subscribes boundary events as the element activates
    assert runtime.acquire_jobs("test-worker") == []
    assert runtime.queries.instance(instance).summary.status == "completed"


@pytest.mark.parametrize("event", ["assigning", "updating", "canceling", "assignment"])
def test_task_listener_events_the_engine_does_not_run_are_refused_by_name(event: str) -> None:
    body = f'<bpmn:startEvent id="s"/>{approval(f"{event}:audit")}<bpmn:endEvent id="e"/>{flows("s", "work", "e")}'
    with pytest.raises(DeploymentError) as refused:
        parse(model(body), "p.bpmn")
    [problem] = refused.value.problems
    assert problem.element_id == "work"
    assert f"the user task 'Approve' (work) has a task listener of the event type '{event}'" in problem.message
    assert "(Task listeners, Event type)" in problem.message


def test_task_listeners_on_a_job_worker_user_task_are_refused() -> None:
    task = approval("creating:route", camunda_user_task=False)
    with pytest.raises(DeploymentError) as refused:
        parse(model(f'<bpmn:startEvent id="s"/>{task}<bpmn:endEvent id="e"/>{flows("s", "work", "e")}'), "p.bpmn")
    [problem] = refused.value.problems
    assert problem.element_id == "work" and "run on Camunda user tasks only" in problem.message


def test_each_instance_of_a_multi_instance_user_task_runs_its_listeners(tmp_path: Path) -> None:
    loop = ('<bpmn:multiInstanceLoopCharacteristics isSequential="true"><bpmn:extensionElements>'
            '<zeebe:loopCharacteristics inputCollection="=reviewers" inputElement="reviewer"/>'
            '</bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics>')
    runtime = deploy_one_task(tmp_path, approval("creating:route", "completing:check").replace(
        "</bpmn:userTask>", loop + "</bpmn:userTask>"))
    instance = runtime.start("p", {"reviewers": ["ann", "bo"]})
    for reviewer in ("ann", "bo"):
        assert work_on(runtime, "route", {"corrections": {"assignee": reviewer}})["reviewer"] == reviewer
        [task] = runtime.queries.tasks(everyone=True)[0]
        assert task.assignee == reviewer
        runtime.complete_task(task.id)
        work_on(runtime, "check")
    assert runtime.queries.instance(instance).summary.status == "completed"


def test_a_task_listener_without_a_job_type_is_refused() -> None:
    body = f'<bpmn:startEvent id="s"/>{approval("creating:")}<bpmn:endEvent id="e"/>{flows("s", "work", "e")}'
    with pytest.raises(DeploymentError) as refused:
        parse(model(body), "p.bpmn")
    [problem] = refused.value.problems
    assert problem.element_id == "work" and "a creating task listener without a job type" in problem.message


def test_an_in_process_listener_handler_giving_variables_fails_its_job_with_the_reason(tmp_path: Path) -> None:
    registry = HandlerRegistry()
    registry.register("route", lambda job: {"approver": "noah"})
    runtime = Runtime(f"sqlite:///{tmp_path / 'engine.db'}", local_handlers=registry, retry_backoff_seconds=0.0)
    runtime.deploy(model(f'<bpmn:startEvent id="s"/>{approval("creating:route:1")}<bpmn:endEvent id="e"/>'
                         f'{flows("s", "work", "e")}'), "p.bpmn")
    instance = runtime.start("p")  # the start succeeds: the failure belongs to the listener's job
    [incident] = runtime.queries.instance(instance).incidents
    assert "cannot set variables (approver)" in incident.message
    assert open_tasks(runtime) == []
