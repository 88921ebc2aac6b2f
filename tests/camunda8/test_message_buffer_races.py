"""Publishing a message while another engine process acts on the same message, on a real PostgreSQL database
with two runtimes (two engine processes, each with its own connections) released at the same moment: a
message published while an instance comes to wait for it reaches that instance, once; a message id is
published once even by two callers at a time; a message start event starts one instance for a key."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

import pytest
from sqlalchemy import func, select

from bpmn_runtime.errors import Conflict
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.store.tables import BufferedMessage, Instance
from tests.camunda8.models import flows, model
from tests.camunda8.test_correlation import KEYED_MESSAGE, PAID, WAITING, WORK

ROUNDS = 25  # without the message lock, a handful of rounds lose the message on a 2-core machine


def _together(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released at once; what each returned, or the exception it raised."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        barrier.wait()
        try:
            return call()
        except Exception as error:  # the caller looks at what was raised
            return error
    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def _runtimes(url: str, body: str, start: str = '<bpmn:startEvent id="s"/>') -> tuple[Runtime, Runtime]:
    first = Runtime(url)
    first.deploy(model(f'{start}{body}<bpmn:endEvent id="e"/>', KEYED_MESSAGE), "paid.bpmn")
    return first, Runtime(url)


def _live(runtime: Runtime, key: str) -> int:
    with runtime.database.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(BufferedMessage).where(
            BufferedMessage.correlation_key == key, BufferedMessage.delivered_to.is_(None))).scalar_one())


def test_a_message_published_while_an_instance_comes_to_wait_reaches_it_once(postgres_url: str) -> None:
    publisher, engine = _runtimes(postgres_url, WAITING["intermediate catch event"][0])
    lost = []
    for number in range(ROUNDS):
        key = f"o-{number}"
        published, instance = _together(
            lambda: publisher.publish_message("payment-received", key, {"paid": number}, ttl="PT1H"),
            lambda: engine.start("p", {"orderId": key}))
        assert isinstance(instance, int), instance
        caught = engine.queries.instance(instance)
        if caught.variables.get("paid") != number:
            lost.append(key)
            continue
        assert caught.summary.status == "completed"
        assert (published.instance_id == instance) != published.buffered  # taken at once, or from the buffer
        assert _live(engine, key) == 0  # and not kept for another instance
    assert lost == [], f"{len(lost)} of {ROUNDS} messages were buffered while their instance waited on"


def test_a_message_id_is_taken_once_by_two_publishers_at_a_time(postgres_url: str) -> None:
    first, second = _runtimes(postgres_url, WAITING["intermediate catch event"][0])
    for number in range(ROUNDS):
        key = f"o-{number}"
        results = _together(*(lambda runtime=runtime: runtime.publish_message(
            "payment-received", key, {}, ttl="PT1H", message_id="pay-1") for runtime in (first, second)))
        assert sorted(type(result).__name__ for result in results) == ["Conflict", "Publication"], results
        assert _live(first, key) == 1


def test_a_message_start_event_starts_one_instance_per_key_for_two_publishers_at_a_time(postgres_url: str) -> None:
    first, second = _runtimes(postgres_url, WORK + flows("s", "work", "e"),
                              f'<bpmn:startEvent id="s">{PAID}</bpmn:startEvent>')
    for number in range(ROUNDS):
        key = f"o-{number}"
        results = _together(*(lambda runtime=runtime: runtime.publish_message(
            "payment-received", key, {}, ttl="PT1H") for runtime in (first, second)))
        assert all(not isinstance(result, Exception) for result in results), results
        with first.database.engine.connect() as connection:
            assert connection.execute(select(func.count()).select_from(Instance).where(
                Instance.business_key == key)).scalar_one() == 1
        assert sorted(result.buffered for result in results) == [False, True]  # the second waits for the first
