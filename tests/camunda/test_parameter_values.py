"""Camunda 7 input and output parameters holding a list, a map or a script are built as Camunda 7 builds them:
lists in order, maps with their keys sorted (its TreeMap), values and keys as text or `${...}`, nested to any
depth, an empty value as null; a script runs as a script task's does and gives what it assigns to `result`.
A script the engine cannot run is refused at deployment, located at its element."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator, Mapping

import pytest

from bpmn_runtime.engine.step import ScriptCall
from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.runtime import Runtime


def model(io: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://example.com/io">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="t" name="Pack order"><bpmn:extensionElements><camunda:inputOutput>{io}
    </camunda:inputOutput></bpmn:extensionElements></bpmn:userTask>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="t"/>
    <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


@pytest.fixture()
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    runtime = Runtime(f"sqlite:///{tmp_path / 'io.db'}")
    yield runtime
    runtime.close()


def run(runtime: Runtime, io: str, variables: Mapping[str, Any], answer: Mapping[str, Any]) -> dict[str, Any]:
    """Deploy, start, complete the user task with `answer`: the variables the instance ends with."""
    runtime.deploy(model(io), "io.bpmn")
    instance = runtime.start("p", dict(variables))
    [task] = runtime.queries.tasks(everyone=True)[0]
    runtime.complete_task(task.id, dict(answer))
    detail = runtime.queries.instance(instance)
    assert detail.summary.status == "completed" and not detail.incidents
    return dict(detail.variables)


def test_nested_lists_and_maps_are_built_from_text_and_expressions_with_map_keys_sorted(runtime: Runtime) -> None:
    io = """<camunda:inputParameter name="order"><camunda:map>
          <camunda:entry key="zone">north</camunda:entry>
          <camunda:entry key="${keyName}">${amount * 2}</camunda:entry>
          <camunda:entry key="lines"><camunda:list>
            <camunda:value>first</camunda:value>
            <camunda:value>item-${amount}</camunda:value>
            <camunda:list><camunda:value>${amount}</camunda:value><camunda:value></camunda:value></camunda:list>
            <camunda:map><camunda:entry key="k">${keyName}</camunda:entry></camunda:map>
          </camunda:list></camunda:entry>
        </camunda:map></camunda:inputParameter>
        <camunda:inputParameter name="nothing"></camunda:inputParameter>
        <camunda:outputParameter name="packed">${order}</camunda:outputParameter>
        <camunda:outputParameter name="empty">${nothing == null}</camunda:outputParameter>
        <camunda:outputParameter name="reply"><camunda:list><camunda:value>${answer}</camunda:value>
          <camunda:value>${order.zone}</camunda:value></camunda:list></camunda:outputParameter>"""
    ended = run(runtime, io, {"amount": 3, "keyName": "doubled"}, {"answer": "ok"})
    assert ended["packed"] == {"doubled": 6, "lines": ["first", "item-3", [3, None], {"k": "doubled"}],
                               "zone": "north"}
    assert list(ended["packed"]) == ["doubled", "lines", "zone"]  # sorted, as Camunda 7's TreeMap is
    assert ended["empty"] is True
    assert ended["reply"] == ["ok", "north"]
    assert "order" not in ended and "nothing" not in ended  # input parameters stay local to the task


def test_a_script_parameter_runs_in_the_sandbox_and_gives_what_it_assigns_to_result(runtime: Runtime) -> None:
    io = """<camunda:inputParameter name="total"><camunda:script scriptFormat="python">net = amount * 2
result = net + 1</camunda:script></camunda:inputParameter>
        <camunda:outputParameter name="summary"><camunda:map><camunda:entry key="total">${total}</camunda:entry>
          <camunda:entry key="check"><camunda:script scriptFormat="python">result = total &gt; 5</camunda:script>
          </camunda:entry></camunda:map></camunda:outputParameter>"""
    ended = run(runtime, io, {"amount": 3}, {})
    assert ended["summary"] == {"check": True, "total": 7}
    assert "net" not in ended  # what else a script assigns stays in the script


def test_a_script_in_another_format_runs_through_the_runtime_script_runner(tmp_path: Path) -> None:
    calls: list[ScriptCall] = []

    def runner(call: ScriptCall) -> Mapping[str, Any]:
        calls.append(call)
        return {"result": f"{call.format}:{call.variables['amount']}"}

    runtime = Runtime(f"sqlite:///{tmp_path / 'runner.db'}", script_runner=runner)
    try:
        io = """<camunda:inputParameter name="label"><camunda:script scriptFormat="groovy">"n" + amount</camunda:script>
          </camunda:inputParameter><camunda:outputParameter name="shown">${label}</camunda:outputParameter>"""
        assert run(runtime, io, {"amount": 4}, {})["shown"] == "groovy:4"
        assert [(c.element_id, c.script) for c in calls] == [("t", '"n" + amount')]
    finally:
        runtime.close()


@pytest.mark.parametrize(("io", "expected"), [
    ('<camunda:inputParameter name="x"><camunda:script scriptFormat="groovy">1</camunda:script>'
     '</camunda:inputParameter>', "camunda:inputOutput parameter 'x': its script is written in 'groovy'"),
    ('<camunda:outputParameter name="y"><camunda:list><camunda:script scriptFormat="python">n = 1'
     '</camunda:script></camunda:list></camunda:outputParameter>',
     "camunda:inputOutput parameter 'y': its script assigns no 'result'"),
    ('<camunda:inputParameter name="z"><camunda:script scriptFormat="python" resource="deployment://a.py"/>'
     '</camunda:inputParameter>', "camunda:inputOutput parameter 'z' runs a script from the resource "
                                  "'deployment://a.py'"),
    ('<camunda:inputParameter name="w"><camunda:script>result = 1</camunda:script></camunda:inputParameter>',
     "camunda:inputOutput parameter 'w' has a script without a format"),
    ('<camunda:inputParameter name="m"><camunda:map><camunda:entry>1</camunda:entry></camunda:map>'
     '</camunda:inputParameter>', "camunda:inputOutput parameter 'm' has a map entry without a key"),
    ('<camunda:inputParameter name="v"><camunda:map><camunda:entry key="a">${amount +}</camunda:entry>'
     '</camunda:map></camunda:inputParameter>', "amount +"),
])
def test_what_cannot_run_as_camunda_7_runs_it_is_refused_at_the_task(runtime: Runtime, io: str,
                                                                     expected: str) -> None:
    with pytest.raises(DeploymentError) as refused:
        runtime.deploy(model(io), "io.bpmn")
    [problem] = refused.value.problems
    assert problem.element_id == "t" and problem.line > 0
    assert expected in problem.message
