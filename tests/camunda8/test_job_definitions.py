"""Job types and retries written as FEEL (`type="=..."`, `retries="=..."`) are evaluated when the job is created,
as Zeebe does; static ones are taken as written."""
from __future__ import annotations

from pathlib import Path

import pytest

from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.parser import parse
from tests.camunda8.models import deploy_one_task, extensions, flows, model, only_job


def _task(definition: str) -> str:
    return f'<bpmn:serviceTask id="work">{extensions(definition)}</bpmn:serviceTask>'


def test_a_feel_job_type_is_evaluated_when_the_job_is_created(tmp_path: Path) -> None:
    runtime = deploy_one_task(tmp_path, _task('<zeebe:taskDefinition type="=&quot;charge-&quot; + provider"/>'))
    runtime.start("p", {"provider": "stripe"})
    runtime.start("p", {"provider": "adyen"})
    assert [job.topic for job in runtime.acquire_jobs("w", ["charge-adyen"])] == ["charge-adyen"]
    assert [job.topic for job in runtime.acquire_jobs("w", ["charge-stripe"])] == ["charge-stripe"]


@pytest.mark.parametrize("retries, tries", [("=attempts + 1", 5), ("4", 4)])
def test_retries_static_or_feel_set_how_often_the_job_is_tried(tmp_path: Path, retries: str, tries: int) -> None:
    runtime = deploy_one_task(tmp_path, _task(f'<zeebe:taskDefinition type="charge" retries="{retries}"/>'))
    instance = runtime.start("p", {"attempts": 4})
    for attempt in range(tries):
        assert not runtime.queries.instance(instance).incidents, f"an incident before try {attempt + 1}"
        runtime.fail_job(only_job(runtime).job_id, "test-worker", "card declined", retry_in_seconds=0)
    [incident] = runtime.queries.instance(instance).incidents
    assert "card declined" in incident.message


@pytest.mark.parametrize("variables, reason", [
    ({"attempts": "two"}, "must give a whole number from 1 to 1,000"),
    ({"attempts": -1}, "must give a whole number from 1 to 1,000"),
])
def test_feel_retries_that_give_no_count_are_an_incident(tmp_path: Path, variables: dict[str, object],
                                                         reason: str) -> None:
    runtime = deploy_one_task(tmp_path, _task('<zeebe:taskDefinition type="charge" retries="=attempts"/>'))
    instance = runtime.start("p", variables)
    [incident] = runtime.queries.instance(instance).incidents
    assert reason in incident.message
    assert not runtime.acquire_jobs("w")


def test_a_feel_job_type_that_gives_no_text_is_an_incident(tmp_path: Path) -> None:
    runtime = deploy_one_task(tmp_path, _task('<zeebe:taskDefinition type="=provider"/>'))
    instance = runtime.start("p", {})
    [incident] = runtime.queries.instance(instance).incidents
    assert "job type" in incident.message
    assert not runtime.acquire_jobs("w")


@pytest.mark.parametrize("definition", ['type="=charge("', 'type="charge" retries="=1 +"'])
def test_a_feel_job_type_or_retries_that_cannot_parse_is_refused_at_deployment(definition: str) -> None:
    body = f'<bpmn:startEvent id="s"/>{_task(f"<zeebe:taskDefinition {definition}/>")}<bpmn:endEvent id="e"/>'
    with pytest.raises(DeploymentError) as refused:
        parse(model(body + flows("s", "work", "e")), "p.bpmn")
    assert [problem.element_id for problem in refused.value.problems] == ["work"]
