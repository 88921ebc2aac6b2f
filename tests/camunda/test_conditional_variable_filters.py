"""camunda:variableName and camunda:variableEvents on a conditional event: as in Camunda 7 its condition is
checked as the event is entered, and then only when the named variable changes, and only on the listed kinds of
change (create, update, delete); other changes leave it unchecked however its condition would come out."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.parser import parse
from bpmn_runtime.runtime import Runtime


def model(filters: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://example.com/conditions">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:intermediateCatchEvent id="wait" name="Enough"><bpmn:conditionalEventDefinition id="c" {filters}>
      <bpmn:condition>${{x &gt; 5}}</bpmn:condition></bpmn:conditionalEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="wait"/>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


@pytest.fixture()
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    runtime = Runtime(f"sqlite:///{tmp_path / 'conditions.db'}")
    yield runtime
    runtime.close()


def status(runtime: Runtime, instance: int) -> str:
    detail = runtime.queries.instance(instance)
    assert not detail.incidents
    return detail.summary.status


def test_with_a_variable_name_only_changes_of_that_variable_check_the_condition(runtime: Runtime) -> None:
    runtime.deploy(model('camunda:variableName="y"'), "p.bpmn")
    instance = runtime.start("p", {"x": 0, "y": 0})
    runtime.set_variables(instance, {"x": 10})
    assert status(runtime, instance) == "active"  # x made the condition true, but only y is watched
    runtime.set_variables(instance, {"y": 1})
    assert status(runtime, instance) == "completed"


def test_without_filters_any_change_checks_the_condition(runtime: Runtime) -> None:
    runtime.deploy(model(""), "p.bpmn")
    instance = runtime.start("p", {"x": 0})
    runtime.set_variables(instance, {"x": 10})
    assert status(runtime, instance) == "completed"


def test_the_condition_is_checked_as_the_event_is_entered_whatever_it_watches(runtime: Runtime) -> None:
    runtime.deploy(model('camunda:variableName="y" camunda:variableEvents="delete"'), "p.bpmn")
    assert status(runtime, runtime.start("p", {"x": 10})) == "completed"


def test_with_variable_events_only_those_kinds_of_change_check_the_condition(runtime: Runtime) -> None:
    runtime.deploy(model('camunda:variableEvents="create"'), "p.bpmn")
    instance = runtime.start("p", {"x": 0})
    runtime.set_variables(instance, {"x": 10})  # an update
    assert status(runtime, instance) == "active"
    runtime.set_variables(instance, {"other": 1})  # a variable created: checked, and x > 5 holds
    assert status(runtime, instance) == "completed"


def test_name_and_events_together_watch_that_variable_for_those_changes(runtime: Runtime) -> None:
    runtime.deploy(model('camunda:variableName="x" camunda:variableEvents="update"'), "p.bpmn")
    instance = runtime.start("p", {})
    runtime.set_variables(instance, {"x": 10})  # x created, not updated
    assert status(runtime, instance) == "active"
    runtime.set_variables(instance, {"x": 11})
    assert status(runtime, instance) == "completed"


def test_an_unknown_variable_event_is_refused_where_it_is_drawn() -> None:
    with pytest.raises(DeploymentError) as refused:
        parse(model('camunda:variableEvents="create, change"'), "p.bpmn")
    [problem] = refused.value.problems
    assert problem.element_id == "wait" and problem.line > 0
    assert "camunda:variableEvents names 'change', which is not a change of a variable; use create, update, delete" \
        in problem.message
