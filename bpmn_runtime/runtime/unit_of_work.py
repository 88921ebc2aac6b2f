"""One runtime call as one database transaction: load instances, run engine steps, save what changed.

Saving an instance checks its version (optimistic locking) and turns the step's effects into rows:
user tasks, jobs, subscriptions, incidents, history. Effects on other instances (thrown messages and
signals, child instances of call activities, a child's end) run in the same transaction, after. What the
outside world is told (metrics, log lines) waits until the transaction has committed: see `transactions`.
"""
from __future__ import annotations

import functools
import json
import logging
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Mapping, NamedTuple, TypeVar, Unpack

from sqlalchemy import Connection, Select, insert, select
from sqlalchemy.orm import Session

from bpmn_runtime.engine.state import InstanceState, Wait
from bpmn_runtime.engine.step import Step
from bpmn_runtime.errors import BpmnRuntimeError, Conflict, NotFound
from bpmn_runtime.model import Process
from bpmn_runtime.runtime import correlation, suspension
from bpmn_runtime.runtime.variables import VariableBudget
from bpmn_runtime.store import statements
from bpmn_runtime.store.tables import Definition, Incident, Instance

if TYPE_CHECKING:
    from bpmn_runtime.runtime.runtime import Runtime

log = logging.getLogger("bpmn_runtime")
SelectT = TypeVar("SelectT", bound="Select[Unpack[tuple[Any, ...]]]")

JOB_KINDS = ("job", "timer", "continuation")
SUBSCRIPTION_KINDS = ("message", "signal")


class DefinitionRef(NamedTuple):
    """What starting an instance needs of a deployed definition."""

    id: int
    key: str
    version: int
    suspended: bool = False


class StaleInstance(BpmnRuntimeError):
    """Someone else saved the instance since it was loaded; the whole call is retried."""


@dataclass
class LoadedInstance:
    """An instance in a unit of work; version 0 until a new instance's first step inserts its row."""

    id: int
    version: int
    definition_id: int
    process_key: str
    business_key: str | None
    parent_id: int | None
    parent_wait: int | None
    process: Process
    state: InstanceState
    request_key: str | None = None
    suspended: bool = False  # see `suspension`: only a cancellation or an operator's variables move it


class UnitOfWork:
    """The work of one runtime call, inside the transaction of `connection` (the caller commits it)."""

    def __init__(self, runtime: "Runtime", connection: Connection) -> None:
        self.runtime = runtime
        self.connection = connection
        self.now = runtime.clock.now()
        self._followups: deque[Callable[[], object]] = deque()
        self._after_commit: list[Callable[[], None]] = []
        self.started: list[int] = []
        self.variable_budget: VariableBudget | None = None  # set by calls that bring values from outside

    @functools.cached_property
    def session(self) -> Session:
        """An ORM session in the same transaction, made on first use: the hot path needs Core statements only."""
        return self.runtime.database.sessions(bind=self.connection, join_transaction_mode="rollback_only")

    def close(self) -> None:
        if "session" in self.__dict__:
            self.session.close()

    def for_update(self, query: SelectT) -> SelectT:
        """Lock the rows read (PostgreSQL): a racing caller waits, then sees what the winner left."""
        return query if self.runtime.database.is_sqlite else query.with_for_update()

    def after_commit(self, announcement: Callable[[], None]) -> None:
        """Queue a metric or log line: it is published only if, and once, this unit's transaction commits."""
        self._after_commit.append(announcement)

    def publish(self) -> None:
        """Run what `after_commit` queued; a failure here is logged, never turned into a failed call."""
        for announcement in self._after_commit:
            try:
                announcement()
            except Exception:  # a metric or log handler must not undo a committed call
                log.exception("publishing the outcome of a committed call failed")
        self._after_commit.clear()

    # --- instances --------------------------------------------------------------------------------

    def load(self, instance_id: int) -> LoadedInstance:
        row = statements.LOAD_INSTANCE.one_or_none(self.connection, {"instance_id": instance_id})
        if row is None:
            raise NotFound(f"there is no process instance {instance_id}")
        key, version, definition_id, process_key, business_key, parent_id, parent_wait, state, suspended = row
        process = self.runtime.deployments.process_of(definition_id, process_key, self.connection)
        loaded = LoadedInstance(key, version, definition_id, process_key, business_key, parent_id, parent_wait,
                                process, InstanceState.from_json(json.loads(state)), suspended=bool(suspended))
        if self.variable_budget is not None:
            self.variable_budget.loaded(loaded.id, loaded.state)
        return loaded

    def step(self, loaded: LoadedInstance, action: Callable[[Step], None], *, while_suspended: bool = False) -> Step:
        """Run `action` on a fresh engine step of `loaded`, then save the instance and its effects. A suspended
        instance does not move (`suspension.Suspended`), unless the action is one an operator may take on it."""
        if loaded.state.status != "active":
            raise Conflict(f"process instance {loaded.id} has ended ({loaded.state.status})")
        if loaded.suspended and not while_suspended:
            raise suspension.instance_suspended(loaded.id)
        step = Step(loaded.process, loaded.state, self.now, instance_id=loaded.id, business_key=loaded.business_key,
                    script_runner=self.runtime.script_runner)
        action(step)
        self._save(loaded, step)
        return step

    def start(self, definition: Definition | DefinitionRef, process: Process, variables: Mapping[str, Any], *,
              business_key: str | None = None, request_key: str | None = None, start_event: str | None = None,
              parent: tuple[int, int] | None = None) -> int:
        """Run a new instance to its first wait states, then insert it (one row write, not an insert and an update)."""
        if definition.suspended:
            raise suspension.version_suspended(definition.key, definition.version)
        instance_id = statements.new_instance_id(self.connection)
        loaded = LoadedInstance(instance_id, 0, definition.id, definition.key, business_key,
                                parent[0] if parent else None, parent[1] if parent else None, process,
                                InstanceState(process.id), request_key)
        self.step(loaded, lambda s: s.start(variables, start_event))
        self.started.append(instance_id)
        metrics = self.runtime.metrics
        self.after_commit(lambda: log.info("instance %s (business key %s) of %s v%s started", instance_id,
                                           business_key or "-", definition.key, definition.version))
        self.after_commit(lambda: metrics.instance_started(definition.key))
        return instance_id

    def later(self, followup: Callable[[], object]) -> None:
        self._followups.append(followup)

    def finish(self) -> None:
        """Run the effects on other instances, in order, until none are left; then flush the ORM's changes."""
        while self._followups:
            self._followups.popleft()()
        if "session" in self.__dict__:
            self.session.flush()

    # --- saving -----------------------------------------------------------------------------------

    def _save(self, loaded: LoadedInstance, step: Step) -> None:
        state = loaded.state
        if self.variable_budget is not None:
            self.variable_budget.saving(loaded.id, state)
        ended = state.status != "active"
        values = {"state": json.dumps(state.to_json(), separators=(",", ":")), "version": loaded.version + 1,
                  "status": state.status, "updated_at": self.now, "ended_at": self.now if ended else None,
                  "end_reason": state.end_reason if ended else None, "instance_id": loaded.id,
                  "loaded_version": loaded.version}
        if loaded.version == 0:
            statements.INSERT_INSTANCE.execute(self.connection, dict(
                values, id=loaded.id, definition_id=loaded.definition_id, process_key=loaded.process_key,
                business_key=loaded.business_key, request_key=loaded.request_key, parent_id=loaded.parent_id,
                parent_wait=loaded.parent_wait, started_at=self.now)).close()
        elif statements.SAVE_INSTANCE.rowcount(self.connection, values) != 1:
            raise StaleInstance(f"process instance {loaded.id} was changed by someone else meanwhile")
        loaded.version += 1
        self._apply(loaded, step)

    def _apply(self, loaded: LoadedInstance, step: Step) -> None:
        effects = step.effects
        added = {w.key: w for w in effects.added_waits}
        removed = {w.key: w for w in effects.removed_waits}
        for key in set(added) & set(removed):
            del added[key], removed[key]
        self._remove_waits(loaded, list(removed.values()))
        self._add_waits(loaded, list(added.values()))
        metrics = self.runtime.metrics
        process_key, business_key = loaded.process_key, loaded.business_key or "-"
        if effects.history:
            compensations = sum(1 for event in effects.history if event[0] == "compensation_started")
            if compensations:
                self.after_commit(lambda: metrics.compensations.labels(process_key).inc(compensations))
            statements.insert_history(self.connection, loaded.id, self.now, effects.history)
        for ai, element, message in effects.incidents:
            self.session.execute(insert(Incident).values(
                instance_id=loaded.id, activity_instance=ai, element_id=element, message=message,
                created_at=self.now))
            self.after_commit(lambda: metrics.incidents.labels(process_key).inc())
            self.after_commit(functools.partial(log.warning, "instance %s (business key %s): incident at %s: %s",
                                                loaded.id, business_key, element, message))
        for name, correlation_key, variables in effects.messages:
            self.later(functools.partial(correlation.deliver_message, self, name, correlation_key, variables, loaded.id))
        for name, variables in effects.signals:
            self.later(functools.partial(correlation.deliver_signal, self, name, variables, loaded.id))
        if loaded.parent_id is not None:
            for code in effects.escalations_uncaught:
                self.later(functools.partial(self._escalate_to_parent, loaded, code))
        if loaded.state.status != "active":
            status, reason = loaded.state.status, loaded.state.end_reason
            self.after_commit(lambda: log.info("instance %s (business key %s) %s%s", loaded.id, business_key,
                                               status, f": {reason}" if reason else ""))
            self.after_commit(lambda: metrics.instance_ended(process_key, status))
            if loaded.parent_id is not None:
                self.later(lambda: self._resume_parent(loaded))

    def _remove_waits(self, loaded: LoadedInstance, waits: list[Wait]) -> None:
        by_table: dict[str, list[int]] = {}
        for wait in waits:
            if wait.kind == "user_task":
                by_table.setdefault("user_task", []).append(wait.key)
            elif wait.kind in JOB_KINDS:
                by_table.setdefault("job", []).append(wait.key)
            elif wait.kind in SUBSCRIPTION_KINDS:
                by_table.setdefault("subscription", []).append(wait.key)
            elif wait.kind == "call":
                self.later(functools.partial(self._cancel_child, loaded, wait))
        for table, keys in by_table.items():
            if table == "user_task":
                self.connection.execute(statements.REMEMBER_ENDED_TASKS,
                                        {"instance_id": loaded.id, "keys": keys, "now": self.now})
            self.connection.execute(statements.DELETE_WAITS[table], {"instance_id": loaded.id, "keys": keys})

    def _add_waits(self, loaded: LoadedInstance, waits: list[Wait]) -> None:
        tasks, jobs, subscriptions = [], [], []
        for wait in waits:
            if wait.kind == "user_task":
                detail = wait.detail
                tasks.append({"instance_id": loaded.id, "wait_key": wait.key, "process_key": loaded.process_key,
                              "business_key": loaded.business_key, "element_id": wait.element, "name": wait.name,
                              "assignee": detail.get("assignee"),
                              "candidate_users": ",".join(detail.get("candidate_users", [])),
                              "candidate_groups": ",".join(detail.get("candidate_groups", [])),
                              "due": detail.get("due_date"), "priority": detail.get("priority", 50),
                              "created_at": self.now})
            elif wait.kind in JOB_KINDS:
                retries = wait.detail.get("retries")
                jobs.append({"instance_id": loaded.id, "wait_key": wait.key, "kind": wait.kind,
                             "topic": wait.name or "" if wait.kind == "job" else "", "element_id": wait.element,
                             "due_at": datetime.fromisoformat(wait.due) if wait.due else self.now,
                             "retries": retries if retries is not None else self.runtime.default_retries,
                             "attempts": 0, "idempotency_key": f"{loaded.id}-{wait.ai}-{wait.key}",
                             "created_at": self.now})
            elif wait.kind in SUBSCRIPTION_KINDS:
                subscriptions.append({"instance_id": loaded.id, "wait_key": wait.key, "kind": wait.kind,
                                      "name": wait.name or "", "correlation_key": wait.detail.get("correlation"),
                                      "element_id": wait.element, "created_at": self.now})
            elif wait.kind == "call":
                self.later(functools.partial(self._start_child, loaded, wait))
        for table, rows in (("user_task", tasks), ("job", jobs), ("subscription", subscriptions)):
            if rows:
                self.connection.execute(statements.INSERT_WAITS[table], rows)

    # --- call activities --------------------------------------------------------------------------

    def _start_child(self, parent: LoadedInstance, wait: Wait) -> None:
        definition, process = self.runtime.deployments.latest_definition(wait.name or "", self.connection)
        self.start(definition, process, wait.detail.get("variables", {}), business_key=parent.business_key,
                   parent=(parent.id, wait.key))

    def _cancel_child(self, parent: LoadedInstance, wait: Wait) -> None:
        child = self.session.execute(select(Instance.id).where(
            Instance.parent_id == parent.id, Instance.parent_wait == wait.key,
            Instance.status == "active")).scalar_one_or_none()
        if child is not None:
            loaded = self.load(child)
            self.step(loaded, lambda s: s.cancel("the calling activity was interrupted"), while_suspended=True)

    def _escalate_to_parent(self, child: LoadedInstance, code: str) -> None:
        """An escalation the called process did not catch goes on at its call activity (BPMN 10.4.2)."""
        assert child.parent_id is not None and child.parent_wait is not None
        parent, wait_key = self.load(child.parent_id), child.parent_wait
        if parent.state.status == "active" and wait_key in parent.state.waits:
            self.step(parent, lambda s: s.child_escalation(wait_key, code))

    def _resume_parent(self, child: LoadedInstance) -> None:
        assert child.parent_id is not None and child.parent_wait is not None
        parent, wait_key, error_code = self.load(child.parent_id), child.parent_wait, child.state.error_code
        if parent.state.status != "active" or wait_key not in parent.state.waits:
            return
        if child.state.status == "completed":
            variables = dict(child.state.root.variables or {}) if child.state.instances else {}
            self.step(parent, lambda s: s.trigger(wait_key, variables))
        elif child.state.status == "failed" and error_code is not None:
            self.step(parent, lambda s: s.job_error(wait_key, error_code))
