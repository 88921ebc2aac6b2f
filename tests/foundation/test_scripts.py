"""Script tasks: sandboxed assignments by default, full Python only when the operator turns it on, and a
hook through which an embedding program gives scripts their meaning."""
from __future__ import annotations

import pytest

from bpmn_runtime.engine.step import ScriptCall
from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.runtime import Runtime


def script_process(script: str, script_format: str = "python") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">
  <bpmn:process id="calc" isExecutable="true">
    <bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>
    <bpmn:scriptTask id="t" scriptFormat="{script_format}"><bpmn:script><![CDATA[{script}]]></bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/><bpmn:endEvent id="e"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


def test_sandboxed_assignments_run_by_default(sqlite_url: str) -> None:
    runtime = Runtime(sqlite_url)
    runtime.deploy(script_process("total = price * quantity\nlabel = 'n=' + str(quantity)"))
    instance_id = runtime.start("calc", {"price": 2.5, "quantity": 4})
    assert runtime.queries.instance(instance_id).variables == {"price": 2.5, "quantity": 4, "total": 10.0,
                                                               "label": "n=4"}


def test_full_python_is_refused_unless_the_operator_turns_it_on(sqlite_url: str) -> None:
    script = "import math\nroot = math.sqrt(value)"
    with pytest.raises(DeploymentError, match="refused script"):
        Runtime(sqlite_url).deploy(script_process(script))
    runtime = Runtime(sqlite_url, python_scripts=True)
    runtime.deploy(script_process(script))
    instance_id = runtime.start("calc", {"value": 16})
    assert runtime.queries.instance(instance_id).variables["root"] == 4.0


def test_an_embedding_program_gives_scripts_their_meaning(sqlite_url: str) -> None:
    seen: list[ScriptCall] = []

    def runner(call: ScriptCall) -> dict:
        seen.append(call)
        return {"answer": call.variables["question"] * 2}
    runtime = Runtime(sqlite_url, script_runner=runner)
    runtime.deploy(script_process("DOUBLE_IT", script_format="my-language"))
    instance_id = runtime.start("calc", {"question": 21}, business_key="k-1")
    assert runtime.queries.instance(instance_id).variables["answer"] == 42
    assert [(c.instance_id, c.business_key, c.element_id, c.script, c.format) for c in seen] == \
        [(instance_id, "k-1", "t", "DOUBLE_IT", "my-language")]


def test_a_failing_script_raises_an_incident_on_the_instance(sqlite_url: str) -> None:
    runtime = Runtime(sqlite_url)
    runtime.deploy(script_process("ratio = a / b"))
    instance_id = runtime.start("calc", {"a": 1, "b": 0})
    detail = runtime.queries.instance(instance_id)
    assert detail.summary.status == "active"
    assert "division by zero" in detail.incidents[0].message
    assert runtime.metrics.registry.get_sample_value("bpmn_incidents_total", {"process": "calc"}) == 1
    runtime.set_variables(instance_id, {"b": 4})
    runtime.retry_incident(detail.incidents[0].id)
    detail = runtime.queries.instance(instance_id)
    assert detail.summary.status == "completed" and detail.variables["ratio"] == 0.25
