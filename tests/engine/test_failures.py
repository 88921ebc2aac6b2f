"""Any failure while running an instance becomes an incident on that instance, at the element that failed,
with a plain message; nothing escapes as a Python exception, and retrying does again what failed."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping

import pytest

from bpmn_runtime.clock import VirtualClock
from bpmn_runtime.engine.limits import Limits
from bpmn_runtime.engine.step import ScriptCall
from bpmn_runtime.expressions import run_assignments
from bpmn_runtime.runtime import Runtime
from tests.engine.harness import HEADER, chain, flow

CAMUNDA = 'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"'


def _runtime(tmp_path: Path, runner: Callable[[ScriptCall], Mapping[str, Any] | None] | None = None,
             **limits: int) -> Runtime:
    return Runtime(f"sqlite:///{tmp_path / 'failures.db'}", clock=VirtualClock(), script_runner=runner,
                   limits=Limits(**limits))


def _deploy(runtime: Runtime, body: str) -> None:
    header = HEADER.replace('id="tests"', f'id="tests" {CAMUNDA}')
    runtime.deploy(f'{header}<bpmn:process id="p" isExecutable="true">{body}</bpmn:process>'
                   f'</bpmn:definitions>'.encode(), "failures.bpmn")


def _script(code: str, extra: str = "") -> str:
    """start -> script task 't' ('Compute') -> end."""
    return (f'<bpmn:startEvent id="s"/><bpmn:scriptTask id="t" name="Compute">{extra}<bpmn:script>{code}'
            f'</bpmn:script></bpmn:scriptTask><bpmn:endEvent id="e"/>{chain("s", "t", "e")}')


def _incident(runtime: Runtime) -> tuple[str, str]:
    [incident] = runtime.queries.incidents()
    return incident.element_id, incident.message


def test_an_exception_from_a_script_runner_is_an_incident_and_a_retry_runs_the_script_again(tmp_path: Path) -> None:
    broken = [True]

    def runner(call: ScriptCall) -> dict[str, Any]:
        if broken[0]:
            raise TypeError("unsupported operand type(s) for +: 'int' and 'str'")
        return {"done": True}

    runtime = _runtime(tmp_path, runner)
    _deploy(runtime, _script("done = True"))
    instance = runtime.start("p")
    assert _incident(runtime) == ("t", "'Compute' (t) failed: unsupported operand type(s) for +: 'int' and 'str'")
    broken[0] = False
    runtime.retry_incident(runtime.queries.incidents()[0].id)
    detail = runtime.queries.instance(instance)
    assert detail.summary.status == "completed" and detail.variables == {"done": True}


@pytest.mark.parametrize(("result", "message"), [
    (["a", "list"], "the script of 'Compute' (t) gave list, not a map of variable names to values"),
    ({"when": {1, 2}}, "variable 'when' cannot be stored: it is a set (use a list)"),
    ({"ratio": float("nan")}, "variable 'ratio' cannot be stored: it is nan, not a finite number"),
    ({"x": {"a": object()}}, "variable 'x' cannot be stored: it is a object"),
    ({3: "three"}, "a variable name must be text, not 3"),
])
def test_what_a_script_runner_returns_must_be_storable(tmp_path: Path, result: Any, message: str) -> None:
    runtime = _runtime(tmp_path, lambda call: result)
    _deploy(runtime, _script("ignored = 1"))
    runtime.start("p")
    element, text = _incident(runtime)
    assert element == "t" and text.startswith(message), text


@pytest.mark.parametrize(("code", "message"), [
    ("x = 1e308 * 10", "variable 'x' cannot be stored: it is inf, not a finite number"),
    ("x = {1: 2}", "variable 'x' cannot be stored: it is a map with the key 1, which is not text"),
])
def test_a_sandboxed_script_cannot_store_what_json_cannot_hold(tmp_path: Path, code: str, message: str) -> None:
    runtime = _runtime(tmp_path)
    _deploy(runtime, _script(code))
    runtime.start("p")
    assert _incident(runtime)[1].startswith(message)


def test_variables_cannot_outgrow_the_instance(tmp_path: Path) -> None:
    runtime = _runtime(tmp_path, max_variables_bytes=1_000)
    _deploy(runtime, _script('text = "x" * 2000'))
    instance = runtime.start("p")
    assert _incident(runtime) == ("t", "setting variable 'text' would make the variables of the instance take "
                                       "2,002 bytes; an instance may hold 1,000")
    assert runtime.queries.instance(instance).variables == {}


def test_a_failing_input_mapping_is_an_incident_and_a_retry_maps_again(tmp_path: Path) -> None:
    runtime = _runtime(tmp_path, lambda call: run_assignments(call.script, call.variables))
    inputs = '<bpmn:extensionElements><camunda:inputOutput><camunda:inputParameter name="next">${count + 1}' \
             '</camunda:inputParameter></camunda:inputOutput></bpmn:extensionElements>'
    _deploy(runtime, _script("seen = next", inputs))
    instance = runtime.start("p")
    element, message = _incident(runtime)
    assert element == "t" and "count" in message
    runtime.set_variables(instance, {"count": 1})
    runtime.retry_incident(runtime.queries.incidents()[0].id)
    assert runtime.queries.instance(instance).variables == {"count": 1, "seen": 2}


def test_a_failing_output_mapping_is_mapped_when_retried(tmp_path: Path) -> None:
    runtime = _runtime(tmp_path)
    outputs = '<bpmn:extensionElements><camunda:inputOutput><camunda:outputParameter name="total">${sum + extra}' \
              '</camunda:outputParameter></camunda:inputOutput></bpmn:extensionElements>'
    _deploy(runtime, _script("sum = 2", outputs))
    instance = runtime.start("p")
    assert _incident(runtime)[0] == "t"
    runtime.set_variables(instance, {"extra": 3})
    runtime.retry_incident(runtime.queries.incidents()[0].id)
    detail = runtime.queries.instance(instance)
    assert detail.summary.status == "completed" and detail.variables["total"] == 5


def test_a_token_that_fails_to_arrive_waits_at_its_element_for_a_retry(tmp_path: Path) -> None:
    """A complex gateway's activation condition fails as each of two tokens arrives: both stay there."""
    runtime = _runtime(tmp_path)
    _deploy(runtime, '<bpmn:startEvent id="s"/><bpmn:parallelGateway id="fork"/>'
                     '<bpmn:complexGateway id="g" name="Enough?"><bpmn:activationCondition>${ready}'
                     '</bpmn:activationCondition></bpmn:complexGateway><bpmn:endEvent id="e"/>'
                     + flow("s", "fork") + flow("fork", "g", flow_id="a") + flow("fork", "g", flow_id="b")
                     + flow("g", "e"))
    instance = runtime.start("p")
    incidents = runtime.queries.incidents()
    assert [(i.element_id, "ready" in i.message) for i in incidents] == [("g", True), ("g", True)]
    assert [t.element_id for t in runtime.queries.instance(instance).tokens] == ["g", "g"]
    runtime.set_variables(instance, {"ready": True})
    for incident in incidents:
        runtime.retry_incident(incident.id)
    assert runtime.queries.incidents() == []
    reached = [h.element_id for h in runtime.queries.history(instance) if h.kind == "element_completed"]
    assert reached.count("e") == 1  # the first token fired the gateway, the second reset it


def test_a_continuation_that_cannot_go_on_is_an_incident_not_a_failed_timer_run(tmp_path: Path) -> None:
    runtime = _runtime(tmp_path)
    _deploy(runtime, '<bpmn:startEvent id="s"/><bpmn:task id="t" name="Check" camunda:asyncAfter="true"/>'
                     '<bpmn:endEvent id="e"/><bpmn:endEvent id="e2"/>' + flow("s", "t")
                     + flow("t", "e", "x &gt; 1") + flow("t", "e2", "x &lt; 0"))
    instance = runtime.start("p", {"x": 0})
    assert runtime.run_due_timers() == 1
    assert _incident(runtime) == ("t", "no outgoing flow of 'Check' (t) can be taken: no condition holds and there "
                                       "is no default flow")
    runtime.set_variables(instance, {"x": 2})
    runtime.retry_incident(runtime.queries.incidents()[0].id)
    assert runtime.queries.instance(instance).summary.status == "completed"
