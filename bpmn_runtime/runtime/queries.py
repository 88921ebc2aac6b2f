"""Read-only questions about definitions, instances, tasks, jobs and incidents (for the CLI, web and API)."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, TypeVar, Unpack

from sqlalchemy import ColumnElement, Select, and_, distinct, false, func, literal, or_, select

from bpmn_runtime.engine.state import ROOT, InstanceState
from bpmn_runtime.engine.tokens import waiting_tokens
from bpmn_runtime.errors import Forbidden, NotFound
from bpmn_runtime.metrics import Backlog
from bpmn_runtime.model import Element, Process
from bpmn_runtime.runtime import audit, linked_forms, permissions, stored_state, task_rules, tasks
from bpmn_runtime.runtime.audit import AuditRecord
from bpmn_runtime.runtime.task_rules import PROGRAM, Actor
from bpmn_runtime.runtime.records import (
    CalledInstance, CompensationInfo, HistoryEntry, IncidentInfo, InstanceDetail, InstanceSummary, JobInfo, TaskInfo, Token,
)
from bpmn_runtime.store import encryption
from bpmn_runtime.store.tables import (
    INSTANCE_STATUSES, Definition, DeployedForm, HistoryEvent, Incident, Instance, Job, Subscription, UserTask,
)
from bpmn_runtime.runtime.watchdog import STALLED_AFTER, stalled

if TYPE_CHECKING:
    from bpmn_runtime.runtime.runtime import Runtime

AnySelect = Select[Unpack[tuple[Any, ...]]]
SelectT = TypeVar("SelectT", bound=AnySelect)
# Each order of the inbox: its column and whether the largest comes first; ties go newest task first, and
# tasks without a due or follow-up date come last.
TASK_SORTS: dict[str, tuple[Any, bool]] = {
    "created": (UserTask.created_at, True), "oldest": (UserTask.created_at, False), "due": (UserTask.due, False),
    "follow-up": (UserTask.follow_up, False), "priority": (UserTask.priority, True), "name": (UserTask.name, False)}
# Lists are counted this far unless asked for an exact count: a total of COUNT_LIMIT + 1 means "more than
# COUNT_LIMIT", as Camunda's Operate and Tasklist say; an exact count of a million rows costs more than the page.
COUNT_LIMIT = 10_000
# Due and follow-up dates are kept as the ISO text the model gave; without a zone they count as UTC, and ISO
# text of one form compares as the times do.
DUE_FILTERS = ("overdue", "today", "week", "none", "follow-up")


def _total(session: Any, counted: AnySelect, count_limit: int | None, page: int, limit: int,
           offset: int | None) -> int:
    """How many rows `counted` matches, up to `count_limit` + 1. A page that came out short and began at a known
    place (`offset`; None after a cursor) held all there were from there: a search with few matches costs one
    query, not two."""
    if offset is not None and page < limit and (page or not offset):
        return offset + page
    if count_limit is not None:
        counted = counted.limit(count_limit + 1)
    return int(session.execute(select(func.count()).select_from(counted.subquery())).scalar_one())


def _after_task(column: Any, descending: bool, value: Any, task_id: int) -> ColumnElement[bool]:
    """The tasks after the one at (`value`, `task_id`) in the order of `column` (then newest task first);
    in an ascending order the tasks without a value come last."""
    tie = and_(column == value, UserTask.id < task_id)
    if descending:
        return or_(column < value, tie)
    if value is None:
        return and_(column.is_(None), UserTask.id < task_id)
    return or_(column > value, tie, column.is_(None))


def _task(row: UserTask) -> TaskInfo:
    return TaskInfo(row.id, row.instance_id, row.process_key, row.business_key, row.element_id, row.name,
                    row.assignee, [u for u in row.candidate_users.split(",") if u],
                    [g for g in row.candidate_groups.split(",") if g], row.due, row.priority, row.created_at,
                    row.follow_up)


def _job(row: Job) -> JobInfo:
    return JobInfo(row.id, row.instance_id, row.kind, row.topic, row.element_id, row.due_at, row.retries,
                   row.attempts, row.lock_owner, row.lock_expires_at, row.last_error)


def _incident(row: Incident) -> IncidentInfo:
    return IncidentInfo(row.id, row.instance_id, row.element_id, row.message, row.job_id, row.created_at,
                        row.resolved_at)


def _compensations(history: list[HistoryEntry]) -> list[CompensationInfo]:
    """The compensation handlers the history shows, each with the activity instance it undid and its result."""
    runs: dict[int, CompensationInfo] = {}
    for entry in history:
        if entry.kind == "compensation_started" and entry.data and entry.activity_instance is not None:
            runs[entry.activity_instance] = CompensationInfo(
                entry.data["activity"], entry.data["activity_instance"], entry.data["handler"],
                entry.activity_instance, entry.at, None, "running")
        elif entry.kind == "compensation_completed" and entry.data and entry.activity_instance in runs:
            runs[entry.activity_instance] = replace(runs[entry.activity_instance], ended_at=entry.at,
                                                    result=entry.data["result"])
    return list(runs.values())


def _matching(query: SelectT, process: str | None, status: str | None, business_key: str | None,
              key_start: str | None = None) -> SelectT:
    """The instances' filter: process key, status, part of the business key, or its beginning. The beginning
    is looked up in the business key index (a range of keys), so it stays fast with a million instances,
    where finding a part of a key reads every key."""
    if process:
        query = query.where(Instance.process_key == process)
    if status:  # written into the statement, so that the index of that status's instances is used
        query = query.where(Instance.status == literal(status, literal_execute=True)
                            if status in INSTANCE_STATUSES else false())
    if business_key:
        query = query.where(Instance.business_key.contains(business_key, autoescape=True))
    if key_start:
        query = query.where(Instance.business_key >= key_start, Instance.business_key < key_start + "\U0010ffff",
                            Instance.business_key.startswith(key_start, autoescape=True))
    return query


MOVED_RETRIES = 5  # reads of a state that another call saved meanwhile, before the last


class Queries:
    """Each question opens its own session: reads never hold a transaction that a writer waits for."""

    def __init__(self, runtime: "Runtime") -> None:
        self.runtime = runtime

    def backlog(self) -> Backlog:
        """Counts for the metrics gauges: the backlog every node of an installation shares."""
        now = self.runtime.clock.now()
        with self.runtime.database.session() as session:
            def count(query: AnySelect) -> int:
                return int(session.execute(select(func.count()).select_from(query.subquery())).scalar_one())

            def by(query: AnySelect) -> dict[str, int]:
                return {str(name): int(number) for name, number in session.execute(query)}
            due_job = (Job.kind == "job", Job.due_at <= now, Job.retries > 0)
            late = stalled(now, STALLED_AFTER).subquery()
            return Backlog(
                totals={"jobs_due": count(select(Job.id).where(*due_job)),
                        "timers_due": count(select(Job.id).where(Job.kind != "job", Job.due_at <= now,
                                                                 Job.retries > 0)),
                        "incidents_open": count(select(Incident.id).where(Incident.resolved_at.is_(None))),
                        "instances_active": count(select(Instance.id).where(Instance.status == "active"))},
                running=by(select(Instance.process_key, func.count()).where(Instance.status == "active")
                           .group_by(Instance.process_key)),
                waiting=by(select(Job.topic, func.count()).where(
                    *due_job, or_(Job.lock_expires_at.is_(None), Job.lock_expires_at < now)).group_by(Job.topic)),
                stalled=by(select(late.c.process_key, func.count(distinct(late.c.id))).group_by(late.c.process_key)))

    def next_due(self) -> datetime | None:
        """When the next timer or retry is due (None: nothing is scheduled)."""
        with self.runtime.database.session() as session:
            due: datetime | None = session.execute(select(func.min(Job.due_at)).where(Job.retries > 0)).scalar()
            return due

    def definitions(self) -> list[dict[str, Any]]:
        with self.runtime.database.session() as session:
            rows = session.execute(select(Definition.id, Definition.key, Definition.version, Definition.name,
                                          Definition.file_name, Definition.deployed_at, Definition.suspended,
                                          Definition.history_ttl_days)
                                   .order_by(Definition.key, Definition.version.desc())).all()
            return [{"id": r.id, "key": r.key, "version": r.version, "name": r.name, "file_name": r.file_name,
                     "deployed_at": r.deployed_at.isoformat(), "suspended": r.suspended,
                     "history_ttl_days": r.history_ttl_days} for r in rows]

    def forms(self) -> list[dict[str, Any]]:
        """Every deployed version of the deployed forms (.form files), by form id, newest version first."""
        with self.runtime.database.session() as session:
            rows = session.execute(select(DeployedForm).order_by(
                DeployedForm.form_id, DeployedForm.version.desc())).scalars().all()
            return [_form_version(r) for r in rows]

    def form_file(self, form_version_id: int) -> tuple[dict[str, Any], str]:
        """One deployed form version and its .form file's text, as the form editor opens it."""
        with self.runtime.database.session() as session:
            row = session.get(DeployedForm, form_version_id)
            if row is None:
                raise NotFound(f"there is no deployed form {form_version_id}")
            return _form_version(row), row.schema

    def versions_of_content(self, checksum: str) -> list[dict[str, Any]]:
        """The deployed versions (of processes, or of a form) whose file had exactly this content (SHA-256),
        each with the newest version of its process or form: `serve` deploys a file of ./processes only when
        no version came from the same content."""
        found = []
        with self.runtime.database.session() as session:
            for key, version in (Definition.key, Definition.version), (DeployedForm.form_id, DeployedForm.version):
                table = key.class_
                newest = select(key.label("key"), func.max(version).label("newest")).group_by(key).subquery()
                found += [{"key": r.key, "version": r.version, "newest": r.newest} for r in session.execute(
                    select(key.label("key"), version.label("version"), newest.c.newest).join(
                        newest, newest.c.key == key).where(table.checksum == checksum).order_by(key, version))]
        return found

    def process(self, definition_id: int) -> Process:
        """The parsed process of a deployed version."""
        with self.runtime.database.session() as session:
            row = session.get(Definition, definition_id)
            if row is None:
                raise NotFound(f"there is no deployed definition {definition_id}")
            return self.runtime.deployments.process_of(definition_id, row.key, session)

    def start_event(self, definition_id: int) -> Element | None:
        """A version's none start event, whose form (camunda:formData, or a form-js form in the version its binding
        picks now) the start pages show instead of name/value rows; None when the process has none."""
        process = self.process(definition_id)
        start = next((process.elements[start_id] for start_id in process.scope(process.id).start_events
                      if not process.elements[start_id].events), None)
        if start is None:
            return None
        with self.runtime.database.session() as session:
            return linked_forms.as_created(session, start, self.runtime.clock.now())

    def startable(self, actor: Actor) -> list[dict[str, Any]]:
        """The newest version of each process `actor` may start, that is not suspended and that its model does
        not keep out of Tasklist (camunda:isStartableInTasklist="false"), by name: what the inbox offers to
        start."""
        newest: dict[str, dict[str, Any]] = {}
        for definition in self.definitions():  # newest version of each key first
            newest.setdefault(definition["key"], definition)
        with self.runtime.database.engine.connect() as connection:
            found = [d for d in newest.values()
                     if not d["suspended"] and permissions.may(connection, actor, d["key"], "start")]
        found = [d for d in found if self.process(d["id"]).startable_in_tasklist]
        return sorted(found, key=lambda d: (d["name"] or d["key"]).casefold())

    def definition_xml(self, definition_id: int) -> tuple[str, bytes]:
        with self.runtime.database.session() as session:
            row = session.get(Definition, definition_id)
            if row is None:
                raise NotFound(f"there is no deployed definition {definition_id}")
            return row.key, row.xml

    def instances(self, *, process: str | None = None, status: str | None = None, business_key: str | None = None,
                  limit: int = 50, offset: int = 0, before: int | None = None, after: int | None = None,
                  count_limit: int | None = COUNT_LIMIT, key_start: str | None = None,
                  actor: Actor = PROGRAM) -> tuple[list[InstanceSummary], int]:
        """Instances newest first, and how many match (counted up to `count_limit` + 1; None: all). `before`
        and `after` are keyset cursors (an instance id): the page next to one costs what the first does. Only
        the processes whose instances `actor` may see (`permissions`)."""
        viewable = permissions.viewable(actor, Instance.process_key)
        query = _matching(select(Instance.id, Instance.process_key, Definition.version, Instance.business_key,
                                 Instance.status, Instance.started_at, Instance.ended_at, Instance.suspended).join(
            Definition, Definition.id == Instance.definition_id).where(viewable), process, status, business_key,
            key_start)
        if before is not None:
            query = query.where(Instance.id < before).order_by(Instance.id.desc())
        elif after is not None:
            query = query.where(Instance.id > after).order_by(Instance.id.asc())
        else:
            query = query.order_by(Instance.id.desc()).offset(offset)
        counted = _matching(select(Instance.id).where(viewable), process, status, business_key, key_start)
        with self.runtime.database.session() as session:
            rows = session.execute(query.limit(limit)).all()
            total = _total(session, counted, count_limit, len(rows), limit,
                           offset if before is None and after is None else None)
            if after is not None:
                rows = rows[::-1]
            ids = [r.id for r in rows]
            incidents = dict(session.execute(select(Incident.instance_id, func.count()).where(
                Incident.instance_id.in_(ids), Incident.resolved_at.is_(None)).group_by(Incident.instance_id)).all())
            return [InstanceSummary(r.id, r.process_key, r.version, r.business_key, r.status, r.started_at, r.ended_at,
                                    incidents.get(r.id, 0), r.suspended) for r in rows], total

    def instance_ids(self, *, process: str | None = None, status: str | None = None,
                     key_start: str | None = None, after: int = 0, limit: int = 50) -> list[int]:
        """The ids of the instances a filter matches, after `after` in id order: bulk actions walk them in
        batches without skipping or repeating one as others change."""
        query = _matching(select(Instance.id).where(Instance.id > after), process, status, None, key_start)
        with self.runtime.database.session() as session:
            return list(session.execute(query.order_by(Instance.id).limit(limit)).scalars())

    def open_incident_ids(self, instance_id: int) -> list[int]:
        with self.runtime.database.session() as session:
            return list(session.execute(select(Incident.id).where(
                Incident.instance_id == instance_id, Incident.resolved_at.is_(None)).order_by(Incident.id)).scalars())

    def instance(self, instance_id: int, *, actor: Actor = PROGRAM) -> InstanceDetail:
        """An instance with everything about it; Forbidden when `actor` may not see its process's instances."""
        with self.runtime.database.session() as session:
            row = session.execute(select(Instance, Definition.version).join(
                Definition, Definition.id == Instance.definition_id).where(Instance.id == instance_id)).one_or_none()
            if row is None:
                raise NotFound(f"there is no process instance {instance_id}")
            instance, version = row
            permissions.check(session.connection(), actor, instance.process_key, "view")
            state = self._state_of(session, instance.id, instance.version, instance.state)
            process = self.runtime.deployments.process_of(instance.definition_id, instance.process_key, session)
            tasks = [_task(t) for t in session.execute(select(UserTask).where(
                UserTask.instance_id == instance_id)).scalars()]
            jobs = [_job(j) for j in session.execute(select(Job).where(Job.instance_id == instance_id)).scalars()]
            incidents = [_incident(i) for i in session.execute(select(Incident).where(
                Incident.instance_id == instance_id).order_by(Incident.id)).scalars()]
            open_incidents = sum(1 for i in incidents if i.resolved_at is None)
            summary = InstanceSummary(instance.id, instance.process_key, version, instance.business_key,
                                      instance.status, instance.started_at, instance.ended_at, open_incidents,
                                      instance.suspended)
            tokens = named_tokens(process, state)
            root = state.instances.get(ROOT)
            history = self.history(instance_id, session=session)
            called = [CalledInstance(r.id, r.process_key, r.status,
                                     state.waits[r.parent_wait].element if r.parent_wait in state.waits else None)
                      for r in session.execute(select(Instance.id, Instance.process_key, Instance.status,
                                                      Instance.parent_wait).where(Instance.parent_id == instance_id)
                                               .order_by(Instance.id).limit(1000))]
            return InstanceDetail(summary, instance.end_reason, dict(root.variables or {}) if root else {}, tokens,
                                  tasks, jobs, incidents, history, instance.parent_id, _compensations(history),
                                  called)

    def waiting_events(self, instance_id: int) -> list[tuple[str, str, str]]:
        """The messages and signals an instance waits for now: (kind, name, element id), oldest first."""
        with self.runtime.database.session() as session:
            return [(r.kind, r.name, r.element_id) for r in session.execute(
                select(Subscription.kind, Subscription.name, Subscription.element_id)
                .where(Subscription.instance_id == instance_id).order_by(Subscription.id))]

    def history(self, instance_id: int, *, session: Any = None) -> list[HistoryEntry]:
        query = select(HistoryEvent).where(HistoryEvent.instance_id == instance_id).order_by(HistoryEvent.id)
        if session is None:
            with self.runtime.database.session() as own:
                return self.history(instance_id, session=own)
        opened = self.runtime.database.encryption.open
        return [HistoryEntry(h.at, h.kind, h.element_id, h.activity_instance, json.loads(opened(
                    h.data, encryption.history_data(instance_id, h.kind, h.element_id, h.activity_instance)))
                if h.data else None) for h in session.execute(query).scalars()]

    def _state_of(self, session: Any, instance_id: int, version: int, stored: str) -> InstanceState:
        """The instance's state at `version`, stored as `stored` (and its rows); as saved since, if it was saved
        while it was read."""
        connection, sealing = session.connection(), self.runtime.database.encryption
        for _ in range(MOVED_RETRIES):
            try:
                return stored_state.opened(connection, sealing, instance_id, version, stored)[1]
            except stored_state.StateMoved:
                found = connection.execute(select(Instance.version, Instance.state).where(Instance.id == instance_id)).one()
                version, stored = found.version, found.state
        return stored_state.opened(connection, sealing, instance_id, version, stored)[1]

    def tasks(self, *, user: str | None = None, groups: list[str] | None = None, everyone: bool = False,
              process: str | None = None, processes: list[str] | None = None, text: str | None = None,
              due: str | None = None, sort: str = "created", limit: int = 50, offset: int = 0,
              after: tuple[Any, int] | None = None,
              count_limit: int | None = COUNT_LIMIT) -> tuple[list[TaskInfo], int]:
        """Open tasks, and how many match (counted up to `count_limit` + 1; None: all); unless `everyone`, only
        those `user` sees (`task_rules`) that nobody else holds. `processes` are keys (the processes of one
        name); `due` is one of DUE_FILTERS: overdue, due today, due within seven days, without a due date, or
        whose follow-up date has come. `after` is a keyset cursor: the sort value and id of the last task of
        the page before (`task_sort_key`), so a page deep in the list costs what the first does."""
        query = select(UserTask)
        if not everyone:
            query = query.where(task_rules.open_to(Actor.person(user or "\x00", groups or [])))
        if process:
            query = query.where(UserTask.process_key == process)
        if processes is not None:
            query = query.where(UserTask.process_key.in_(processes))
        if due:
            query = query.where(self._due_filter(due))
            if due in ("overdue", "today", "week"):  # few tasks are due in a range: read them by their due date
                query = query.with_hint(UserTask, "INDEXED BY ix_user_tasks_due", "sqlite")
        if text:
            like = f"%{text}%"
            query = query.where(or_(UserTask.name.ilike(like), UserTask.business_key.ilike(like)))
        counted = query.with_only_columns(UserTask.id)
        column, descending = TASK_SORTS.get(sort, TASK_SORTS["created"])
        if after is not None:
            query = query.where(_after_task(column, descending, *after))
        order = column.desc() if descending else column.asc().nulls_last()
        with self.runtime.database.session() as session:
            rows = session.execute(query.order_by(order, UserTask.id.desc()).limit(limit).offset(offset)
                                   ).scalars().all()
            total = _total(session, counted, count_limit, len(rows), limit, offset if after is None else None)
            return [_task(r) for r in rows], total

    @staticmethod
    def task_sort_key(task: TaskInfo, sort: str) -> tuple[Any, int]:
        """Where `task` stands in the list sorted by `sort`: the cursor `tasks(after=...)` goes on from."""
        column, _ = TASK_SORTS.get(sort, TASK_SORTS["created"])
        return getattr(task, column.key), task.id

    def _due_filter(self, due: str) -> ColumnElement[bool]:
        now = self.runtime.clock.now().astimezone(timezone.utc).replace(tzinfo=None)
        stamp = now.isoformat(timespec="seconds")
        if due == "none":
            return UserTask.due.is_(None)
        if due == "follow-up":
            return UserTask.follow_up.is_not(None) & (UserTask.follow_up <= stamp)
        if due == "overdue":
            return UserTask.due < stamp
        end = now.replace(hour=0, minute=0, second=0) + timedelta(days=1 if due == "today" else 7)
        return (UserTask.due >= stamp) & (UserTask.due < end.isoformat(timespec="seconds"))

    def process_names(self) -> dict[str, list[str]]:
        """Each process name (its newest version's; the key where it has none) and the keys that carry it."""
        names: dict[str, list[str]] = {}
        seen: set[str] = set()
        for definition in self.definitions():  # newest version of each key first
            if definition["key"] not in seen:
                seen.add(definition["key"])
                names.setdefault(definition["name"] or definition["key"], []).append(definition["key"])
        return dict(sorted(names.items(), key=lambda item: item[0].casefold()))

    def task(self, task_id: int, *, actor: Actor | None = None) -> TaskInfo:
        """An open task; with `actor`, Forbidden unless the actor sees it. A task that is no longer open is
        answered with what became of it (TaskEnded)."""
        with self.runtime.database.session() as session:
            row = session.execute(select(UserTask, task_rules.visible_to(actor or task_rules.PROGRAM))
                                  .where(UserTask.id == task_id)).one_or_none()
            if row is None:
                raise tasks.ended(session, task_id)
            if not row[1]:
                raise Forbidden(f"Task {task_id} is not assigned or offered to you or your groups.")
            return _task(row[0])

    def task_form(self, task_id: int, *, actor: Actor | None = None) -> tuple[TaskInfo, Any, dict[str, Any]]:
        """The task, the model element (with its form fields) and the variables the form shows: those visible
        from the task, its own (input mappings, a modification's) over those of the scopes around it."""
        task = self.task(task_id, actor=actor)
        with self.runtime.database.session() as session:
            instance = session.get(Instance, task.instance_id)
            wait_key = session.execute(select(UserTask.wait_key).where(UserTask.id == task_id)).scalar_one_or_none()
            if instance is None:
                raise NotFound(f"task {task_id} belongs to no instance")
            process = self.runtime.deployments.process_of(instance.definition_id, instance.process_key, session)
            state = self._state_of(session, instance.id, instance.version, instance.state)
            element = linked_forms.as_created(session, process.elements[task.element_id], task.created_at)
        wait = state.waits.get(wait_key) if wait_key is not None else None
        ai = state.instances.get(wait.ai if wait is not None else ROOT)
        visible: dict[str, Any] = {}
        for scope in reversed(state.visible_variables(ai)) if ai is not None else []:
            visible.update(scope)
        return task, element, visible

    def next_task(self, instance_id: int, actor: Actor) -> int | None:
        """The task of this instance the actor would work on next (theirs, or offered to them and free), the
        oldest first: after completing one, Tasklist opens it."""
        mine = task_rules.open_to(actor) if not actor.trusted else \
            or_(UserTask.assignee.is_(None), UserTask.assignee == actor.name)
        with self.runtime.database.session() as session:
            found: int | None = session.execute(select(UserTask.id).where(UserTask.instance_id == instance_id, mine)
                                                .order_by(UserTask.created_at, UserTask.id).limit(1)).scalar()
            return found

    def jobs(self, *, instance_id: int | None = None, limit: int = 100, actor: Actor = PROGRAM) -> list[JobInfo]:
        query = select(Job).order_by(Job.id).limit(limit)
        if not actor.unrestricted:
            query = query.join(Instance, Instance.id == Job.instance_id).where(
                permissions.viewable(actor, Instance.process_key))
        if instance_id is not None:
            query = query.where(Job.instance_id == instance_id)
        with self.runtime.database.session() as session:
            return [_job(j) for j in session.execute(query).scalars()]

    def incidents(self, *, open_only: bool = True, limit: int = 100, actor: Actor = PROGRAM) -> list[IncidentInfo]:
        """Incidents, newest first, each with its instance's process and business key, its element's name, and
        the tries its job has left."""
        query = select(Incident, Instance.process_key, Instance.business_key, Instance.definition_id, Job.retries,
                       Job.attempts).join(Instance, Instance.id == Incident.instance_id).outerjoin(
            Job, Job.id == Incident.job_id).order_by(Incident.id.desc()).limit(limit)
        if not actor.unrestricted:
            query = query.where(permissions.viewable(actor, Instance.process_key))
        if open_only:
            query = query.where(Incident.resolved_at.is_(None))
        with self.runtime.database.session() as session:
            found = []
            for incident, key, business_key, definition_id, retries, attempts in session.execute(query):
                element = self.runtime.deployments.process_of(definition_id, key, session).elements.get(
                    incident.element_id)
                found.append(replace(_incident(incident), process_key=key, business_key=business_key,
                                     element_name=element.name if element is not None else "",
                                     retries=retries, attempts=attempts))
            return found

    def audit(self, *, instance_id: int | None = None, user: str | None = None, since: datetime | None = None,
              process: str | None = None, action: str | None = None, limit: int = 50, offset: int = 0,
              actor: Actor = PROGRAM) -> tuple[list[AuditRecord], int]:
        """Audit entries newest first, those `actor` may read (`audit.visible`), and how many match."""
        with self.runtime.database.engine.connect() as connection:
            return audit.entries(connection, self.runtime.database.encryption, actor, instance_id=instance_id,
                                 user=user, since=since, process=process, action=action, limit=limit, offset=offset)

    def grants(self, process_key: str | None = None) -> list[permissions.Grant]:
        """Who may start, see and operate on which process (`permissions`)."""
        with self.runtime.database.engine.connect() as connection:
            return permissions.grants(connection, process_key)

    def may(self, actor: Actor, process_key: str, kind: str) -> bool:
        """Whether `actor` may start, see (view) or operate on process `process_key`."""
        with self.runtime.database.engine.connect() as connection:
            return permissions.may(connection, actor, process_key, kind)


def named_tokens(process: Process, state: InstanceState) -> list[Token]:
    """Where an instance waits, each token with its element's name as the modeler shows it."""
    return [Token(token.activity_instance, token.element_id,
                  process.elements[token.element_id].name if token.element_id in process.elements
                  else token.element_id, token.waiting_for) for token in waiting_tokens(process, state)]


def _form_version(row: DeployedForm) -> dict[str, Any]:
    """A deployed form version as the console lists it (without its schema, which only the editor opens)."""
    return {"id": row.id, "form_id": row.form_id, "version": row.version, "file_name": row.file_name,
            "deployed_at": row.deployed_at.isoformat()}
