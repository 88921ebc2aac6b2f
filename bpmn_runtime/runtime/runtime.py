"""The facade everything else calls: deploy, start, complete tasks, correlate messages, run jobs, query.

Each call is one transaction (load, engine step, save), retried when another writer changed the
same instance meanwhile. Nothing here knows BPMN semantics; that is the engine's job.
"""
from __future__ import annotations

import functools
import hashlib
import logging
import time
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, Mapping, TypeVar

from sqlalchemy import Connection, Select, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from bpmn_runtime.clock import Clock, SystemClock
from bpmn_runtime.engine.state import ROOT
from bpmn_runtime.engine.step import ScriptRunner
from bpmn_runtime.errors import Conflict, NotFound
from bpmn_runtime.handlers import JobContext
from bpmn_runtime.metrics import Metrics
from bpmn_runtime.model import Definitions, Process
from bpmn_runtime.parser import parse
from bpmn_runtime.runtime.queries import Queries
from bpmn_runtime.runtime.records import DeployedProcess
from bpmn_runtime.runtime.unit_of_work import DefinitionRef, StaleInstance, UnitOfWork
from bpmn_runtime.runtime.variables import check_variables
from bpmn_runtime.store import statements
from bpmn_runtime.store.database import Database
from bpmn_runtime.store.tables import Definition, Incident, Instance, Job, Subscription, UserTask

log = logging.getLogger("bpmn_runtime")
T = TypeVar("T")
TRANSIENT_PG_CODES = {"40001", "40P01"}  # serialization failure, deadlock detected


def _is_transient(error: OperationalError) -> bool:
    """A failure that the same transaction, tried again, can get past."""
    return getattr(error.orig, "pgcode", None) in TRANSIENT_PG_CODES or "database is locked" in str(error.orig)


class Runtime:
    """A BPMN engine on one database. Safe to share between threads; several processes may share a database."""

    def __init__(self, db: str | None = None, *, clock: Clock | None = None, script_runner: ScriptRunner | None = None,
                 python_scripts: bool = False, default_retries: int = 3, retry_backoff_seconds: float = 1.0,
                 run_migrations: bool = True) -> None:
        """`script_runner` gives script tasks their meaning; without one they run sandboxed assignments,
        or full Python when the operator sets `python_scripts` (see `python_scripts.py`)."""
        self.database = Database(db, run_migrations=run_migrations)
        self.clock = clock or SystemClock()
        if script_runner is None and python_scripts:
            from bpmn_runtime.python_scripts import run_python_script
            script_runner = run_python_script
        self.script_runner = script_runner
        self.default_retries = default_retries
        self.retry_backoff_seconds = retry_backoff_seconds
        self.metrics = Metrics(self._backlog)
        self._definitions: dict[int, Definitions] = {}

    def close(self) -> None:
        self.database.dispose()

    # --- transactions -----------------------------------------------------------------------------

    def transaction(self, work: Callable[[UnitOfWork], T], operation: str = "call", attempts: int = 5) -> T:
        """Run `work` in one transaction; retry it from scratch when an instance was changed meanwhile."""
        for attempt in range(1, attempts + 1):
            started = time.perf_counter()
            with self.database.engine.connect() as connection:
                unit = UnitOfWork(self, connection)
                try:
                    with connection.begin():  # commits when the block ends, rolls back on an exception
                        result = work(unit)
                        unit.finish()
                    self.metrics.step_done(operation, time.perf_counter() - started)
                    return result
                except (StaleInstance, OperationalError) as error:
                    if isinstance(error, OperationalError) and not _is_transient(error):
                        raise
                    if attempt == attempts:
                        raise Conflict("the instance is being changed by others; try again") from None
                    time.sleep(0.01 * attempt)
                finally:
                    unit.close()
        raise AssertionError("unreachable")

    # --- definitions ------------------------------------------------------------------------------

    def deploy(self, source: str | Path | bytes, file_name: str | None = None) -> list[DeployedProcess]:
        """Deploy a `.bpmn` file: each executable process in it gets a new version unless unchanged."""
        if isinstance(source, bytes):
            data, name = source, file_name or "upload.bpmn"
        else:
            path = Path(source)
            if not path.is_file():
                raise NotFound(f"{path}: no such file")
            data, name = path.read_bytes(), file_name or path.name
        definitions = parse(data, name, check_scripts=self.script_runner is None)
        checksum = hashlib.sha256(data).hexdigest()

        def work(unit: UnitOfWork) -> list[DeployedProcess]:
            deployed = []
            for process in definitions.executable_processes():
                deployed.append(self._deploy_process(unit.session, process, name, data, checksum, unit))
            return deployed
        return self.transaction(work, "deploy")

    def _deploy_process(self, session: Session, process: Process, name: str, data: bytes, checksum: str,
                        unit: UnitOfWork) -> DeployedProcess:
        latest = session.execute(select(Definition).where(Definition.key == process.id)
                                 .order_by(Definition.version.desc()).limit(1)).scalar_one_or_none()
        if latest is not None and latest.checksum == checksum:
            return DeployedProcess(process.id, latest.version, latest.id, latest.name, latest.file_name, False)
        version = latest.version + 1 if latest else 1
        definition = Definition(key=process.id, version=version, name=process.name or process.id, file_name=name,
                                checksum=checksum, xml=data, deployed_at=unit.now)
        session.add(definition)
        session.flush()
        self._register_start_events(session, definition, process, unit)
        log.info("deployed %s version %s from %s", process.id, version, name)
        return DeployedProcess(process.id, version, definition.id, definition.name, name, True)

    def _register_start_events(self, session: Session, definition: Definition, process: Process,
                               unit: UnitOfWork) -> None:
        """Message, signal and timer start events of the newest version start instances; older versions' stop."""
        from bpmn_runtime.engine.timers import first_due
        session.execute(delete(Subscription).where(Subscription.instance_id.is_(None),
                                                   Subscription.name.in_(self._start_names(process)) |
                                                   Subscription.element_id.in_(process.scope(process.id).start_events)))
        session.execute(delete(Job).where(Job.kind == "start_timer", Job.topic == process.id))
        for start_id in process.scope(process.id).start_events:
            start = process.element(start_id)
            for definition_event in start.events:
                if definition_event.kind in ("message", "signal"):
                    session.execute(insert(Subscription).values(
                        definition_id=definition.id, kind=definition_event.kind, name=definition_event.name or "",
                        element_id=start.id, created_at=unit.now))
                elif definition_event.kind == "timer" and definition_event.timer is not None:
                    due, _ = first_due(definition_event.timer.kind, definition_event.timer.expression, unit.now)
                    session.execute(insert(Job).values(
                        definition_id=definition.id, kind="start_timer", topic=process.id, element_id=start.id,
                        due_at=due, retries=self.default_retries, created_at=unit.now,
                        idempotency_key=f"start-{definition.id}-{start.id}"))

    @staticmethod
    def _start_names(process: Process) -> list[str]:
        return [d.name for s in process.scope(process.id).start_events for d in process.element(s).events
                if d.name and d.kind in ("message", "signal")]

    def process_of(self, definition_id: int, key: str, bind: Session | Connection) -> Process:
        """The parsed process of a stored definition (parsed once per definition and kept)."""
        definitions = self._definitions.get(definition_id)
        if definitions is None:
            row = bind.execute(statements.DEFINITION_SOURCE, {"definition_id": definition_id}).one_or_none()
            if row is None:
                raise NotFound(f"there is no deployed definition {definition_id}")
            definitions = parse(row.xml, row.file_name, check_scripts=self.script_runner is None)
            self._definitions[definition_id] = definitions
        return definitions.processes[key]

    def latest_definition(self, key: str, bind: Session | Connection,
                          version: int | None = None) -> tuple[DefinitionRef, Process]:
        """The newest (or the given) version of process `key` and its parsed process."""
        query = statements.DEFINITION_VERSION if version else statements.LATEST_DEFINITION
        connection = bind.connection() if isinstance(bind, Session) else bind
        row = query.one_or_none(connection, {"key": key, "version": version})
        if row is None:
            known = bind.execute(select(Definition.key).distinct()).scalars().all()
            hint = f"; deployed processes: {', '.join(sorted(known))}" if known else "; nothing is deployed yet"
            raise NotFound(f"there is no deployed process '{key}'{' version ' + str(version) if version else ''}{hint}")
        definition = DefinitionRef(*row)
        return definition, self.process_of(definition.id, key, bind)

    # --- instances --------------------------------------------------------------------------------

    def start(self, key: str, variables: Mapping[str, Any] | None = None, *, business_key: str | None = None,
              request_key: str | None = None, unique_business_key: bool = False, version: int | None = None) -> int:
        """Start an instance of the newest (or the given) version of process `key`; returns its id.

        A repeated call with the same `request_key` returns the first instance instead of starting another.
        With `unique_business_key`, a running or finished instance of the process with that business key
        is returned instead, too.
        """
        values = check_variables(variables or {})

        def work(unit: UnitOfWork) -> int:
            existing = self._existing_start(unit.connection, key, request_key,
                                            business_key if unique_business_key else None)
            if existing is not None:
                return existing
            definition, process = self.latest_definition(key, unit.connection, version)
            instance_id = unit.start(definition, process, values, business_key=business_key, request_key=request_key)
            self.metrics.instance_started(key)
            return instance_id
        try:
            return self.transaction(work, "start")
        except IntegrityError:
            if request_key is None:
                raise
            return self.transaction(lambda unit: self._existing_start(unit.connection, key, request_key, None), "start")

    @staticmethod
    def _existing_start(connection: Connection, key: str, request_key: str | None,
                        business_key: str | None) -> int | None:
        if request_key is not None:
            found = connection.execute(select(Instance.id).where(Instance.request_key == request_key)).scalar()
            if found is not None:
                return found
        if business_key is not None:
            return connection.execute(select(Instance.id).where(Instance.process_key == key,
                                                                Instance.business_key == business_key)
                                      .order_by(Instance.id).limit(1)).scalar()
        return None

    def cancel(self, instance_id: int, reason: str = "cancelled by an operator") -> None:
        def work(unit: UnitOfWork) -> None:
            loaded = unit.load(instance_id)
            if loaded.state.status != "active":
                raise Conflict(f"process instance {instance_id} has already ended ({loaded.state.status})")
            unit.step(loaded, lambda s: s.cancel(reason))
        self.transaction(work, "cancel")

    # --- user tasks -------------------------------------------------------------------------------

    def complete_task(self, task_id: int, variables: Mapping[str, Any] | None = None, *, user: str | None = None) -> None:
        """Complete a user task with the given variables (already validated against its form by the caller)."""
        values = check_variables(variables or {})

        def work(unit: UnitOfWork) -> None:
            task = unit.connection.execute(self._for_update(select(
                UserTask.instance_id, UserTask.wait_key, UserTask.assignee, UserTask.name)
                .where(UserTask.id == task_id))).one_or_none()
            if task is None:
                raise NotFound(f"there is no open task {task_id}; it may have been completed already")
            if user is not None and task.assignee not in (None, user):
                raise Conflict(f"task {task_id} is claimed by {task.assignee}")
            loaded = unit.load(task.instance_id)
            unit.step(loaded, lambda s: s.trigger(task.wait_key, values))
            log.info("instance %s (business key %s): task %s '%s' completed%s", loaded.id,
                     loaded.business_key or "-", task_id, task.name, f" by {user}" if user else "")
        self.transaction(work, "complete_task")

    def claim(self, task_id: int, user: str) -> None:
        def work(unit: UnitOfWork) -> None:
            result = unit.session.execute(update(UserTask).where(
                UserTask.id == task_id, or_(UserTask.assignee.is_(None), UserTask.assignee == user))
                .values(assignee=user))
            if result.rowcount != 1:
                task = unit.session.get(UserTask, task_id)
                if task is None:
                    raise NotFound(f"there is no open task {task_id}; it may have been completed already")
                raise Conflict(f"task {task_id} is already claimed by {task.assignee}")
        self.transaction(work, "claim")

    def unclaim(self, task_id: int) -> None:
        def work(unit: UnitOfWork) -> None:
            if unit.session.execute(update(UserTask).where(UserTask.id == task_id).values(assignee=None)).rowcount != 1:
                raise NotFound(f"there is no open task {task_id}")
        self.transaction(work, "unclaim")

    # --- messages and signals ---------------------------------------------------------------------

    def correlate_message(self, name: str, correlation_key: str | None = None,
                          variables: Mapping[str, Any] | None = None) -> int:
        """Deliver a message to the one instance waiting for it (or start one); returns that instance's id."""
        values = check_variables(variables or {})

        def work(unit: UnitOfWork) -> int:
            found = self._deliver_message(unit, name, correlation_key, values, None)
            if found is None:
                raise NotFound(f"no instance waits for message '{name}'"
                               f"{' with correlation key ' + repr(correlation_key) if correlation_key else ''}, "
                               f"and no process starts with it")
            return found
        return self.transaction(work, "message")

    def _deliver_message(self, unit: UnitOfWork, name: str, key: str | None, variables: Mapping[str, Any],
                         sender: int | None) -> int | None:
        query = select(Subscription).where(Subscription.kind == "message", Subscription.name == name,
                                           Subscription.instance_id.is_not(None))
        if key is not None:
            query = query.where(or_(Subscription.correlation_key == key, Subscription.correlation_key.is_(None)))
        if sender is not None:
            query = query.where(Subscription.instance_id != sender)
        if unit.runtime.database.is_sqlite:
            subscription = unit.session.execute(query.order_by(Subscription.id).limit(1)).scalar_one_or_none()
        else:
            subscription = unit.session.execute(query.order_by(Subscription.id).limit(1)
                                                .with_for_update(skip_locked=True)).scalar_one_or_none()
        if subscription is not None:
            loaded = unit.load(subscription.instance_id)
            unit.step(loaded, lambda s: s.trigger(subscription.wait_key, variables))
            return loaded.id
        start = unit.session.execute(select(Subscription).where(
            Subscription.kind == "message", Subscription.name == name, Subscription.instance_id.is_(None))
            .limit(1)).scalar_one_or_none()
        if start is None:
            if sender is not None:
                log.info("instance %s threw message '%s' but no instance waits for it", sender, name)
            return None
        definition = unit.session.get(Definition, start.definition_id)
        process = self.process_of(definition.id, definition.key, unit.session)
        return unit.start(definition, process, variables, business_key=key, start_event=start.element_id)

    def broadcast_signal(self, name: str, variables: Mapping[str, Any] | None = None) -> int:
        """Deliver a signal to every instance waiting for it and start every process that starts with it."""
        values = check_variables(variables or {})
        return self.transaction(lambda unit: self._deliver_signal(unit, name, values), "signal")

    def _deliver_signal(self, unit: UnitOfWork, name: str, variables: Mapping[str, Any],
                        sender: int | None = None) -> int:
        """`sender`, the instance that threw the signal, has already delivered it to its own catchers."""
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
                process = self.process_of(definition.id, definition.key, unit.session)
                unit.start(definition, process, variables, start_event=row.element_id)
                count += 1
                continue
            loaded = unit.load(row.instance_id)
            if loaded.state.status == "active" and row.wait_key in loaded.state.waits:
                unit.step(loaded, lambda s, k=row.wait_key: s.trigger(k, variables))
                count += 1
        return count

    # --- jobs and timers --------------------------------------------------------------------------

    def acquire_jobs(self, worker: str, topics: list[str] | None = None, *, limit: int = 10,
                     lease_seconds: float = 60.0) -> list[JobContext]:
        """Lock up to `limit` due handler jobs for `worker` and describe them to the handlers."""
        def work(unit: UnitOfWork) -> list[JobContext]:
            query = select(Job).where(Job.kind == "job", Job.retries > 0, Job.due_at <= unit.now,
                                      or_(Job.lock_expires_at.is_(None), Job.lock_expires_at < unit.now))
            if topics is not None:
                query = query.where(Job.topic.in_(topics))
            query = query.order_by(Job.due_at, Job.id).limit(limit)
            if not self.database.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            jobs = unit.session.execute(query).scalars().all()
            contexts = []
            for job in jobs:
                if job.lock_owner is not None:
                    job.expired_leases += 1
                    log.warning("job %s (%s) of instance %s: the lease of %s expired; %s takes it over",
                                job.id, job.topic, job.instance_id, job.lock_owner, worker)
                loaded = unit.load(job.instance_id)
                wait = loaded.state.waits.get(job.wait_key)
                timeout = wait.detail.get("timeout") if wait else None
                job.lock_owner = worker
                job.lock_expires_at = unit.now + timedelta(seconds=timeout or lease_seconds)
                job.attempts += 1
                ai = loaded.state.instances.get(wait.ai) if wait else None
                variables: dict[str, Any] = {}
                if ai is not None:
                    from bpmn_runtime.engine.step import Step
                    variables = dict(Step(loaded.process, loaded.state, unit.now).variables(ai))
                contexts.append(JobContext(job.id, loaded.id, loaded.business_key, loaded.process_key, job.element_id,
                                           job.topic, variables, job.idempotency_key, job.attempts,
                                           dict(wait.detail.get("headers", {})) if wait else {}))
            return contexts
        return self.transaction(work, "acquire")

    def extend_lock(self, job_id: int, worker: str, lease_seconds: float = 60.0) -> None:
        """A heartbeat: a long handler keeps its job."""
        def work(unit: UnitOfWork) -> None:
            result = unit.session.execute(update(Job).where(Job.id == job_id, Job.lock_owner == worker)
                                          .values(lock_expires_at=unit.now + timedelta(seconds=lease_seconds)))
            if result.rowcount != 1:
                raise Conflict(f"job {job_id} is no longer locked by {worker}")
        self.transaction(work, "extend_lock")

    def release_jobs(self, job_ids: list[int], worker: str) -> None:
        """Hand back jobs a stopping worker holds but has not started; the attempt does not count."""
        def work(unit: UnitOfWork) -> None:
            unit.session.execute(update(Job).where(Job.id.in_(job_ids), Job.lock_owner == worker).values(
                lock_owner=None, lock_expires_at=None, attempts=Job.attempts - 1))
        self.transaction(work, "release_jobs")

    def _for_update(self, query: Select) -> Select:
        """Lock the rows read (PostgreSQL): a racing caller waits, then sees what the winner left."""
        return query if self.database.is_sqlite else query.with_for_update()

    def _locked_job(self, unit: UnitOfWork, job_id: int, worker: str) -> Job:
        job = unit.session.execute(self._for_update(select(Job).where(Job.id == job_id))).scalar()
        if job is None:
            raise NotFound(f"there is no job {job_id}; it was completed or its activity was interrupted")
        if job.lock_owner != worker:
            raise Conflict(f"job {job_id} is locked by {job.lock_owner or 'nobody'}, not {worker}; "
                           f"its lease may have expired")
        return job

    def complete_job(self, job_id: int, worker: str, variables: Mapping[str, Any] | None = None) -> None:
        values = check_variables(variables or {})

        def work(unit: UnitOfWork) -> None:
            job = self._locked_job(unit, job_id, worker)
            loaded = unit.load(job.instance_id)
            unit.step(loaded, lambda s: s.trigger(job.wait_key, values))
        self.transaction(work, "complete_job")

    def job_bpmn_error(self, job_id: int, worker: str, code: str, message: str = "",
                       variables: Mapping[str, Any] | None = None) -> None:
        """The handler raised a business error: the model's error boundary event (if any) takes over."""
        values = check_variables(variables or {})

        def work(unit: UnitOfWork) -> None:
            job = self._locked_job(unit, job_id, worker)
            loaded = unit.load(job.instance_id)
            log.info("instance %s (business key %s): handler of %s raised BPMN error %s %s", loaded.id,
                     loaded.business_key or "-", job.element_id, code, message)
            step = unit.step(loaded, lambda s: s.job_error(job.wait_key, code, values))
            if step.effects.incidents:
                unit.session.execute(update(Job).where(Job.id == job_id).values(
                    retries=0, lock_owner=None, lock_expires_at=None,
                    last_error=f"BPMN error {code} not caught: {message}"))
        self.transaction(work, "job_error")

    def fail_job(self, job_id: int, worker: str, error: str, *, retries: int | None = None,
                 retry_in_seconds: float | None = None) -> bool:
        """The handler failed: retry later with exponential backoff, or raise an incident when retries are
        spent. Returns True when an incident was raised."""
        def work(unit: UnitOfWork) -> bool:
            job = self._locked_job(unit, job_id, worker)
            remaining = (retries if retries is not None else job.retries - 1)
            job.retries = max(remaining, 0)
            job.last_error = error[:10_000]
            job.lock_owner = None
            job.lock_expires_at = None
            loaded = unit.load(job.instance_id)
            if job.retries > 0:
                delay = retry_in_seconds if retry_in_seconds is not None else \
                    self.retry_backoff_seconds * 2 ** max(job.attempts - 1, 0)
                job.due_at = unit.now + timedelta(seconds=delay)
                self.metrics.job_retries.labels(job.topic).inc()
                log.warning("instance %s (business key %s): job %s (%s) failed, %s retries left, next in %.1fs: %s",
                            loaded.id, loaded.business_key or "-", job.id, job.topic, job.retries, delay,
                            error.strip().splitlines()[-1] if error.strip() else "")
                return False
            unit.session.add(Incident(instance_id=job.instance_id, job_id=job.id, element_id=job.element_id,
                                      message=f"{job.topic}: {error.splitlines()[-1] if error else 'failed'}",
                                      created_at=unit.now))
            self.metrics.incidents.labels(loaded.process_key).inc()
            log.error("instance %s (business key %s): job %s (%s) failed with no retries left; incident raised: %s",
                      loaded.id, loaded.business_key or "-", job.id, job.topic, error.splitlines()[-1] if error else "")
            return True
        return self.transaction(work, "fail_job")

    def run_due_timers(self, limit: int = 100) -> int:
        """Fire the timers and asynchronous continuations that are due; returns how many fired."""
        def work(unit: UnitOfWork) -> int:
            query = select(Job).where(Job.kind.in_(("timer", "continuation", "start_timer")), Job.due_at <= unit.now,
                                      Job.retries > 0,
                                      or_(Job.lock_expires_at.is_(None), Job.lock_expires_at < unit.now))
            query = query.order_by(Job.due_at, Job.id).limit(limit)
            if not self.database.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            fired = 0
            for job in unit.session.execute(query).scalars().all():
                if job.kind == "start_timer":
                    self._fire_start_timer(unit, job)
                else:
                    loaded = unit.load(job.instance_id)
                    if loaded.state.status == "active" and job.wait_key in loaded.state.waits:
                        unit.step(loaded, lambda s, k=job.wait_key: s.trigger(k, {}))
                fired += 1
            return fired
        return self.transaction(work, "timers")

    def _fire_start_timer(self, unit: UnitOfWork, job: Job) -> None:
        from bpmn_runtime.engine.timers import cycle_interval
        definition = unit.session.get(Definition, job.definition_id)
        process = self.process_of(definition.id, definition.key, unit.session)
        unit.start(definition, process, {}, start_event=job.element_id)
        timer = next(d.timer for d in process.element(job.element_id).events if d.kind == "timer")
        if timer is not None and timer.kind == "cycle":
            job.due_at = job.due_at + cycle_interval(timer.expression)
        else:
            unit.session.delete(job)

    def _backlog(self) -> dict[str, int]:
        """Counts for the metrics gauges."""
        now = self.clock.now()
        with self.database.session() as session:
            def count(query: Select) -> int:
                return session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
            return {
                "jobs_due": count(select(Job.id).where(Job.kind == "job", Job.due_at <= now, Job.retries > 0)),
                "timers_due": count(select(Job.id).where(Job.kind != "job", Job.due_at <= now, Job.retries > 0)),
                "incidents_open": count(select(Incident.id).where(Incident.resolved_at.is_(None))),
                "instances_active": count(select(Instance.id).where(Instance.status == "active")),
            }

    def next_due(self) -> Any:
        """When the next timer or retry is due (None: nothing is scheduled)."""
        with self.database.session() as session:
            return session.execute(select(func.min(Job.due_at)).where(Job.retries > 0)).scalar()

    # --- incidents --------------------------------------------------------------------------------

    def retry_incident(self, incident_id: int, retries: int = 1) -> None:
        """Try again what failed: give the job `retries` more tries, or re-run the element that failed."""
        def work(unit: UnitOfWork) -> None:
            incident = unit.session.get(Incident, incident_id)
            if incident is None or incident.resolved_at is not None:
                raise NotFound(f"there is no open incident {incident_id}")
            incident.resolved_at = unit.now
            if incident.job_id is not None:
                job = unit.session.get(Job, incident.job_id)
                if job is None:
                    raise Conflict(f"the job of incident {incident_id} no longer exists")
                job.retries = retries
                job.due_at = unit.now
                job.lock_owner = None
                job.lock_expires_at = None
                return
            loaded = unit.load(incident.instance_id)
            unit.step(loaded, lambda s: s.retry(incident.activity_instance))
        self.transaction(work, "retry_incident")

    # --- variables --------------------------------------------------------------------------------

    def set_variables(self, instance_id: int, variables: Mapping[str, Any]) -> None:
        """Set process variables of a running instance (for operators fixing data before a retry)."""
        values = check_variables(variables)

        def work(unit: UnitOfWork) -> None:
            loaded = unit.load(instance_id)
            unit.step(loaded, lambda s: s.set_variables(s.state.instances[ROOT], values) or s.run())
        self.transaction(work, "set_variables")

    @functools.cached_property
    def queries(self) -> Queries:
        """Read-only questions (definitions, instances, tasks, jobs, incidents, history)."""
        return Queries(self)

