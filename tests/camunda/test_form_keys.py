"""A Camunda 7 form key is shown only when it names a Camunda Form deployed as a .form file; an embedded HTML
form, an application's form or an external one lives outside the model, so the task or start event would be
shown with different fields: it is refused at deployment, located, with what to use instead. camunda:formRef
links a form by its id and is bound at deployment, Camunda 7's binding 'deployment'; the bindings that choose
another version later are refused."""
from __future__ import annotations

import pytest

from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.parser import parse


def model(start: str = "", task: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://example.com/forms">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start" name="Request" {start}/>
    <bpmn:userTask id="t" name="Approve" {task}/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="t"/>
    <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


@pytest.mark.parametrize(("key", "kind"), [
    ("embedded:app:forms/approve.html", "an embedded HTML form"),
    ("embedded:deployment:approve.html", "an embedded HTML form"),
    ("app:approveInvoice.jsf", "a form of the web application"),
    ("camunda-forms:deployment:approve", "a Camunda Form that is not a .form file"),
    ("approve-form", "an external form"),
])
@pytest.mark.parametrize("where", ["start", "t"])
def test_a_form_key_naming_a_form_outside_the_model_is_refused_where_it_is_set(key: str, kind: str,
                                                                               where: str) -> None:
    setting = f'camunda:formKey="{key}"'
    with pytest.raises(DeploymentError) as refused:
        parse(model(start=setting) if where == "start" else model(task=setting), "forms.bpmn")
    [problem] = refused.value.problems
    assert problem.element_id == where and problem.line > 0
    assert problem.message.startswith(f"the form key '{key}' names {kind}, which this inbox cannot show "
                                      f"(properties panel: Forms, Form key)")
    assert "camunda-forms:deployment:NAME.form" in problem.message


def test_a_form_key_naming_a_form_file_is_linked_at_deployment_and_the_model_alone_parses() -> None:
    parse(model(start='camunda:formKey="camunda-forms:deployment:start.form"',
                task='camunda:formKey="embedded:deployment:forms/approve.form"'), "forms.bpmn")


@pytest.mark.parametrize(("binding", "chosen"), [
    ("", "Binding 'latest', which chooses the newest version when each task is created"),
    ('camunda:formRefBinding="version" camunda:formRefVersion="3"', "Binding 'version', which chooses version 3"),
])
def test_a_linked_form_whose_version_is_chosen_later_is_refused(binding: str, chosen: str) -> None:
    with pytest.raises(DeploymentError) as refused:
        parse(model(task=f'camunda:formRef="approve" {binding}'), "forms.bpmn")
    [problem] = refused.value.problems
    assert problem.element_id == "t"
    assert problem.message.startswith(f"the linked form 'approve' has {chosen}")
    assert "set Binding to 'deployment'" in problem.message
