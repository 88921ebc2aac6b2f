"""Deployment is linear and bounded: thousands of schema errors, a 15 MB file of 600,000 tasks and
conditions that would allocate hundreds of megabytes are answered in about a second, with a bounded list
of problems; model expressions are parsed at deployment, never run."""
from __future__ import annotations

import time
import tracemalloc

import pytest

from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.parser import MAX_PROBLEMS, parse
from tests.hostile.deploy_models import HEADER, deploy_costly_conditions, deploy_many_tasks, deploy_schema_errors


def refused(data: bytes, seconds: float) -> list[str]:
    began = time.perf_counter()
    with pytest.raises(DeploymentError) as error:
        parse(data, "hostile.bpmn")
    assert time.perf_counter() - began < seconds
    return [str(problem) for problem in error.value.problems]


def test_ten_thousand_schema_errors_take_about_a_second() -> None:
    [problem] = refused(deploy_schema_errors(10_000), seconds=4)
    assert problem.endswith("'many' is not a valid value of the atomic type 'xs:integer'. (10,000 times)")


def test_a_few_schema_errors_keep_their_lines() -> None:
    problems = refused(deploy_schema_errors(3), seconds=2)
    assert problems[0].startswith("hostile.bpmn:4 t0: schema: Element 'bpmn:task', attribute 'startQuantity'")
    assert len(problems) == 3


def test_a_15_mb_file_of_600000_tasks_is_refused_at_once() -> None:
    data = deploy_many_tasks(600_000)
    assert len(data) > 15_000_000
    tracemalloc.start()
    try:
        [problem] = refused(data, seconds=3)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "more than 20,000 XML elements; a file may have at most 20,000" in problem
    assert peak < 200_000_000


def test_the_problems_listed_are_bounded() -> None:
    tasks = "".join(f'<bpmn:task id="t{n}"/>' for n in range(5_000))
    data = f'{HEADER}<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s"/>{tasks}' \
           f'<bpmn:endEvent id="e"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e"/></bpmn:process>' \
           f'</bpmn:definitions>'
    problems = refused(data.encode(), seconds=5)
    assert len(problems) == MAX_PROBLEMS + 1
    assert "more problems; only the first 100 are listed" in problems[-1]


def test_conditions_are_never_run_at_deployment() -> None:
    tracemalloc.start()
    began = time.perf_counter()
    try:
        definitions = parse(deploy_costly_conditions(20), "conditions.bpmn")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert list(definitions.processes) == ["p"]
    assert time.perf_counter() - began < 2
    assert peak < 50_000_000, f"{peak / 1e6:.0f} MB"
