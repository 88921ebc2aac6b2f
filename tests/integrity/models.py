"""Small models the integrity tests share, written as a modeler's defaults would leave them."""
from __future__ import annotations

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    id="d" targetNamespace="http://example.com">"""


def message_started(process_id: str, message: str) -> bytes:
    """A process started by `message`, whose start event has the modeler's default id `StartEvent_1`."""
    return f"""{HEADER}
  <bpmn:message id="m" name="{message}"/>
  <bpmn:process id="{process_id}" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1"><bpmn:messageEventDefinition messageRef="m"/></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="StartEvent_1" targetRef="wait"/>
    <bpmn:userTask id="wait" name="Look at it"/>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


def user_task(process_id: str = "review") -> bytes:
    return f"""{HEADER}
  <bpmn:process id="{process_id}" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1"/>
    <bpmn:sequenceFlow id="f1" sourceRef="StartEvent_1" targetRef="task"/>
    <bpmn:userTask id="task" name="Review"/>
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>""".encode()
