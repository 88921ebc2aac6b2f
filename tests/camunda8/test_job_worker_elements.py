"""Elements Camunda 8 runs through job workers name their job type, as Zeebe requires at deployment: a business
rule task calls a decision or names a job type (not both), and a message throw event (intermediate or end) names
the job type of the worker that sends its message; Zeebe publishes no such message itself, so the engine does not
either. Refused at the element, in the modeler's words."""
from __future__ import annotations

from pathlib import Path

import pytest

from bpmn_runtime.errors import DeploymentError
from tests.camunda8.models import extensions, flows, model, only_job, runtime_on

DECISION = '<zeebe:calledDecision decisionId="discount" resultVariable="rate"/>'
JOB = '<zeebe:taskDefinition type="notify"/>'
MESSAGE = '<bpmn:message id="m" name="order-paid"/>'
THROW = '<bpmn:messageEventDefinition messageRef="m"/>'


def _deploy(tmp_path: Path, element: str, element_id: str = "work") -> int:
    runtime = runtime_on(tmp_path)
    runtime.deploy(model(f'<bpmn:startEvent id="s"/>{element}<bpmn:endEvent id="e"/>{flows("s", element_id, "e")}',
                         MESSAGE), "p.bpmn")
    return runtime.start("p")


REFUSED = {
    "business rule task with neither": (
        '<bpmn:businessRuleTask id="work" name="Rate order"/>',
        "the business rule task 'Rate order' (work) neither calls a decision nor names a job type, which Camunda 8 "
        "refuses; choose its implementation: DMN decision (Called decision, Decision ID and Result variable) or Job "
        "worker (Task definition, Job type)"),
    "business rule task with both": (
        f'<bpmn:businessRuleTask id="work">{extensions(DECISION, JOB)}</bpmn:businessRuleTask>',
        "the business rule task work both calls a decision and names a job type, which Camunda 8 refuses; keep one "
        "implementation: DMN decision (Called decision) or Job worker (Task definition, Job type)"),
    "intermediate message throw without a job type": (
        f'<bpmn:intermediateThrowEvent id="work" name="Tell shop">{THROW}</bpmn:intermediateThrowEvent>',
        "the intermediate throw event 'Tell shop' (work) throws a message, which Camunda 8 leaves to a job worker "
        "to send, and it has no job type; enter the topic its workers take (Task definition, Job type)"),
}


@pytest.mark.parametrize("element, reason", REFUSED.values(), ids=list(REFUSED))
def test_an_element_zeebe_refuses_without_its_implementation_is_refused(tmp_path: Path, element: str,
                                                                        reason: str) -> None:
    with pytest.raises(DeploymentError) as refused:
        _deploy(tmp_path, element)
    [problem] = refused.value.problems
    assert (problem.element_id, problem.message) == ("work", reason)


def test_a_message_end_event_without_a_job_type_is_refused(tmp_path: Path) -> None:
    body = f'<bpmn:startEvent id="s"/><bpmn:endEvent id="done" name="Paid">{THROW}</bpmn:endEvent>{flows("s", "done")}'
    with pytest.raises(DeploymentError) as refused:
        runtime_on(tmp_path).deploy(model(body, MESSAGE), "p.bpmn")
    [problem] = refused.value.problems
    assert problem.element_id == "done" and problem.message.startswith("the end event 'Paid' (done) throws a message")


def test_a_message_throw_with_a_job_type_is_its_workers_job(tmp_path: Path) -> None:
    runtime = runtime_on(tmp_path)
    throw = f'<bpmn:intermediateThrowEvent id="work">{extensions(JOB)}{THROW}</bpmn:intermediateThrowEvent>'
    runtime.deploy(model(f'<bpmn:startEvent id="s"/>{throw}<bpmn:endEvent id="e"/>{flows("s", "work", "e")}',
                         MESSAGE), "p.bpmn")
    instance = runtime.start("p")
    sent = only_job(runtime)
    assert sent.topic == "notify"
    runtime.complete_job(sent.job_id, "test-worker", {"sent": True})
    assert runtime.queries.instance(instance).summary.status == "completed"


def test_a_business_rule_task_with_a_job_type_is_its_workers_job(tmp_path: Path) -> None:
    runtime = runtime_on(tmp_path)
    runtime.deploy(model('<bpmn:startEvent id="s"/><bpmn:businessRuleTask id="work">' + extensions(JOB)
                         + '</bpmn:businessRuleTask><bpmn:endEvent id="e"/>' + flows("s", "work", "e")), "p.bpmn")
    runtime.start("p")
    assert only_job(runtime).topic == "notify"
