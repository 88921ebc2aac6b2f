"""On SQLite the writing threads of one process take turns on a lock of their own (`Database.one_writer`)
rather than polling SQLite's write lock, whose busy handler sleeps up to 100 ms between tries."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bpmn_runtime.runtime import Runtime
from tests.conftest import PROCESSES


def _runtime(tmp_path: Path) -> Runtime:
    runtime = Runtime(f"sqlite:///{tmp_path / 'writers.db'}")
    runtime.deploy(PROCESSES / "order_fulfilment.bpmn")
    return runtime


def test_a_start_waits_for_the_writer_of_another_thread_and_goes_as_soon_as_it_is_done(tmp_path: Path) -> None:
    runtime = _runtime(tmp_path)
    try:
        started: list[float] = []
        with runtime.database.one_writer():
            other = threading.Thread(target=lambda: started.append(
                (runtime.start("order-fulfilment", {"amount": 5}), time.monotonic())[1]))
            other.start()
            other.join(timeout=0.5)
            assert other.is_alive() and not started, "the other thread's start waits for this writer"
            released = time.monotonic()
        other.join(timeout=30)
        assert started and started[0] - released < 0.5, "it went on at once"
        assert runtime.queries.instances()[1] == 1
    finally:
        runtime.close()


def test_a_thread_that_holds_the_turn_can_still_write(tmp_path: Path) -> None:
    """The lock is reentrant: a call made while the thread holds its turn does not wait for itself."""
    runtime = _runtime(tmp_path)
    try:
        with runtime.database.one_writer():
            instance_id = runtime.start("order-fulfilment", {"amount": 5})
        assert runtime.queries.instance(instance_id).summary.status == "active"
    finally:
        runtime.close()


def test_eight_threads_starting_at_once_all_get_their_instances(tmp_path: Path) -> None:
    runtime = _runtime(tmp_path)
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            ids = list(pool.map(lambda n: runtime.start("order-fulfilment", {"amount": n}), range(80)))
        assert len(set(ids)) == 80 and runtime.queries.instances(limit=100)[1] == 80
    finally:
        runtime.close()
