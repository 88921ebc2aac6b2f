"""A SpiffWorkflow error or escalation carries a payload: its declaration's spiffworkflow:payloadExpression,
evaluated where it is thrown, which the catching event puts in the variable the declaration's
spiffworkflow:variableName names, as SpiffWorkflow does; an error a handler raises carries its variables."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bpmn_runtime.errors import BpmnError
from bpmn_runtime.handlers import HandlerRegistry, JobContext
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.worker import Worker
from tests.spiff.models import SPIFF

CORPUS = Path(__file__).resolve().parents[1] / "data" / "real-world"


def thrown_in_a_subprocess(kind: str, extensions: str) -> bytes:
    """Process `p`: a subprocess whose end event throws `kind` (error or escalation) 'problem', caught by an
    interrupting boundary event that leads to user task `handle`."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" {SPIFF} id="d" targetNamespace="t">
<bpmn:{kind} id="problem" name="problem" {kind}Code="P1"><bpmn:extensionElements>{extensions}</bpmn:extensionElements>
</bpmn:{kind}>
<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s"/>
<bpmn:subProcess id="sub"><bpmn:startEvent id="s2"/><bpmn:endEvent id="fail">
<bpmn:{kind}EventDefinition {kind}Ref="problem"/></bpmn:endEvent>
<bpmn:sequenceFlow id="g1" sourceRef="s2" targetRef="fail"/></bpmn:subProcess>
<bpmn:boundaryEvent id="caught" attachedToRef="sub"><bpmn:{kind}EventDefinition {kind}Ref="problem"/></bpmn:boundaryEvent>
<bpmn:userTask id="handle"/><bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="sub"/><bpmn:sequenceFlow id="f2" sourceRef="sub" targetRef="e1"/>
<bpmn:sequenceFlow id="f3" sourceRef="caught" targetRef="handle"/><bpmn:sequenceFlow id="f4" sourceRef="handle" targetRef="e2"/>
</bpmn:process></bpmn:definitions>""".encode()


@pytest.mark.parametrize("kind", ["error", "escalation"])
def test_the_catch_puts_the_evaluated_payload_in_the_declarations_variable(runtime: Runtime, kind: str) -> None:
    runtime.deploy(thrown_in_a_subprocess(kind, "<spiffworkflow:payloadExpression>{'why': reason, 'n': n + 1}"
                                                "</spiffworkflow:payloadExpression>"
                                                "<spiffworkflow:variableName>details</spiffworkflow:variableName>"),
                   "p.bpmn")
    instance = runtime.start("p", {"reason": "late", "n": 1})
    assert [t.element_id for t in runtime.queries.tasks(everyone=True)[0]] == ["handle"]
    assert runtime.queries.instance(instance).variables == {"reason": "late", "n": 1,
                                                           "details": {"why": "late", "n": 2}}


def test_without_a_payload_expression_the_variable_is_null_as_in_spiff(runtime: Runtime) -> None:
    runtime.deploy(thrown_in_a_subprocess("error", "<spiffworkflow:variableName>details</spiffworkflow:variableName>"),
                   "p.bpmn")
    instance = runtime.start("p", {"details": "before"})
    assert runtime.queries.instance(instance).variables == {"details": None}


def test_the_tutorials_file_not_found_error_from_the_handler_reaches_its_variable(tmp_path: Path) -> None:
    """event_handler: the read_file operator's handler raises the error 'file_not_found' (code 1); the boundary
    event puts what it carries (the handler's variables) in `filename`, and the model shows it."""
    (tmp_path / "get_filename.json").write_text('{"type": "object", "properties": {}}')
    runtime = Runtime(f"sqlite:///{tmp_path / 'run.db'}")

    def read_file(job: JobContext) -> dict[str, Any]:
        raise BpmnError("1", "no such file", {"missing": job.variables["filename"]})

    registry = HandlerRegistry()
    registry.register("read_file", read_file)
    try:
        runtime.deploy([tmp_path / "get_filename.json",
                        CORPUS / "spiff-example-cli/bpmn__tutorial__event_handler.bpmn"])
        instance = runtime.start("read_file", {})
        task = runtime.queries.tasks(everyone=True)[0][0]
        runtime.complete_task(task.id, {"filename": "notes.txt"})
        Worker(runtime, registry).run_once()
        shown = runtime.queries.tasks(everyone=True)[0]
        assert [t.element_id for t in shown] == ["Activity_1fttkm2"]  # Show Filename
        assert runtime.queries.instance(instance).variables["filename"] == {"missing": "notes.txt"}
        runtime.complete_task(shown[0].id, {})
        assert runtime.queries.instance(instance).summary.status == "terminated"  # its terminate end event
    finally:
        runtime.close()
