"""Messages published with a time to live, as Zeebe publishes them: delivered at once when an instance waits
(or a process starts with the message), otherwise kept until the time to live passes (engine clock), for the
first subscription that opens with the same name and correlation key. A message id is taken while its message
lives: a second publication with the same name, correlation key and id is refused.

As in Zeebe, a suspended instance takes no message: one published for it stays here until the instance is
resumed (`deliver_to_resumed`) or the message expires. A message start event takes a message when it is
published only, never one buffered before (its process may be deployed after it), except a message held back
because an instance its process started with that correlation key still ran: when that instance ends, the
oldest such message starts the next (`start_held_back`). Publishing and looking into the buffer meet through
the message's lock (`locks.lock_message`), so that on PostgreSQL a message published while an instance comes
to wait for it is neither lost nor taken twice. Each function works inside the caller's unit of work."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Mapping, NamedTuple

from sqlalchemy import Connection, Select, bindparam, delete, func, insert, or_, select

from bpmn_runtime.engine import timers
from bpmn_runtime.engine.start_events import start_triggers
from bpmn_runtime.errors import Conflict, InvalidInput, NotFound
from bpmn_runtime.runtime import correlation
from bpmn_runtime.runtime.locks import lock_message
from bpmn_runtime.sensitive import redact
from bpmn_runtime.store import encryption
from bpmn_runtime.store.statements import DriverStatement
from bpmn_runtime.store.tables import BufferedMessage, Definition, Instance, Subscription

if TYPE_CHECKING:
    from bpmn_runtime.runtime.unit_of_work import LoadedInstance, UnitOfWork

MAX_SECONDS = 100 * 365 * 24 * 3600  # a time to live beyond a century is a mistake, and overflows dates
# Asked at every message subscription an instance opens, and nearly always answered "none": run by the driver.
ANY_LIVE = DriverStatement(select(BufferedMessage.id).where(
    BufferedMessage.name == bindparam("name"), BufferedMessage.delivered_to.is_(None),
    BufferedMessage.expires_at > bindparam("now")).limit(1))


class Publication(NamedTuple):
    """What became of a published message: the instance it reached at once (or None), and whether it waits
    in the buffer for a later subscription."""
    instance_id: int | None
    buffered: bool


@dataclass(frozen=True)
class Buffered:
    """A live message in the buffer, as an operator sees it: waiting for a taker, or delivered at once to
    `delivered_to` and kept only so that its message id stays taken. Its variables are not shown."""
    id: int
    name: str
    correlation_key: str | None
    message_id: str | None
    created_at: datetime
    expires_at: datetime
    delivered_to: int | None


def time_to_live(value: str | int | float, now: datetime) -> timedelta:
    """A time to live given as an ISO 8601 duration (`PT1H`) or as seconds; InvalidInput otherwise."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise InvalidInput("the time to live must be an ISO 8601 duration such as PT1H, or a number of seconds")
    try:
        seconds = timers.duration_seconds(value, now) if isinstance(value, str) else float(value)
    except timers.TimerError as error:
        raise InvalidInput(f"the time to live {error}") from None
    if not 0 <= seconds <= MAX_SECONDS:
        raise InvalidInput(f"the time to live must be from 0 seconds to 100 years, not {value!r}")
    return timedelta(seconds=seconds)


def publish_message(unit: "UnitOfWork", name: str, key: str | None, variables: Mapping[str, Any],
                    ttl: timedelta, message_id: str | None) -> Publication:
    """Deliver the message now if anything takes it, else buffer it for `ttl` (not at all when `ttl` is 0)."""
    lock_message(unit, name, [key], exclusive=True)
    unit.connection.execute(delete(BufferedMessage).where(BufferedMessage.expires_at <= unit.now))
    if message_id is not None:
        taken = unit.connection.execute(select(BufferedMessage.expires_at).where(
            BufferedMessage.name == name, _same_key(key), BufferedMessage.message_id == message_id)
            .limit(1)).scalar()
        if taken is not None:
            raise Conflict(f"message '{name}' with message id {message_id!r} was already published and lives "
                           f"until {taken.isoformat()}; a message id is published once")
    found = correlation.deliver_message(unit, name, key, variables, None, buffering=True)
    buffered = found is None and ttl > timedelta(0)
    if buffered or (found is not None and message_id is not None and ttl > timedelta(0)):
        sealed = unit.runtime.database.encryption.seal(json.dumps(dict(variables), ensure_ascii=False),
                                                       encryption.buffered_message(name, key))
        unit.connection.execute(insert(BufferedMessage).values(
            name=name, correlation_key=key, message_id=message_id, variables=sealed, expires_at=unit.now + ttl,
            delivered_to=found, created_at=unit.now))
    process_key = None if found is None else unit.connection.execute(
        select(Instance.process_key).where(Instance.id == found)).scalar()
    unit.audit("message", process_key=process_key, instance_id=found, detail={
        "message": name, "correlation_key": key, "variables": redact(dict(variables)),
        "time_to_live": ttl.total_seconds(), "message_id": message_id, "buffered": buffered})
    return Publication(found, buffered)


def deliver_buffered(unit: "UnitOfWork", loaded: "LoadedInstance", wait_key: int, name: str,
                     subscription_key: str | None) -> None:
    """Hand the oldest live buffered message that matches a subscription the instance just opened to it, if
    the instance still waits there (a sibling subscription of an event-based gateway may have fired first).
    Matching is as for a published message (`correlation.deliver_message`)."""
    if not (loaded.state.status == "active" and not loaded.suspended and wait_key in loaded.state.waits):
        return
    lock_message(unit, name, [subscription_key] if subscription_key is not None else [None, loaded.business_key],
                 exclusive=False)
    if ANY_LIVE.one_or_none(unit.connection, {"name": name, "now": unit.now}) is None:
        return
    matches = _live(unit, [name])
    if subscription_key is not None:
        matches = matches.where(BufferedMessage.correlation_key == subscription_key)
    elif loaded.business_key is not None:
        matches = matches.where(or_(BufferedMessage.correlation_key.is_(None),
                                    BufferedMessage.correlation_key == loaded.business_key))
    else:
        matches = matches.where(BufferedMessage.correlation_key.is_(None))
    taken = _take_oldest(unit, matches)
    if taken is not None:
        unit.step(loaded, lambda s: s.trigger(wait_key, taken[1]))


def deliver_to_resumed(unit: "UnitOfWork", instance_ids: list[int]) -> None:
    """Hand the instances just resumed the buffered messages their subscriptions wait for (a suspended instance
    took none), as if each subscription opened now."""
    if not instance_ids:
        return
    waiting = unit.connection.execute(select(
        Subscription.instance_id, Subscription.wait_key, Subscription.name, Subscription.correlation_key).where(
        Subscription.instance_id.in_(instance_ids), Subscription.kind == "message").order_by(Subscription.id)).all()
    for row in waiting:
        if row.instance_id is not None and row.wait_key is not None:  # an instance's subscriptions have both
            deliver_buffered(unit, unit.load(row.instance_id), row.wait_key, row.name, row.correlation_key)


def start_held_back(unit: "UnitOfWork", ended: "LoadedInstance") -> None:
    """The instance `ended` freed its business key for its process's message start events: the oldest live
    message for them with that key, published since the process was first deployed, starts the next instance
    (as Zeebe starts it). None does while another instance of the process with that key still runs, nor while
    the version that starts instances is suspended (the message waits on, until its time to live)."""
    key = ended.business_key
    if key is None or not any(trigger.kind == "message" for trigger in start_triggers(ended.process)):
        return
    starts = {row.name: row for row in unit.connection.execute(select(
        Subscription.name, Subscription.element_id, Subscription.definition_id).join(
        Definition, Definition.id == Subscription.definition_id).where(
        Subscription.instance_id.is_(None), Subscription.kind == "message", Definition.key == ended.process_key))}
    if not starts:
        return  # the newest version starts with no message
    definition = unit.session.get(Definition, next(iter(starts.values())).definition_id)  # the newest version
    if definition is None or definition.suspended:
        return
    for name in starts:
        lock_message(unit, name, [key], exclusive=False)
    if correlation.running_with_key(unit, ended.process_key, key) is not None:
        return
    first_deployed = select(func.min(Definition.deployed_at)).where(
        Definition.key == ended.process_key).scalar_subquery()
    taken = _take_oldest(unit, _live(unit, list(starts)).where(
        BufferedMessage.correlation_key == key, BufferedMessage.created_at >= first_deployed))
    if taken is not None:
        process = unit.runtime.deployments.process_of(definition.id, definition.key, unit.session)
        unit.start(definition, process, taken[1], business_key=key, start_event=starts[taken[0]].element_id)


def buffered(connection: Connection, now: datetime, name: str | None, limit: int) -> list[Buffered]:
    """The live messages in the buffer (of message `name`, or all), oldest first."""
    query = select(BufferedMessage.id, BufferedMessage.name, BufferedMessage.correlation_key,
                   BufferedMessage.message_id, BufferedMessage.created_at, BufferedMessage.expires_at,
                   BufferedMessage.delivered_to).where(BufferedMessage.expires_at > now)
    if name is not None:
        query = query.where(BufferedMessage.name == name)
    return [Buffered(*row) for row in connection.execute(query.order_by(BufferedMessage.id).limit(limit))]


def discard(unit: "UnitOfWork", buffered_id: int) -> None:
    """Remove a message from the buffer (an operator's call): no instance takes it any more, and its message id
    is free again. NotFound when it is not there (taken, expired or discarded meanwhile)."""
    row = unit.connection.execute(select(BufferedMessage.name, BufferedMessage.correlation_key,
                                         BufferedMessage.message_id).where(BufferedMessage.id == buffered_id)
                                  ).one_or_none()
    if row is not None:
        lock_message(unit, row.name, [row.correlation_key], exclusive=True)
    if row is None or unit.connection.execute(delete(BufferedMessage).where(
            BufferedMessage.id == buffered_id, BufferedMessage.expires_at > unit.now)).rowcount != 1:
        raise NotFound(f"there is no buffered message {buffered_id}: it was taken, expired or discarded")
    unit.audit("message.discard", detail={"message": row.name, "correlation_key": row.correlation_key,
                                          "message_id": row.message_id, "buffered_id": buffered_id})


def _live(unit: "UnitOfWork", names: list[str]) -> Select[int, str, str | None, str]:
    """The buffered messages of these names that live and wait for a taker."""
    return select(BufferedMessage.id, BufferedMessage.name, BufferedMessage.correlation_key,
                  BufferedMessage.variables).where(
        BufferedMessage.name.in_(names), BufferedMessage.delivered_to.is_(None), BufferedMessage.expires_at > unit.now)


def _take_oldest(unit: "UnitOfWork", matches: Select[int, str, str | None, str]
                 ) -> tuple[str, dict[str, Any]] | None:
    """Remove the oldest of the buffered messages `matches` finds from the buffer: its name and variables, or
    None when there is none."""
    while (row := unit.connection.execute(unit.for_update(matches.order_by(BufferedMessage.id).limit(1)))
           .one_or_none()) is not None:
        if unit.connection.execute(delete(BufferedMessage).where(BufferedMessage.id == row.id)).rowcount == 1:
            variables: dict[str, Any] = json.loads(unit.runtime.database.encryption.open(
                row.variables, encryption.buffered_message(row.name, row.correlation_key)))
            return row.name, variables
        # another call took it meanwhile: look again
    return None


def _same_key(key: str | None) -> Any:
    return BufferedMessage.correlation_key.is_(None) if key is None else BufferedMessage.correlation_key == key
