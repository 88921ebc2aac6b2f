"""Camunda 7 texts with embedded expressions (`kermit_${loopCounter}` in an assignee, `${...}` in a task name,
due and follow-up dates) and the loopCounter they read: Camunda 7 counts a multi-instance activity's
instances from 0 (Zeebe, from 1). camunda:in and camunda:out pass what they name to a called process and back,
with the business key."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from bpmn_runtime.runtime import Runtime

CAMUNDA_7 = 'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"'
ZEEBE = 'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"'


def model(namespace: str, task: str, extras: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" {namespace} id="d"
    targetNamespace="http://example.com/texts">
  <bpmn:process id="parent" isExecutable="true">
    <bpmn:startEvent id="s"/>{task}
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>
    <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="{'c' if extras else 'e'}"/>
    {extras or '<bpmn:endEvent id="e"/>'}
  </bpmn:process>
</bpmn:definitions>""".encode()


LOOP = '<bpmn:multiInstanceLoopCharacteristics isSequential="false"><bpmn:loopCardinality>3</bpmn:loopCardinality>' \
       '</bpmn:multiInstanceLoopCharacteristics>'


@pytest.fixture()
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    runtime = Runtime(f"sqlite:///{tmp_path / 'texts.db'}")
    yield runtime
    runtime.close()


def test_camunda_7_texts_read_a_loop_counter_that_starts_at_0(runtime: Runtime) -> None:
    task = f"""<bpmn:userTask id="t" name="Review ${{loopCounter}} of ${{customer}}" camunda:assignee="kermit_${{loopCounter}}"
        camunda:dueDate="${{due}}" camunda:followUpDate="2026-01-0${{loopCounter + 1}}">{LOOP}</bpmn:userTask>"""
    call = """<bpmn:callActivity id="c" calledElement="child"><bpmn:extensionElements>
      <camunda:in source="customer" target="who"/><camunda:in sourceExpression="${amount * 2}" target="twice"/>
      <camunda:in businessKey="#{execution.processBusinessKey}"/><camunda:out source="answer" target="reply"/>
      </bpmn:extensionElements></bpmn:callActivity><bpmn:endEvent id="e"/>
      <bpmn:sequenceFlow id="f3" sourceRef="c" targetRef="e"/>
  </bpmn:process>
  <bpmn:process id="child" isExecutable="true">
    <bpmn:startEvent id="cs"/><bpmn:userTask id="ct" name="Answer ${who} (${twice})"/><bpmn:endEvent id="ce"/>
    <bpmn:sequenceFlow id="g1" sourceRef="cs" targetRef="ct"/><bpmn:sequenceFlow id="g2" sourceRef="ct" targetRef="ce"/>"""
    runtime.deploy(model(CAMUNDA_7, task, call), "texts.bpmn")
    instance = runtime.start("parent", {"customer": "Ana", "amount": 4, "due": "2026-12-31T17:00:00"},
                             business_key="case-1")
    tasks = sorted(runtime.queries.tasks(everyone=True)[0], key=lambda t: t.assignee or "")
    assert [(t.name, t.assignee, t.due, t.follow_up) for t in tasks] == [
        (f"Review {n} of Ana", f"kermit_{n}", "2026-12-31T17:00:00", f"2026-01-0{n + 1}") for n in range(3)]
    for done in tasks:
        runtime.complete_task(done.id, {})
    [called] = runtime.queries.tasks(everyone=True)[0]
    assert (called.name, called.business_key, called.process_key) == ("Answer Ana (8)", "case-1", "child")
    runtime.complete_task(called.id, {"answer": "yes", "unasked": 1})
    detail = runtime.queries.instance(instance)
    assert detail.summary.status == "completed" and not detail.incidents
    assert detail.variables == {"customer": "Ana", "amount": 4, "due": "2026-12-31T17:00:00", "reply": "yes"}


def test_camunda_8_files_count_their_instances_from_1(runtime: Runtime) -> None:
    task = f"""<bpmn:userTask id="t" name="Review"><bpmn:extensionElements>
        <zeebe:assignmentDefinition assignee="=&quot;kermit_&quot; + string(loopCounter)"/>
        </bpmn:extensionElements>{LOOP}</bpmn:userTask>"""
    runtime.deploy(model(ZEEBE, task), "texts.bpmn")
    runtime.start("parent")
    assert sorted(t.assignee for t in runtime.queries.tasks(everyone=True)[0]) == ["kermit_1", "kermit_2", "kermit_3"]
