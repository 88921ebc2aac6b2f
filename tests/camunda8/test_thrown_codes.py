"""Error and escalation codes as Camunda 8 reads them: a throwing event's code may be FEEL (`errorCode="=reason"`),
evaluated as the event is reached; a catching event matches a fixed code (or any, left empty), so one whose code
is an expression is refused at deployment."""
from __future__ import annotations

from pathlib import Path

import pytest

from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.parser import parse
from bpmn_runtime.runtime import Runtime
from tests.camunda8.models import flows, model, runtime_on


def failing_subprocess(kind: str, thrown: str, caught: str) -> bytes:
    """A subprocess whose end event throws the `kind` (error or escalation) declared with code `thrown`; a boundary
    event catching the one declared with code `caught` leads to 'handled', the normal path to 'done'."""
    interrupting = "" if kind == "error" else ' cancelActivity="true"'
    declarations = (f'<bpmn:{kind} id="thrown" {kind}Code="{thrown}"/>'
                    f'<bpmn:{kind} id="caught" {kind}Code="{caught}"/>')
    body = (f'<bpmn:startEvent id="s"/><bpmn:subProcess id="sub"><bpmn:startEvent id="ss"/>'
            f'<bpmn:endEvent id="fail"><bpmn:{kind}EventDefinition {kind}Ref="thrown"/></bpmn:endEvent>'
            f'{flows("ss", "fail")}</bpmn:subProcess>'
            f'<bpmn:boundaryEvent id="catch" name="Rejected" attachedToRef="sub"{interrupting}>'
            f'<bpmn:{kind}EventDefinition {kind}Ref="caught"/></bpmn:boundaryEvent>'
            f'<bpmn:endEvent id="done"/><bpmn:endEvent id="handled"/>{flows("s", "sub", "done")}'
            f'{flows("catch", "handled")}')
    return model(body, declarations)


def ended_at(runtime: Runtime, instance: int) -> list[str]:
    detail = runtime.queries.instance(instance)
    return [h.element_id for h in detail.history if h.kind == "element_completed" and h.element_id in
            ("done", "handled")]


@pytest.mark.parametrize("kind", ["error", "escalation"])
@pytest.mark.parametrize("reason, path", [("REJECTED", "handled"), ("OTHER", None)])
def test_a_feel_code_is_evaluated_where_the_event_throws(tmp_path: Path, kind: str, reason: str,
                                                          path: str | None) -> None:
    runtime = runtime_on(tmp_path)
    runtime.deploy(failing_subprocess(kind, "=reason", "REJECTED"), "p.bpmn")
    instance = runtime.start("p", {"reason": reason})
    detail = runtime.queries.instance(instance)
    if path is not None:
        assert (detail.summary.status, ended_at(runtime, instance)) == ("completed", [path])
    elif kind == "error":  # an error nothing catches ends the instance, with its code
        assert detail.summary.status == "failed" and "'OTHER'" in (detail.end_reason or "")
    else:  # an escalation nothing catches lets the path go on
        assert (detail.summary.status, ended_at(runtime, instance)) == ("completed", ["done"])


def test_a_feel_code_that_gives_no_text_is_an_incident(tmp_path: Path) -> None:
    runtime = runtime_on(tmp_path)
    runtime.deploy(failing_subprocess("error", "=reason", "REJECTED"), "p.bpmn")
    instance = runtime.start("p", {"reason": 7})
    [incident] = runtime.queries.instance(instance).incidents
    assert incident.element_id == "fail" and "not the text of a code" in incident.message


@pytest.mark.parametrize("kind", ["error", "escalation"])
def test_a_catch_event_whose_code_is_an_expression_is_refused(kind: str) -> None:
    with pytest.raises(DeploymentError) as refused:
        parse(failing_subprocess(kind, "REJECTED", "=reason"), "p.bpmn")
    [problem] = refused.value.problems
    assert problem.element_id == "catch"
    assert problem.message.startswith("the boundary event 'Rejected' (catch) catches by the code '=reason', an "
                                      "expression")
    assert problem.message.endswith(f"({kind.capitalize()}, Code)")
