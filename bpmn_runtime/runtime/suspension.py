"""Suspending and resuming instances and process versions, as Camunda 7 does: nothing of a suspended
instance moves (no job is acquired, no timer fires, no task is claimed or completed, no message or signal
reaches it) until it is resumed; what fell due meanwhile goes on then. A suspended process version starts
no instance, and suspending it suspends its running instances. An operator can still cancel a suspended
instance and change its variables.

Suspending an instance suspends the instances its call activities started, so a child never ends into a
parent that cannot move. Each function works inside the caller's unit of work (one transaction).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, or_, select, update

from bpmn_runtime.errors import Conflict, NotFound
from bpmn_runtime.runtime import permissions
from bpmn_runtime.runtime.locks import lock_instance
from bpmn_runtime.store.tables import Definition, Instance, Job, Subscription

if TYPE_CHECKING:
    from bpmn_runtime.runtime.unit_of_work import UnitOfWork


class Suspended(Conflict):
    """The instance or process version is suspended: the call changed nothing (409)."""


def instance_suspended(instance_id: int) -> Suspended:
    return Suspended(f"instance {instance_id} is suspended; resume it first")


def version_suspended(key: str, version: int) -> Suspended:
    return Suspended(f"process '{key}' version {version} is suspended, so it starts no instance; "
                     f"resume it first")


def job_movable() -> ColumnElement[bool]:
    """Jobs that may be acquired or fired: not of a suspended instance, nor a suspended version's start timer."""
    suspended_instances = select(Instance.id).where(Instance.suspended)
    suspended_versions = select(Definition.id).where(Definition.suspended)
    return or_(Job.instance_id.is_(None), Job.instance_id.not_in(suspended_instances)) & \
        or_(Job.definition_id.is_(None), Job.definition_id.not_in(suspended_versions))


def subscription_movable() -> ColumnElement[bool]:
    """Subscriptions a signal may reach: not of a suspended instance, nor a suspended version's start event."""
    suspended_instances = select(Instance.id).where(Instance.suspended)
    suspended_versions = select(Definition.id).where(Definition.suspended)
    return or_(Subscription.instance_id.is_(None), Subscription.instance_id.not_in(suspended_instances)) & \
        or_(Subscription.definition_id.is_(None), Subscription.definition_id.not_in(suspended_versions))


def set_instances(unit: "UnitOfWork", instance_ids: list[int], suspended: bool) -> list[int]:
    """Suspend (or resume) running instances and the instances they called; the ids that changed, in order,
    each written to the audit trail as the unit's actor's. An id that is no instance is NotFound, an ended
    one a Conflict, and one of a process the actor may not operate on Forbidden; all before anything changes."""
    for instance_id in instance_ids:
        row = unit.connection.execute(select(Instance.status, Instance.process_key)
                                      .where(Instance.id == instance_id)).one_or_none()
        if row is None:
            raise NotFound(f"there is no process instance {instance_id}")
        permissions.check(unit.connection, unit.actor, row.process_key, "operate")
        if row.status != "active":
            raise Conflict(f"instance {instance_id} has ended ({row.status}); only a running instance can be "
                           f"{'suspended' if suspended else 'resumed'}. Nothing was changed")
    changed: list[int] = []
    seen: set[int] = set()
    todo = list(instance_ids)
    while todo:
        instance_id = todo.pop(0)
        if instance_id in seen:
            continue
        seen.add(instance_id)
        lock_instance(unit, instance_id)
        result = unit.connection.execute(update(Instance).where(
            Instance.id == instance_id, Instance.status == "active", Instance.suspended != suspended)
            .values(suspended=suspended, version=Instance.version + 1, updated_at=unit.now)
            .returning(Instance.process_key, Instance.parent_id))
        for process_key, parent_id in result:
            changed.append(instance_id)
            unit.audit("suspend" if suspended else "resume", process_key=process_key, instance_id=instance_id,
                       detail={"called_by": parent_id} if instance_id not in instance_ids else None)
        todo += unit.connection.execute(select(Instance.id).where(
            Instance.parent_id == instance_id, Instance.status == "active").order_by(Instance.id)).scalars()
    return changed


def set_version(unit: "UnitOfWork", key: str, version: int | None, suspended: bool) -> tuple[int, list[int]]:
    """Suspend (or resume) a process version (default: the newest) and its running instances; the version
    and the instances that changed."""
    query = select(Definition).where(Definition.key == key)
    query = query.where(Definition.version == version) if version else query.order_by(
        Definition.version.desc()).limit(1)
    definition = unit.session.execute(query).scalar_one_or_none()
    if definition is None:
        raise NotFound(f"there is no deployed process '{key}'{' version ' + str(version) if version else ''}")
    permissions.check(unit.connection, unit.actor, key, "operate")
    definition.suspended = suspended
    unit.audit("suspend" if suspended else "resume", process_key=key, detail={"version": definition.version})
    running = list(unit.connection.execute(select(Instance.id).where(
        Instance.definition_id == definition.id, Instance.status == "active", Instance.suspended != suspended)
        .order_by(Instance.id)).scalars())
    return definition.version, set_instances(unit, running, suspended) if running else []


def check_instance(unit: "UnitOfWork", instance_id: int) -> None:
    """Suspended unless the instance may move now."""
    if unit.connection.execute(select(Instance.suspended).where(Instance.id == instance_id)).scalar():
        raise instance_suspended(instance_id)
