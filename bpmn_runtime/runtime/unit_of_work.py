"""One runtime call as one database transaction: load instances, run engine steps, save what changed.

Saving an instance checks its version (optimistic locking) and turns the step's effects into rows:
user tasks, jobs, subscriptions, incidents, history. Effects on other instances (thrown messages and
signals, child instances of call activities, a child's end) run in the same transaction, after. What the
outside world is told (metrics, log lines) waits until the transaction has committed: see `transactions`.
"""
from __future__ import annotations

import functools
import logging
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Mapping, NamedTuple, Sequence, TypeVar

from sqlalchemy import Connection, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import GenerativeSelect

from bpmn_runtime.engine import state_format
from bpmn_runtime.engine.state import CallWait, CompensationRun, InstanceState, JobWait, MessageWait, SignalWait, UserTaskWait, Wait
from bpmn_runtime.engine.step import Step
from bpmn_runtime.errors import BpmnRuntimeError, Conflict, NotFound
from bpmn_runtime.logs import log_event
from bpmn_runtime.model import Process
from bpmn_runtime.runtime import audit, correlation, jobs, local_handlers, message_buffer, stored_state, suspension
from bpmn_runtime.runtime.task_rules import PROGRAM, Actor
from bpmn_runtime.runtime.state_cache import Saved
from bpmn_runtime.runtime.variables import VariableBudget, stored_variables_size, variables_size
from bpmn_runtime.store import encryption, statements
from bpmn_runtime.store.statements import HistoryRow
from bpmn_runtime.store.tables import Definition, Incident, Instance
from bpmn_runtime.traceparent import trace_id

if TYPE_CHECKING:
    from bpmn_runtime.runtime.runtime import Runtime
    from bpmn_runtime.tracing import Call

log = logging.getLogger("bpmn_runtime")

Query = TypeVar("Query", bound=GenerativeSelect)
ActivityKey = tuple[str, str]  # element type, topic: the labels of the activity metrics
ACTIVITY_KINDS = frozenset({"task", "serviceTask", "userTask", "scriptTask", "sendTask", "receiveTask", "manualTask",
                            "businessRuleTask", "callActivity", "subProcess", "transaction", "adHocSubProcess"})
JOB_KINDS = ("job", "timer", "continuation")
COMPENSATION_LINES = {  # history kinds logged at INFO, with what they say
    "compensation_thrown": "compensation thrown: {handlers} handler(s) to run",
    "compensation_started": "compensation handler {handler} started for {activity} (activity instance "
                            "{activity_instance})",
    "compensation_completed": "compensation handler {handler} for {activity} (activity instance "
                              "{activity_instance}) {result}",
}
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
    started_at: datetime | str | None = None  # as the database returns it (text) until `started` parses it
    traceparent: str | None = None  # the instance's trace context (W3C), kept from its start
    suspended: bool = False  # see `suspension`: only a cancellation or an operator's variables move it
    variables_bytes: int | None = None  # the size of its variables as loaded or last saved, when measured
    as_saved: bool = True  # the state is what the row holds at `version` (no step changed it since)
    cached_after_commit: bool = False  # this unit hands the state to the runtime's cache once it commits

    def started(self) -> datetime | None:
        """When the instance started (UTC)."""
        if self.started_at is not None:
            self.started_at = statements.stored_time(self.started_at)
        return self.started_at

    def compensates(self, ai: int | None) -> bool:
        """Whether activity instance `ai` is a compensation handler's."""
        current = self.state.instances.get(ai) if ai is not None else None
        while current is not None:
            if isinstance(current.body, CompensationRun):
                return True
            current = self.state.instances.get(current.parent) if current.parent is not None else None
        return False

    def log_fields(self) -> dict[str, Any]:
        """The ids every log line about this instance carries (see `logs.log_event`)."""
        return {"instance_id": self.id, "business_key": self.business_key, "process_key": self.process_key,
                "trace_id": trace_id(self.traceparent)}

    def span_attributes(self) -> dict[str, Any]:
        return {"bpmn.instance_id": self.id, "bpmn.business_key": self.business_key or "",
                "bpmn.process_key": self.process_key}


class UnitOfWork:
    """The work of one runtime call, inside the transaction of `connection` (the caller commits it)."""

    def __init__(self, runtime: "Runtime", connection: Connection, trace: "Call | None" = None) -> None:
        """`trace`: the span of the call, when tracing is on (see `tracing`)."""
        self.runtime = runtime
        self.connection = connection
        self.trace = trace
        self.now = runtime.clock.now()
        self._followups: deque[tuple[Callable[[], object], bool]] = deque()  # each: it, whether it is a local run
        self._after_commit: list[Callable[[], None]] = []
        self.started: list[int] = []
        self.variable_budget: VariableBudget | None = None  # set by calls that bring values from outside
        self.actor: Actor = PROGRAM  # who asked for this call: the audit trail and the permissions use it
        self.local_runs = 0  # handlers run in-line in this call (see `local_handlers`)
        self.rowless_jobs: set[tuple[int, int]] = set()  # (instance, wait key): jobs to run in-line, with no row
        self.chain: jobs.Chain | None = None  # set while a worker's completion runs its step (job chaining)
        self._history: list[tuple[int, list[HistoryRow]]] = []  # of the steps so far, written by `finish`
        self._held: dict[int, LoadedInstance] = {}  # the instances this unit loaded or started (see `load`)
        self._running_local = False  # a handler runs in-line (see `local_handlers`): saves wait (`_unwritten`)
        self._unwritten: dict[int, dict[str, Any]] = {}  # instance -> its newest save, not yet written

    @functools.cached_property
    def session(self) -> Session:
        """An ORM session in the same transaction, made on first use: the hot path needs Core statements only."""
        return self.runtime.database.sessions(bind=self.connection, join_transaction_mode="rollback_only")

    def close(self) -> None:
        if "session" in self.__dict__:
            self.session.close()

    def for_update(self, query: Query) -> Query:
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

    def audit(self, action: str, *, process_key: str | None = None, instance_id: int | None = None,
              task_id: int | None = None, detail: Mapping[str, Any] | None = None) -> None:
        """Record `action` of this unit's actor in the audit trail, in this transaction (`audit.ACTIONS`)."""
        audit.record(self.connection, self.runtime.database.encryption, self.now, self.actor, action,
                     process_key=process_key, instance_id=instance_id, task_id=task_id, detail=detail)

    # --- instances --------------------------------------------------------------------------------

    def load(self, instance_id: int) -> LoadedInstance:
        """The instance as this unit left it: read from the database the first time only, since every later
        change in the unit is made to the same object (a step, a migration) and saved from it. Its state comes
        from the runtime's `state_cache` when that holds it at the row's version, else from the stored document."""
        held = self._held.get(instance_id)
        if held is not None:
            return held
        cache = self.runtime.states
        row = statements.LOAD_INSTANCE.one_or_none(self.connection, {"instance_id": instance_id,
                                                                     "held_version": cache.version(instance_id)})
        if row is None:
            raise NotFound(f"there is no process instance {instance_id}")
        return self.hold(row)

    def hold(self, row: Sequence[Any]) -> LoadedInstance:
        """The instance of `row` (`statements.INSTANCE_COLUMNS`, read by another statement along with what
        else a call needs), held by this unit as `load` holds it; the one held already, if any. The state is this
        runtime's cached one when it holds it at the row's version (`runtime.state_cache`), else the row's, else
        read now: a row may come without it (`LOAD_INSTANCE` when the cache holds it, `HELD_JOB` always)."""
        key, version, definition_id, process_key, business_key, parent_id, parent_wait, stored, started_at, traced, \
            suspended = row
        held = self._held.get(key)
        if held is not None:
            return held
        cache = self.runtime.states
        process = self.runtime.deployments.process_of(definition_id, process_key, self.connection)
        saved = cache.take(key, version)  # even when the row's state came along: no need to parse it
        if saved is None and stored is None:  # not held at this version (or another call took it): read it now
            stored = statements.LOAD_STATE.one_or_none(self.connection, {"instance_id": key, "version": version})
            stored = stored[0] if stored is not None else None
            if stored is None:
                raise StaleInstance(f"process instance {key} was changed by someone else meanwhile")
        text: str | None = None
        if saved is not None:
            state, variables_bytes = saved.state, saved.variables_bytes
        else:
            try:
                text, state = stored_state.opened(self.connection, self.runtime.database.encryption, key, version,
                                                  stored)
            except stored_state.StateMoved as moved:
                raise StaleInstance(str(moved)) from None
            variables_bytes = None
        loaded = LoadedInstance(key, version, definition_id, process_key, business_key, parent_id, parent_wait,
                                process, state, started_at=started_at, traceparent=traced, suspended=bool(suspended),
                                variables_bytes=variables_bytes)
        if self.variable_budget is not None:
            self.variable_budget.loaded(loaded.id, _measured(state, text, variables_bytes))
        if self.trace is not None:
            self.trace.join(traced, **loaded.span_attributes())
        self._held[key] = loaded
        self._keep_after_commit(loaded)  # read but not changed (a job acquired, say): the next call needs no read
        return loaded

    def step(self, loaded: LoadedInstance, action: Callable[[Step], None], *, while_suspended: bool = False) -> Step:
        """Run `action` on a fresh engine step of `loaded`, then save the instance and its effects. A suspended
        instance does not move (`suspension.Suspended`), unless the action is one an operator may take on it."""
        if loaded.state.status != "active":
            raise Conflict(f"process instance {loaded.id} has ended ({loaded.state.status})")
        if loaded.suspended and not while_suspended:
            raise suspension.instance_suspended(loaded.id)
        step = Step(loaded.process, loaded.state, self.now, instance_id=loaded.id, business_key=loaded.business_key,
                    script_runner=self.runtime.script_runner, limits=self.runtime.limits,
                    decisions=self.runtime.decisions.lookup(self))
        loaded.as_saved = False
        action(step)
        self._save(loaded, step)
        return step

    def start(self, definition: Definition | DefinitionRef, process: Process, variables: Mapping[str, Any], *,
              business_key: str | None = None, request_key: str | None = None, start_event: str | None = None,
              parent: tuple[int, int] | None = None, traceparent: str | None = None) -> int:
        """Run a new instance to its first wait states, then insert it (one row write, not an insert and an update).
        `traceparent`: the trace the instance joins (the caller's, or its parent instance's)."""
        if definition.suspended:
            raise suspension.version_suspended(definition.key, definition.version)
        instance_id = statements.new_instance_id(self.connection)
        if self.trace is not None:
            traceparent = self.trace.instance_context(traceparent, **{
                "bpmn.instance_id": instance_id, "bpmn.business_key": business_key or "",
                "bpmn.process_key": definition.key})
        loaded = LoadedInstance(instance_id, 0, definition.id, definition.key, business_key,
                                parent[0] if parent else None, parent[1] if parent else None, process,
                                InstanceState(process.id), request_key, self.now, traceparent)
        metrics = self.runtime.metrics  # told before what the first step did: a failing step publishes nothing
        self.after_commit(lambda: log_event(log, logging.INFO, "started (%s version %s)", definition.key,
                                            definition.version, **loaded.log_fields()))
        self.after_commit(lambda: metrics.instance_started(definition.key))
        self._held[instance_id] = loaded
        self.step(loaded, lambda s: s.start(variables, start_event))
        self.started.append(instance_id)
        return instance_id

    def later(self, followup: Callable[[], object], *, local_run: bool = False) -> None:
        """Run `followup` once the work of the call is done (`finish`). `local_run`: it runs a handler in-line
        (`local_handlers.run`) and steps that instance alone, so the instance rows its steps save can wait."""
        self._followups.append((followup, local_run))

    def finish(self) -> None:
        """Run the effects on other instances, in order, until none are left; then write the history of every
        step in one go and flush the ORM's changes.

        While the handlers of a synchronous call run in-line one after another, the instance's row is written once
        after them rather than after each step: nothing reads it meanwhile (the instance is held in this unit,
        see `load`). Any other follow-up may read instance rows, so the rows are written before it runs."""
        while self._followups:
            followup, self._running_local = self._followups.popleft()
            if not self._running_local:
                self._write_unwritten()
            followup()
        self._running_local = False
        self._write_unwritten()
        if self._history:
            statements.insert_history(self.connection, self.now, self._history, self.runtime.database.encryption)
            self._history.clear()
        if "session" in self.__dict__:
            self.session.flush()

    # --- saving -----------------------------------------------------------------------------------

    def _save(self, loaded: LoadedInstance, step: Step) -> None:
        state = loaded.state
        loaded.variables_bytes = self.variable_budget.saving(loaded.id, state) if self.variable_budget else None
        ended = state.status != "active"
        sealing = self.runtime.database.encryption
        stored = state_format.store(state)
        sealed = sealing.seal(stored.document, encryption.instance_state(loaded.id))
        values = {"state": sealed, "version": loaded.version + 1,
                  "status": state.status, "updated_at": self.now, "ended_at": self.now if ended else None,
                  "end_reason": state.end_reason if ended else None, "instance_id": loaded.id,
                  "loaded_version": loaded.version}
        if loaded.version == 0:
            statements.INSERT_INSTANCE.execute(self.connection, dict(
                values, id=loaded.id, definition_id=loaded.definition_id, process_key=loaded.process_key,
                business_key=loaded.business_key, request_key=loaded.request_key, parent_id=loaded.parent_id,
                parent_wait=loaded.parent_wait, started_at=self.now, traceparent=loaded.traceparent)).close()
        elif self._running_local:
            unwritten = self._unwritten.get(loaded.id)
            if unwritten is not None:  # the row still holds the version the first unwritten save found
                values["loaded_version"] = unwritten["loaded_version"]
            self._unwritten[loaded.id] = values
        else:
            self._write(values)
        stored_state.write_rows(self.connection, sealing, loaded.id, stored)
        self._keep_after_commit(loaded)
        loaded.version += 1
        loaded.as_saved = True
        self._apply(loaded, step)

    def _write(self, values: Mapping[str, Any]) -> None:
        """Write a saved instance's row (`statements.SAVE_INSTANCE`), checking the version it was loaded at."""
        if statements.SAVE_INSTANCE.rowcount(self.connection, values) != 1:
            raise StaleInstance(f"process instance {values['instance_id']} was changed by someone else meanwhile")

    def _write_unwritten(self) -> None:
        """Write the rows of the saves made while handlers ran in-line (`finish`)."""
        for values in self._unwritten.values():
            self._write(values)
        self._unwritten.clear()

    def _keep_after_commit(self, loaded: LoadedInstance) -> None:
        """Once this unit commits, hand `loaded`'s state to the runtime's cache (`_keep_state`)."""
        if not loaded.cached_after_commit:
            loaded.cached_after_commit = True
            self.after_commit(functools.partial(self._keep_state, loaded))

    def _keep_state(self, loaded: LoadedInstance) -> None:
        """Hand the state this unit saved last to the runtime's cache, unless a step changed it after that save or
        the instance has ended (no step runs on it again: it would only push a running instance out)."""
        if loaded.as_saved and loaded.state.status == "active":
            self.runtime.states.keep(loaded.id, Saved(loaded.version, loaded.state, loaded.variables_bytes))

    def _apply(self, loaded: LoadedInstance, step: Step) -> None:
        effects = step.effects
        added = {w.key: w for w in effects.added_waits}
        removed = {w.key: w for w in effects.removed_waits}
        for key in set(added) & set(removed):
            del added[key], removed[key]
        waited = self._remove_waits(loaded, list(removed.values()))
        self._add_waits(loaded, list(added.values()))
        metrics = self.runtime.metrics
        process_key = loaded.process_key
        if effects.history:
            self._announce_history(loaded, effects.history, waited)
            self._history.append((loaded.id, effects.history))
        for ai, element, message in effects.incidents:
            if self.trace is not None:
                self.trace.event("incident_raised", {"bpmn.instance_id": loaded.id, "bpmn.element_id": element,
                                                     "bpmn.message": message})
            self.session.execute(insert(Incident).values(
                instance_id=loaded.id, activity_instance=ai, element_id=element, message=message,
                created_at=self.now))
            self.after_commit(functools.partial(metrics.incident, process_key, compensating=loaded.compensates(ai)))
            self.after_commit(functools.partial(log_event, log, logging.WARNING, "incident at %s: %s", element,
                                                message, **loaded.log_fields(), element_id=element))
        for name, correlation_key, variables in effects.messages:
            self.later(functools.partial(correlation.deliver_message, self, name, correlation_key, variables,
                                         loaded.id))
        for name, variables in effects.signals:
            self.later(functools.partial(correlation.deliver_signal, self, name, variables, loaded.id))
        if loaded.parent_id is not None:
            for code in effects.escalations_uncaught:
                self.later(functools.partial(self._escalate_to_parent, loaded, code))
        if loaded.state.status != "active":
            status, reason, started = loaded.state.status, loaded.state.end_reason, loaded.started()
            seconds = (self.now - started).total_seconds() if started is not None else None
            self.after_commit(lambda: log_event(log, logging.INFO, "%s%s", status, f": {reason}" if reason else "",
                                                **loaded.log_fields()))
            self.after_commit(lambda: metrics.instance_ended(process_key, status, seconds))
            if loaded.parent_id is not None:
                self.later(lambda: self._resume_parent(loaded))
            if loaded.business_key is not None:  # its key may have kept a message from starting another
                self.later(functools.partial(message_buffer.start_held_back, self, loaded))

    def _announce_history(self, loaded: LoadedInstance, history: list[HistoryRow], waited: dict[int, datetime]) -> None:
        """Count and log what the step did once the transaction commits: activities started and completed (with
        how long they took, from their activation in this step or from the wait rows this step removed, see
        `waited`), compensation at INFO, every transition at DEBUG (built only when DEBUG is on: a step makes
        many)."""
        elements, now = loaded.process.elements, self.now
        lines: list[tuple[int, str, str | None, int | None]] = []
        activated: dict[int, ActivityKey] = {}
        counts: dict[ActivityKey, int] = {}
        durations: list[tuple[ActivityKey, float]] = []
        compensations, outcomes = 0, []
        for kind, element, ai, data in history:
            if kind == "element_activated":
                node = elements.get(element or "")
                if node is not None and node.kind in ACTIVITY_KINDS and ai is not None and \
                        not (data and "multi_instance" in data):  # a multi-instance body: its inner ones count
                    key = activated[ai] = (node.kind, node.extensions.topic or "")
                    counts[key] = counts.get(key, 0) + 1
            elif kind == "element_completed" and ai is not None:
                if ai in activated:
                    durations.append((activated[ai], 0.0))
                elif ai in waited and (node := elements.get(element or "")) is not None:
                    durations.append(((node.kind, node.extensions.topic or ""), (now - waited[ai]).total_seconds()))
            elif (line := COMPENSATION_LINES.get(kind)) is not None:
                lines.append((logging.INFO, line.format_map(data or {}), element, ai))
                if self.trace is not None:
                    self.trace.event(kind, {"bpmn.instance_id": loaded.id, "bpmn.element_id": element,
                                            **{f"bpmn.{name}": value for name, value in (data or {}).items()}})
                if kind == "compensation_started":
                    compensations += 1
                elif kind == "compensation_completed" and data:
                    outcomes.append(str(data.get("result")))
        if log.isEnabledFor(logging.DEBUG):
            lines += [(logging.DEBUG, f"{kind.replace('_', ' ')}{' ' + element if element else ''}", element, ai)
                      for kind, element, ai, _ in history]
        metrics, process_key = self.runtime.metrics, loaded.process_key
        if counts or durations:
            self.after_commit(lambda: metrics.activities_done(counts, durations))
        if compensations or outcomes:
            self.after_commit(lambda: metrics.compensation(process_key, compensations, outcomes))
        if lines:
            fields = loaded.log_fields()

            def announce() -> None:
                for level, text, element, ai in lines:
                    log_event(log, level, "%s", text, **fields, element_id=element, activity_instance=ai)
            self.after_commit(announce)

    def _remove_waits(self, loaded: LoadedInstance, waits: list[Wait]) -> dict[int, datetime]:
        """Delete the rows of `waits`; since when each activity instance waited in a row (the earliest)."""
        by_table: dict[str, list[int]] = {}
        waited: dict[int, datetime] = {}
        for wait in waits:
            if wait.kind == "user_task":
                by_table.setdefault("user_task", []).append(wait.key)
            elif (loaded.id, wait.key) in self.rowless_jobs:  # run in-line: no row to delete, no time waited
                self.rowless_jobs.discard((loaded.id, wait.key))
                waited[wait.ai] = self.now
            elif wait.kind in JOB_KINDS:
                by_table.setdefault("job", []).append(wait.key)
            elif wait.kind in SUBSCRIPTION_KINDS:
                by_table.setdefault("subscription", []).append(wait.key)
            elif wait.kind == "call":
                self.later(functools.partial(self._cancel_child, loaded, wait))
        if not by_table:
            return waited
        activity_of = {wait.key: wait.ai for wait in waits}
        for table, keys in by_table.items():
            if table == "user_task":
                statements.remember_ended_tasks(self.connection, loaded.id, keys, self.now)
            for wait_key, since in statements.delete_waits(self.connection, table, loaded.id, keys):
                ai = activity_of[wait_key]
                waited[ai] = min(since, waited.get(ai, since))
        return waited

    def _add_waits(self, loaded: LoadedInstance, waits: list[Wait]) -> None:
        tasks, job_rows, subscriptions = [], [], []
        for wait in waits:
            if isinstance(wait, UserTaskWait):
                tasks.append({"instance_id": loaded.id, "wait_key": wait.key, "process_key": loaded.process_key,
                              "business_key": loaded.business_key, "element_id": wait.element, "name": wait.name,
                              "assignee": wait.assignee, "candidate_users": ",".join(wait.candidate_users),
                              "candidate_groups": ",".join(wait.candidate_groups), "due": wait.due_date,
                              "follow_up": wait.follow_up_date, "priority": wait.priority, "created_at": self.now})
            elif wait.kind in JOB_KINDS:
                local = self.runtime.local_handlers
                if isinstance(wait, JobWait) and local is not None and local.get(wait.topic) is not None:
                    self.rowless_jobs.add((loaded.id, wait.key))  # a row only if the handler fails (`write_job`)
                    self.later(functools.partial(local_handlers.run, self, local, loaded.id, wait.key), local_run=True)
                    continue
                row = self._job_row(loaded, wait)
                if isinstance(wait, JobWait) and self.chain is not None and self.chain.wants(wait, row):
                    self.chain.write(self, wait, row)
                else:
                    job_rows.append(row)
            elif isinstance(wait, (MessageWait, SignalWait)):
                name, key = (wait.message, wait.correlation) if isinstance(wait, MessageWait) else (wait.signal, None)
                subscriptions.append({"instance_id": loaded.id, "wait_key": wait.key, "kind": wait.kind,
                                      "name": name or "", "correlation_key": key,
                                      "element_id": wait.element, "created_at": self.now})
                if isinstance(wait, MessageWait):  # a message published earlier may wait for it
                    self.later(functools.partial(message_buffer.deliver_buffered, self, loaded, wait.key,
                                                 name or "", key))
            elif isinstance(wait, CallWait):
                self.later(functools.partial(self._start_child, loaded, wait))
        for table, rows in (("user_task", tasks), ("job", job_rows), ("subscription", subscriptions)):
            if rows:
                statements.insert_waits(self.connection, table, rows)

    def _job_row(self, loaded: LoadedInstance, wait: Wait) -> dict[str, Any]:
        retries = wait.retries if isinstance(wait, JobWait) else None
        return {"instance_id": loaded.id, "wait_key": wait.key, "kind": wait.kind,
                "topic": wait.topic if isinstance(wait, JobWait) else "", "element_id": wait.element,
                "due_at": datetime.fromisoformat(wait.due) if wait.due else self.now,
                "retries": retries if retries is not None else self.runtime.default_retries,
                "attempts": 0, "idempotency_key": jobs.idempotency_key(loaded.id, wait), "created_at": self.now}

    def write_job(self, loaded: LoadedInstance, wait: JobWait) -> None:
        """Write the row of a job meant to run in-line with none (`rowless_jobs`): its handler failed, or the
        call ran as many in-line handlers as it may, so the job goes on as a worker's would."""
        self.rowless_jobs.discard((loaded.id, wait.key))
        statements.insert_waits(self.connection, "job", [self._job_row(loaded, wait)])

    # --- call activities --------------------------------------------------------------------------

    def _start_child(self, parent: LoadedInstance, wait: CallWait) -> None:
        definition, process = self.runtime.deployments.latest_definition(wait.process_key, self.connection,
                                                                         wait.version)
        key = parent.business_key if wait.inherit_business_key else wait.business_key
        self.start(definition, process, wait.variables, business_key=key,
                   parent=(parent.id, wait.key), traceparent=parent.traceparent)

    def _cancel_child(self, parent: LoadedInstance, wait: Wait) -> None:
        child = self.session.execute(select(Instance.id).where(
            Instance.parent_id == parent.id, Instance.parent_wait == wait.key,
            Instance.status == "active")).scalar_one_or_none()
        if child is not None:
            loaded = self.load(child)
            self.step(loaded, lambda s: s.cancel("the calling activity was interrupted"), while_suspended=True)

    def _escalate_to_parent(self, child: LoadedInstance, code: str) -> None:
        """An escalation the called process did not catch goes on at its call activity (BPMN 10.4.2)."""
        parent_id, wait = _called_from(child)
        parent = self.load(parent_id)
        if parent.state.status == "active" and wait in parent.state.waits:
            self.step(parent, lambda s: s.child_escalation(wait, code))

    def _resume_parent(self, child: LoadedInstance) -> None:
        parent_id, wait = _called_from(child)
        parent = self.load(parent_id)
        if parent.state.status != "active" or wait not in parent.state.waits:
            return
        error_code = child.state.error_code
        if child.state.status == "completed":
            variables = dict(child.state.root.variables or {}) if child.state.instances else {}
            self.step(parent, lambda s: s.trigger(wait, variables))
        elif child.state.status == "failed" and error_code is not None:
            error_message = child.state.error_message or ""
            self.step(parent, lambda s: s.job_error(wait, error_code, message=error_message))


def _measured(state: InstanceState, text: str | None, known: int | None) -> Callable[[], int]:
    """How big the variables of a state were when it was loaded, for the variable budget: known from its last save,
    measured when asked from the stored document `text`, or measured now (the step is about to change the state)."""
    if known is None and (text is None or state.watched):
        known = variables_size(state)
    if known is not None or text is None:
        size = known or 0
        return lambda: size
    return functools.partial(stored_variables_size, text)


def _called_from(child: LoadedInstance) -> tuple[int, int]:
    """The instance and wait of the call activity that started `child`."""
    if child.parent_id is None or child.parent_wait is None:
        raise BpmnRuntimeError(f"process instance {child.id} was not started by a call activity")
    return child.parent_id, child.parent_wait
