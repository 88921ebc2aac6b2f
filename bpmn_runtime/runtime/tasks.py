"""User tasks: completing, claiming and giving back. Each function works inside the caller's unit of work."""
from __future__ import annotations

import logging
from typing import Any, Mapping

from sqlalchemy import or_, select, update

from bpmn_runtime.errors import Conflict, NotFound
from bpmn_runtime.logs import log_event, redact
from bpmn_runtime.runtime.locks import lock_instance
from bpmn_runtime.runtime.unit_of_work import UnitOfWork
from bpmn_runtime.store.tables import UserTask

log = logging.getLogger("bpmn_runtime")


def complete(unit: UnitOfWork, task_id: int, values: Mapping[str, Any], user: str | None) -> None:
    """Complete a user task with the given variables (already validated against its form by the caller)."""
    instance_id = unit.connection.execute(select(UserTask.instance_id).where(UserTask.id == task_id)).scalar()
    if instance_id is not None:
        lock_instance(unit, instance_id)  # the instance before its task row: see `locks`
    task = unit.connection.execute(unit.for_update(select(
        UserTask.instance_id, UserTask.wait_key, UserTask.assignee, UserTask.name, UserTask.element_id)
        .where(UserTask.id == task_id))).one_or_none()
    if task is None:
        raise NotFound(f"there is no open task {task_id}; it may have been completed already")
    if user is not None and task.assignee not in (None, user):
        raise Conflict(f"task {task_id} is claimed by {task.assignee}")
    loaded = unit.load(task.instance_id)
    unit.after_commit(lambda: log_event(log, logging.INFO, "task %s '%s' completed%s", task_id, task.name,
                                        f" by {user}" if user else "", **loaded.log_fields(),
                                        element_id=task.element_id, task_id=task_id))
    if log.isEnabledFor(logging.DEBUG):
        unit.after_commit(lambda: log_event(log, logging.DEBUG, "task %s completed with: %s", task_id,
                                            redact(dict(values)), **loaded.log_fields(), element_id=task.element_id,
                                            task_id=task_id))
    unit.step(loaded, lambda s: s.trigger(task.wait_key, values))


def claim(unit: UnitOfWork, task_id: int, user: str) -> None:
    result = unit.connection.execute(update(UserTask).where(
        UserTask.id == task_id, or_(UserTask.assignee.is_(None), UserTask.assignee == user))
        .values(assignee=user))
    if result.rowcount != 1:
        task = unit.session.get(UserTask, task_id)
        if task is None:
            raise NotFound(f"there is no open task {task_id}; it may have been completed already")
        raise Conflict(f"task {task_id} is already claimed by {task.assignee}")


def unclaim(unit: UnitOfWork, task_id: int) -> None:
    if unit.connection.execute(update(UserTask).where(UserTask.id == task_id).values(assignee=None)).rowcount != 1:
        raise NotFound(f"there is no open task {task_id}")
