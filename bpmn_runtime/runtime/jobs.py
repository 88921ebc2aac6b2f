"""Handler jobs: acquired by a worker with a lease, reported as done, failed or a business error.

Each function works inside the caller's unit of work (one transaction). A job's lease keeps other workers
off it while its handler runs; an expired lease lets any worker take it again.
"""
from __future__ import annotations

import copy
import logging
import traceback
from collections import ChainMap
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Collection, Mapping, NamedTuple, Sequence

from sqlalchemy import Connection, Integer, bindparam, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql.elements import BindParameter

from bpmn_runtime.engine.state import JobWait, Wait
from bpmn_runtime.engine.timers import retry_delay
from bpmn_runtime.errors import Conflict, NotFound
from bpmn_runtime.handlers import JobContext
from bpmn_runtime.logs import log_event
from bpmn_runtime.sensitive import redact
from bpmn_runtime.runtime import permissions, suspension
from bpmn_runtime.store import statements
from bpmn_runtime.store.tables import Incident, Instance, Job

if TYPE_CHECKING:
    from bpmn_runtime.runtime.unit_of_work import LoadedInstance, UnitOfWork

log = logging.getLogger("bpmn_runtime")


JOBS, INSTANCES = statements.JOBS, statements.INSTANCES
# Acquisition (see `acquire`): the due handler jobs, oldest first, each with its instance's row, on the topics a
# worker asks for (one statement per number of topics; none: every topic); on PostgreSQL locked, skipping those
# another worker is locking. The instance's state comes along, as the worker's runtime rarely stepped it last
# (when it holds it at that version after all, `UnitOfWork.hold` takes it from its cache).
_DUE_JOBS = select(JOBS.c.id, JOBS.c.wait_key, JOBS.c.topic, JOBS.c.element_id, JOBS.c.idempotency_key,
                   JOBS.c.attempts, JOBS.c.lock_owner, JOBS.c.started_at.is_not(None).cast(Integer),
                   *statements.INSTANCE_COLUMNS) \
    .select_from(JOBS.join(INSTANCES, INSTANCES.c.id == JOBS.c.instance_id)) \
    .where(JOBS.c.kind == "job", JOBS.c.retries > 0, JOBS.c.due_at <= bindparam("now"),
           or_(JOBS.c.lock_expires_at.is_(None), JOBS.c.lock_expires_at < bindparam("now")),
           suspension.job_movable()) \
    .order_by(JOBS.c.due_at, JOBS.c.id).limit(bindparam("limit")).with_for_update(skip_locked=True, of=JOBS)
_DUE_JOB_WIDTH = 8  # the job's columns, before its instance's
_due_jobs: dict[int | None, statements.DriverStatement] = {}
# The jobs of one acquisition locked to their worker (one statement per number of jobs).
_lock_jobs: dict[int, statements.DriverStatement] = {}


def due_jobs(connection: Connection, now: datetime, topics: Sequence[str] | None,
             limit: int) -> list[tuple[Any, ...]]:
    """Up to `limit` due handler jobs on `topics` (None: any), free or with an expired lease; each row: id, wait
    key, topic, element, idempotency key, attempts, lock owner, whether it was started (1 or 0), then the
    instance's `statements.INSTANCE_COLUMNS`."""
    count = None if topics is None else len(topics)
    statement = _due_jobs.get(count)
    if statement is None:
        names: list[BindParameter[Any]] = [bindparam(f"topic_{n}") for n in range(count or 0)]
        statement = _due_jobs[count] = statements.DriverStatement(
            _DUE_JOBS if topics is None else _DUE_JOBS.where(JOBS.c.topic.in_(names)))
    return statement.all(connection, {"now": now, "limit": limit, "held_version": None,
                                      **{f"topic_{n}": topic for n, topic in enumerate(topics or ())}})


def lock_jobs(connection: Connection, job_ids: Sequence[int], worker: str, expires: datetime,
              started_at: datetime | None) -> None:
    """Lock `job_ids` to `worker` until `expires`, one more attempt each; `started_at`: when `worker` started them
    (None: not yet)."""
    statement = _lock_jobs.get(len(job_ids))
    if statement is None:
        statement = _lock_jobs[len(job_ids)] = statements.DriverStatement(
            update(JOBS).where(JOBS.c.id.in_([bindparam(f"job_{n}") for n in range(len(job_ids))]))
            .values(lock_owner=bindparam("worker"), lock_expires_at=bindparam("expires"),
                    started_at=bindparam("started"), attempts=JOBS.c.attempts + 1))
    statement.rowcount(connection, {"worker": worker, "expires": expires, "started": started_at,
                                    **{f"job_{n}": job_id for n, job_id in enumerate(job_ids)}})


def acquire(unit: UnitOfWork, worker: str, topics: list[str] | None, limit: int,
            lease_seconds: float, starting: int | None = None) -> list[JobContext]:
    """Lock up to `limit` due handler jobs for `worker` and describe them to the handlers. The first
    `starting` of them (all, when None) count as started now; a worker that runs its jobs one after another
    starts only the first, and says which one it starts next when it reports on one (`mark_started`).

    A job whose lease expired while its handler ran lost its worker: that counts as one of its tries, and
    when none are left it becomes an incident instead. Such a job is taken alone, so that a job whose handler
    kills its worker costs no other job a try; a job whose lease expired before it was started spends none.
    A job that cannot even be described (its instance's data does not fit its input mapping, say) becomes an
    incident; the others are acquired all the same.

    One statement reads the jobs with their instances and one locks those of each lease; the rare job with an
    expired lease or one that cannot be described is handled on its ORM row (`_count_lost_lease`, `stop_job`).
    """
    contexts: list[JobContext] = []
    locking: dict[tuple[float, bool], list[int]] = {}  # (lease, started now): the jobs to lock so
    for row in due_jobs(unit.connection, unit.now, topics, limit):
        job_id, lock_owner, started_before = row[0], row[6], bool(row[7])
        orphaned = lock_owner is not None
        suspect = orphaned and started_before  # its handler was running when its worker stopped
        if suspect and contexts:
            continue  # left for a later round, to be run alone
        try:
            described = _describe(unit, row, lease_seconds)
        except SQLAlchemyError:
            raise
        except Exception as error:  # a fault of this job's instance, not of the round
            stop_job(unit, _job_of(unit, job_id), f"the job could not be prepared: {plain_error(error)}",
                     traceback.format_exc())
            continue
        if orphaned:
            if not _count_lost_lease(unit, _job_of(unit, job_id), worker):
                continue
            unit.session.flush()  # its attempts as counted there, before `lock_jobs` adds this one
        started = starting is None or len(contexts) < starting
        locking.setdefault((described.lease_seconds, started), []).append(job_id)
        contexts.append(described)
        if suspect:
            break
    for (lease, started), job_ids in locking.items():
        lock_jobs(unit.connection, job_ids, worker, unit.now + timedelta(seconds=lease), unit.now if started else None)
    _announce_locked(unit, worker, contexts)
    return contexts


def _job_of(unit: UnitOfWork, job_id: int) -> Job:
    """The ORM row of a job, for the rare paths of an acquisition that change more than its lock."""
    job = unit.session.get(Job, job_id)
    if job is None:
        raise NotFound(f"there is no job {job_id}")
    return job


def _announce_locked(unit: UnitOfWork, worker: str, contexts: list[JobContext]) -> None:
    """At DEBUG, once the transaction commits: which jobs `worker` now holds, with their inputs."""
    if contexts and log.isEnabledFor(logging.DEBUG):
        def announce() -> None:
            for c in contexts:
                log_event(log, logging.DEBUG, "job %s (%s) locked by %s, attempt %s; inputs: %s", c.job_id, c.topic,
                          worker, c.attempt, redact(c.variables), **job_fields(c))
        unit.after_commit(announce)


def job_fields(job: JobContext) -> dict[str, Any]:
    """The ids a log line about a handler job carries."""
    return {"instance_id": job.instance_id, "business_key": job.business_key, "process_key": job.process_key,
            "element_id": job.activity_id, "job_id": job.job_id, "topic": job.topic}


def _describe(unit: UnitOfWork, row: Sequence[Any], lease_seconds: float) -> JobContext:
    """What the handler of the job of `row` (see `due_jobs`) is told: its instance's variables as the activity
    sees them, and more."""
    job_id, wait_key, topic, element_id, key, attempts = row[:6]
    loaded = unit.hold(row[_DUE_JOB_WIDTH:])
    found = loaded.state.waits.get(wait_key) if wait_key is not None else None
    return context(unit, loaded, found if isinstance(found, JobWait) else None, job_id, element_id, topic, key,
                   attempts + 1, lease_seconds)


def context(unit: UnitOfWork, loaded: LoadedInstance, wait: JobWait | None, job_id: int, element_id: str,
             topic: str, idempotency_key: str, attempt: int, lease_seconds: float) -> JobContext:
    """A job described to its handler from its loaded instance; the model's timeout, if any, is its lease. The
    handler sees the variables as the activity sees them, or only those a Flowable external worker task's in
    parameters map (read now, as Flowable reads them when a worker acquires the job): its own deep copy, since a
    handler that changes a list in place must not change the state the runtime's cache holds."""
    ai = loaded.state.instances.get(wait.ai) if wait else None
    variables: dict[str, Any] = {}
    if ai is not None:
        visible = ChainMap(*loaded.state.visible_variables(ai))  # what `Step.variables` sees, no step made
        element = loaded.process.elements.get(element_id)
        worker_inputs = element.extensions.worker_inputs if element is not None else ()
        variables = copy.deepcopy({target: visible.get(source) for source, target in worker_inputs}
                                  if worker_inputs else dict(visible))
    return JobContext(job_id, loaded.id, loaded.business_key, loaded.process_key, element_id, topic, variables,
                      idempotency_key, attempt, dict(wait.headers) if wait else {},
                      lease_seconds=float((wait.timeout if wait else None) or lease_seconds),
                      traceparent=loaded.traceparent)


def _count_lost_lease(unit: UnitOfWork, job: Job, worker: str) -> bool:
    """The worker holding `job` stopped before finishing it (its lease expired): one try is spent if its
    handler had started. True when tries are left; otherwise the job becomes an incident."""
    if job.started_at is None:  # queued behind another job when its worker stopped: not this job's fault
        job.attempts -= 1
        fields, previous = _row_fields(unit, job), job.lock_owner
        unit.after_commit(lambda: log_event(
            log, logging.INFO, "job %s (%s): the lease of %s expired before it started the job; %s takes it over, "
            "no try spent", fields["job_id"], fields["topic"], previous, worker, **fields))
        return True
    job.expired_leases += 1
    job.retries -= 1
    previous, lost, metrics, topic = job.lock_owner, job.expired_leases, unit.runtime.metrics, job.topic
    if job.retries > 0:
        fields = _row_fields(unit, job)
        unit.after_commit(lambda: metrics.job_retries.labels(topic).inc())
        unit.after_commit(lambda: log_event(
            log, logging.WARNING, "job %s (%s) timed out: the lease of %s expired; %s takes it over, %s tries left",
            fields["job_id"], fields["topic"], previous, worker, fields["retries"], **fields))
        return True
    stop_job(unit, job, f"the worker running it stopped {lost} times before finishing",
              f"the lease of {previous} expired; no retries left")
    return False


def stop_job(unit: UnitOfWork, job: Job, message: str, detail: str) -> None:
    """Turn `job` (a handler job, timer or continuation) into an incident on its instance: no worker takes it
    again until an operator retries it."""
    job.retries = 0
    job.lock_owner = None
    job.lock_expires_at = None
    job.last_error = detail[:10_000]
    instance_id = _instance_of(job)
    unit.session.add(Incident(instance_id=instance_id, job_id=job.id, element_id=job.element_id,
                              message=f"{job.topic}: {message}" if job.topic else message, created_at=unit.now))
    fields = _row_fields(unit, job)
    metrics, kind, process_key = unit.runtime.metrics, job.kind, fields["process_key"]
    compensating = _compensates(unit, job)
    unit.after_commit(lambda: metrics.incident(process_key, compensating=compensating))
    unit.after_commit(lambda: log_event(log, logging.ERROR, "job %s (%s) stopped; incident at %s: %s", fields["job_id"],
                                        fields["topic"] or kind, fields["element_id"], message, **fields))


def _compensates(unit: UnitOfWork, job: Job) -> bool:
    """Whether `job` is the work of a compensation handler (its instance is loaded to tell: a rare path). A job
    stopped because its instance cannot even be loaded is not counted as compensation."""
    if job.instance_id is None or job.wait_key is None:
        return False
    try:
        loaded = unit.load(job.instance_id)
    except SQLAlchemyError:
        raise
    except Exception:  # the reason the job is being stopped; stopping it must go on
        return False
    wait = loaded.state.waits.get(job.wait_key)
    return wait is not None and loaded.compensates(wait.ai)


def _row_fields(unit: UnitOfWork, job: Job) -> dict[str, Any]:
    """The ids of a log line about `job`, read with its instance's process and business key."""
    row = unit.connection.execute(select(Instance.process_key, Instance.business_key)
                                  .where(Instance.id == job.instance_id)).one_or_none()
    return {"instance_id": job.instance_id, "business_key": row.business_key if row else None,
            "process_key": row.process_key if row else "", "element_id": job.element_id, "job_id": job.id,
            "topic": job.topic, "retries": job.retries}


def _instance_of(job: Job) -> int:
    if job.instance_id is None:
        raise NotFound(f"job {job.id} belongs to no instance")
    return job.instance_id


def _wait_of(job: Job | HeldJob) -> int:
    if job.wait_key is None:
        raise NotFound(f"job {job.id} waits for nothing")
    return job.wait_key


def idempotency_key(instance_id: int, wait: Wait) -> str:
    """The idempotency key of the job of `wait`, the same whether a worker or an in-line run does its work."""
    return f"{instance_id}-{wait.ai}-{wait.key}"


def plain_error(error: BaseException) -> str:
    """An exception as one plain line for an incident: what it is and what it says."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


def extend_lock(unit: UnitOfWork, job_id: int, worker: str, lease_seconds: float) -> None:
    """A heartbeat: a long handler keeps its job."""
    if not unit.actor.unrestricted:
        topic = unit.connection.execute(select(Job.topic).where(Job.id == job_id)).scalar()
        if topic is not None:  # no such job: the update below says so
            permissions.check_topic(unit.actor, topic)
    result = unit.connection.execute(update(Job).where(Job.id == job_id, Job.lock_owner == worker)
                                     .values(lock_expires_at=unit.now + timedelta(seconds=lease_seconds)))
    if result.rowcount != 1:
        raise Conflict(f"job {job_id} is no longer locked by {worker}")


def mark_started(unit: UnitOfWork, job_id: int | None, worker: str) -> None:
    """`worker`, reporting on one job, starts `job_id` (another it holds) next: from now on a lease that expires
    on it spends one of its tries."""
    if job_id is not None:
        statements.MARK_STARTED.rowcount(unit.connection, {"job_id": job_id, "worker": worker, "started_at": unit.now})


def renew(unit: UnitOfWork, worker: str, leases: Mapping[int, float]) -> set[int]:
    """A worker's heartbeat: renew the lease of every job it holds (job id -> lease seconds); the ids it
    still holds. A job missing from the answer was taken over or has ended; its handler's result will be
    dropped."""
    by_length: dict[float, list[int]] = {}
    for job_id, seconds in leases.items():
        by_length.setdefault(seconds, []).append(job_id)
    held: set[int] = set()
    for seconds, job_ids in by_length.items():
        held.update(unit.connection.execute(
            update(Job).where(Job.id.in_(job_ids), Job.lock_owner == worker)
            .values(lock_expires_at=unit.now + timedelta(seconds=seconds)).returning(Job.id)).scalars())
    return held


def release(unit: UnitOfWork, job_ids: list[int], worker: str) -> None:
    """Hand back jobs a worker holds but has not started; the attempt does not count."""
    unit.session.execute(update(Job).where(Job.id.in_(job_ids), Job.lock_owner == worker).values(
        lock_owner=None, lock_expires_at=None, started_at=None, attempts=Job.attempts - 1))


def release_all(unit: UnitOfWork, worker: str) -> int:
    """Hand back every job locked to `worker`, which runs none of them (the database went away while it
    held them, or while it acquired them); how many. The attempts do not count."""
    result = unit.connection.execute(update(Job).where(Job.lock_owner == worker).values(
        lock_owner=None, lock_expires_at=None, started_at=None, attempts=Job.attempts - 1))
    return int(result.rowcount)


class HeldJob(NamedTuple):
    """What reporting on a job needs of its row, read with the row locked (see `locked_job`)."""

    id: int
    instance_id: int
    wait_key: int | None
    topic: str
    element_id: str
    lock_owner: str | None
    retries: int
    attempts: int


def locked_job(unit: UnitOfWork, job_id: int, worker: str) -> tuple[HeldJob, LoadedInstance]:
    """The job `worker` holds and its instance, both locked for this transaction (see `locks`) and the
    instance loaded; Conflict when another worker holds the job."""
    row = statements.HELD_JOB.one_or_none(unit.connection, {"job_id": job_id})
    if row is None:
        raise NotFound(f"there is no job {job_id}; it was completed or its activity was interrupted")
    width = len(HeldJob._fields)
    job, loaded = HeldJob(*row[:width]), unit.hold(row[width:])
    if not unit.actor.unrestricted:
        permissions.check_topic(unit.actor, job.topic)
    if job.lock_owner != worker:
        raise Conflict(f"job {job_id} is locked by {job.lock_owner or 'nobody'}, not {worker}; "
                       f"its lease may have expired")
    return job, loaded


def complete(unit: UnitOfWork, job_id: int, worker: str, values: Mapping[str, Any],
             next_topics: Collection[str] | None = (), lease_seconds: float = 60.0,
             starting: int | None = None) -> JobContext | None:
    """Complete the job `worker` holds and run its instance on to the next wait states. With `next_topics`
    (the topics the worker handles; None for every topic, as a worker with a catch-all handler takes), a handler
    job that this step made due now on one of them is written locked to `worker` in the same transaction and
    returned (job chaining): the worker runs it without a new acquisition, else the held job `starting` next."""
    job, loaded = locked_job(unit, job_id, worker)
    wait_key = _wait_of(job)
    if log.isEnabledFor(logging.DEBUG):  # before the lines of what the step does with the outputs
        fields = {**loaded.log_fields(), "element_id": job.element_id, "job_id": job_id, "topic": job.topic}
        unit.after_commit(lambda: log_event(log, logging.DEBUG, "job %s (%s) completed by %s; outputs: %s", job_id,
                                            fields["topic"], worker, redact(dict(values)), **fields))
    chain = unit.chain = Chain(worker, next_topics, lease_seconds) if next_topics is None or next_topics else None
    try:
        unit.step(loaded, lambda s: s.trigger(wait_key, values))
    finally:
        unit.chain = None  # the effects on other instances, run later in the unit, chain nothing
    if chain is None or chain.taken is None:
        mark_started(unit, starting, worker)
        return None
    wait, taken_id, lease = chain.taken
    following = context(unit, loaded, wait, taken_id, wait.element, wait.topic, idempotency_key(loaded.id, wait), 1,
                        lease)
    _announce_locked(unit, worker, [following])
    return following


class Chain:
    """Job chaining for one completion: the first handler job its step makes on one of `topics` (any, when
    None) is written locked to `worker`, started now, as an acquisition would lock it (one attempt, a lease;
    the model's timeout, if any, is the lease), instead of free and then taken (see `UnitOfWork._add_waits`)."""

    def __init__(self, worker: str, topics: Collection[str] | None, lease_seconds: float) -> None:
        self.worker = worker
        self.topics = topics
        self.lease_seconds = lease_seconds
        self.taken: tuple[JobWait, int, float] | None = None  # the wait, its job's id, its lease

    def wants(self, wait: JobWait, row: Mapping[str, Any]) -> bool:
        return self.taken is None and row["retries"] > 0 and (self.topics is None or wait.topic in self.topics)

    def write(self, unit: UnitOfWork, wait: JobWait, row: Mapping[str, Any]) -> None:
        """Write the row of `wait`'s job (`row`, as it would be written free) locked to the worker."""
        lease = float(wait.timeout or self.lease_seconds)
        [(job_id,)] = statements.INSERT_TAKEN_JOB.all(unit.connection, {
            **row, "attempts": 1, "lock_owner": self.worker, "started_at": unit.now,
            "lock_expires_at": unit.now + timedelta(seconds=lease)})
        self.taken = (wait, int(job_id), lease)


def take(unit: UnitOfWork, loaded: LoadedInstance, wait: JobWait, worker: str,
         lease_seconds: float) -> JobContext | None:
    """Lock the job of `wait`, whose row this unit wrote free, for `worker` as an acquisition would (one
    attempt, a lease; the model's timeout, if any, is the lease) and describe it to its handler. None when the
    wait is gone (the instance moved on or ended) or another holds the job."""
    if loaded.state.status != "active" or loaded.state.waits.get(wait.key) is not wait:
        return None
    lease = float(wait.timeout or lease_seconds)
    row = statements.TAKE_JOB.one_or_none(unit.connection, {
        "instance_id": loaded.id, "wait_key": wait.key, "worker": worker, "now": unit.now,
        "expires": unit.now + timedelta(seconds=lease)})
    if row is None:
        return None
    job_id, attempt, idempotency_key = row
    described = context(unit, loaded, wait, job_id, wait.element, wait.topic, idempotency_key, attempt, lease)
    _announce_locked(unit, worker, [described])
    return described


def bpmn_error(unit: UnitOfWork, job_id: int, worker: str, code: str, message: str,
               values: Mapping[str, Any], starting: int | None = None) -> None:
    """The handler raised a business error: the model's error boundary event (if any) takes over. `worker`
    starts the job `starting` next."""
    job, loaded = locked_job(unit, job_id, worker)
    mark_started(unit, starting, worker)
    wait_key = _wait_of(job)
    waiting = loaded.state.waits.get(wait_key)
    if isinstance(waiting, JobWait) and waiting.listener:  # Zeebe does not let a listener's job throw one either
        unit.session.execute(update(Job).where(Job.id == job_id).values(
            retries=0, lock_owner=None, lock_expires_at=None, last_error=f"BPMN error {code}: {message}"))
        unit.session.add(Incident(instance_id=job.instance_id, job_id=job_id, element_id=job.element_id,
                                  message=f"{job.topic}: the {waiting.listener} listener's handler raised BPMN error "
                                          f"'{code}', but an execution listener cannot throw a BPMN error",
                                  created_at=unit.now))
        return
    element, topic = job.element_id, job.topic
    unit.after_commit(lambda: log_event(log, logging.INFO, "handler of %s raised BPMN error %s %s", element, code,
                                        message, **loaded.log_fields(), element_id=element, job_id=job_id,
                                        topic=topic))
    step = unit.step(loaded, lambda s: s.job_error(wait_key, code, values, message))
    if step.effects.incidents:
        unit.session.execute(update(Job).where(Job.id == job_id).values(
            retries=0, lock_owner=None, lock_expires_at=None,
            last_error=f"BPMN error {code} not caught: {message}"))


def fail(unit: UnitOfWork, job_id: int, worker: str, error: str, retries: int | None,
         retry_in_seconds: float | None, starting: int | None = None) -> bool:
    """The handler failed: retry later (after `retry_in_seconds`, else as the task's retry cycle says, else
    with exponential backoff), or raise an incident when retries are spent. True when an incident was raised.
    `worker` starts the job `starting` next."""
    job, loaded = locked_job(unit, job_id, worker)
    mark_started(unit, starting, worker)
    left = max(retries if retries is not None else job.retries - 1, 0)
    changes: dict[str, Any] = {"retries": left, "last_error": error[:10_000], "lock_owner": None,
                               "lock_expires_at": None}
    metrics, topic, last_line = unit.runtime.metrics, job.topic, error.strip().splitlines()[-1] if error.strip() else ""
    delay: float | None = None
    if left > 0:
        element = loaded.process.elements.get(job.element_id)
        cycle = element.extensions.retry_cycle if element is not None else None
        delay = retry_in_seconds if retry_in_seconds is not None else \
            retry_delay(cycle, job.attempts, unit.now) if cycle else \
            unit.runtime.retry_backoff_seconds * 2 ** max(job.attempts - 1, 0)
        changes["due_at"] = unit.now + timedelta(seconds=delay)
    unit.connection.execute(update(Job).where(Job.id == job_id).values(changes))
    if delay is not None:
        element_id = job.element_id
        unit.after_commit(lambda: metrics.job_retries.labels(topic).inc())
        unit.after_commit(lambda: log_event(
            log, logging.WARNING, "job %s (%s) failed, %s retries left, next in %.1fs: %s", job_id, topic, left,
            delay, last_line, **loaded.log_fields(), element_id=element_id, job_id=job_id, topic=topic, retries=left))
        return False
    unit.session.add(Incident(instance_id=job.instance_id, job_id=job.id, element_id=job.element_id,
                              message=f"{job.topic}: {last_line or 'failed'}", created_at=unit.now))
    element_id, wait = job.element_id, loaded.state.waits.get(job.wait_key) if job.wait_key is not None else None
    compensating = wait is not None and loaded.compensates(wait.ai)
    unit.after_commit(lambda: metrics.incident(loaded.process_key, compensating=compensating))
    unit.after_commit(lambda: log_event(
        log, logging.ERROR, "job %s (%s) failed with no retries left; incident raised: %s", job_id, topic, last_line,
        **loaded.log_fields(), element_id=element_id, job_id=job_id, topic=topic, retries=0))
    return True
