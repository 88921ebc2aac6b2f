"""The facade everything else calls: deploy, start, complete tasks, correlate messages, run jobs, query.

Each call is one transaction (`transactions`), retried when another writer changed the same instance
meanwhile; the work of each kind of call lives in a module of its own (deployments, instances, tasks,
correlation, jobs, scheduled, incidents). Nothing here knows BPMN semantics; that is the engine's job.
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from sqlalchemy.exc import IntegrityError

from bpmn_runtime.clock import Clock, SystemClock
from bpmn_runtime.engine.step import ScriptRunner
from bpmn_runtime.handlers import JobContext
from bpmn_runtime.metrics import Metrics
from bpmn_runtime.runtime import correlation, incidents, instances, jobs, scheduled, tasks
from bpmn_runtime.runtime.deployments import Deployments
from bpmn_runtime.runtime.queries import Queries
from bpmn_runtime.runtime.records import DeployedProcess
from bpmn_runtime.runtime.transactions import Transactions
from bpmn_runtime.runtime.variables import check_variables
from bpmn_runtime.store.database import Database

if TYPE_CHECKING:
    from opentelemetry.trace import TracerProvider

    from bpmn_runtime.tracing import Tracing


class Runtime:
    """A BPMN engine on one database. Safe to share between threads; several processes may share a database."""

    def __init__(self, db: str | None = None, *, clock: Clock | None = None, script_runner: ScriptRunner | None = None,
                 python_scripts: bool = False, default_retries: int = 3, retry_backoff_seconds: float = 1.0,
                 run_migrations: bool = True, reconnect_seconds: float = 5.0,
                 tracing: "bool | TracerProvider" = False) -> None:
        """`script_runner` gives script tasks their meaning; without one they run sandboxed assignments,
        or full Python when the operator sets `python_scripts` (see `python_scripts.py`). A call that finds
        the database unreachable tries again for `reconnect_seconds` before it raises `DatabaseUnavailable`.
        `tracing` (the `[otel]` extra): True traces with OpenTelemetry's global tracer provider, or give one;
        off, OpenTelemetry is not even imported."""
        self.database = Database(db, run_migrations=run_migrations)
        self.clock = clock or SystemClock()
        if script_runner is None and python_scripts:
            from bpmn_runtime.python_scripts import run_python_script
            script_runner = run_python_script
        self.script_runner = script_runner
        self.default_retries = default_retries
        self.retry_backoff_seconds = retry_backoff_seconds
        self.reconnect_seconds = reconnect_seconds
        self.tracing: Tracing | None = None
        if tracing:
            from bpmn_runtime.tracing import Tracing
            self.tracing = Tracing(None if tracing is True else tracing)
        self.transactions = Transactions(self)
        self.deployments = Deployments(self)
        self.metrics = Metrics(lambda: self.queries.backlog())

    def close(self) -> None:
        self.database.dispose()

    @functools.cached_property
    def queries(self) -> Queries:
        """Read-only questions (definitions, instances, tasks, jobs, incidents, history)."""
        return Queries(self)

    # --- definitions and instances ----------------------------------------------------------------

    def deploy(self, source: str | Path | bytes, file_name: str | None = None) -> list[DeployedProcess]:
        """Deploy a `.bpmn` file: each executable process in it gets a new version unless unchanged."""
        return self.deployments.deploy(source, file_name)

    def start(self, key: str, variables: Mapping[str, Any] | None = None, *, business_key: str | None = None,
              request_key: str | None = None, unique_business_key: bool = False, version: int | None = None,
              traceparent: str | None = None) -> int:
        """Start an instance of the newest (or the given) version of process `key`; returns its id. The
        instance's trace continues the caller's W3C `traceparent` when one is given.

        A repeated call with the same `request_key` returns the first instance instead of starting another.
        With `unique_business_key`, a running or finished instance of the process with that business key
        is returned instead, too.
        """
        values = check_variables(variables or {})
        try:  # with a request key a start is safe to repeat, even when its commit may have happened
            return self.transactions.run(lambda unit: instances.start(
                unit, key, values, business_key=business_key, request_key=request_key,
                unique_business_key=unique_business_key, version=version, traceparent=traceparent), "start",
                repeatable=request_key is not None)
        except IntegrityError:
            if request_key is None:
                raise
            found = self.transactions.run(lambda unit: instances.existing_start(unit, key, request_key, None), "start")
            if found is None:
                raise
            return found

    def cancel(self, instance_id: int, reason: str = "cancelled by an operator") -> None:
        self.transactions.run(lambda unit: instances.cancel(unit, instance_id, reason), "cancel")

    def set_variables(self, instance_id: int, variables: Mapping[str, Any]) -> None:
        """Set process variables of a running instance (for operators fixing data before a retry)."""
        values = check_variables(variables)
        self.transactions.run(lambda unit: instances.set_variables(unit, instance_id, values), "set_variables")

    # --- user tasks -------------------------------------------------------------------------------

    def complete_task(self, task_id: int, variables: Mapping[str, Any] | None = None, *, user: str | None = None) -> None:
        """Complete a user task with the given variables (already validated against its form by the caller)."""
        values = check_variables(variables or {})
        self.transactions.run(lambda unit: tasks.complete(unit, task_id, values, user), "complete_task")

    def claim(self, task_id: int, user: str) -> None:
        self.transactions.run(lambda unit: tasks.claim(unit, task_id, user), "claim")

    def unclaim(self, task_id: int) -> None:
        self.transactions.run(lambda unit: tasks.unclaim(unit, task_id), "unclaim")

    # --- messages and signals ---------------------------------------------------------------------

    def correlate_message(self, name: str, correlation_key: str | None = None,
                          variables: Mapping[str, Any] | None = None) -> int:
        """Deliver a message to the one instance waiting for it (or start one); returns that instance's id."""
        values = check_variables(variables or {})
        return self.transactions.run(lambda unit: correlation.correlate_message(unit, name, correlation_key, values),
                                     "message")

    def broadcast_signal(self, name: str, variables: Mapping[str, Any] | None = None) -> int:
        """Deliver a signal to every instance waiting for it and start every process that starts with it."""
        values = check_variables(variables or {})
        return self.transactions.run(lambda unit: correlation.deliver_signal(unit, name, values), "signal")

    # --- jobs, timers and incidents ---------------------------------------------------------------

    def acquire_jobs(self, worker: str, topics: list[str] | None = None, *, limit: int = 10,
                     lease_seconds: float = 60.0) -> list[JobContext]:
        """Lock up to `limit` due handler jobs for `worker` and describe them to the handlers."""
        return self.transactions.run(lambda unit: jobs.acquire(unit, worker, topics, limit, lease_seconds), "acquire")

    def extend_lock(self, job_id: int, worker: str, lease_seconds: float = 60.0) -> None:
        """A heartbeat: a long handler keeps its job."""
        self.transactions.run(lambda unit: jobs.extend_lock(unit, job_id, worker, lease_seconds), "extend_lock",
                              repeatable=True)

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

    def complete_job(self, job_id: int, worker: str, variables: Mapping[str, Any] | None = None) -> None:
        values = check_variables(variables or {})
        self.transactions.run(lambda unit: jobs.complete(unit, job_id, worker, values), "complete_job")

    def job_bpmn_error(self, job_id: int, worker: str, code: str, message: str = "",
                       variables: Mapping[str, Any] | None = None) -> None:
        """The handler raised a business error: the model's error boundary event (if any) takes over."""
        values = check_variables(variables or {})
        self.transactions.run(lambda unit: jobs.bpmn_error(unit, job_id, worker, code, message, values), "job_error")

    def fail_job(self, job_id: int, worker: str, error: str, *, retries: int | None = None,
                 retry_in_seconds: float | None = None) -> bool:
        """The handler failed: retry later with exponential backoff, or raise an incident when retries are
        spent. Returns True when an incident was raised."""
        return self.transactions.run(lambda unit: jobs.fail(unit, job_id, worker, error, retries, retry_in_seconds),
                                     "fail_job")

    def run_due_timers(self, limit: int = 100) -> int:
        """Fire the timers and asynchronous continuations that are due, each in a transaction of its own (one
        that fails becomes an incident on its instance); returns how many fired."""
        return scheduled.fire_due(self, limit)

    def next_due(self) -> Any:
        """When the next timer or retry is due (None: nothing is scheduled)."""
        return self.queries.next_due()

    def retry_incident(self, incident_id: int, retries: int = 1) -> None:
        """Try again what failed: give the job `retries` more tries, or re-run the element that failed."""
        self.transactions.run(lambda unit: incidents.retry(unit, incident_id, retries), "retry_incident")
