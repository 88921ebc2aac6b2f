"""Races on PostgreSQL end with exactly one winner and a clear answer for the loser."""
from __future__ import annotations

import threading
from typing import Callable

import pytest

from bpmn_runtime.clock import VirtualClock
from bpmn_runtime.errors import BpmnRuntimeError, Conflict, NotFound
from bpmn_runtime.runtime import Runtime
from tests.durability.processes import MESSAGE_OR_TIMER, USER_TASK

pytestmark = pytest.mark.postgres


def race(*calls: Callable[[], object]) -> list[object]:
    """Run the calls at the same moment; each result is a value or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        barrier.wait()
        try:
            results[index] = call()
        except BpmnRuntimeError as error:
            results[index] = error
    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_completions_of_one_task_have_one_winner(postgres_url: str) -> None:
    runtime = Runtime(postgres_url)
    runtime.deploy(USER_TASK, "approve.bpmn")
    for round_number in range(10):
        instance_id = runtime.start("approve")
        [task], _ = runtime.queries.tasks(everyone=True)
        results = race(lambda: runtime.complete_task(task.id, {"by": "ann"}),
                       lambda: runtime.complete_task(task.id, {"by": "bob"}))
        losers = [r for r in results if isinstance(r, Exception)]
        assert len(losers) == 1, results
        assert isinstance(losers[0], (NotFound, Conflict))
        assert "was completed at" in str(losers[0]) or "changed by others" in str(losers[0])
        detail = runtime.queries.instance(instance_id)
        assert detail.summary.status == "completed"
        assert [h.kind for h in detail.history].count("element_completed") == 3  # start, task, end once each
    runtime.close()


def test_a_message_racing_a_timer_has_one_winner(postgres_url: str) -> None:
    clock = VirtualClock()
    runtime = Runtime(postgres_url, clock=clock)
    runtime.deploy(MESSAGE_OR_TIMER, "race.bpmn")
    outcomes = []
    for _ in range(10):
        instance_id = runtime.start("message-or-timer")
        clock.advance(2)
        results = race(lambda: runtime.correlate_message("payment-received"), lambda: runtime.run_due_timers())
        detail = runtime.queries.instance(instance_id)
        assert detail.summary.status == "completed"
        ended = [h.element_id for h in detail.history if h.kind == "element_completed"
                 and h.element_id in ("end-paid", "end-late")]
        assert len(ended) == 1, ended
        message_result, timers_fired = results
        if ended == ["end-paid"]:
            assert message_result == instance_id and timers_fired == 0
        else:
            assert isinstance(message_result, NotFound) and "no instance waits" in str(message_result)
        outcomes.append(ended[0])
    runtime.close()
