"""The facade everything else calls: deploy, start, complete tasks, correlate messages, run jobs, query.

Each call is one transaction (`transactions`), retried when another writer changed the same instance
meanwhile; the work of each kind of call lives in a module of its own (deployments, instances, tasks,
correlation, jobs, scheduled, incidents). Nothing here knows BPMN semantics; that is the engine's job.
"""
from __future__ import annotations

import dataclasses
import functools
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Collection, Mapping, Sequence, TypeVar

from sqlalchemy.exc import IntegrityError

from bpmn_runtime.clock import Clock, SystemClock
from bpmn_runtime.engine.limits import Limits
from bpmn_runtime.engine.modification import Instruction
from bpmn_runtime.engine.step import ScriptRunner
from bpmn_runtime.errors import InvalidInput
from bpmn_runtime.handlers import HandlerRegistry, JobContext
from bpmn_runtime.metrics import Metrics
from bpmn_runtime.errors import Forbidden
from bpmn_runtime.runtime import (
    audit, cleanup, correlation, incidents, inputs, instances, jobs, message_buffer, migration, modification,
    permissions, scheduled, suspension, tasks,
)
from bpmn_runtime.runtime.migration import MigrationPlan, MigrationRefused
from bpmn_runtime.runtime.task_rules import PROGRAM, Actor
from bpmn_runtime.runtime.decisions import Decisions, Evaluated
from bpmn_runtime.runtime.deployments import Deployments
from bpmn_runtime.runtime.queries import Queries, named_tokens
from bpmn_runtime.runtime.records import DeployedProcess, StartReport
from bpmn_runtime.runtime.transactions import Transactions
from bpmn_runtime.runtime.unit_of_work import UnitOfWork
from bpmn_runtime.runtime.state_cache import StateCache
from bpmn_runtime.runtime.variables import VariableBudget, VariableLimits, check_variables
from bpmn_runtime.store.database import Database
from bpmn_runtime.store.encryption import Encryption

T = TypeVar("T")
if TYPE_CHECKING:
    from opentelemetry.trace import TracerProvider

    from bpmn_runtime.tracing import Tracing


class Runtime:
    """A BPMN engine on one database. Safe to share between threads; several processes may share a database."""

    def __init__(self, db: str | None = None, *, clock: Clock | None = None, script_runner: ScriptRunner | None = None,
                 python_scripts: bool = False, default_retries: int = 3, retry_backoff_seconds: float = 1.0,
                 run_migrations: bool = True, reconnect_seconds: float = 5.0,
                 variable_limits: VariableLimits | None = None, limits: Limits | None = None,
                 tracing: "bool | TracerProvider" = False, encryption: Encryption | None = None,
                 local_handlers: HandlerRegistry | None = None) -> None:
        """`script_runner` gives script tasks their meaning; without one they run sandboxed assignments,
        or full Python when the operator sets `python_scripts` (see `python_scripts.py`). A call that finds
        the database unreachable tries again for `reconnect_seconds` before it raises `DatabaseUnavailable`.
        `variable_limits` bound the values that come from outside (starts, task completions, messages,
        handlers); `limits` bound what one step and one instance may do (default: `Limits.from_environment()`).
        `tracing` (the `[otel]` extra): True traces with OpenTelemetry's global tracer provider, or give one;
        off, OpenTelemetry is not even imported. `encryption` seals what instances hold (default: the keys of
        the environment, see `store.encryption`). `local_handlers`: handlers run synchronously, inside the
        transaction that reaches their service task, as Camunda 7 runs a Java delegate (see `local_handlers`);
        the jobs of other topics wait for workers."""
        self.database = Database(db, run_migrations=run_migrations, encryption=encryption)
        self.variable_limits = variable_limits or VariableLimits()
        self.clock = clock or SystemClock()
        if script_runner is None and python_scripts:
            from bpmn_runtime.python_scripts import run_python_script
            script_runner = run_python_script
        self.script_runner = script_runner
        self.default_retries = default_retries
        self.retry_backoff_seconds = retry_backoff_seconds
        self.local_handlers = local_handlers
        self.reconnect_seconds = reconnect_seconds
        self.limits = limits or Limits.from_environment()
        self.tracing: Tracing | None = None
        if tracing:
            from bpmn_runtime import tracing as opentelemetry_tracing  # only with tracing on: see `tracing_setup`
            self.tracing = opentelemetry_tracing.Tracing(None if tracing is True else tracing)
        self.transactions = Transactions(self)
        self.states = StateCache()  # the states this runtime saved last (see `state_cache`)
        self.deployments = Deployments(self)
        self.decisions = Decisions(self)
        self.metrics = Metrics(lambda: self.queries.backlog())

    def close(self) -> None:
        self.database.dispose()

    def _bounded(self, work: Callable[[UnitOfWork], T], actor: Actor = PROGRAM) -> Callable[[UnitOfWork], T]:
        """`work` that brings values from outside: no instance it saves may grow past the variable limit."""
        def run(unit: UnitOfWork) -> T:
            unit.variable_budget = VariableBudget(self.variable_limits)
            unit.actor = actor
            return work(unit)
        return run

    @staticmethod
    def _by(actor: Actor, work: Callable[[UnitOfWork], T]) -> Callable[[UnitOfWork], T]:
        """`work` asked for by `actor`: the audit trail records them and the permissions apply to them."""
        def run(unit: UnitOfWork) -> T:
            unit.actor = actor
            return work(unit)
        return run

    def _checked(self, variables: Mapping[str, Any] | None) -> dict[str, Any]:
        return check_variables(variables or {}, self.variable_limits)

    @functools.cached_property
    def queries(self) -> Queries:
        """Read-only questions (definitions, instances, tasks, jobs, incidents, history)."""
        return Queries(self)

    # --- definitions and instances ----------------------------------------------------------------

    def deploy(self, source: str | Path | bytes | Sequence[str | Path],
               file_name: str | None = None, *, actor: Actor = PROGRAM) -> list[DeployedProcess]:
        """Deploy a `.bpmn` file, or several files together (they may import one another): each executable
        process gets a new version unless unchanged; a `.dmn` file likewise for each decision in it (a model
        it imports must be deployed first).

        Every call below that takes `actor` records it in the audit trail and applies the process permissions
        to it (`permissions`); the default is this program, which may do everything."""
        return self.deployments.deploy(source, file_name, actor)

    def decide(self, key: str, variables: Mapping[str, Any] | None = None, *, version: int | None = None) -> Evaluated:
        """Evaluate the newest (or the given) version of decision `key` (its id) with JSON variables: the
        result as JSON, the rules of its decision tables that matched, and why parts of it gave null.
        NotFound when the decision is not deployed."""
        return self.decisions.evaluate(key, self._checked(variables), version)

    def start(self, key: str, variables: Mapping[str, Any] | None = None, *, business_key: str | None = None,
              request_key: str | None = None, unique_business_key: bool = False, version: int | None = None,
              traceparent: str | None = None, actor: Actor = PROGRAM) -> int:
        """Start an instance of the newest (or the given) version of process `key`; returns its id. The
        instance's trace continues the caller's W3C `traceparent` when one is given.

        A repeated call with the same `request_key` returns the instance of process `key` the first call
        started instead of starting another; a request key is scoped to its process.
        With `unique_business_key`, a running or finished instance of the process with that business key
        is returned instead, too.
        """
        return self._start(key, variables, lambda _, instance_id: instance_id, business_key=business_key,
                           request_key=request_key, unique_business_key=unique_business_key, version=version,
                           traceparent=traceparent, actor=actor)

    def start_and_report(self, key: str, variables: Mapping[str, Any] | None = None, *,
                         business_key: str | None = None, request_key: str | None = None,
                         unique_business_key: bool = False, version: int | None = None,
                         traceparent: str | None = None, actor: Actor = PROGRAM) -> StartReport:
        """`start`, and the instance's status and where it waits, as its starter is told them: taken from the
        instance the start holds in memory, in its own transaction, rather than read again after it."""
        def report(unit: UnitOfWork, instance_id: int) -> StartReport:
            loaded = unit.load(instance_id)
            return StartReport(instance_id, loaded.state.status, named_tokens(loaded.process, loaded.state))
        return self._start(key, variables, report, business_key=business_key, request_key=request_key,
                           unique_business_key=unique_business_key, version=version, traceparent=traceparent,
                           actor=actor)

    def _start(self, key: str, variables: Mapping[str, Any] | None, answer: Callable[[UnitOfWork, int], T], *,
               business_key: str | None, request_key: str | None, unique_business_key: bool, version: int | None,
               traceparent: str | None, actor: Actor) -> T:
        """The start of `start` and `start_and_report`, and what it answers, made by `answer` in its transaction."""
        values = self._checked(variables)
        inputs.key(key, "the process key")
        inputs.optional_key(business_key, "the business key")
        inputs.optional_key(request_key, "the request key")
        try:  # with a request key a start is safe to repeat, even when its commit may have happened
            return self.transactions.run(self._bounded(lambda unit: answer(unit, instances.start(
                unit, key, values, business_key=business_key, request_key=request_key,
                unique_business_key=unique_business_key, version=version, traceparent=traceparent)), actor), "start",
                repeatable=request_key is not None)
        except IntegrityError:
            if request_key is None:
                raise

            def earlier(unit: UnitOfWork) -> T | None:
                found = instances.existing_start(unit, key, request_key, None)
                return None if found is None else answer(unit, found)
            again = self.transactions.run(earlier, "start")
            if again is None:
                raise
            return again

    def cancel(self, instance_id: int, reason: str = "cancelled by an operator", *, actor: Actor = PROGRAM) -> None:
        inputs.text(reason, "the reason")
        self.transactions.run(self._by(actor, lambda unit: instances.cancel(unit, instance_id, reason)), "cancel")

    def modify(self, instance_id: int, instructions: Sequence[Instruction],
               variables: Mapping[str, Any] | None = None, *, actor: Actor = PROGRAM) -> list[str]:
        """Change where a running instance's tokens are, as Camunda's process instance modification does: cancel
        tokens, start before or after an activity, with `variables` set on the process first and each start
        instruction's own variables local to the scope its token creates; the instructions run in order, all
        or nothing (`engine.modification`). What each instruction did, in the modeler's words."""
        values = self._checked(variables)
        steps = [dataclasses.replace(i, variables=self._checked(i.variables)) if i.variables else i
                 for i in instructions]
        return self.transactions.run(self._bounded(
            lambda unit: modification.modify(unit, instance_id, steps, values), actor), "modify")

    def migrate(self, instance_ids: Sequence[int], to_version: int, mapping: Mapping[str, str] | None = None, *,
                dry_run: bool = False, batch: int = 50, progress: Callable[[int, int], None] | None = None,
                actor: Actor = PROGRAM) -> list[MigrationPlan]:
        """Migrate running instances to version `to_version` of their process (`migration`), each element to the
        one of the same id or the one `mapping` names. Every instance is checked first: if any cannot be
        migrated, MigrationRefused says why for each and nothing is migrated. Then `batch` instances are migrated
        per transaction, each checked again there (one that ended meanwhile is left as it is, and its plan's
        `problems` say so), and `progress(done, total)` is told after each batch. With `dry_run`, only the check
        runs: the plans say what would happen."""
        if not 1 <= batch <= 10_000:
            raise InvalidInput("a migration batch holds from 1 to 10,000 instances")
        ids, moves = list(dict.fromkeys(instance_ids)), dict(mapping or {})
        batches = [ids[i:i + batch] for i in range(0, len(ids), batch)]
        plans: list[MigrationPlan] = []
        for chunk in batches:
            plans += self.transactions.run(self._by(actor, lambda unit: [
                migration.plan(unit, i, to_version, moves) for i in chunk]), "migrate")
        if dry_run:
            return plans
        if any(p.problems for p in plans):
            raise MigrationRefused(plans)
        done: list[MigrationPlan] = []
        for chunk in batches:
            done += self.transactions.run(self._by(actor, lambda unit: [
                migration.migrate(unit, i, to_version, moves) for i in chunk]), "migrate")
            if progress is not None:
                progress(len(done), len(ids))
        return done

    def suspend(self, instance_ids: list[int], *, suspended: bool = True, actor: Actor = PROGRAM) -> list[int]:
        """Suspend running instances and the instances they called (`suspended=False`: resume them) as `actor`;
        the ids that changed. Nothing of a suspended instance moves until it is resumed (see `suspension`)."""
        return self.transactions.run(self._by(actor, lambda unit: self._resumed(
            unit, suspension.set_instances(unit, list(instance_ids), suspended), suspended)), "suspend")

    def suspend_version(self, key: str, version: int | None = None, *, suspended: bool = True,
                        actor: Actor = PROGRAM) -> tuple[int, list[int]]:
        """Suspend a process version (default: the newest) and its running instances (`suspended=False`:
        resume them) as `actor`; the version, and the instances that changed. A suspended version starts no
        instance."""
        inputs.key(key, "the process key")
        def run(unit: UnitOfWork) -> tuple[int, list[int]]:
            changed = suspension.set_version(unit, key, version, suspended)
            self._resumed(unit, changed[1], suspended)
            return changed
        return self.transactions.run(self._by(actor, run), "suspend")

    @staticmethod
    def _resumed(unit: UnitOfWork, instance_ids: list[int], suspended: bool) -> list[int]:
        """Instances just resumed take what the message buffer kept for them meanwhile."""
        if not suspended:
            message_buffer.deliver_to_resumed(unit, instance_ids)
        return instance_ids

    def clean_up_history(self, *, default_days: int | None = None, batch: int = 500,
                         limit: int | None = None) -> int:
        """Remove ended instances past their process version's time to live (`cleanup`), `batch` per
        transaction, until none is left (or `limit` are removed); how many were removed."""
        removed = 0
        while limit is None or removed < limit:
            size = batch if limit is None else min(batch, limit - removed)
            ids = self.transactions.run(lambda unit: cleanup.remove_batch(unit, default_days, size), "cleanup")
            removed += len(ids)
            if len(ids) < size:
                break
        return removed

    def set_variables(self, instance_id: int, variables: Mapping[str, Any], *, actor: Actor = PROGRAM) -> None:
        """Set process variables of a running instance (for operators fixing data before a retry)."""
        values = self._checked(variables)
        self.transactions.run(self._bounded(lambda unit: instances.set_variables(unit, instance_id, values), actor),
                              "set_variables")

    # --- user tasks -------------------------------------------------------------------------------

    def complete_task(self, task_id: int, variables: Mapping[str, Any] | None = None, *,
                      actor: Actor = PROGRAM) -> None:
        """Complete a user task as `actor` (default: this program, trusted like an operator).

        The values are checked against the task's form and the variable rules (FormErrors names each one
        refused), and the actor must be allowed to complete the task (`task_rules`); all of it in the
        transaction that completes it, with the task row locked.
        """
        submitted = dict(variables or {})
        self.transactions.run(self._bounded(lambda unit: tasks.complete(
            unit, task_id, submitted, actor, self.variable_limits), actor), "complete_task")

    def claim(self, task_id: int, user: str | None = None, *, actor: Actor = PROGRAM) -> None:
        """`user` (default: the actor) claims the task; Conflict when someone else holds it."""
        inputs.optional_key(user, "the user name")
        self.transactions.run(self._by(actor, lambda unit: tasks.claim(unit, task_id, user or actor.name, actor)),
                              "claim")

    def unclaim(self, task_id: int, *, actor: Actor = PROGRAM) -> str | None:
        """Give the task back (or release it, as an operator): it returns to what the model says, its
        assignee there or else its candidates. Returns the assignee it went back to (None: the candidates)."""
        return self.transactions.run(self._by(actor, lambda unit: tasks.give_back(unit, task_id, actor)), "unclaim")

    def assign(self, task_id: int, user: str, *, actor: Actor = PROGRAM) -> None:
        """Give the task to `user`, whoever holds it now (operators, administrators and programs only)."""
        inputs.optional_key(user, "the user name")
        self.transactions.run(self._by(actor, lambda unit: tasks.assign(unit, task_id, user, actor)), "assign")

    def set_follow_up(self, task_id: int, when: date | None, *, actor: Actor = PROGRAM) -> None:
        """Set (None: clear) the day a task should come up again; whoever may complete it may set it."""
        self.transactions.run(lambda unit: tasks.set_follow_up(
            unit, task_id, when.isoformat() if when else None, actor), "follow_up")

    # --- messages and signals ---------------------------------------------------------------------

    def correlate_message(self, name: str, correlation_key: str | None = None,
                          variables: Mapping[str, Any] | None = None, *, actor: Actor = PROGRAM) -> int:
        """Deliver a message to the one instance waiting for it (or start one); returns that instance's id."""
        values = self._checked(variables)
        inputs.key(name, "the message name")
        inputs.optional_key(correlation_key, "the correlation key")
        return self.transactions.run(self._bounded(
            lambda unit: correlation.correlate_message(unit, name, correlation_key, values), actor), "message")

    def publish_message(self, name: str, correlation_key: str | None = None,
                        variables: Mapping[str, Any] | None = None, *, ttl: str | int | float = "PT1H",
                        message_id: str | None = None, actor: Actor = PROGRAM) -> message_buffer.Publication:
        """Publish a message as Zeebe does: delivered at once when an instance waits for it (or a process starts
        with it), otherwise buffered for `ttl` (an ISO 8601 duration or seconds; 0: not buffered) for the
        first instance that comes to wait for it; a `message_id` is published once while its message lives."""
        values = self._checked(variables)
        inputs.key(name, "the message name")
        inputs.optional_key(correlation_key, "the correlation key")
        if message_id is not None:
            inputs.key(message_id, "the message id")
        return self.transactions.run(self._bounded(lambda unit: message_buffer.publish_message(
            unit, name, correlation_key, values, message_buffer.time_to_live(ttl, unit.now), message_id), actor),
            "message")

    def buffered_messages(self, name: str | None = None, *, limit: int = 100) -> list[message_buffer.Buffered]:
        """The live messages in the buffer (of message `name`, or all), oldest first, without their variables."""
        with self.database.engine.connect() as connection:
            return message_buffer.buffered(connection, self.clock.now(), name, limit)

    def discard_buffered_message(self, buffered_id: int, *, actor: Actor = PROGRAM) -> None:
        """Remove a message from the buffer as `actor`: no instance takes it, and its message id is free again."""
        self.transactions.run(self._by(actor, lambda unit: message_buffer.discard(unit, buffered_id)), "message")

    def broadcast_signal(self, name: str, variables: Mapping[str, Any] | None = None, *,
                         actor: Actor = PROGRAM) -> int:
        """Deliver a signal to every instance waiting for it and start every process that starts with it."""
        values = self._checked(variables)
        inputs.key(name, "the signal name")
        return self.transactions.run(self._bounded(lambda unit: correlation.broadcast_signal(unit, name, values),
                                                   actor), "signal")

    def deliver_to_instance(self, instance_id: int, kind: str, name: str,
                            variables: Mapping[str, Any] | None = None) -> str:
        """Deliver message or signal `name` (`kind`) to this one instance, which waits for it; the element that
        took it. For an operator on the instance's page: no correlation picks another instance."""
        values = self._checked(variables)
        if kind not in ("message", "signal"):
            raise InvalidInput(f"send a message or a signal, not {kind!r}")
        inputs.key(name, f"the {kind} name")
        return self.transactions.run(self._bounded(
            lambda unit: correlation.deliver_to_instance(unit, instance_id, kind, name, values)), kind)

    # --- jobs, timers and incidents ---------------------------------------------------------------

    def acquire_jobs(self, worker: str, topics: list[str] | None = None, *, limit: int = 10,
                     lease_seconds: float = 60.0, starting: int | None = None,
                     actor: Actor = PROGRAM) -> list[JobContext]:
        """Lock up to `limit` due handler jobs for `worker` and describe them to the handlers. An `actor` whose
        API token names topics fetches from those only (`permissions.check_topics`). A worker that runs them
        one after another says how many it starts now (`starting`, else all) and, reporting on each, which one
        it starts next: a lease that expires on a job never started spends none of its tries."""
        inputs.key(worker, "the worker id")
        for topic in topics or ():
            inputs.key(topic, "a topic")
        allowed = permissions.check_topics(actor, topics)
        return self.transactions.run(lambda unit: jobs.acquire(unit, worker, allowed, limit, lease_seconds, starting),
                                     "acquire")

    def extend_lock(self, job_id: int, worker: str, lease_seconds: float = 60.0, *, actor: Actor = PROGRAM) -> None:
        """A heartbeat: a long handler keeps its job."""
        inputs.key(worker, "the worker id")
        self.transactions.run(self._by(actor, lambda unit: jobs.extend_lock(unit, job_id, worker, lease_seconds)),
                              "extend_lock", repeatable=True)

    def renew_leases(self, worker: str, leases: Mapping[int, float], *, patience: float = 0.0) -> set[int]:
        """A worker's heartbeat for every job it holds (job id -> lease seconds); returns the ids it still
        holds. It tries to reach the database for `patience` seconds only: the heartbeat keeps time itself."""
        return self.transactions.run(lambda unit: jobs.renew(unit, worker, leases), "extend_lock",
                                     repeatable=True, patience=patience)

    def release_jobs(self, job_ids: list[int], worker: str) -> None:
        """Hand back jobs a worker holds but has not started; the attempt does not count."""
        self.transactions.run(lambda unit: jobs.release(unit, job_ids, worker), "release_jobs", repeatable=True)

    def hand_back_jobs(self, worker: str) -> int:
        """Hand back every job locked to `worker`, which runs none of them now; how many."""
        return self.transactions.run(lambda unit: jobs.release_all(unit, worker), "release_jobs", repeatable=True)

    def complete_job(self, job_id: int, worker: str, variables: Mapping[str, Any] | None = None, *,
                     next_topics: Collection[str] | None = (), lease_seconds: float = 60.0,
                     starting: int | None = None, actor: Actor = PROGRAM) -> JobContext | None:
        """Complete a job and run its instance on to its next wait states, in one transaction. With
        `next_topics` (None: any topic), the next handler job of the instance on one of them comes back locked to `worker` for
        `lease_seconds` (job chaining, see `jobs.complete`); else None."""
        values = self._checked(variables)
        inputs.key(worker, "the worker id")
        return self.transactions.run(self._bounded(
            lambda unit: jobs.complete(unit, job_id, worker, values, next_topics, lease_seconds, starting), actor),
            "complete_job")

    def job_bpmn_error(self, job_id: int, worker: str, code: str, message: str = "",
                       variables: Mapping[str, Any] | None = None, *, starting: int | None = None,
                       actor: Actor = PROGRAM) -> None:
        """The handler raised a business error: the model's error boundary event (if any) takes over."""
        values = self._checked(variables)
        inputs.key(worker, "the worker id")
        self.transactions.run(self._bounded(lambda unit: jobs.bpmn_error(unit, job_id, worker, code, message, values,
                                                                            starting),
                                            actor), "job_error")

    def fail_job(self, job_id: int, worker: str, error: str, *, retries: int | None = None,
                 retry_in_seconds: float | None = None, starting: int | None = None, actor: Actor = PROGRAM) -> bool:
        """The handler failed: retry later (after `retry_in_seconds`, else as the task's retry cycle says, else
        with exponential backoff), or raise an incident when retries are spent. True when an incident was raised."""
        inputs.key(worker, "the worker id")
        return self.transactions.run(self._by(actor, lambda unit: jobs.fail(
            unit, job_id, worker, error, retries, retry_in_seconds, starting)), "fail_job")

    def run_due_timers(self, limit: int = 100) -> int:
        """Fire the timers and asynchronous continuations that are due, each in a transaction of its own (one
        that fails becomes an incident on its instance); returns how many fired."""
        return scheduled.fire_due(self, limit)

    def next_due(self) -> Any:
        """When the next timer or retry is due (None: nothing is scheduled)."""
        return self.queries.next_due()

    def retry_incident(self, incident_id: int, retries: int = 1, variables: Mapping[str, Any] | None = None, *,
                       actor: Actor = PROGRAM) -> None:
        """Try again what failed: give the job `retries` more tries, or re-run the element that failed. With
        `variables`, set them first in the same transaction (an operator's fix of the data it failed on)."""
        values = self._checked(variables)
        self.transactions.run(self._bounded(lambda unit: incidents.retry(unit, incident_id, retries, values), actor),
                              "retry_incident")

    # --- permissions and the audit trail ----------------------------------------------------------

    def grant(self, process_key: str, kind: str, principal_type: str, principal: str, *,
              actor: Actor = PROGRAM) -> bool:
        """An administrator lets a user or group start a process, see its instances or operate on them
        (`permissions`); False when the grant was there already."""
        return self.transactions.run(self._by(actor, lambda unit: _change_grant(
            unit, "permission.grant", process_key, kind, principal_type, principal)), "permission")

    def revoke(self, process_key: str, kind: str, principal_type: str, principal: str, *,
               actor: Actor = PROGRAM) -> bool:
        """Take back an administrator's grant; False when there was none."""
        return self.transactions.run(self._by(actor, lambda unit: _change_grant(
            unit, "permission.revoke", process_key, kind, principal_type, principal)), "permission")

    def purge_audit_before(self, cutoff: datetime, *, actor: Actor = PROGRAM) -> int:
        """Delete the audit entries older than `cutoff` (for the history-retention cleanup); how many."""
        return self.transactions.run(self._by(actor, lambda unit: audit.purge_audit_before(unit, cutoff)),
                                     "audit_purge")


def _change_grant(unit: UnitOfWork, action: str, process_key: str, kind: str, principal_type: str,
                  principal: str) -> bool:
    """Grant or revoke, as an administrator (or a program) only, recorded in the audit trail when it changed."""
    if not unit.actor.unrestricted:
        raise Forbidden("Only administrators can change who may start, see or operate on a process.")
    inputs.key(process_key, "the process key")
    change = permissions.grant if action == "permission.grant" else permissions.revoke
    changed = change(unit.connection, process_key, kind, principal_type, principal)
    if changed:
        unit.audit(action, process_key=process_key, detail={"kind": kind, principal_type: principal})
    return changed
