"""Deployment is linear and bounded: thousands of schema errors, a 15 MB file of 600,000 tasks and
conditions that would allocate hundreds of megabytes are answered with a bounded list of problems, with
work that grows with the file (no faster) or not at all; model expressions are parsed at deployment, never
run. The work is counted as the Python calls the parse makes (`sys.setprofile`), which, unlike its time,
is the same on a loaded machine as on an idle one."""
from __future__ import annotations

import sys
import tracemalloc
from types import FrameType
from typing import Any

import pytest

from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.parser import MAX_PROBLEMS, parse
from tests.hostile.deploy_models import HEADER, deploy_costly_conditions, deploy_many_tasks, deploy_schema_errors

LINEAR = 11  # ten times the input may cost at most eleven times the calls


def calls(data: bytes) -> int:
    """The Python and built-in function calls parsing `data` makes, refused or not."""
    made = 0

    def count(frame: FrameType, event: str, arg: Any) -> None:
        nonlocal made
        made += event in ("call", "c_call")
    sys.setprofile(count)
    try:
        parse(data, "hostile.bpmn")
    except DeploymentError:
        pass
    finally:
        sys.setprofile(None)
    return made


def refused(data: bytes) -> list[str]:
    with pytest.raises(DeploymentError) as error:
        parse(data, "hostile.bpmn")
    return [str(problem) for problem in error.value.problems]


def unconnected_tasks(count: int) -> bytes:
    tasks = "".join(f'<bpmn:task id="t{n}"/>' for n in range(count))
    return (f'{HEADER}<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s"/>{tasks}'
            f'<bpmn:endEvent id="e"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e"/></bpmn:process>'
            f'</bpmn:definitions>').encode()


def test_ten_thousand_schema_errors_are_one_problem_and_cost_linear_work() -> None:
    [problem] = refused(deploy_schema_errors(10_000))
    assert problem.endswith("'many' is not a valid value of the atomic type 'xs:integer'. (10,000 times)")
    assert calls(deploy_schema_errors(5_000)) <= LINEAR * calls(deploy_schema_errors(500))


def test_a_few_schema_errors_keep_their_lines() -> None:
    problems = refused(deploy_schema_errors(3))
    assert problems[0].startswith("hostile.bpmn:4 t0: schema: Element 'bpmn:task', attribute 'startQuantity'")
    assert len(problems) == 3


def test_a_15_mb_file_of_600000_tasks_is_refused_at_once() -> None:
    data = deploy_many_tasks(600_000)
    assert len(data) > 15_000_000
    tracemalloc.start()
    try:
        [problem] = refused(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "more than 20,000 XML elements; a file may have at most 20,000" in problem
    assert peak < 200_000_000
    assert calls(data) < 1_000, "refused before any work per task"


def test_the_problems_listed_are_bounded() -> None:
    problems = refused(unconnected_tasks(5_000))
    assert len(problems) == MAX_PROBLEMS + 1
    assert "more problems; only the first 100 are listed" in problems[-1]
    assert calls(unconnected_tasks(3_000)) <= LINEAR * calls(unconnected_tasks(300))


def test_conditions_are_never_run_at_deployment() -> None:
    tracemalloc.start()
    try:
        definitions = parse(deploy_costly_conditions(20), "conditions.bpmn")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert list(definitions.processes) == ["p"]
    assert peak < 50_000_000, f"{peak / 1e6:.0f} MB"
    assert calls(deploy_costly_conditions(20)) <= LINEAR * calls(deploy_costly_conditions(2))
