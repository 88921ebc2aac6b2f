"""A small saga for the observability tests: a job, a user task, then compensation that runs a job of its own."""
from __future__ import annotations

from typing import Any, Callable

from bpmn_runtime.handlers import HandlerRegistry, JobContext

SAGA = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://example.com">
  <bpmn:process id="observed-saga" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="charge"/>
    <bpmn:serviceTask id="charge" camunda:type="external" camunda:topic="charge"/>
    <bpmn:boundaryEvent id="charge-undo" attachedToRef="charge"><bpmn:compensateEventDefinition/></bpmn:boundaryEvent>
    <bpmn:serviceTask id="refund" isForCompensation="true" camunda:type="external" camunda:topic="refund"/>
    <bpmn:sequenceFlow id="f2" sourceRef="charge" targetRef="approve"/>
    <bpmn:userTask id="approve" name="Approve"/>
    <bpmn:sequenceFlow id="f3" sourceRef="approve" targetRef="undo"/>
    <bpmn:intermediateThrowEvent id="undo"><bpmn:compensateEventDefinition/></bpmn:intermediateThrowEvent>
    <bpmn:sequenceFlow id="f4" sourceRef="undo" targetRef="end"/>
    <bpmn:endEvent id="end"/>
    <bpmn:association id="a1" sourceRef="charge-undo" targetRef="refund"/>
  </bpmn:process>
</bpmn:definitions>"""

Handler = Callable[[JobContext], "dict[str, Any] | None"]


def registry(charge: Handler | None = None, refund: Handler | None = None) -> HandlerRegistry:
    """Handlers for the saga's two topics: by default the charge returns a receipt and the refund nothing."""
    handlers = HandlerRegistry()
    handlers.register("charge", charge or (lambda job: {"receipt": f"r-{job.instance_id}"}))
    handlers.register("refund", refund or (lambda job: None))
    return handlers
