"""Every call locks the instance before the rows of its waits, so calls on one instance queue instead of
deadlocking. The test holds the instance's lock while a message and a timer (or a task completion and a
boundary timer) both arrive, then lets go: with locks taken in opposite orders the two would deadlock
there every time."""
from __future__ import annotations

import threading
import time
from typing import Callable

import psycopg2
import pytest
from sqlalchemy.engine import make_url

from bpmn_runtime.clock import VirtualClock
from bpmn_runtime.errors import BpmnRuntimeError
from bpmn_runtime.runtime import Runtime
from tests.durability.processes import MESSAGE_OR_TIMER, TASK_WITH_DEADLINE

pytestmark = pytest.mark.postgres


def _connect(url: str) -> psycopg2.extensions.connection:
    parsed = make_url(url)
    return psycopg2.connect(host=parsed.host, port=parsed.port, user=parsed.username, dbname=parsed.database)


def _deadlocks(url: str) -> int:
    connection = _connect(url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        count = int(cursor.fetchone()[0])
    connection.close()
    return count


def _race_behind_a_lock(url: str, instance_id: int, *calls: Callable[[], object]) -> tuple[list[object], float]:
    """Hold the instance's row lock while `calls` start, release it, and time how long they then take."""
    holder = _connect(url)
    with holder.cursor() as cursor:
        cursor.execute("SELECT id FROM instances WHERE id = %s FOR UPDATE", (instance_id,))
    results: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            results[index] = call()
        except BpmnRuntimeError as error:
            results[index] = error
    threads = [threading.Thread(target=run, args=(n, call)) for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)  # both calls are now waiting for the instance
    released = time.monotonic()
    holder.commit()
    for thread in threads:
        thread.join()
    holder.close()
    return results, time.monotonic() - released


def _message(runtime: Runtime, _instance_id: int) -> Callable[[], object]:
    return lambda: runtime.correlate_message("payment-received")


def _task_completion(runtime: Runtime, instance_id: int) -> Callable[[], object]:
    [task] = [t for t in runtime.queries.tasks(everyone=True)[0] if t.instance_id == instance_id]
    return lambda: runtime.complete_task(task.id)


@pytest.mark.parametrize("model, key, rival", [(MESSAGE_OR_TIMER, "message-or-timer", _message),
                                               (TASK_WITH_DEADLINE, "task-with-deadline", _task_completion)],
                         ids=["message-vs-timer", "task-vs-boundary-timer"])
def test_a_call_and_a_timer_on_one_instance_never_deadlock(
        postgres_url: str, model: bytes, key: str, rival: Callable[[Runtime, int], Callable[[], object]]) -> None:
    clock = VirtualClock()
    runtime = Runtime(postgres_url, clock=clock)
    runtime.deploy(model, f"{key}.bpmn")
    before = _deadlocks(postgres_url)
    for _ in range(3):
        instance_id = runtime.start(key)
        call = rival(runtime, instance_id)
        clock.advance(2)
        results, took = _race_behind_a_lock(postgres_url, instance_id, call, runtime.run_due_timers)
        assert took < 0.8, f"the calls stalled {took:.1f} s after the lock was released"
        history = runtime.queries.instance(instance_id).history
        ended = [h.element_id for h in history if h.kind == "element_completed" and (h.element_id or "").startswith("end")]
        assert len(ended) == 1, (ended, results)
    runtime.close()
    time.sleep(0.6)  # statistics reach pg_stat_database when the backends flush them
    assert _deadlocks(postgres_url) == before
