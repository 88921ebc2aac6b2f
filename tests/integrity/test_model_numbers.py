"""Whole numbers in a model are read within range at deployment: five thousand digits or eleven-digit
retries are refusal reasons, not a crash at deployment or when an instance reaches the element."""
from __future__ import annotations

import pytest

from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.parser import parse

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d"
  targetNamespace="x"><bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s"/>
  <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>{}<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>
  <bpmn:endEvent id="e"/></bpmn:process></bpmn:definitions>"""
DIGITS = "9" * 5000
RETRY = ('<bpmn:serviceTask id="t" camunda:type="external" camunda:topic="x"><bpmn:extensionElements>'
         '<camunda:failedJobRetryTimeCycle>R{}/PT1M</camunda:failedJobRetryTimeCycle></bpmn:extensionElements>'
         '</bpmn:serviceTask>')


@pytest.mark.parametrize("task, message", [
    (f'<bpmn:task id="t" startQuantity="{DIGITS}"/>', "startQuantity must be a whole number from 0 to 2,147,483,647"),
    (RETRY.format(DIGITS), "the number of retries in camunda:failedJobRetryTimeCycle must be a whole number from 0 "
                           "to 1,000"),
    (RETRY.format("99999999999"), "camunda:failedJobRetryTimeCycle must be a whole number from 0 to 1,000, "
                                  "not '99999999999'"),
    (f'<bpmn:serviceTask id="t"><bpmn:extensionElements><zeebe:taskDefinition type="x" retries="{DIGITS}"/>'
     f'</bpmn:extensionElements></bpmn:serviceTask>', "zeebe:taskDefinition retries must be a whole number"),
    (f'<bpmn:userTask id="t" camunda:priority="{DIGITS}"/>', "camunda:priority must be a whole number from "
                                                             "-2,147,483,647 to 2,147,483,647"),
])
def test_a_number_out_of_range_is_refused(task: str, message: str) -> None:
    with pytest.raises(DeploymentError) as refused:
        parse(HEADER.format(task).encode(), "numbers.bpmn")
    assert any(message in problem.message for problem in refused.value.problems), refused.value.problems


def test_an_expression_priority_and_sensible_numbers_deploy() -> None:
    parse(HEADER.format('<bpmn:userTask id="t" camunda:priority="${urgent ? 90 : 50}"/>').encode(), "p.bpmn")
    definitions = parse(HEADER.format(RETRY.format(5)).encode(), "r.bpmn")
    assert definitions.processes["p"].elements["t"].extensions.retries == 5
