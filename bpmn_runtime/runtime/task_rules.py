"""The task rules, in one place: who may see, claim, give back, assign and complete a user task, and which
values a completion may set. The CLI, the web inbox, the API and embedding programs all go through them
(`runtime.tasks` applies them inside the transaction, with the task row locked).

- A person sees a task assigned to them, or offered to them or to one of their groups (candidate users
  and groups). Operators also see every task of the processes whose instances they may see
  (`permissions`); administrators and trusted programs see every task.
- A person claims a task they see that nobody has claimed; completes a task they see unless someone else
  claimed it; gives back only a task they hold. Giving back returns the task to what the model says: its
  assignee from the model, else its candidates. Operators, administrators and programs may do all of it,
  and assign any task to anyone.
- A completion sets only the fields of the task's form, unless the model allows more with the task
  property `allowVariables` (names separated by commas, or `*`); a task without a form takes any
  variables, or only those `allowVariables` lists. Variables the engine owns are never set from outside.
- Nobody claims, assigns, gives back or completes a task of a suspended instance (`suspension`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import ColumnElement, literal, or_, true

from bpmn_runtime.errors import Conflict, Forbidden
from bpmn_runtime.forms import FormErrors, form_fields, validate
from bpmn_runtime.model import Element
from bpmn_runtime.runtime import permissions
from bpmn_runtime.runtime.suspension import instance_suspended
from bpmn_runtime.runtime.variables import VariableLimits, variable_problems
from bpmn_runtime.store.tables import UserTask

ALLOW_VARIABLES = "allowVariables"
TRUSTED_ROLES = frozenset({"operator", "admin", "program"})


@dataclass(frozen=True)
class Actor:
    """Who acts: a person with their groups and role (user, operator, admin), or a program; `via` says how
    they reached the engine (the audit trail records it) and `topics` which external-task topics their API
    token may fetch (None: any)."""

    name: str
    groups: tuple[str, ...] = ()
    role: str = "user"
    via: str = "program"
    topics: tuple[str, ...] | None = None

    @classmethod
    def person(cls, name: str, groups: tuple[str, ...] | list[str] = (), role: str = "user", *, via: str = "web",
               topics: tuple[str, ...] | None = None) -> "Actor":
        return cls(name, tuple(groups), role, via, topics)

    @classmethod
    def program(cls, name: str = "a program", *, via: str = "program") -> "Actor":
        """An embedding program or the command line, trusted like an administrator."""
        return cls(name, (), "program", via)

    @property
    def trusted(self) -> bool:
        return self.role in TRUSTED_ROLES

    @property
    def unrestricted(self) -> bool:
        """Process permissions do not apply: administrators and programs may do everything."""
        return self.role in ("admin", "program")


PROGRAM = Actor.program()


def _listed(column: Any, name: str) -> ColumnElement[bool]:
    """`name` is one of the comma-separated names in `column`: group 'man' must not see 'managers' tasks."""
    listed: ColumnElement[bool] = (literal(",") + column + literal(",")).contains(f",{name},", autoescape=True)
    return listed


def visible_to(actor: Actor) -> ColumnElement[bool]:
    """The one rule of who sees a task, as a condition on `user_tasks` (lists and single tasks use it)."""
    if actor.unrestricted:
        return true()
    personal = or_(UserTask.assignee == actor.name, _listed(UserTask.candidate_users, actor.name),
                   *[_listed(UserTask.candidate_groups, group) for group in actor.groups])
    if actor.trusted:
        return or_(permissions.viewable(actor, UserTask.process_key), personal)
    return personal


def open_to(actor: Actor) -> ColumnElement[bool]:
    """The tasks an inbox lists: those the actor sees that nobody else holds."""
    return visible_to(actor) & or_(UserTask.assignee.is_(None), UserTask.assignee == actor.name)


@dataclass(frozen=True)
class LockedTask:
    """A task row read inside the transaction that acts on it, with whether the actor sees it."""

    id: int
    instance_id: int
    process_key: str
    wait_key: int
    element_id: str
    name: str
    assignee: str | None
    created_at: datetime  # which version of a form bound late (`linked_forms.as_created`) the task shows
    visible: bool
    suspended: bool = False  # its instance is suspended: nobody may act on it until it is resumed


def _must_see(actor: Actor, task: LockedTask) -> None:
    if not task.visible:
        raise Forbidden(f"Task {task.id} is not assigned or offered to you or your groups.")


def _must_move(task: LockedTask) -> None:
    """Nobody acts on a task of a suspended instance (told only to those who see the task)."""
    if task.suspended:
        raise instance_suspended(task.instance_id)


def check_claim(actor: Actor, task: LockedTask, user: str) -> None:
    """`actor` may give `task` to `user` by claiming it (a person claims for themselves)."""
    _must_see(actor, task)
    if not actor.trusted:
        if user != actor.name:
            raise Forbidden("Only operators and administrators can give a task to someone else.")
    _must_move(task)
    if task.assignee not in (None, user):
        raise Conflict(f"task {task.id} is already claimed by {task.assignee}")


def check_assign(actor: Actor, task: LockedTask) -> None:
    if not actor.trusted:
        raise Forbidden("Only operators and administrators can assign a task to someone.")
    _must_see(actor, task)
    _must_move(task)


def check_give_back(actor: Actor, task: LockedTask, model_assignee: str | None) -> None:
    """A person gives back only what they hold, and not what the model gave them (it would come back)."""
    _must_see(actor, task)
    _must_move(task)
    if actor.trusted:
        return
    if task.assignee != actor.name:
        raise Forbidden("Only the person who claimed a task, or an operator, can give it back.")
    if model_assignee == actor.name:
        raise Conflict(f"'{task.name}' is assigned to you by the process, so it cannot be given back; "
                       f"an operator can assign it to someone else")


def check_complete(actor: Actor, task: LockedTask) -> None:
    _must_see(actor, task)
    _must_move(task)
    if actor.trusted:
        return
    if task.assignee not in (None, actor.name):
        raise Conflict(f"task {task.id} is claimed by {task.assignee}")


def check_follow_up(actor: Actor, task: LockedTask) -> None:
    """Who may set when a task comes up again: whoever may complete it."""
    check_complete(actor, task)


def allowed_extra(element: Element) -> set[str] | None:
    """The names the model lets a completion set beyond its form: a set, or None for any name."""
    for name, value in element.extensions.headers:
        if name == ALLOW_VARIABLES:
            names = {part.strip() for part in value.split(",") if part.strip()}
            return None if "*" in names else names
    return set()


def accepted_values(element: Element, submitted: Mapping[str, Any], limits: VariableLimits,
                    variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The values a completion of the task `element` sets, typed by its form; FormErrors names every value
    refused, with a message for each. `variables` (the instance's) decide the form's conditions and the
    options a form takes from a variable."""
    fields = form_fields(element)
    declared = {f.id for f in fields}
    extra = allowed_extra(element)
    has_rule = any(name == ALLOW_VARIABLES for name, _ in element.extensions.headers)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    if fields:
        try:
            values = validate(fields, {k: v for k, v in submitted.items() if k in declared}, variables)
        except FormErrors as refused:
            errors.update(refused.errors)
    for name, value in submitted.items():
        if name in declared:
            continue
        if (fields or has_rule) and extra is not None and name not in extra:
            errors[str(name)] = "is not a field of this form" if fields else "is not a value this task takes"
        else:
            values[name] = value
    for name, message in variable_problems(values, limits).items():
        errors.setdefault(name, message)
    if errors:
        raise FormErrors(errors)
    return values
