"""SpiffArena's JSON-schema forms: a user task's formJsonSchemaFilename links it to the JSON-schema file deployed
with the model (known by its name); the inbox shows and checks the schema's fields, and the values people enter
become variables, as SpiffWorkflow merges a form's data into the task's. What the inbox cannot show is refused."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.forms import FormErrors
from bpmn_runtime.runtime import Runtime
from tests.spiff.models import extensions, process

SCHEMA = {
    "title": "Order", "type": "object", "required": ["product", "quantity"],
    "properties": {
        "product": {"type": "string", "title": "Product", "enum": ["tea", "coffee"]},
        "quantity": {"type": "integer", "title": "Quantity", "minimum": 1, "maximum": 9, "default": 1},
        "size": {"type": "string", "oneOf": [{"const": "s", "title": "Small"}, {"const": "l", "title": "Large"}]},
        "gift": {"type": "boolean", "title": "Gift wrap"},
        "deliver_on": {"type": "string", "format": "date", "title": "Delivery date"},
        "note": {"type": "string", "maxLength": 20},
    },
}


def user_task(*properties: tuple[str, str]) -> bytes:
    form = "".join(f'<spiffworkflow:property name="{name}" value="{value}"/>' for name, value in properties)
    return process(f'<bpmn:userTask id="work" name="Order">'
                   f'{extensions(f"<spiffworkflow:properties>{form}</spiffworkflow:properties>")}</bpmn:userTask>')


def deploy(runtime: Runtime, tmp_path: Path, schema: Any = SCHEMA) -> None:
    (tmp_path / "order-schema.json").write_text(json.dumps(schema))
    (tmp_path / "order.bpmn").write_bytes(user_task(("formJsonSchemaFilename", "order-schema.json")))
    runtime.deploy([tmp_path / "order-schema.json", tmp_path / "order.bpmn"])


def test_the_inbox_shows_the_schemas_fields(runtime: Runtime, tmp_path: Path) -> None:
    deploy(runtime, tmp_path)
    runtime.start("p", {})
    _, element, _ = runtime.queries.task_form(runtime.queries.tasks(everyone=True)[0][0].id)
    assert [(f.id, f.label, f.type, f.required, f.options, f.default) for f in element.extensions.form_fields] == [
        ("product", "Product", "enum", True, (("tea", "tea"), ("coffee", "coffee")), None),
        ("quantity", "Quantity", "long", True, (), "1"),
        ("size", "size", "enum", False, (("s", "Small"), ("l", "Large")), None),
        ("gift", "Gift wrap", "boolean", False, (), None),
        ("deliver_on", "Delivery date", "date", False, (), None),
        ("note", "note", "string", False, (), None)]


def test_the_entered_values_are_checked_and_become_variables(runtime: Runtime, tmp_path: Path) -> None:
    deploy(runtime, tmp_path)
    instance = runtime.start("p", {})
    task = runtime.queries.tasks(everyone=True)[0][0]
    with pytest.raises(FormErrors) as refused:
        runtime.complete_task(task.id, {"product": "milk", "quantity": 12})
    assert sorted(refused.value.errors) == ["product", "quantity"]
    runtime.complete_task(task.id, {"product": "tea", "quantity": 2, "gift": True})
    assert runtime.queries.instance(instance).variables == {"product": "tea", "quantity": 2, "gift": True}


def test_a_form_file_that_is_not_deployed_refuses_the_model(runtime: Runtime) -> None:
    with pytest.raises(DeploymentError) as refused:
        runtime.deploy(user_task(("formJsonSchemaFilename", "order-schema.json")), "order.bpmn")
    assert [(p.element_id, p.message) for p in refused.value.problems] == [("work", (
        "the form is linked to a form file named 'order-schema.json', but none is deployed; deploy the JSON-schema "
        "file with the model (SpiffArena keeps it beside the model)"))]


@pytest.mark.parametrize(("field", "reason"), [
    ({"type": "object", "properties": {}}, "field 'address' has type \"object\", which the inbox cannot show"),
    ({"type": "array", "items": {"type": "string"}}, "field 'address' has type \"array\", which the inbox cannot"),
    ({"type": "string", "pattern": "(a)\\1"}, "field 'address'"),
])
def test_a_schema_the_inbox_cannot_show_is_refused_when_deployed(runtime: Runtime, tmp_path: Path,
                                                                 field: dict[str, Any], reason: str) -> None:
    with pytest.raises(DeploymentError) as refused:
        deploy(runtime, tmp_path, {"type": "object", "properties": {"address": field}})
    assert [p.file for p in refused.value.problems if reason in p.message] == ["order-schema.json"]


def test_a_ui_schema_is_refused_at_the_task(runtime: Runtime, tmp_path: Path) -> None:
    with pytest.raises(DeploymentError) as refused:
        runtime.deploy(user_task(("formJsonSchemaFilename", "order-schema.json"),
                                 ("formUiSchemaFilename", "order-uischema.json")), "order.bpmn")
    assert [(p.element_id, p.message) for p in refused.value.problems] == [("work", (
        "the UI schema 'order-uischema.json' (formUiSchemaFilename) lays the form out in SpiffArena (hidden fields, "
        "widgets), which this engine's inbox does not do; remove it, or run the model on SpiffArena"))]
