"""Messages published as Zeebe publishes them, through the runtime on a SQLite file with a virtual clock: a
message nobody waits for yet is buffered for its time to live and reaches the first instance that comes to wait
for it with the same name and correlation key; it expires by the engine clock; a message id is published once
while its message lives; a time to live of 0 keeps nothing. Correlating (no time to live) still refuses a
message nobody waits for. A suspended instance takes no message: one published for it stays buffered until
the instance is resumed or the message expires. A message start event starts no instance with a message
published before its process was deployed, and none for a key an instance started so still runs with: such
a message waits in the buffer until that instance ends (Zeebe's "message correlation" for start events)."""
from __future__ import annotations

from pathlib import Path

import pytest

from bpmn_runtime.clock import VirtualClock
from bpmn_runtime.errors import Conflict, InvalidInput, NotFound
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.runtime.suspension import Suspended
from tests.camunda8.models import flows, model
from tests.camunda8.test_correlation import KEYED_MESSAGE, PAID, WAITING, WORK


def _runtime(tmp_path: Path, body: str, start: str = '<bpmn:startEvent id="s"/>', *,
             url: str | None = None) -> tuple[Runtime, VirtualClock]:
    clock = VirtualClock()
    runtime = Runtime(url or f"sqlite:///{tmp_path / 'engine.db'}", clock=clock)
    runtime.deploy(model(f'{start}{body}<bpmn:endEvent id="e"/>', KEYED_MESSAGE), "paid.bpmn")
    return runtime, clock


def _url(database: str, request: pytest.FixtureRequest) -> str | None:
    """None (a SQLite file) or a fresh PostgreSQL database's URL."""
    return request.getfixturevalue("postgres_url") if database == "postgresql" else None


def _waits(runtime: Runtime, instance: int) -> bool:
    return any(t.waiting_for == "message 'payment-received'" for t in runtime.queries.instance(instance).tokens)


@pytest.mark.parametrize("name", ["intermediate catch event", "receive task", "boundary event",
                                  "event-based gateway", "event subprocess start"])
def test_a_buffered_message_reaches_the_instance_that_comes_to_wait_for_it(tmp_path: Path, name: str) -> None:
    body, _ = WAITING[name]
    runtime, clock = _runtime(tmp_path, body)
    published = runtime.publish_message("payment-received", "o-1", {"paid": True}, ttl="PT1H")
    assert published.instance_id is None and published.buffered
    clock.advance(3599)
    other = runtime.start("p", {"orderId": "o-2"})
    caught = runtime.start("p", {"orderId": "o-1"})
    assert _waits(runtime, other) and not _waits(runtime, caught)
    assert runtime.queries.instance(caught).variables["paid"] is True
    assert "paid" not in runtime.queries.instance(other).variables
    again = runtime.start("p", {"orderId": "o-1"})  # consumed once: the next instance with that key waits
    assert _waits(runtime, again)


def test_buffered_messages_are_taken_first_published_first(tmp_path: Path) -> None:
    runtime, _ = _runtime(tmp_path, WAITING["receive task"][0])
    for number in (1, 2):
        runtime.publish_message("payment-received", "o-1", {"number": number}, ttl=60)
    first, second = runtime.start("p", {"orderId": "o-1"}), runtime.start("p", {"orderId": "o-1"})
    assert runtime.queries.instance(first).variables["number"] == 1
    assert runtime.queries.instance(second).variables["number"] == 2


def test_an_expired_message_is_not_caught(tmp_path: Path) -> None:
    runtime, clock = _runtime(tmp_path, WAITING["intermediate catch event"][0])
    runtime.publish_message("payment-received", "o-1", {"paid": True}, ttl="PT1M")
    clock.advance(60)
    instance = runtime.start("p", {"orderId": "o-1"})
    assert _waits(runtime, instance)
    assert "paid" not in runtime.queries.instance(instance).variables


def test_a_message_with_another_key_is_never_delivered(tmp_path: Path) -> None:
    runtime, _ = _runtime(tmp_path, WAITING["intermediate catch event"][0])
    runtime.publish_message("payment-received", "no-such-order", {"paid": True}, ttl="PT1H")
    runtime.publish_message("payment-received", None, {"paid": True}, ttl="PT1H")
    instance = runtime.start("p", {"orderId": "o-1"})
    assert _waits(runtime, instance)
    assert "paid" not in runtime.queries.instance(instance).variables


def test_a_message_id_is_published_once_while_its_message_lives(tmp_path: Path) -> None:
    runtime, clock = _runtime(tmp_path, WAITING["intermediate catch event"][0])
    runtime.publish_message("payment-received", "o-1", {"attempt": 1}, ttl="PT1H", message_id="pay-1")
    with pytest.raises(Conflict, match="message id 'pay-1' was already published"):
        runtime.publish_message("payment-received", "o-1", {"attempt": 2}, ttl="PT1H", message_id="pay-1")
    runtime.publish_message("payment-received", "o-2", {"attempt": 3}, ttl="PT1H", message_id="pay-1")  # other key
    clock.advance(3600)
    runtime.publish_message("payment-received", "o-1", {"attempt": 4}, ttl="PT1H", message_id="pay-1")  # expired
    instance = runtime.start("p", {"orderId": "o-1"})
    assert runtime.queries.instance(instance).variables["attempt"] == 4


def test_a_message_id_delivered_at_once_stays_taken(tmp_path: Path) -> None:
    runtime, _ = _runtime(tmp_path, WAITING["intermediate catch event"][0])
    waiting = runtime.start("p", {"orderId": "o-1"})
    published = runtime.publish_message("payment-received", "o-1", {"attempt": 1}, ttl=60, message_id="pay-1")
    assert published.instance_id == waiting and not published.buffered
    later = runtime.start("p", {"orderId": "o-1"})
    with pytest.raises(Conflict):
        runtime.publish_message("payment-received", "o-1", {"attempt": 2}, ttl=60, message_id="pay-1")
    assert _waits(runtime, later)  # the delivered message is not handed out a second time


def test_a_time_to_live_of_zero_keeps_nothing_and_correlating_still_refuses(tmp_path: Path) -> None:
    runtime, _ = _runtime(tmp_path, WAITING["intermediate catch event"][0])
    assert runtime.publish_message("payment-received", "o-1", {"paid": True}, ttl=0) == (None, False)
    with pytest.raises(NotFound, match="no instance waits for message 'payment-received'"):
        runtime.correlate_message("payment-received", "o-1", {"paid": True})
    instance = runtime.start("p", {"orderId": "o-1"})
    assert _waits(runtime, instance)


def test_a_published_message_starts_the_process_that_starts_with_it_and_is_not_kept(tmp_path: Path) -> None:
    runtime, _ = _runtime(tmp_path, WORK + flows("s", "work", "e"), f'<bpmn:startEvent id="s">{PAID}</bpmn:startEvent>')
    published = runtime.publish_message("payment-received", "o-1", {"paid": True}, ttl="PT1H")
    assert published.instance_id is not None and not published.buffered
    assert runtime.queries.instance(published.instance_id).variables["paid"] is True


@pytest.mark.parametrize("ttl, problem", [("an hour", "is not an ISO 8601 duration"), (-1, "from 0 seconds"),
                                          ("-PT1H", "is negative"), (True, "must be an ISO 8601 duration")])
def test_a_wrong_time_to_live_is_refused_plainly(tmp_path: Path, ttl: object, problem: str) -> None:
    runtime, _ = _runtime(tmp_path, WAITING["intermediate catch event"][0])
    with pytest.raises(InvalidInput, match=problem):
        runtime.publish_message("payment-received", "o-1", {}, ttl=ttl)  # type: ignore[arg-type]


def test_on_postgresql_a_buffered_message_is_caught_once_and_expires(tmp_path: Path, postgres_url: str) -> None:
    runtime, clock = _runtime(tmp_path, WAITING["receive task"][0], url=postgres_url)
    runtime.publish_message("payment-received", "o-1", {"paid": True}, ttl="PT1H", message_id="pay-1")
    runtime.publish_message("payment-received", "o-2", {"paid": True}, ttl="PT1H")
    with pytest.raises(Conflict):
        runtime.publish_message("payment-received", "o-1", {}, ttl="PT1H", message_id="pay-1")
    first, second = runtime.start("p", {"orderId": "o-1"}), runtime.start("p", {"orderId": "o-1"})
    assert not _waits(runtime, first) and _waits(runtime, second)
    clock.advance(3600)
    late = runtime.start("p", {"orderId": "o-2"})
    assert _waits(runtime, late)


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_suspended_instance_leaves_a_published_message_in_the_buffer_until_it_is_resumed(
        tmp_path: Path, database: str, request: pytest.FixtureRequest) -> None:
    runtime, _ = _runtime(tmp_path, WAITING["intermediate catch event"][0], url=_url(database, request))
    waiting = runtime.start("p", {"orderId": "o-1"})
    runtime.suspend([waiting])
    assert runtime.publish_message("payment-received", "o-1", {"paid": True}, ttl="PT1H") == (None, True)
    assert _waits(runtime, waiting)
    with pytest.raises(Suspended):  # correlating keeps nothing, so it still refuses
        runtime.correlate_message("payment-received", "o-1", {"paid": True})
    runtime.suspend([waiting], suspended=False)
    assert not _waits(runtime, waiting)
    assert runtime.queries.instance(waiting).variables["paid"] is True


def test_a_message_kept_for_a_suspended_instance_expires_by_its_time_to_live(tmp_path: Path) -> None:
    runtime, clock = _runtime(tmp_path, WAITING["receive task"][0])
    waiting = runtime.start("p", {"orderId": "o-1"})
    runtime.suspend_version("p")
    assert runtime.publish_message("payment-received", "o-1", {"paid": True}, ttl="PT1M").buffered
    clock.advance(60)
    runtime.suspend_version("p", suspended=False)
    assert _waits(runtime, waiting)
    assert "paid" not in runtime.queries.instance(waiting).variables


START_BY_MESSAGE = f'<bpmn:startEvent id="s">{PAID}</bpmn:startEvent>'


def _started(runtime: Runtime, key: str) -> list[tuple[str, dict[str, object]]]:
    """The status and variables of the instances with business key `key`, oldest first."""
    found, _ = runtime.queries.instances(business_key=key)
    return [(summary.status, runtime.queries.instance(summary.id).variables) for summary in reversed(found)]


def _finish_work(runtime: Runtime) -> None:
    for task in runtime.queries.tasks(everyone=True)[0]:
        runtime.complete_task(task.id)


def test_a_message_buffered_before_its_process_was_deployed_starts_no_instance(tmp_path: Path) -> None:
    clock = VirtualClock()
    runtime = Runtime(f"sqlite:///{tmp_path / 'engine.db'}", clock=clock)
    assert runtime.publish_message("payment-received", "o-1", {"number": 1}, ttl="PT1H") == (None, True)
    clock.advance(1)
    runtime.deploy(model(START_BY_MESSAGE + WORK + flows("s", "work", "e") + '<bpmn:endEvent id="e"/>',
                         KEYED_MESSAGE), "paid.bpmn")
    assert _started(runtime, "o-1") == []
    started = runtime.publish_message("payment-received", "o-1", {"number": 2}, ttl="PT1H")
    assert started.instance_id is not None and not started.buffered
    _finish_work(runtime)  # the end of the instance frees the key; the early message still starts nothing
    assert _started(runtime, "o-1") == [("completed", {"number": 2})]


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_start_message_for_a_key_in_use_waits_for_that_instance_to_end(
        tmp_path: Path, database: str, request: pytest.FixtureRequest) -> None:
    runtime, _ = _runtime(tmp_path, WORK + flows("s", "work", "e"), START_BY_MESSAGE, url=_url(database, request))
    first = runtime.publish_message("payment-received", "o-1", {"number": 1}, ttl="PT1H")
    assert first.instance_id is not None
    for number in (2, 3):
        assert runtime.publish_message("payment-received", "o-1", {"number": number}, ttl="PT1H") == (None, True)
    assert runtime.publish_message("payment-received", "o-1", {"number": 4}, ttl=0) == (None, False)
    with pytest.raises(Conflict, match="starts no second instance"):
        runtime.correlate_message("payment-received", "o-1", {"number": 5})
    assert [status for status, _ in _started(runtime, "o-1")] == ["active"]
    _finish_work(runtime)  # the first ends: the oldest kept message starts the next instance, one at a time
    assert _started(runtime, "o-1") == [("completed", {"number": 1}), ("active", {"number": 2})]
    runtime.cancel(runtime.queries.instances(business_key="o-1", status="active")[0][0].id)
    assert _started(runtime, "o-1")[-1] == ("active", {"number": 3})


def test_a_start_message_that_expired_while_its_key_was_in_use_starts_nothing(tmp_path: Path) -> None:
    runtime, clock = _runtime(tmp_path, WORK + flows("s", "work", "e"), START_BY_MESSAGE)
    runtime.publish_message("payment-received", "o-1", {"number": 1}, ttl="PT1H")
    assert runtime.publish_message("payment-received", "o-1", {"number": 2}, ttl="PT1M").buffered
    clock.advance(60)
    _finish_work(runtime)
    assert _started(runtime, "o-1") == [("completed", {"number": 1})]


def test_a_held_back_start_message_does_not_fail_the_end_of_an_instance_when_its_version_is_suspended(
        tmp_path: Path) -> None:
    runtime, _ = _runtime(tmp_path, WORK + flows("s", "work", "e"), START_BY_MESSAGE)
    runtime.publish_message("payment-received", "o-1", {"number": 1}, ttl="PT1H")
    assert runtime.publish_message("payment-received", "o-1", {"number": 2}, ttl="PT1H").buffered
    runtime.deploy(model(f'{START_BY_MESSAGE}<bpmn:userTask id="work2"/>{flows("s", "work2", "e")}'
                         '<bpmn:endEvent id="e"/>', KEYED_MESSAGE), "paid-v2.bpmn")
    runtime.suspend_version("p", 2)
    _finish_work(runtime)  # version 2 starts nothing while suspended: the message waits on, the first ends
    assert _started(runtime, "o-1") == [("completed", {"number": 1})]
