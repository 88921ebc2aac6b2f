"""SpiffWorkflow-style BPMN written inline for the tests: a process whose one activity is given, between a start
event and a user task that holds the instance so its variables can be read."""
from __future__ import annotations

from datetime import datetime, timezone

SPIFF = 'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"'
START = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)  # where the virtual clock of the `clocked` fixture starts


def process(activity: str, activity_id: str = "work") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" {SPIFF} id="d" targetNamespace="t">
<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s"/>{activity}<bpmn:userTask id="after"/>
<bpmn:endEvent id="e"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="{activity_id}"/>
<bpmn:sequenceFlow id="f2" sourceRef="{activity_id}" targetRef="after"/>
<bpmn:sequenceFlow id="f3" sourceRef="after" targetRef="e"/></bpmn:process></bpmn:definitions>""".encode()


def extensions(*parts: str) -> str:
    return "<bpmn:extensionElements>" + "".join(parts) + "</bpmn:extensionElements>"
