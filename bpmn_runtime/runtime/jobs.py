"""Handler jobs: acquired by a worker with a lease, reported as done, failed or a business error.

Each function works inside the caller's unit of work (one transaction). A job's lease keeps other workers
off it while its handler runs; an expired lease lets any worker take it again.
"""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, Mapping

from sqlalchemy import or_, select, update

from bpmn_runtime.engine.state import JobWait
from bpmn_runtime.engine.step import Step
from bpmn_runtime.errors import Conflict, NotFound
from bpmn_runtime.handlers import JobContext
from bpmn_runtime.runtime.unit_of_work import UnitOfWork
from bpmn_runtime.store.tables import Incident, Job

log = logging.getLogger("bpmn_runtime")


def acquire(unit: UnitOfWork, worker: str, topics: list[str] | None, limit: int,
            lease_seconds: float) -> list[JobContext]:
    """Lock up to `limit` due handler jobs for `worker` and describe them to the handlers."""
    query = select(Job).where(Job.kind == "job", Job.retries > 0, Job.due_at <= unit.now,
                              or_(Job.lock_expires_at.is_(None), Job.lock_expires_at < unit.now))
    if topics is not None:
        query = query.where(Job.topic.in_(topics))
    query = query.order_by(Job.due_at, Job.id).limit(limit)
    if not unit.runtime.database.is_sqlite:
        query = query.with_for_update(skip_locked=True)
    contexts = []
    for job in unit.session.execute(query).scalars().all():
        if job.lock_owner is not None:
            job.expired_leases += 1
            previous, job_id, topic, instance_id = job.lock_owner, job.id, job.topic, job.instance_id
            unit.after_commit(lambda: log.warning(
                "job %s (%s) of instance %s: the lease of %s expired; %s takes it over",
                job_id, topic, instance_id, previous, worker))
        loaded = unit.load(job.instance_id)
        found = loaded.state.waits.get(job.wait_key)
        wait = found if isinstance(found, JobWait) else None
        timeout = wait.timeout if wait else None
        job.lock_owner = worker
        job.lock_expires_at = unit.now + timedelta(seconds=timeout or lease_seconds)
        job.attempts += 1
        ai = loaded.state.instances.get(wait.ai) if wait else None
        variables: dict[str, Any] = {}
        if ai is not None:
            variables = dict(Step(loaded.process, loaded.state, unit.now).variables(ai))
        contexts.append(JobContext(job.id, loaded.id, loaded.business_key, loaded.process_key, job.element_id,
                                   job.topic, variables, job.idempotency_key, job.attempts,
                                   dict(wait.headers) if wait else {}))
    return contexts


def extend_lock(unit: UnitOfWork, job_id: int, worker: str, lease_seconds: float) -> None:
    """A heartbeat: a long handler keeps its job."""
    result = unit.session.execute(update(Job).where(Job.id == job_id, Job.lock_owner == worker)
                                  .values(lock_expires_at=unit.now + timedelta(seconds=lease_seconds)))
    if result.rowcount != 1:
        raise Conflict(f"job {job_id} is no longer locked by {worker}")


def release(unit: UnitOfWork, job_ids: list[int], worker: str) -> None:
    """Hand back jobs a stopping worker holds but has not started; the attempt does not count."""
    unit.session.execute(update(Job).where(Job.id.in_(job_ids), Job.lock_owner == worker).values(
        lock_owner=None, lock_expires_at=None, attempts=Job.attempts - 1))


def locked_job(unit: UnitOfWork, job_id: int, worker: str) -> Job:
    """The job `worker` holds, locked for this transaction; Conflict when another worker holds it."""
    job = unit.session.execute(unit.for_update(select(Job).where(Job.id == job_id))).scalar()
    if job is None:
        raise NotFound(f"there is no job {job_id}; it was completed or its activity was interrupted")
    if job.lock_owner != worker:
        raise Conflict(f"job {job_id} is locked by {job.lock_owner or 'nobody'}, not {worker}; "
                       f"its lease may have expired")
    return job


def complete(unit: UnitOfWork, job_id: int, worker: str, values: Mapping[str, Any]) -> None:
    job = locked_job(unit, job_id, worker)
    loaded = unit.load(job.instance_id)
    unit.step(loaded, lambda s: s.trigger(job.wait_key, values))


def bpmn_error(unit: UnitOfWork, job_id: int, worker: str, code: str, message: str,
               values: Mapping[str, Any]) -> None:
    """The handler raised a business error: the model's error boundary event (if any) takes over."""
    job = locked_job(unit, job_id, worker)
    loaded = unit.load(job.instance_id)
    unit.after_commit(lambda: log.info("instance %s (business key %s): handler of %s raised BPMN error %s %s",
                                       loaded.id, loaded.business_key or "-", job.element_id, code, message))
    step = unit.step(loaded, lambda s: s.job_error(job.wait_key, code, values))
    if step.effects.incidents:
        unit.session.execute(update(Job).where(Job.id == job_id).values(
            retries=0, lock_owner=None, lock_expires_at=None,
            last_error=f"BPMN error {code} not caught: {message}"))


def fail(unit: UnitOfWork, job_id: int, worker: str, error: str, retries: int | None,
         retry_in_seconds: float | None) -> bool:
    """The handler failed: retry later with exponential backoff, or raise an incident when retries are
    spent. True when an incident was raised."""
    job = locked_job(unit, job_id, worker)
    remaining = (retries if retries is not None else job.retries - 1)
    job.retries = max(remaining, 0)
    job.last_error = error[:10_000]
    job.lock_owner = None
    job.lock_expires_at = None
    loaded = unit.load(job.instance_id)
    metrics, topic, last_line = unit.runtime.metrics, job.topic, error.strip().splitlines()[-1] if error.strip() else ""
    if job.retries > 0:
        delay = retry_in_seconds if retry_in_seconds is not None else \
            unit.runtime.retry_backoff_seconds * 2 ** max(job.attempts - 1, 0)
        job.due_at = unit.now + timedelta(seconds=delay)
        left = job.retries
        unit.after_commit(lambda: metrics.job_retries.labels(topic).inc())
        unit.after_commit(lambda: log.warning(
            "instance %s (business key %s): job %s (%s) failed, %s retries left, next in %.1fs: %s",
            loaded.id, loaded.business_key or "-", job_id, topic, left, delay, last_line))
        return False
    unit.session.add(Incident(instance_id=job.instance_id, job_id=job.id, element_id=job.element_id,
                              message=f"{job.topic}: {last_line or 'failed'}", created_at=unit.now))
    unit.after_commit(lambda: metrics.incidents.labels(loaded.process_key).inc())
    unit.after_commit(lambda: log.error(
        "instance %s (business key %s): job %s (%s) failed with no retries left; incident raised: %s",
        loaded.id, loaded.business_key or "-", job_id, topic, last_line))
    return True
