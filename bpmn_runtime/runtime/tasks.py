"""User tasks: completing, claiming, giving back and assigning, each inside the caller's unit of work with
the task row locked, and each decided by `task_rules`.

A task id that is no longer open is answered with what happened to it ("task 5 was completed at ... by
mia"): ids are never handed out twice (see `store.tables.NEVER_REUSED`), so that answer is always true.
"""
from __future__ import annotations

import functools
import logging
from typing import Any, Mapping, Sequence

from sqlalchemy import Integer, Select, Table, bindparam, select, update

from bpmn_runtime.engine.state import ROOT, UserTaskWait
from bpmn_runtime.errors import NotFound, TaskEnded
from bpmn_runtime.forms import form_fields
from bpmn_runtime.runtime import linked_forms, task_rules
from bpmn_runtime.logs import log_event
from bpmn_runtime.runtime.task_rules import Actor, LockedTask
from bpmn_runtime.runtime.unit_of_work import LoadedInstance, UnitOfWork
from bpmn_runtime.runtime.variables import VariableLimits
from bpmn_runtime.sensitive import redact
from bpmn_runtime.store import statements
from bpmn_runtime.store.tables import EndedTask, UserTask

log = logging.getLogger("bpmn_runtime")


def ended(unit_connection: Any, task_id: int) -> NotFound:
    """The error for a task id that is not open: what became of it, or that it never existed."""
    row = unit_connection.execute(select(EndedTask.outcome, EndedTask.ended_at, EndedTask.ended_by, EndedTask.name)
                                  .where(EndedTask.task_id == task_id)).one_or_none()
    if row is None:
        return NotFound(f"there is no open task {task_id}; it may have been completed already")
    when = f"{row.ended_at:%Y-%m-%d %H:%M:%S} UTC"
    if row.outcome == "completed":
        return TaskEnded(f"task {task_id} ('{row.name}') was completed at {when}"
                         + (f" by {row.ended_by}" if row.ended_by else "") + "; nothing was changed")
    return TaskEnded(f"task {task_id} ('{row.name}') was withdrawn at {when} (the process went on without it); "
                     f"nothing was changed")


_TASK_COLUMNS = (UserTask.id, UserTask.instance_id, UserTask.process_key, UserTask.wait_key, UserTask.element_id,
                 UserTask.name, UserTask.assignee, UserTask.created_at)
_TASKS: Table = UserTask.__table__  # type: ignore[assignment]


@functools.lru_cache(maxsize=1024)
def _locking_query(name: str, groups: tuple[str, ...], role: str, for_update: bool, loading: bool) -> Select[Any]:
    """The statement `lock` runs for one actor, built once per actor (it holds their name and groups): every
    task action of the API and the inbox runs it. It reads and locks the task's row and its instance's, the
    instance's first (see `locks`), in one round trip as `statements.HELD_JOB` does for jobs; with `loading`,
    it reads what loading the instance needs too (`statements.INSTANCE_COLUMNS`, for `UnitOfWork.hold`)."""
    instance = statements.INSTANCE_COLUMNS if loading else (statements.INSTANCES.c.suspended.cast(Integer),)
    query = select(*_TASK_COLUMNS, task_rules.visible_to(Actor(name, groups, role)).label("visible"), *instance)\
        .select_from(statements.INSTANCES.join(_TASKS, _TASKS.c.instance_id == statements.INSTANCES.c.id))\
        .where(_TASKS.c.id == bindparam("task_id"))
    return query.with_for_update(of=[statements.INSTANCES, _TASKS]) if for_update else query


def _locked(unit: UnitOfWork, task_id: int, actor: Actor, loading: bool) -> tuple[LockedTask, Sequence[Any]]:
    """The open task, its row and its instance's locked until the transaction ends, and the instance's
    columns read (`_locking_query`); TaskEnded or NotFound otherwise."""
    query = _locking_query(actor.name, actor.groups, actor.role, not unit.runtime.database.is_sqlite, loading)
    row = unit.connection.execute(query, {"task_id": task_id, "held_version": None}).one_or_none()
    if row is None:
        raise ended(unit.connection, task_id)
    return LockedTask(row.id, row.instance_id, row.process_key, row.wait_key, row.element_id, row.name, row.assignee,
                      row.created_at, bool(row.visible), bool(row[-1])), row[len(_TASK_COLUMNS) + 1:]


def lock(unit: UnitOfWork, task_id: int, actor: Actor) -> LockedTask:
    """The open task, its row and its instance's locked until the transaction ends; TaskEnded or NotFound
    otherwise."""
    return _locked(unit, task_id, actor, loading=False)[0]


def lock_and_load(unit: UnitOfWork, task_id: int, actor: Actor) -> tuple[LockedTask, LoadedInstance]:
    """`lock`, and the task's instance loaded by the same statement."""
    task, row = _locked(unit, task_id, actor, loading=True)
    return task, unit.hold(row)


def complete(unit: UnitOfWork, task_id: int, submitted: Mapping[str, Any], actor: Actor,
             limits: VariableLimits) -> None:
    """Complete a task: the actor may, the values fit its form and the variable rules, the instance goes on."""
    task, loaded = lock_and_load(unit, task_id, actor)
    task_rules.check_complete(actor, task)
    element = linked_forms.as_created(unit.connection, loaded.process.elements[task.element_id], task.created_at)
    root = loaded.state.instances.get(ROOT)
    values = task_rules.accepted_values(element, submitted, limits, (root.variables or {}) if root is not None else {})
    unit.step(loaded, lambda s: s.trigger(task.wait_key, values))
    marked = [field.id for field in form_fields(element) if field.sensitive]
    _audit(unit, "complete", task, {"task": task.name, "values": redact(values, marked)})
    statements.TASK_COMPLETED.execute(unit.connection, {"task_id": task_id, "ended_by": actor.name}).close()
    unit.after_commit(lambda: log_event(log, logging.INFO, "task %s '%s' completed by %s", task_id, task.name,
                                        actor.name, **loaded.log_fields(), element_id=task.element_id,
                                        task_id=task_id))
    if log.isEnabledFor(logging.DEBUG):
        unit.after_commit(lambda: log_event(log, logging.DEBUG, "task %s completed with: %s", task_id,
                                            redact(dict(values)), **loaded.log_fields(), element_id=task.element_id,
                                            task_id=task_id))


def claim(unit: UnitOfWork, task_id: int, user: str, actor: Actor) -> None:
    task = lock(unit, task_id, actor)
    task_rules.check_claim(actor, task, user)
    _set_assignee(unit, task, user, "claim")


def assign(unit: UnitOfWork, task_id: int, user: str, actor: Actor) -> None:
    task = lock(unit, task_id, actor)
    task_rules.check_assign(actor, task)
    _set_assignee(unit, task, user, "assign")


def give_back(unit: UnitOfWork, task_id: int, actor: Actor) -> str | None:
    """Return the task to what the model says (its assignee there, else its candidates); that assignee."""
    task, loaded = lock_and_load(unit, task_id, actor)
    model_assignee = _model_assignee(loaded, task)
    task_rules.check_give_back(actor, task, model_assignee)
    _set_assignee(unit, task, model_assignee, "unclaim")
    return model_assignee


def _model_assignee(loaded: LoadedInstance, task: LockedTask) -> str | None:
    """The assignee the model gave the task when it was created (its expression evaluated then)."""
    wait = loaded.state.waits.get(task.wait_key)
    return wait.assignee if isinstance(wait, UserTaskWait) and wait.assignee else None


def _set_assignee(unit: UnitOfWork, task: LockedTask, user: str | None, action: str) -> None:
    unit.connection.execute(update(UserTask).where(UserTask.id == task.id).values(assignee=user))
    _audit(unit, action, task, {"task": task.name, "before": {"assignee": task.assignee}, "after": {"assignee": user}})


def _audit(unit: UnitOfWork, action: str, task: LockedTask, detail: dict[str, Any]) -> None:
    unit.audit(action, process_key=task.process_key, instance_id=task.instance_id, task_id=task.id, detail=detail)


def set_follow_up(unit: UnitOfWork, task_id: int, when: str | None, actor: Actor) -> None:
    """Set (None: clear) the date the task should come up again for the person working on it."""
    task = lock(unit, task_id, actor)
    task_rules.check_follow_up(actor, task)
    unit.connection.execute(update(UserTask).where(UserTask.id == task.id).values(follow_up=when))
