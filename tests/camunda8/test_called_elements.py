"""Camunda 8 call activities and business rule tasks call what Zeebe would: a processId written as FEEL is
evaluated as the call activity starts, and a binding other than the latest version (which this engine always
calls) is refused at the element."""
from __future__ import annotations

from pathlib import Path

import pytest

from bpmn_runtime.errors import DeploymentError
from tests.camunda8.models import extensions, flows, model, runtime_on

CHILD = model('<bpmn:startEvent id="s"/><bpmn:endEvent id="e"/>' + flows("s", "e")).replace(b'id="p"', b'id="child"')


def _call(called: str) -> bytes:
    call = f'<bpmn:callActivity id="work" name="Run child">{extensions(called)}</bpmn:callActivity>'
    return model(f'<bpmn:startEvent id="s"/>{call}<bpmn:endEvent id="e"/>' + flows("s", "work", "e"))


def test_a_feel_process_id_is_evaluated_as_the_call_activity_starts(tmp_path: Path) -> None:
    runtime = runtime_on(tmp_path)
    runtime.deploy(CHILD, "child.bpmn")
    runtime.deploy(_call('<zeebe:calledElement processId="=kind + &quot;ild&quot;"/>'), "p.bpmn")
    instance = runtime.start("p", {"kind": "ch"})
    assert runtime.queries.instance(instance).summary.status == "completed"
    assert runtime.queries.instances(process="child")[1] == 1
    broken = runtime.start("p", {"kind": 7})
    [incident] = runtime.queries.instance(broken).incidents
    assert 'the called process id "=kind + "ild"" of' in incident.message and "not a process id" in incident.message


@pytest.mark.parametrize("called, reason", [
    ('<zeebe:calledElement processId="child" bindingType="deployment"/>',
     "the process is bound to 'deployment', but this engine always calls the latest version of the process; choose "
     "latest (Called element, Binding)"),
    ('<zeebe:calledElement processId="child" bindingType="versionTag" versionTag="v1"/>', "bound to 'versionTag'"),
], ids=["deployment", "version tag"])
def test_a_call_bound_to_another_version_than_the_latest_is_refused(tmp_path: Path, called: str, reason: str) -> None:
    with pytest.raises(DeploymentError) as refused:
        runtime_on(tmp_path).deploy(_call(called), "p.bpmn")
    [problem] = refused.value.problems
    assert problem.element_id == "work" and reason in problem.message
