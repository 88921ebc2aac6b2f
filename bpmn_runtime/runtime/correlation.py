"""Messages and signals: delivered to the instances that wait for them, or starting the processes that
start with them. Each function works inside the caller's unit of work (one transaction)."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Mapping

from sqlalchemy import or_, select

from bpmn_runtime.errors import NotFound
from bpmn_runtime.store.tables import Definition, Subscription

if TYPE_CHECKING:
    from bpmn_runtime.runtime.unit_of_work import UnitOfWork

log = logging.getLogger("bpmn_runtime")


def correlate_message(unit: "UnitOfWork", name: str, key: str | None, variables: Mapping[str, Any]) -> int:
    """Deliver a message from outside to the one instance waiting for it (or start one); its id."""
    found = deliver_message(unit, name, key, variables, None)
    if found is None:
        raise NotFound(f"no instance waits for message '{name}'"
                       f"{' with correlation key ' + repr(key) if key else ''}, and no process starts with it")
    return found


def deliver_message(unit: "UnitOfWork", name: str, key: str | None, variables: Mapping[str, Any],
                    sender: int | None) -> int | None:
    """The instance the message reached (waiting, or started by it), or None when nothing takes it."""
    query = select(Subscription).where(Subscription.kind == "message", Subscription.name == name,
                                       Subscription.instance_id.is_not(None))
    if key is not None:
        query = query.where(or_(Subscription.correlation_key == key, Subscription.correlation_key.is_(None)))
    if sender is not None:
        query = query.where(Subscription.instance_id != sender)
    query = query.order_by(Subscription.id).limit(1)
    if not unit.runtime.database.is_sqlite:
        query = query.with_for_update(skip_locked=True)
    subscription = unit.session.execute(query).scalar_one_or_none()
    if subscription is not None:
        loaded = unit.load(subscription.instance_id)
        unit.step(loaded, lambda s: s.trigger(subscription.wait_key, variables))
        return loaded.id
    start = unit.session.execute(select(Subscription).where(
        Subscription.kind == "message", Subscription.name == name, Subscription.instance_id.is_(None))
        .limit(1)).scalar_one_or_none()
    if start is None:
        if sender is not None:
            unit.after_commit(lambda: log.info("instance %s threw message '%s' but no instance waits for it",
                                               sender, name))
        return None
    definition = unit.session.get(Definition, start.definition_id)
    process = unit.runtime.deployments.process_of(definition.id, definition.key, unit.session)
    return unit.start(definition, process, variables, business_key=key, start_event=start.element_id)


def deliver_signal(unit: "UnitOfWork", name: str, variables: Mapping[str, Any], sender: int | None = None) -> int:
    """Deliver a signal to every instance waiting for it and start every process that starts with it; how many.

    `sender`, the instance that threw the signal, has already delivered it to its own catchers."""
    rows = unit.session.execute(select(Subscription.instance_id, Subscription.wait_key, Subscription.definition_id,
                                       Subscription.element_id)
                                .where(Subscription.kind == "signal", Subscription.name == name)
                                .order_by(Subscription.id)).all()
    count = 0
    for row in rows:
        if sender is not None and row.instance_id == sender:
            continue
        if row.instance_id is None:
            definition = unit.session.get(Definition, row.definition_id)
            process = unit.runtime.deployments.process_of(definition.id, definition.key, unit.session)
            unit.start(definition, process, variables, start_event=row.element_id)
            count += 1
            continue
        loaded = unit.load(row.instance_id)
        if loaded.state.status == "active" and row.wait_key in loaded.state.waits:
            unit.step(loaded, lambda s, k=row.wait_key: s.trigger(k, variables))
            count += 1
    return count
