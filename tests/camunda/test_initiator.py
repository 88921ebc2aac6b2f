"""camunda:initiator on the none start event: the variable gets the name of the person who starts the instance,
and null when a program starts it, as Camunda 7 sets it from the authenticated user."""
from __future__ import annotations

from pathlib import Path

from bpmn_runtime.runtime import Runtime
from bpmn_runtime.runtime.task_rules import PROGRAM, Actor

MODEL = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://example.com/initiator">
  <bpmn:process id="leave" isExecutable="true">
    <bpmn:startEvent id="start" camunda:initiator="requester"/>
    <bpmn:userTask id="approve" name="Approve" camunda:assignee="${requester}"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="approve"/>
    <bpmn:sequenceFlow id="f2" sourceRef="approve" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_the_initiator_variable_names_who_started_the_instance(tmp_path: Path) -> None:
    runtime = Runtime(f"sqlite:///{tmp_path / 'initiator.db'}")
    try:
        runtime.deploy(MODEL, "leave.bpmn")
        runtime.grant("leave", "start", "user", "mia")
        by_person = runtime.start("leave", {"days": 3}, actor=Actor.person("mia"))
        by_program = runtime.start("leave", actor=PROGRAM)
        assert runtime.queries.instance(by_person).variables == {"days": 3, "requester": "mia"}
        assert runtime.queries.instance(by_program).variables == {"requester": None}
        tasks = {task.instance_id: task.assignee for task in runtime.queries.tasks(everyone=True)[0]}
        assert tasks[by_person] == "mia"
    finally:
        runtime.close()
