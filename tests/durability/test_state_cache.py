"""The runtime's cache of the states it saved last (`runtime.state_cache`): a step on an instance this runtime
stepped last starts from the state it left, and never from one that is not what the database holds: another
engine process saved since, or the step was rolled back."""
from __future__ import annotations

import pytest

from bpmn_runtime.errors import InvalidInput
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.runtime.variables import VariableLimits
from tests.benchmarks.common import PROCESSES

REVIEW = PROCESSES / "multi_instance_review.bpmn"  # a parallel multi-instance user task over `items`


def open_tasks(runtime: Runtime, instance_id: int) -> list[int]:
    tasks, _ = runtime.queries.tasks(everyone=True, process="multi-instance-review", limit=1_000)
    return [task.id for task in tasks if task.instance_id == instance_id]


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_two_engine_processes_taking_turns_on_one_instance_each_see_the_others_steps(
        database: str, request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue(f"{database}_url")
    first, second = Runtime(url), Runtime(url)
    first.deploy(REVIEW)
    instance_id = first.start("multi-instance-review", {"items": [f"item-{i}" for i in range(6)]})
    for turn, task_id in enumerate(open_tasks(first, instance_id)):
        (first if turn % 2 == 0 else second).complete_task(task_id, {f"seen_{turn}": turn})
    detail = first.queries.instance(instance_id)
    assert detail.summary.status == "completed"
    assert {name: value for name, value in detail.variables.items() if name.startswith("seen_")} == \
        {f"seen_{turn}": turn for turn in range(6)}
    first.close()
    second.close()


def test_a_refused_step_leaves_nothing_of_it_behind(sqlite_url: str) -> None:
    runtime = Runtime(sqlite_url, variable_limits=VariableLimits(instance_bytes=400))
    runtime.deploy(REVIEW)
    instance_id = runtime.start("multi-instance-review", {"items": ["a", "b", "c"]})
    first, *rest = open_tasks(runtime, instance_id)
    runtime.complete_task(rest[0], {"ok": True})  # the runtime now holds the state it saved
    with pytest.raises(InvalidInput, match="would hold"):
        runtime.complete_task(first, {"note": "x" * 300})  # the step ran, then the save was refused
    assert open_tasks(runtime, instance_id) == [first, rest[1]]
    runtime.complete_task(first, {"ok": True})  # the task is still open, in the stored state as in the cache
    runtime.complete_task(rest[1], {"ok": True})
    detail = runtime.queries.instance(instance_id)
    assert detail.summary.status == "completed" and "note" not in detail.variables
    runtime.close()
