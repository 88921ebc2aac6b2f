"""A file made for Camunda 8 names the job type of each service and send task; other files keep the element id
as the topic when they name none."""
from __future__ import annotations

import pytest

from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.parser import parse

ZEEBE = 'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"'
PLATFORM = f'{ZEEBE} xmlns:modeler="http://camunda.org/schema/modeler/1.0" modeler:executionPlatform="Camunda Cloud"'


def _file(task: str, platform: str = PLATFORM, executable: str = "true") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    {platform} id="d" targetNamespace="http://example.com">
  <bpmn:process id="p" isExecutable="{executable}">
    <bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>
    {task}
    <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/><bpmn:endEvent id="e"/>
  </bpmn:process>
  <bpmn:process id="other" isExecutable="true">
    <bpmn:startEvent id="s2"/><bpmn:sequenceFlow id="f3" sourceRef="s2" targetRef="e2"/><bpmn:endEvent id="e2"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


@pytest.mark.parametrize("task", [
    '<bpmn:serviceTask id="t"/>',
    '<bpmn:sendTask id="t"><bpmn:extensionElements><zeebe:taskDefinition type="  "/></bpmn:extensionElements>'
    '</bpmn:sendTask>',
], ids=["no task definition", "blank job type"])
def test_a_camunda_8_task_without_a_job_type_is_refused_at_its_element(task: str) -> None:
    with pytest.raises(DeploymentError) as refused:
        parse(_file(task), "order.bpmn")
    [problem] = refused.value.problems
    assert (problem.element_id, problem.line) == ("t", 6)
    assert problem.message == "the task has no job type; enter the topic its workers take (Task definition, Job type)"


def test_a_file_zeebe_modeler_saved_without_a_platform_stamp_is_held_to_camunda_8s_rule_too() -> None:
    """Zeebe Modeler declared the zeebe namespace on every diagram and stamped no platform; Zeebe refuses its
    service task without a job type all the same (`parser.dialects`, rule 4)."""
    with pytest.raises(DeploymentError, match="the task has no job type"):
        parse(_file('<bpmn:serviceTask id="t"/>', ZEEBE), "order.bpmn")


def test_a_camunda_8_task_with_a_job_type_takes_it_as_topic() -> None:
    task = ('<bpmn:serviceTask id="t"><bpmn:extensionElements><zeebe:taskDefinition type="charge-card"/>'
            '</bpmn:extensionElements></bpmn:serviceTask>')
    definitions = parse(_file(task), "order.bpmn")
    assert definitions.processes["p"].element("t").extensions.topic == "charge-card"


@pytest.mark.parametrize("platform, executable", [
    ("", "true"),
    ('xmlns:modeler="http://camunda.org/schema/modeler/1.0" modeler:executionPlatform="Camunda Platform"', "true"),
    (PLATFORM, "false"),
], ids=["plain BPMN", "made for Camunda 7", "not executable"])
def test_other_files_keep_the_element_id_as_topic(platform: str, executable: str) -> None:
    definitions = parse(_file('<bpmn:serviceTask id="t"/>', platform, executable), "order.bpmn")
    assert definitions.processes["p"].element("t").extensions.topic == "t"
