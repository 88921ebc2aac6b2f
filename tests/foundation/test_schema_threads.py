"""The schema check keeps each run's problems to itself: web requests and workers validate files at the same
time, each in its thread, and a validator keeps the error log of its last run, so no two threads share one."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from bpmn_runtime.parser import xml_loading


def test_each_thread_validates_with_a_validator_of_its_own_and_keeps_it() -> None:
    mine = xml_loading._validator()
    assert xml_loading._validator() is mine, "a thread reads the XSD once"
    barrier = threading.Barrier(4)

    def validator_id(_: int) -> int:
        barrier.wait()  # all four threads alive at once: none can reuse another's thread-local
        return id(xml_loading._validator())

    with ThreadPoolExecutor(max_workers=4) as pool:
        others = set(pool.map(validator_id, range(4)))
    assert len(others) == 4 and id(mine) not in others
