"""The runtime's cache of the states it saved last (`runtime.state_cache`): a step on an instance this runtime
stepped last starts from the state it left, and never from one that is not what the database holds: another
engine process saved since, or the step was rolled back."""
from __future__ import annotations

import pytest

from bpmn_runtime.errors import InvalidInput
from bpmn_runtime.runtime import Runtime, stored_state
from bpmn_runtime.runtime.variables import VariableLimits
from tests.benchmarks.common import PROCESSES
from tests.durability.processes import THREE_STEPS

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


THREE_TOPICS = ["reserve", "charge", "ship"]


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_worker_reports_on_the_jobs_it_acquired_without_reading_their_states_again(
        database: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    url = request.getfixturevalue(f"{database}_url")
    starter, worker = Runtime(url), Runtime(url)
    starter.deploy(THREE_STEPS, "three-steps.bpmn")
    instance_ids = [starter.start("three-steps", {"n": n}) for n in range(3)]
    acquired = worker.acquire_jobs("w1", THREE_TOPICS)  # reads the states the starter saved
    opened: list[int] = []
    real_opened = stored_state.opened
    monkeypatch.setattr(stored_state, "opened", lambda connection, sealing, key, *rest: (
        opened.append(key), real_opened(connection, sealing, key, *rest))[1])
    assert sorted(job.instance_id for job in acquired) == instance_ids
    worker.complete_job(acquired[0].job_id, "w1", {"reserved": True})
    worker.fail_job(acquired[1].job_id, "w1", "boom", retries=2, retry_in_seconds=0)
    worker.job_bpmn_error(acquired[2].job_id, "w1", "NOPE")
    assert opened == []  # each state was taken from the cache the acquisition left it in
    assert worker.queries.instance(instance_ids[0]).variables == {"n": 0, "reserved": True}
    starter.close()
    worker.close()


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_job_acquired_by_one_engine_process_is_completed_by_another_with_the_state_it_left(
        database: str, request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue(f"{database}_url")
    first, second = Runtime(url), Runtime(url)
    first.deploy(THREE_STEPS, "three-steps.bpmn")
    instance_id = first.start("three-steps", {"n": 1})
    [job] = first.acquire_jobs("w1", THREE_TOPICS)
    following = second.complete_job(job.job_id, "w1", {"reserved": True}, next_topics=THREE_TOPICS)  # holds none
    assert following is not None and following.variables == {"n": 1, "reserved": True}
    last = first.complete_job(following.job_id, "w1", {"charged": True}, next_topics=THREE_TOPICS)  # held: stale
    assert last is not None and last.variables == {"n": 1, "reserved": True, "charged": True}
    assert second.complete_job(last.job_id, "w1", {"shipped": True}) is None
    detail = first.queries.instance(instance_id)
    assert detail.summary.status == "completed"
    assert detail.variables == {"n": 1, "reserved": True, "charged": True, "shipped": True}
    first.close()
    second.close()
