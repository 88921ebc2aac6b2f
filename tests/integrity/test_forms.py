"""Forms are read and checked at deployment, and a submission runs in bounded time: a form's problems are
refusal reasons like any other, never a 500 or a task that can never be completed."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.forms import FormErrors, form_fields, form_items
from bpmn_runtime.parser import parse
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.runtime.task_rules import Actor
from tests.integrity.task_models import task_process

ZEEBE = 'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"'


def text_field(constraints: str) -> str:
    return (f'<camunda:formField id="code" label="Code" type="string"><camunda:validation>{constraints}'
            f'</camunda:validation></camunda:formField>')


def refusals(model: bytes) -> list[str]:
    with pytest.raises(DeploymentError) as refused:
        parse(model, "form.bpmn")
    return [p.message for p in refused.value.problems]


def form_js_process(schema: str, form_id: str = "Form_1") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" {ZEEBE} id="d" targetNamespace="x">
  <bpmn:process id="approve" isExecutable="true">
    <bpmn:extensionElements><zeebe:userTaskForm id="Form_1">{schema}</zeebe:userTaskForm></bpmn:extensionElements>
    <bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="task"/>
    <bpmn:userTask id="task" name="Approve"><bpmn:extensionElements>
      <zeebe:formDefinition formKey="camunda-forms:bpmn:{form_id}"/></bpmn:extensionElements></bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="e"/><bpmn:endEvent id="e"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


def test_a_backtracking_pattern_answers_at_once(sqlite_url: str) -> None:
    runtime = Runtime(sqlite_url)
    runtime.deploy(task_process(form=text_field('<camunda:constraint name="pattern" config="(a+)+$"/>')), "p.bpmn")
    task_id = runtime.queries.instance(runtime.start("approve")).tasks[0].id
    began = time.perf_counter()
    with pytest.raises(FormErrors, match=r"code: does not match the expected format"):
        runtime.complete_task(task_id, {"code": "a" * 24 + "!"}, actor=Actor.program())
    assert time.perf_counter() - began < 0.5
    runtime.complete_task(task_id, {"code": "a" * 10_000})


@pytest.mark.parametrize("pattern, reason", [("[", "missing ]"), ("(a)\\1", "invalid escape sequence"),
                                             ("(?=a)b", "invalid perl operator")])
def test_a_pattern_that_cannot_run_is_refused_at_deployment(pattern: str, reason: str) -> None:
    [message] = refusals(task_process(form=text_field(f'<camunda:constraint name="pattern" config="{pattern}"/>')))
    assert message.startswith(f"field 'Code': the pattern '{pattern}' cannot be used ({reason}")


@pytest.mark.parametrize("constraint, message", [
    ('name="maxlength" config="1e400"', "field 'Code': constraint maxlength must be a number, not '1e400'"),
    ('name="maxlength" config="2.5"', "field 'Code': constraint maxlength must be a whole number from 0 to"),
    ('name="min" config="nan"', "field 'Code': constraint min must be a number, not 'nan'"),
])
def test_a_constraint_that_is_no_number_is_refused_at_deployment(constraint: str, message: str) -> None:
    [problem] = refusals(task_process(form=text_field(f"<camunda:constraint {constraint}/>")))
    assert problem.startswith(message)


@pytest.mark.parametrize("schema, message", [
    ("{not json", "form 'Form_1': the form is not valid JSON"),
    ('{"components": {"type": "textfield"}}', "form 'Form_1': the form must be a JSON object with a list of"),
    ('{"components": [{"type": "textfield", "label": "Name"}]}',
     "form 'Form_1': component 1 of the form (textfield) has no 'key'"),
    ('{"components": [{"type": "number", "key": "n", "label": "N", "validate": {"max": "lots"}}]}',
     "form 'Form_1': field 'N': 'max' must be a number, not 'lots'"),
    ('{"components": [{"type": "textfield", "key": "n", "validate": {"maxLength": 1e400}}]}',
     "form 'Form_1': field 'n': 'maxLength' must be a number"),
    ('{"components": [{"type": "select", "key": "c", "values": "a,b"}]}',
     "form 'Form_1': field 'c': 'values' must be a list of objects with a 'value'"),
    ('{"components": [{"type": "textfield", "key": "a"}, {"type": "textfield", "key": "a"}]}',
     "form 'Form_1': the form has two fields named 'a'"),
    ('{"components": [{"type": "slider", "key": "a"}]}', 'form \'Form_1\': component 1 of the form has type "slider"'),
])
def test_a_broken_form_js_schema_is_refused_at_deployment(schema: str, message: str) -> None:
    problems = refusals(form_js_process(schema))
    assert any(p.startswith(message) for p in problems), problems


def test_a_form_the_file_does_not_hold_is_refused() -> None:
    problems = refusals(form_js_process('{"components": []}', form_id="Form_2"))
    assert problems == ["the form 'Form_2' is not in this file; embed it as a zeebe:userTaskForm with that id"]


def test_a_valid_form_js_schema_becomes_the_tasks_fields() -> None:
    definitions = parse(form_js_process('{"components": [{"type": "text", "text": "Hello"}, '
                                        '{"type": "number", "key": "n", "label": "N", "validate": {"max": 5}}]}'),
                        "form.bpmn")
    element = definitions.processes["approve"].elements["task"]
    [field] = form_fields(element)
    assert (field.id, field.label, field.type, field.max) == ("n", "N", "number", 5.0)
    assert [(item.type, item.widget, item.label) for item in form_items(element)][0] == ("display", "text", "Hello")


def test_a_form_deployed_before_patterns_were_checked_still_runs_and_says_why_it_refuses(sqlite_url: str) -> None:
    runtime = Runtime(sqlite_url)
    runtime.deploy(task_process(form=text_field('<camunda:constraint name="pattern" config="[A-Z]+"/>')), "p.bpmn")
    with runtime.database.engine.begin() as connection:  # as an older version stored it
        connection.execute(text("UPDATE definitions SET xml = CAST(replace(CAST(xml AS TEXT), '[A-Z]+', '(?=A)[A-Z]+') AS BLOB)"))
    runtime.close()
    runtime = Runtime(sqlite_url)
    task_id = runtime.queries.instance(runtime.start("approve")).tasks[0].id
    with pytest.raises(FormErrors, match=r"code: cannot be checked: its format \(\(\?=A\)\[A-Z\]\+\) is not one"):
        runtime.complete_task(task_id, {"code": "ABC"})
