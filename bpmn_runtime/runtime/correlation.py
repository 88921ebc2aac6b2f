"""Messages and signals: delivered to the instances that wait for them, or starting the processes that
start with them. Each function works inside the caller's unit of work (one transaction)."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Mapping

from sqlalchemy import and_, or_, select

from bpmn_runtime.engine import spiff_correlation
from bpmn_runtime.errors import Conflict, NotFound
from bpmn_runtime.logs import log_event
from bpmn_runtime.runtime import permissions
from bpmn_runtime.runtime import suspension
from bpmn_runtime.runtime.locks import lock_instance, lock_message
from bpmn_runtime.sensitive import redact
from bpmn_runtime.store.tables import Definition, Instance, Subscription

if TYPE_CHECKING:
    from bpmn_runtime.runtime.unit_of_work import UnitOfWork

log = logging.getLogger("bpmn_runtime")


def correlate_message(unit: "UnitOfWork", name: str, key: str | None, variables: Mapping[str, Any]) -> int:
    """Deliver a message from outside to the one instance waiting for it (or start one), as the unit's actor may
    (to operate on the instance, or to start its process); its id."""
    found = deliver_message(unit, name, key, variables, None)
    if found is None:
        raise NotFound(f"no instance waits for message '{name}'"
                       f"{' with correlation key ' + repr(key) if key else ''}, and no process starts with it")
    process_key = unit.connection.execute(select(Instance.process_key).where(Instance.id == found)).scalar()
    unit.audit("message", process_key=process_key, instance_id=found, detail={
        "message": name, "correlation_key": key, "variables": redact(dict(variables))})
    return found


def broadcast_signal(unit: "UnitOfWork", name: str, variables: Mapping[str, Any]) -> int:
    """Deliver a signal from outside, as the unit's actor may (to operate on every instance it reaches and to
    start every process it starts); how many it reached."""
    count = deliver_signal(unit, name, variables)
    unit.audit("signal", detail={"signal": name, "reached": count, "variables": redact(dict(variables))})
    return count


def deliver_message(unit: "UnitOfWork", name: str, key: str | None, variables: Mapping[str, Any],
                    sender: int | None, *, buffering: bool = False) -> int | None:
    """The instance the message reached (waiting, or started by it), or None when nothing takes it.

    Which waiting instance a message reaches (the README's "Messages and correlation" says it for users):
    a message with a correlation key reaches a subscription whose key is equal, or a subscription that
    declares no key in an instance whose business key is equal (as Camunda 7 correlates by business
    key); a message without a key reaches only subscriptions without one. Among several, the one waiting
    longest. A message that reaches no waiting instance starts the process that starts with it, using
    its key as the business key, unless an instance of that process with that business key is still
    running (as Zeebe does): a second instance for the same order would be a duplicate (a published message
    waits in the buffer for that instance to end: `message_buffer.start_held_back`). A SpiffWorkflow
    message's correlation values (`spiff_correlation`) reach a subscription expecting those values or any, and
    start instances without a business key.

    A suspended instance takes no message (as in Camunda 7): one sent from outside that only a suspended
    instance waits for is refused with `Suspended`, and changes nothing.

    `buffering`: the message is being published (`message_buffer`), so what the buffer can keep for later is not
    refused but left (None): a message only a suspended instance waits for, or one for a key in use. Its caller
    holds the message's lock (`locks.lock_message`); otherwise this call takes it.
    """
    if not buffering:
        lock_message(unit, name, [key], exclusive=True)
    tried: list[int] = []
    while (found := _waiting(unit, name, key, sender, tried)) is not None:
        subscription_id, instance_id, wait_key = found
        lock_instance(unit, instance_id)  # the instance first, then its subscription: see `locks`
        if unit.connection.execute(unit.for_update(select(Subscription.id).where(
                Subscription.id == subscription_id))).scalar() is None:
            tried.append(subscription_id)  # another call took it meanwhile
            continue
        loaded = unit.load(instance_id)
        if sender is None:
            permissions.check(unit.connection, unit.actor, loaded.process_key, "operate")
        unit.step(loaded, lambda s: s.trigger(wait_key, variables))
        return loaded.id
    if sender is None and not buffering and (waiting := _waiting(unit, name, key, sender, tried,
                                                                  suspended=True)) is not None:
        raise suspension.instance_suspended(waiting[1])
    start = unit.session.execute(select(Subscription).where(
        Subscription.kind == "message", Subscription.name == name, Subscription.instance_id.is_(None))
        .limit(1)).scalar_one_or_none()
    if start is None:
        if sender is not None:
            business_key = unit.connection.execute(select(Instance.business_key).where(Instance.id == sender)).scalar()
            unit.after_commit(lambda: log_event(log, logging.INFO, "threw message '%s' but no instance waits for it",
                                                name, instance_id=sender, business_key=business_key))
        return None
    definition = unit.session.get(Definition, start.definition_id)
    if definition is None:
        raise NotFound(f"the process that starts with message '{name}' is gone")
    if sender is None:
        permissions.check(unit.connection, unit.actor, definition.key, "start")
    if spiff_correlation.is_spiff_key(key):
        key = None  # SpiffWorkflow's correlation values, not a business key: each such message starts an instance
    if key is not None and (running := running_with_key(unit, definition.key, key)) is not None:
        if buffering:
            return None
        raise Conflict(f"instance {running} of {definition.key} with business key {key!r} is still running "
                       f"and does not wait for message '{name}' now; the message starts no second instance")
    process = unit.runtime.deployments.process_of(definition.id, definition.key, unit.session)
    return unit.start(definition, process, variables, business_key=key, start_event=start.element_id)


def running_with_key(unit: "UnitOfWork", process_key: str, key: str) -> int | None:
    """A running instance of the process with business key `key`, which keeps a message start event from
    starting another with that key (as Zeebe keeps one started by a message with that correlation key)."""
    found: int | None = unit.connection.execute(select(Instance.id).where(
        Instance.process_key == process_key, Instance.business_key == key, Instance.status == "active")
        .limit(1)).scalar()
    return found


def _waiting(unit: "UnitOfWork", name: str, key: str | None, sender: int | None,
             tried: list[int], *, suspended: bool = False) -> tuple[int, int, int] | None:
    """The subscription (id, instance, wait key) of a running (or a suspended) instance waiting longest for
    this message, found without a lock."""
    query = select(Subscription.id, Subscription.instance_id, Subscription.wait_key).join(
        Instance, Instance.id == Subscription.instance_id).where(
        Subscription.kind == "message", Subscription.name == name, Instance.suspended == suspended)
    if key is None:
        query = query.where(Subscription.correlation_key.is_(None))
    elif spiff_correlation.is_spiff_key(key):
        query = query.where(Subscription.correlation_key.in_((key, spiff_correlation.ANY_KEY)))
    else:
        query = query.where(or_(
            Subscription.correlation_key == key,
            and_(Subscription.correlation_key.is_(None), Instance.business_key == key)))
    if sender is not None:
        query = query.where(Subscription.instance_id != sender)
    if tried:
        query = query.where(Subscription.id.not_in(tried))
    row = unit.connection.execute(query.order_by(Subscription.id).limit(1)).one_or_none()
    if row is None or row.instance_id is None or row.wait_key is None:
        return None
    return row.id, row.instance_id, row.wait_key


def deliver_signal(unit: "UnitOfWork", name: str, variables: Mapping[str, Any], sender: int | None = None) -> int:
    """Deliver a signal to every instance waiting for it and start every process that starts with it; how many.
    Suspended instances and process versions let it pass (as in Camunda 7).

    `sender`, the instance that threw the signal, has already delivered it to its own catchers."""
    rows = unit.session.execute(select(Subscription.instance_id, Subscription.wait_key, Subscription.definition_id,
                                       Subscription.element_id)
                                .where(Subscription.kind == "signal", Subscription.name == name,
                                       suspension.subscription_movable())
                                .order_by(Subscription.id)).all()
    count = 0
    for row in rows:
        if sender is not None and row.instance_id == sender:
            continue
        if row.instance_id is None:
            definition = unit.session.get(Definition, row.definition_id)
            if definition is None:
                continue  # its definition was removed meanwhile
            if sender is None:
                permissions.check(unit.connection, unit.actor, definition.key, "start")
            process = unit.runtime.deployments.process_of(definition.id, definition.key, unit.session)
            unit.start(definition, process, variables, start_event=row.element_id)
            count += 1
            continue
        loaded = unit.load(row.instance_id)
        wait_key: int = row.wait_key
        if loaded.state.status == "active" and wait_key in loaded.state.waits:
            if sender is None:
                permissions.check(unit.connection, unit.actor, loaded.process_key, "operate")
            unit.step(loaded, lambda s: s.trigger(wait_key, variables))
            count += 1
    return count


def deliver_to_instance(unit: "UnitOfWork", instance_id: int, kind: str, name: str,
                        variables: Mapping[str, Any]) -> str:
    """Deliver a message or signal to one instance (an operator on its page): the element that waited for it.
    Which instance is meant is known, so no correlation runs; NotFound when it does not wait for it now."""
    lock_instance(unit, instance_id)
    row = unit.connection.execute(unit.for_update(select(Subscription.wait_key, Subscription.element_id).where(
        Subscription.instance_id == instance_id, Subscription.kind == kind, Subscription.name == name)
        .order_by(Subscription.id).limit(1))).one_or_none()
    if row is None or row.wait_key is None:
        raise NotFound(f"instance {instance_id} does not wait for {kind} '{name}' now; nothing was changed")
    loaded = unit.load(instance_id)
    wait_key: int = row.wait_key
    unit.step(loaded, lambda s: s.trigger(wait_key, variables))
    element: str = row.element_id
    return element
