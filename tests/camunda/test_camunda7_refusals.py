"""Camunda 7 settings the engine does not run are refused at deployment, at the element that carries them and
in the modeler's words; those that change nothing about a run are accepted."""
from __future__ import annotations

import pytest

from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.parser import parse


def model(task: str, executable: str = "true") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://example.com/c7">
  <bpmn:process id="p" isExecutable="{executable}" camunda:versionTag="1.2" camunda:isStartableInTasklist="true">
    <bpmn:startEvent id="start"/>{task}<bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="t"/>
    <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


def refusal(task: str) -> str:
    with pytest.raises(DeploymentError) as refused:
        parse(model(task), "c7.bpmn")
    [problem] = refused.value.problems
    assert problem.element_id == "t" and problem.line > 0
    return problem.message


def test_an_execution_listener_with_a_javascript_script_is_refused_with_what_to_do_instead() -> None:
    message = refusal("""<bpmn:task id="t" name="Check"><bpmn:extensionElements><camunda:executionListener event="start">
        <camunda:script scriptFormat="javascript">x = 1</camunda:script></camunda:executionListener>
        </bpmn:extensionElements></bpmn:task>""")
    assert message.startswith("camunda:executionListener on 'Check' (t): a listener's script in 'javascript' is not "
                              "run here; write it as Python assignments (Script format: python)")
    assert "a task of its own" in message


def test_a_java_task_listener_is_refused_naming_its_class() -> None:
    message = refusal("""<bpmn:userTask id="t" name="Approve"><bpmn:extensionElements>
        <camunda:taskListener event="create" class="org.example.Notify"/></bpmn:extensionElements></bpmn:userTask>""")
    assert 'class="org.example.Notify"' in message and "Java" in message


def test_a_connector_is_refused_naming_its_id_and_the_external_task_instead() -> None:
    message = refusal("""<bpmn:serviceTask id="t" name="Call API"><bpmn:extensionElements><camunda:connector>
        <camunda:connectorId>http-connector</camunda:connectorId></camunda:connector></bpmn:extensionElements>
        </bpmn:serviceTask>""")
    assert "connector 'http-connector'" in message and "External" in message


def test_an_initiator_anywhere_but_the_none_start_event_is_refused() -> None:
    message = refusal('<bpmn:task id="t" name="Check" camunda:initiator="who"/>')
    assert message.startswith("camunda:initiator on 'Check' (t): the person who starts an instance is set only")


def test_settings_that_change_nothing_about_a_run_are_accepted_and_a_non_executable_process_is_not_checked() -> None:
    parse(model('<bpmn:task id="t" camunda:exclusive="false" camunda:jobPriority="5"/>'), "c7.bpmn")
    listener = '<bpmn:task id="t"><bpmn:extensionElements><camunda:executionListener class="A"/>' \
               '</bpmn:extensionElements></bpmn:task>'
    with pytest.raises(DeploymentError) as refused:
        parse(model(listener, executable="false"), "c7.bpmn")
    assert all(problem.rule != "EXTENSION" for problem in refused.value.problems)
