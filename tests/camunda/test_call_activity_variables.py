"""Which variables a call activity passes to the process it calls and back, as each home engine does.

Camunda 7 passes only what camunda:in and camunda:out declare (nothing when none is declared, and the business
key only through `camunda:in businessKey`); Camunda 8 passes everything unless propagateAllParentVariables or
propagateAllChildVariables says otherwise, with its input and output mappings. Each test runs a parent and a
child process end to end on the real runtime (SQLite file): the child waits at a user task, so what it started
with is read from the database, then the task is completed and the parent's variables are read.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from bpmn_runtime.errors import DeploymentError
from tests.engine.harness import Engine

CAMUNDA_7 = ('xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
             'xmlns:modeler="http://camunda.org/schema/modeler/1.0" modeler:executionPlatform="Camunda Platform"')
CAMUNDA_8 = ('xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" '
             'xmlns:modeler="http://camunda.org/schema/modeler/1.0" modeler:executionPlatform="Camunda Cloud"')
CHILD_SCRIPT = "answer = 42\nscratch = 'child only'"


def document(platform: str, call: str, child_task: str = '<bpmn:userTask id="look" name="Look"/>') -> bytes:
    """Parent `p` (start, the call activity `call`, end) and child `child` (start, a user task, a script that sets
    `answer` and `scratch`, end)."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" {platform}
    id="calls" targetNamespace="http://example.com/calls">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start"/>{call}<bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="call"/>
    <bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="end"/>
  </bpmn:process>
  <bpmn:process id="child" isExecutable="true">
    <bpmn:startEvent id="c_start"/>{child_task}
    <bpmn:scriptTask id="work" scriptFormat="python"><bpmn:script>{CHILD_SCRIPT}</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="c_end"/>
    <bpmn:sequenceFlow id="c1" sourceRef="c_start" targetRef="look"/>
    <bpmn:sequenceFlow id="c2" sourceRef="look" targetRef="work"/>
    <bpmn:sequenceFlow id="c3" sourceRef="work" targetRef="c_end"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


def call_activity(extensions: str, zeebe_called: str = "") -> str:
    called = 'calledElement="child"' if not zeebe_called else ""
    return (f'<bpmn:callActivity id="call" name="Check credit" {called}><bpmn:extensionElements>{zeebe_called}'
            f'{extensions}</bpmn:extensionElements></bpmn:callActivity>')


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    harness = Engine(f"sqlite:///{tmp_path / 'calls.db'}")
    yield harness
    harness.runtime.close()


def run(engine: Engine, model: bytes, variables: dict[str, Any], business_key: str | None = "order-7") \
        -> tuple[dict[str, Any], str | None, dict[str, Any]]:
    """Deploy, start the parent, and return what the child started with, the child's business key, and the
    parent's variables once the child completed."""
    engine.runtime.deploy(model, "calls.bpmn")
    parent = engine.runtime.start("p", variables, business_key=business_key)
    [child] = engine.runtime.queries.instances(process="child")[0]
    started_with = engine.variables(child.id)
    [task] = engine.runtime.queries.tasks(everyone=True)[0]
    engine.runtime.complete_task(task.id)
    assert engine.status(child.id) == "completed"
    assert engine.status(parent) == "completed"
    return started_with, child.business_key, engine.variables(parent)


# --- Camunda 7 ----------------------------------------------------------------------------------------------

def test_camunda_7_passes_no_variable_and_no_business_key_when_the_call_activity_declares_none(engine: Engine) -> None:
    model = document(CAMUNDA_7, '<bpmn:callActivity id="call" calledElement="child"/>')
    child, key, parent = run(engine, model, {"amount": 5, "customer": "Ada"})
    assert child == {}
    assert key is None
    assert parent == {"amount": 5, "customer": "Ada"}


def test_camunda_7_in_and_out_mappings_pass_exactly_what_they_name(engine: Engine) -> None:
    model = document(CAMUNDA_7, call_activity("""
        <camunda:in source="amount" target="sum"/>
        <camunda:in sourceExpression="${amount * 2}" target="doubled"/>
        <camunda:in source="unset" target="nothing"/>
        <camunda:in businessKey="${execution.processBusinessKey}-credit"/>
        <camunda:out source="answer" target="result"/>
        <camunda:out sourceExpression="${answer + sum}" target="total"/>"""))
    child, key, parent = run(engine, model, {"amount": 5, "customer": "Ada"})
    assert child == {"sum": 5, "doubled": 10, "nothing": None}
    assert key == "order-7-credit"
    assert parent == {"amount": 5, "customer": "Ada", "result": 42, "total": 47}


def test_camunda_7_all_variables_go_in_and_come_back_with_variables_all(engine: Engine) -> None:
    model = document(CAMUNDA_7, call_activity('<camunda:in variables="all"/><camunda:out variables="all"/>'))
    child, key, parent = run(engine, model, {"amount": 5})
    assert child == {"amount": 5}
    assert key is None
    assert parent == {"amount": 5, "answer": 42, "scratch": "child only"}


def test_camunda_7_local_passes_only_the_call_activitys_own_variables_both_ways(engine: Engine) -> None:
    model = document(CAMUNDA_7, call_activity("""
        <camunda:inputOutput>
          <camunda:inputParameter name="limit">${amount + 1}</camunda:inputParameter>
          <camunda:outputParameter name="checked">${answer == 42}</camunda:outputParameter>
        </camunda:inputOutput>
        <camunda:in variables="all" local="true"/>
        <camunda:out source="answer" target="answer" local="true"/>"""))
    child, _, parent = run(engine, model, {"amount": 5})
    assert child == {"limit": 6}
    assert parent == {"amount": 5, "checked": True}


@pytest.mark.parametrize("mappings, amount", [
    ('<camunda:in variables="all"/><camunda:in sourceExpression="${amount * 2}" target="amount"/>', 10),
    ('<camunda:in sourceExpression="${amount * 2}" target="amount"/><camunda:in variables="all"/>', 5),
])
def test_camunda_7_all_variables_and_named_in_mappings_apply_in_model_order(engine: Engine, mappings: str,
                                                                            amount: int) -> None:
    child, _, _ = run(engine, document(CAMUNDA_7, call_activity(mappings)), {"amount": 5, "customer": "Ada"})
    assert child == {"amount": amount, "customer": "Ada"}


def test_camunda_7_all_variables_out_as_local_reach_the_parent_only_through_output_mappings(engine: Engine) -> None:
    model = document(CAMUNDA_7, call_activity("""
        <camunda:inputOutput><camunda:outputParameter name="checked">${answer}</camunda:outputParameter>
        </camunda:inputOutput><camunda:out variables="all" local="true"/>"""))
    _, _, parent = run(engine, model, {"amount": 5})
    assert parent == {"amount": 5, "checked": 42}


def test_camunda_7_an_out_mapping_of_a_variable_the_child_never_set_gives_null(engine: Engine) -> None:
    model = document(CAMUNDA_7, call_activity('<camunda:out source="unset" target="result"/>'
                                              '<camunda:out sourceExpression="${execution.getVariable(\'unset\')}" '
                                              'target="read"/>'))
    _, _, parent = run(engine, model, {"amount": 5})
    assert parent == {"amount": 5, "result": None, "read": None}


def test_camunda_7_an_in_mapping_without_a_target_is_refused_at_its_call_activity(engine: Engine) -> None:
    model = document(CAMUNDA_7, call_activity('<camunda:in source="amount"/>'))
    with pytest.raises(DeploymentError) as refused:
        engine.runtime.deploy(model, "calls.bpmn")
    text = str(refused.value)
    assert "call" in text and "camunda:in" in text and "In mappings" in text


# --- Camunda 8 ----------------------------------------------------------------------------------------------

def zeebe_called(**attributes: str) -> str:
    extra = "".join(f' {name}="{value}"' for name, value in attributes.items())
    return f'<zeebe:calledElement processId="child"{extra}/>'


def test_camunda_8_passes_every_variable_both_ways_by_default(engine: Engine) -> None:
    model = document(CAMUNDA_8, call_activity('<zeebe:ioMapping><zeebe:input source="=amount * 2" target="doubled"/>'
                                              '</zeebe:ioMapping>', zeebe_called()))
    child, key, parent = run(engine, model, {"amount": 5})
    assert child == {"amount": 5, "doubled": 10}
    assert key == "order-7"
    assert parent == {"amount": 5, "answer": 42, "scratch": "child only"}


def test_camunda_8_without_all_parent_variables_only_the_input_mappings_go_in(engine: Engine) -> None:
    model = document(CAMUNDA_8, call_activity('<zeebe:ioMapping><zeebe:input source="=amount * 2" target="doubled"/>'
                                              '</zeebe:ioMapping>', zeebe_called(propagateAllParentVariables="false")))
    child, _, _ = run(engine, model, {"amount": 5, "customer": "Ada"})
    assert child == {"doubled": 10}


def test_camunda_8_without_all_child_variables_nothing_comes_back(engine: Engine) -> None:
    model = document(CAMUNDA_8, call_activity("", zeebe_called(propagateAllChildVariables="false")))
    child, _, parent = run(engine, model, {"amount": 5})
    assert child == {"amount": 5}
    assert parent == {"amount": 5}


@pytest.mark.parametrize("propagate", ["true", "false"])
def test_camunda_8_output_mappings_bring_back_only_what_they_map(engine: Engine, propagate: str) -> None:
    model = document(CAMUNDA_8, call_activity('<zeebe:ioMapping><zeebe:output source="=answer + 1" target="next"/>'
                                              '</zeebe:ioMapping>', zeebe_called(propagateAllChildVariables=propagate)))
    _, _, parent = run(engine, model, {"amount": 5})
    assert parent == {"amount": 5, "next": 43}


def test_a_plain_bpmn_file_keeps_passing_every_variable_both_ways(engine: Engine) -> None:
    model = document("", '<bpmn:callActivity id="call" calledElement="child"/>')
    child, key, parent = run(engine, model, {"amount": 5})
    assert child == {"amount": 5}
    assert key == "order-7"
    assert parent == {"amount": 5, "answer": 42, "scratch": "child only"}
