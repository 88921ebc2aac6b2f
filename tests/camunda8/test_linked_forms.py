"""A Camunda 8 user task linked to a deployed form (zeebe:formDefinition formId) shows the version its binding
picks, as Zeebe resolves it: `latest`, the newest version when the task is created; `deployment`, the version
deployed together with the process; `versionTag`, the newest version carrying that tag when the task is created.
A task keeps the version it was created with, and its completion is checked against that version."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bpmn_runtime.errors import DeploymentError, InvalidInput
from bpmn_runtime.forms import form_fields
from bpmn_runtime.model import FormField
from bpmn_runtime.runtime import Runtime
from tests.camunda8.models import extensions, flows, model, runtime_on


def _form(field: str, version_tag: str | None = None) -> bytes:
    schema: dict[str, object] = {"id": "review", "type": "default", "components": [
        {"type": "textfield", "key": field, "label": field.title()}]}
    if version_tag is not None:
        schema["versionTag"] = version_tag
    return json.dumps(schema).encode()


def _process(definition: str) -> bytes:
    task = f'<bpmn:userTask id="work" name="Review">{extensions("<zeebe:userTask/>", definition)}</bpmn:userTask>'
    return model(f'<bpmn:startEvent id="s"/>{task}<bpmn:endEvent id="e"/>{flows("s", "work", "e")}')


def _fields_of_new_task(runtime: Runtime) -> list[str]:
    instance = runtime.start("p")
    task_id = runtime.queries.instance(instance).tasks[0].id
    return [field.id for field in form_fields(runtime.queries.task_form(task_id)[1])]


def test_latest_shows_the_newest_version_when_the_task_is_created(tmp_path: Path) -> None:
    runtime = runtime_on(tmp_path)
    runtime.deploy(_form("summary"), file_name="review.form")
    runtime.deploy(_process('<zeebe:formDefinition formId="review"/>'), "p.bpmn")
    first = runtime.start("p")
    first_task = runtime.queries.instance(first).tasks[0].id
    runtime.deploy(_form("verdict"), file_name="review.form")
    assert _fields_of_new_task(runtime) == ["verdict"]
    assert [f.id for f in form_fields(runtime.queries.task_form(first_task)[1])] == ["summary"]
    with pytest.raises(InvalidInput, match="verdict: is not a field of this form"):
        runtime.complete_task(first_task, {"verdict": "ok"})
    runtime.complete_task(first_task, {"summary": "fine"})
    assert runtime.queries.instance(first).variables == {"summary": "fine"}


def test_deployment_binding_needs_the_form_deployed_with_the_process(tmp_path: Path) -> None:
    runtime = runtime_on(tmp_path)
    runtime.deploy(_form("summary"), file_name="review.form")
    process = _process('<zeebe:formDefinition formId="review" bindingType="deployment"/>')
    with pytest.raises(DeploymentError) as refused:
        runtime.deploy(process, "p.bpmn")
    [problem] = refused.value.problems
    assert problem.element_id == "work" and "(Form, Binding: deployment)" in problem.message
    (tmp_path / "review.form").write_bytes(_form("verdict"))
    (tmp_path / "p.bpmn").write_bytes(process)
    runtime.deploy([tmp_path / "review.form", tmp_path / "p.bpmn"])
    runtime.deploy(_form("comment"), file_name="review.form")
    assert _fields_of_new_task(runtime) == ["verdict"]


def test_version_tag_binding_shows_the_newest_version_with_that_tag(tmp_path: Path) -> None:
    runtime = runtime_on(tmp_path)
    process = _process('<zeebe:formDefinition formId="review" bindingType="versionTag" versionTag="v1"/>')
    runtime.deploy(_form("summary", "v2"), file_name="review.form")
    with pytest.raises(DeploymentError, match="a form with id 'review' with version tag 'v1', but none is deployed"):
        runtime.deploy(process, "p.bpmn")
    runtime.deploy(_form("verdict", "v1"), file_name="review.form")
    runtime.deploy(process, "p.bpmn")
    runtime.deploy(_form("comment", "v3"), file_name="review.form")
    assert _fields_of_new_task(runtime) == ["verdict"]
    runtime.deploy(_form("rating", "v1"), file_name="review.form")
    assert _fields_of_new_task(runtime) == ["rating"]


@pytest.mark.parametrize("definition, reason", [
    ('<zeebe:formDefinition externalReference="=formUrl"/>', "address is an expression"),
    ('<zeebe:formDefinition externalReference="javascript:alert(1)"/>', "not an http(s) address"),
    ('<zeebe:formDefinition formId="review" externalReference="https://f.example.com"/>', "besides a linked form"),
    ('<zeebe:formDefinition formId="review" bindingType="newest"/>', "choose latest, deployment or versionTag"),
    ('<zeebe:formDefinition formId="review" bindingType="versionTag"/>', "(Form, Version tag)"),
    ('<zeebe:formDefinition formKey="app:review" bindingType="latest"/>', "links no deployed form"),
    ('<zeebe:formDefinition formId="review" formKey="app:review"/>', "both linked by its ID and given a form key"),
], ids=["external reference expression", "external reference scheme", "external reference and id", "unknown binding", "no version tag", "binding of a form key", "id and key"])
def test_a_form_definition_zeebe_would_run_otherwise_is_refused_at_the_task(tmp_path: Path, definition: str,
                                                                            reason: str) -> None:
    runtime = runtime_on(tmp_path)
    runtime.deploy(_form("summary", "v1"), file_name="review.form")
    with pytest.raises(DeploymentError) as refused:
        runtime.deploy(_process(definition), "p.bpmn")
    assert any(p.element_id == "work" and reason in p.message for p in refused.value.problems)


def test_an_external_form_is_for_a_camunda_user_task_only(tmp_path: Path) -> None:
    definition = '<zeebe:formDefinition externalReference="https://forms.example.com/review"/>'
    with pytest.raises(DeploymentError) as refused:
        runtime_on(tmp_path).deploy(_process(definition).replace(b"<zeebe:userTask/>", b""), "p.bpmn")
    [problem] = refused.value.problems
    assert problem.element_id == "work" and "for a Camunda user task only" in problem.message


def _start_fields(runtime: Runtime, definition_id: int) -> list[FormField]:
    start = runtime.queries.start_event(definition_id)
    assert start is not None
    return list(start.extensions.form_fields)


def test_a_start_form_bound_to_latest_is_the_newest_version_now(tmp_path: Path) -> None:
    runtime = runtime_on(tmp_path)
    runtime.deploy(_form("summary"), file_name="review.form")
    linked = extensions('<zeebe:formDefinition formId="review"/>')
    start = f'<bpmn:startEvent id="s">{linked}</bpmn:startEvent>'
    [deployed] = runtime.deploy(model(f'{start}<bpmn:endEvent id="e"/>{flows("s", "e")}'), "p.bpmn")
    assert [f.id for f in _start_fields(runtime, deployed.definition_id)] == ["summary"]
    runtime.deploy(_form("verdict"), file_name="review.form")
    assert [f.id for f in _start_fields(runtime, deployed.definition_id)] == ["verdict"]
