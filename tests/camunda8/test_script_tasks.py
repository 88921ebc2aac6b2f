"""Camunda 8 script tasks (`zeebe:script`): the engine evaluates the FEEL expression and sets its value in the
result variable, as Zeebe does; through output mappings when the task has them."""
from __future__ import annotations

from pathlib import Path

import pytest

from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.parser import parse
from tests.camunda8.models import deploy_one_task, extensions, flows, model, quote


def _script(expression: str, result: str = "result", *more: str) -> str:
    script = f"<zeebe:script expression={quote(expression)} resultVariable={quote(result)}/>" if result else \
        f"<zeebe:script expression={quote(expression)}/>"
    return f'<bpmn:scriptTask id="work" name="Compute">{extensions(script, *more)}</bpmn:scriptTask>'


@pytest.mark.parametrize("expression, variables, result", [
    ("=a + b", {"a": 1, "b": 2}, 3),
    ('=string join(for item in items return upper case(item), ", ")', {"items": ["x", "y"]}, "X, Y"),
    ("={total: sum(prices), count: count(prices)}", {"prices": [1.5, 2.5]}, {"total": 4, "count": 2}),
    ("=missing", {}, None),
])
def test_the_feel_expression_sets_the_result_variable(tmp_path: Path, expression: str, variables: dict[str, object],
                                                      result: object) -> None:
    runtime = deploy_one_task(tmp_path, _script(expression))
    instance = runtime.start("p", variables)
    detail = runtime.queries.instance(instance)
    assert detail.summary.status == "completed"
    assert detail.variables["result"] == result


def test_output_mappings_pick_from_the_result(tmp_path: Path) -> None:
    outputs = '<zeebe:ioMapping><zeebe:output source="=result * 10" target="scaled"/></zeebe:ioMapping>'
    runtime = deploy_one_task(tmp_path, _script("=n + 1", "result", outputs))
    instance = runtime.start("p", {"n": 1})
    assert runtime.queries.instance(instance).variables == {"n": 1, "scaled": 20}


@pytest.mark.parametrize("task, reason", [
    (_script("=a +"), "cannot parse"),
    (_script("=a", ""), "(Script, Result variable)"),
    (_script("", "result"), "has no script"),
], ids=["syntax error", "no result variable", "no expression"])
def test_a_script_that_cannot_run_is_refused_at_the_task(task: str, reason: str) -> None:
    with pytest.raises(DeploymentError) as refused:
        parse(model(f'<bpmn:startEvent id="s"/>{task}<bpmn:endEvent id="e"/>{flows("s", "work", "e")}'), "p.bpmn")
    [problem] = refused.value.problems
    assert problem.element_id == "work" and reason in problem.message
