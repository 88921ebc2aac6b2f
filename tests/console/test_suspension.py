"""Suspension as Camunda 7 has it: nothing of a suspended instance moves (task, timer, job, message,
signal), each refusal says so and changes nothing, and on resuming what fell due meanwhile goes on. A
suspended process version starts nothing and takes its running instances with it."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

import pytest

from bpmn_runtime.clock import VirtualClock
from bpmn_runtime.errors import Conflict, Forbidden
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.runtime.suspension import Suspended
from bpmn_runtime.runtime.task_rules import Actor

MODEL = Path(__file__).parent / "suspend.bpmn"
CLERK = Actor.person("cleo", ["clerks"])


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def runtime(sqlite_url: str, clock: VirtualClock) -> Iterator[Runtime]:
    runtime = Runtime(sqlite_url, clock=clock)
    runtime.deploy(MODEL)
    yield runtime
    runtime.close()


def _waiting_at(runtime: Runtime, instance_id: int) -> list[str]:
    return [t.element_id for t in runtime.queries.instance(instance_id).tokens]


def test_nothing_of_a_suspended_instance_moves_until_it_is_resumed(runtime: Runtime, clock: VirtualClock) -> None:
    instance_id = runtime.start("suspendable", business_key="b-1")
    task_id = runtime.queries.instance(instance_id).tasks[0].id
    assert runtime.suspend([instance_id]) == [instance_id]
    assert runtime.suspend([instance_id]) == [], "suspending twice changes nothing"
    acts: list[Callable[[], None]] = [lambda: runtime.claim(task_id, actor=CLERK),
                                      lambda: runtime.complete_task(task_id, actor=CLERK),
                                      lambda: runtime.complete_task(task_id), lambda: runtime.assign(task_id, "cleo")]
    for act in acts:
        with pytest.raises(Suspended, match=f"instance {instance_id} is suspended"):
            act()
    with pytest.raises(Forbidden):  # a stranger is told it is not theirs, not that it is suspended
        runtime.claim(task_id, actor=Actor.person("sam", ["sales"]))
    runtime.set_variables(instance_id, {"note": "fixed"})  # an operator may fix data meanwhile
    assert runtime.queries.instance(instance_id).variables == {"note": "fixed"}

    runtime.suspend([instance_id], suspended=False)
    runtime.complete_task(task_id, actor=CLERK)
    assert _waiting_at(runtime, instance_id) == ["Wait"]
    runtime.suspend([instance_id])
    clock.advance(7200)
    assert runtime.run_due_timers() == 0, "a suspended instance's timer does not fire"
    runtime.suspend([instance_id], suspended=False)
    assert runtime.run_due_timers() == 1, "what fell due meanwhile fires on resuming"
    assert _waiting_at(runtime, instance_id) == ["Ship"]

    runtime.suspend([instance_id])
    assert runtime.acquire_jobs("w1", ["ship"]) == []
    runtime.suspend([instance_id], suspended=False)
    [job] = runtime.acquire_jobs("w1", ["ship"])
    runtime.suspend([instance_id])
    with pytest.raises(Suspended):  # a worker that took the job before cannot finish it now
        runtime.complete_job(job.job_id, "w1")
    runtime.suspend([instance_id], suspended=False)
    runtime.complete_job(job.job_id, "w1")

    runtime.suspend([instance_id])
    with pytest.raises(Suspended, match=f"instance {instance_id} is suspended"):
        runtime.correlate_message("paid", "b-1")
    runtime.suspend([instance_id], suspended=False)
    assert runtime.correlate_message("paid", "b-1") == instance_id

    runtime.suspend([instance_id])
    assert runtime.broadcast_signal("go") == 0, "a signal passes a suspended instance by"
    runtime.suspend([instance_id], suspended=False)
    assert runtime.broadcast_signal("go") == 1
    assert runtime.queries.instance(instance_id).summary.status == "completed"
    with pytest.raises(Conflict, match="has ended"):
        runtime.suspend([instance_id])


def test_a_suspended_instance_can_be_cancelled(runtime: Runtime) -> None:
    instance_id = runtime.start("suspendable")
    runtime.suspend([instance_id])
    runtime.cancel(instance_id, "no longer wanted")
    assert runtime.queries.instance(instance_id).summary.status == "cancelled"


def test_a_suspended_version_starts_nothing_and_suspends_its_instances(runtime: Runtime) -> None:
    first, second = runtime.start("suspendable"), runtime.start("suspendable")
    runtime.suspend([second])
    assert runtime.suspend_version("suspendable") == (1, [first])
    with pytest.raises(Suspended, match="process 'suspendable' version 1 is suspended"):
        runtime.start("suspendable")
    assert runtime.queries.instances(process="suspendable")[1] == 2, "nothing was started"
    assert runtime.suspend_version("suspendable", 1, suspended=False) == (1, [first, second])
    assert runtime.start("suspendable") > second
