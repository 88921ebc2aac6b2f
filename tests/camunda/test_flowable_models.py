"""Flowable and Activiti models run as Flowable runs them: external worker tasks are jobs a worker fetches and
completes (through the API and the REST external-task endpoints), skip expressions skip tasks only when the
instance enables them, `initiator` names who started the instance; a form key Flowable renders is refused."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from bpmn_runtime.accounts import Accounts
from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.handlers import HandlerRegistry, JobContext
from bpmn_runtime.parser import parse
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.runtime.task_rules import PROGRAM, Actor
from bpmn_runtime.web import create_app
from bpmn_runtime.worker import Worker

FLOWABLE = Path(__file__).resolve().parents[1] / "data" / "real-world" / "flowable"
WORKER_TASK = FLOWABLE / "modules__flowable-bpmn-converter__src__test__resources__externalWorkerServiceTask.bpmn"
WORKER_TASK_PLAIN = (FLOWABLE / "modules__flowable-bpmn-converter__src__test__resources__"
                                "externalWorkerServiceTaskWithExtensionElements.bpmn")
SKIPPING = FLOWABLE / ("ne__src__test__resources__org__flowable__examples__bpmn__usertask__"
                       "SkipExpressionUserTaskTest.testSkipMultipleTasks.bpmn")


def model(body: str, prefix: str = "flowable") -> bytes:
    namespace = "http://flowable.org/bpmn" if prefix == "flowable" else "http://activiti.org/bpmn"
    return (f'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:{prefix}="{namespace}" '
            f'targetNamespace="http://example.com/flowable"><process id="p" isExecutable="true">{body}</process>'
            f'</definitions>').encode()


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    opened = Runtime(f"sqlite:///{tmp_path / 'flowable.db'}")
    yield opened
    opened.close()


def test_an_external_worker_task_gives_its_worker_only_its_in_parameters_and_takes_back_only_its_out_parameters(
        runtime: Runtime) -> None:
    runtime.deploy(WORKER_TASK.read_bytes(), "externalWorkerServiceTask.bpmn")
    instance_id = runtime.start("process", {"description": "Pay the invoice", "secret": "s3cr3t"})
    [job] = runtime.acquire_jobs("w1", ["topic"])
    assert job.activity_id == "externalWorkerServiceTask"
    assert job.variables == {"theDescription": "Pay the invoice"}
    runtime.complete_job(job.job_id, "w1", {"theResult": 42, "noise": "dropped"})
    detail = runtime.queries.instance(instance_id)
    assert detail.summary.status == "completed"
    assert detail.variables == {"description": "Pay the invoice", "secret": "s3cr3t", "result": 42}


def test_a_python_handler_of_the_topic_does_the_work_of_an_external_worker_task(runtime: Runtime) -> None:
    """What `bpmn-runtime worker` runs: the handler registered for the task's topic gets the in parameters, and
    its result comes back through the out parameters."""
    seen: list[dict[str, object]] = []

    def describe(job: JobContext) -> dict[str, object]:
        seen.append(dict(job.variables))
        return {"theResult": f"done: {job.variables['theDescription']}"}

    registry = HandlerRegistry()
    registry.register("topic", describe)
    runtime.deploy(WORKER_TASK.read_bytes(), "externalWorkerServiceTask.bpmn")
    instance_id = runtime.start("process", {"description": "Pay"})
    assert Worker(runtime, registry).run_once() == 1
    assert seen == [{"theDescription": "Pay"}]
    detail = runtime.queries.instance(instance_id)
    assert detail.summary.status == "completed"
    assert detail.variables == {"description": "Pay", "result": "done: Pay"}


@pytest.mark.postgres
def test_an_external_worker_task_runs_end_to_end_on_postgresql(postgres_url: str) -> None:
    runtime = Runtime(postgres_url)
    try:
        runtime.deploy(WORKER_TASK.read_bytes(), "externalWorkerServiceTask.bpmn")
        instance_id = runtime.start("process", {"description": "Pay", "secret": 1})
        [job] = runtime.acquire_jobs("w1", ["topic"])
        assert job.variables == {"theDescription": "Pay"}
        runtime.complete_job(job.job_id, "w1", {"theResult": [1, 2]})
        assert runtime.queries.instance(instance_id).variables == {"description": "Pay", "secret": 1,
                                                                    "result": [1, 2]}
    finally:
        runtime.close()


def test_an_out_parameter_whose_variable_the_worker_did_not_send_is_null(runtime: Runtime) -> None:
    runtime.deploy(WORKER_TASK.read_bytes(), "externalWorkerServiceTask.bpmn")
    instance_id = runtime.start("process", {"theResult": "from the process"})
    [job] = runtime.acquire_jobs("w1", ["topic"])
    assert job.variables == {"theDescription": None}
    runtime.complete_job(job.job_id, "w1", {})
    assert runtime.queries.instance(instance_id).variables == {"theResult": "from the process", "result": None}


def test_an_external_worker_task_without_parameters_is_fetched_and_completed_through_the_rest_api(
        runtime: Runtime) -> None:
    runtime.deploy(WORKER_TASK_PLAIN.read_bytes(), "externalWorkerServiceTaskWithExtensionElements.bpmn")
    instance_id = runtime.start("process", {"description": "Ship it"})
    accounts = Accounts(runtime.database)
    accounts.add("olga", "correct-horse-1", role="operator")
    client, olga = create_app(runtime, testing=True).test_client(), \
        {"Authorization": f"Bearer {accounts.new_token('olga')}"}
    fetched = client.post("/api/v1/external-tasks/fetch-and-lock", headers=olga,
                          json={"workerId": "rest-worker", "topics": ["topic"]})
    assert fetched.status_code == 200
    [job] = fetched.get_json()
    assert (job["topic"], job["activityId"], job["variables"]) == \
        ("topic", "externalWorkerServiceTask", {"description": "Ship it"})
    done = client.post(f"/api/v1/external-tasks/{job['id']}/complete", headers=olga,
                       json={"workerId": "rest-worker", "variables": {"shipped": True}})
    assert done.status_code == 204
    detail = runtime.queries.instance(instance_id)
    assert detail.summary.status == "completed"
    assert detail.variables == {"description": "Ship it", "shipped": True}


def test_a_failing_external_worker_job_is_retried_as_often_as_the_runtime_retries_jobs(runtime: Runtime) -> None:
    runtime.deploy(WORKER_TASK_PLAIN.read_bytes(), "externalWorkerServiceTaskWithExtensionElements.bpmn")
    instance_id = runtime.start("process")
    raised = [runtime.fail_job(runtime.acquire_jobs("w1", ["topic"])[0].job_id, "w1", "down", retry_in_seconds=0)
              for _ in range(runtime.default_retries)]
    assert raised == [False] * (runtime.default_retries - 1) + [True]
    assert runtime.queries.instance(instance_id).summary.status == "active"


def test_an_external_worker_task_without_a_topic_is_refused() -> None:
    no_topic = model('<startEvent id="s"/><serviceTask id="work" name="Work" flowable:type="external-worker"/>'
                          '<endEvent id="e"/><sequenceFlow id="f1" sourceRef="s" targetRef="work"/>'
                          '<sequenceFlow id="f2" sourceRef="work" targetRef="e"/>')
    with pytest.raises(DeploymentError) as refused:
        parse(no_topic, "no_topic.bpmn")
    assert [(p.element_id, "no job topic" in p.message) for p in refused.value.problems] == [("work", True)]


@pytest.mark.parametrize("switch", ["_FLOWABLE_SKIP_EXPRESSION_ENABLED", "_ACTIVITI_SKIP_EXPRESSION_ENABLED"])
def test_skip_expressions_skip_the_tasks_they_hold_true_for_once_the_instance_enables_them(
        runtime: Runtime, switch: str) -> None:
    runtime.deploy(SKIPPING.read_bytes(), "skip.bpmn")
    skipping = runtime.start("skipExpressionUserTask-testSkipMultipleTasks", {switch: True, "skip1": True, "skip2": False, "skip3": True})
    tasks = [t for t in runtime.queries.tasks(everyone=True)[0] if t.instance_id == skipping]
    assert [t.element_id for t in tasks] == ["userTask2"]
    history = [(h.kind, h.element_id) for h in runtime.queries.instance(skipping).history]
    assert ("element_skipped", "userTask1") in history and ("task_created", "userTask1") not in history
    runtime.complete_task(tasks[0].id)
    assert runtime.queries.instance(skipping).summary.status == "completed"


def test_skip_expressions_are_not_evaluated_unless_the_instance_enables_them(runtime: Runtime) -> None:
    runtime.deploy(SKIPPING.read_bytes(), "skip.bpmn")
    not_enabled = runtime.start("skipExpressionUserTask-testSkipMultipleTasks", {"skip1": True})  # skip2, skip3 unset: never read
    [task] = [t for t in runtime.queries.tasks(everyone=True)[0] if t.instance_id == not_enabled]
    assert task.element_id == "userTask1"
    switched_off = runtime.start("skipExpressionUserTask-testSkipMultipleTasks", {"_ACTIVITI_SKIP_EXPRESSION_ENABLED": False,
                                                            "_FLOWABLE_SKIP_EXPRESSION_ENABLED": True, "skip1": True})
    [task] = [t for t in runtime.queries.tasks(everyone=True)[0] if t.instance_id == switched_off]
    assert task.element_id == "userTask1"


@pytest.mark.parametrize("variables", [
    {"_FLOWABLE_SKIP_EXPRESSION_ENABLED": True, "skip1": "yes"},
    {"_FLOWABLE_SKIP_EXPRESSION_ENABLED": "true", "skip1": True},
])
def test_a_skip_expression_or_switch_that_is_not_true_or_false_is_an_incident(
        runtime: Runtime, variables: dict[str, object]) -> None:
    runtime.deploy(SKIPPING.read_bytes(), "skip.bpmn")
    instance_id = runtime.start("skipExpressionUserTask-testSkipMultipleTasks", variables)
    [incident] = runtime.queries.instance(instance_id).incidents
    assert incident.element_id == "userTask1" and "true or false" in incident.message


@pytest.mark.parametrize("prefix", ["flowable", "activiti"])
def test_the_initiator_variable_names_who_started_the_instance(runtime: Runtime, prefix: str) -> None:
    runtime.deploy(model(f'<startEvent id="s" {prefix}:initiator="requester"/><userTask id="t" name="Approve"/>'
                         f'<endEvent id="e"/><sequenceFlow id="f1" sourceRef="s" targetRef="t"/>'
                         f'<sequenceFlow id="f2" sourceRef="t" targetRef="e"/>', prefix), "initiator.bpmn")
    runtime.grant("p", "start", "user", "mia")
    by_person = runtime.start("p", actor=Actor.person("mia"))
    by_program = runtime.start("p", actor=PROGRAM)
    assert runtime.queries.instance(by_person).variables == {"requester": "mia"}
    assert runtime.queries.instance(by_program).variables == {"requester": None}


def test_an_initiator_elsewhere_than_the_none_start_event_is_refused() -> None:
    with pytest.raises(DeploymentError) as refused:
        parse(model('<startEvent id="s"/><userTask id="t" name="Approve" activiti:initiator="who"/>'
                    '<sequenceFlow id="f1" sourceRef="s" targetRef="t"/>', "activiti"), "initiator.bpmn")
    assert [p.element_id for p in refused.value.problems] == ["t"]


@pytest.mark.parametrize("prefix", ["flowable", "activiti"])
def test_a_form_key_flowable_renders_is_refused_by_its_key(prefix: str) -> None:
    with pytest.raises(DeploymentError) as refused:
        parse(model(f'<startEvent id="s"/><userTask id="t" name="Approve" {prefix}:formKey="approve"/>'
                    f'<sequenceFlow id="f1" sourceRef="s" targetRef="t"/>', prefix), "form.bpmn")
    [problem] = refused.value.problems
    assert problem.element_id == "t" and "the form key 'approve' names a form of Flowable's" in problem.message


@pytest.mark.parametrize("prefix", ["flowable", "activiti"])
def test_an_async_task_waits_for_the_job_executor_before_it_starts(runtime: Runtime, prefix: str) -> None:
    runtime.deploy(model(f'<startEvent id="s"/><userTask id="t" name="Approve" {prefix}:async="true"/>'
                         f'<sequenceFlow id="f1" sourceRef="s" targetRef="t"/>', prefix), "async.bpmn")
    instance_id = runtime.start("p")
    assert not [t for t in runtime.queries.tasks(everyone=True)[0] if t.instance_id == instance_id]
    assert runtime.run_due_timers() == 1
    assert [t.element_id for t in runtime.queries.tasks(everyone=True)[0] if t.instance_id == instance_id] == ["t"]


def test_an_expression_execution_listener_runs_as_camunda_7_runs_it(runtime: Runtime) -> None:
    """Flowable's listeners are Camunda 7's (both come from Activiti): an expression start listener runs as the
    task starts, and one that fails is an incident on the task."""
    runtime.deploy(model('<startEvent id="s"/><userTask id="t" name="Approve"><extensionElements>'
                         '<activiti:executionListener event="start" expression="${ready}"/></extensionElements>'
                         '</userTask><sequenceFlow id="f1" sourceRef="s" targetRef="t"/>', "activiti"), "listen.bpmn")
    fine = runtime.start("p", {"ready": True})
    assert [t.element_id for t in runtime.queries.tasks(everyone=True)[0] if t.instance_id == fine] == ["t"]
    failing = runtime.start("p")
    [incident] = runtime.queries.instance(failing).incidents
    assert incident.element_id == "t" and "ready" in incident.message
    assert not [t for t in runtime.queries.tasks(everyone=True)[0] if t.instance_id == failing]


@pytest.mark.parametrize("listener, reason", [
    ('class="org.example.Audit"', 'it names Java code (class="org.example.Audit")'),
    ('expression="${true}" onTransaction="committed"', "when the transaction is committed (onTransaction)"),
])
def test_an_execution_listener_flowable_runs_otherwise_is_refused_with_its_reason(listener: str, reason: str) -> None:
    with pytest.raises(DeploymentError) as refused:
        parse(model(f'<startEvent id="s"/><userTask id="t" name="Approve"><extensionElements>'
                    f'<flowable:executionListener event="start" {listener}/></extensionElements></userTask>'
                    f'<sequenceFlow id="f1" sourceRef="s" targetRef="t"/>'), "listen.bpmn")
    [problem] = refused.value.problems
    assert problem.element_id == "t" and problem.message.startswith("flowable:executionListener on 'Approve' (t): ")
    assert reason in problem.message


def test_a_business_calendar_is_refused_saying_what_it_would_change() -> None:
    with pytest.raises(DeploymentError) as refused:
        parse(model('<startEvent id="s"><timerEventDefinition activiti:businessCalendarName="custom"><timeDuration>'
                    'PT1H</timeDuration></timerEventDefinition></startEvent>', "activiti"), "calendar.bpmn")
    [problem] = refused.value.problems
    assert "activiti:businessCalendarName on s: the timer's due date is computed by a business calendar" \
        in problem.message


@pytest.mark.parametrize("prefix", ["flowable", "activiti"])
def test_a_user_tasks_assignee_candidates_and_priority_are_read_as_camunda_7_reads_them(
        runtime: Runtime, prefix: str) -> None:
    runtime.deploy(model(f'<startEvent id="s" {prefix}:initiator="requester"/><userTask id="t" name="Approve" '
                         f'{prefix}:assignee="${{requester}}" {prefix}:candidateUsers="kermit, gonzo" '
                         f'{prefix}:candidateGroups="management" {prefix}:priority="${{urgency * 10}}"/>'
                         f'<sequenceFlow id="f1" sourceRef="s" targetRef="t"/>', prefix), "people.bpmn")
    runtime.grant("p", "start", "user", "mia")
    instance_id = runtime.start("p", {"urgency": 7}, actor=Actor.person("mia"))
    [task] = [t for t in runtime.queries.tasks(everyone=True)[0] if t.instance_id == instance_id]
    assert (task.assignee, task.priority) == ("mia", 70)
    assert (list(task.candidate_users), list(task.candidate_groups)) == (["kermit", "gonzo"], ["management"])


def test_a_priority_that_is_no_whole_number_is_refused() -> None:
    with pytest.raises(DeploymentError) as refused:
        parse(model('<startEvent id="s"/><userTask id="t" flowable:priority="high"/>'
                    '<sequenceFlow id="f1" sourceRef="s" targetRef="t"/>'), "priority.bpmn")
    [problem] = refused.value.problems
    assert problem.element_id == "t" and problem.message.startswith("the priority")
