"""Work that falls due with time: timers, asynchronous continuations and timer start events.

Each function works inside the caller's unit of work (one transaction).
"""
from __future__ import annotations

from sqlalchemy import or_, select

from bpmn_runtime.engine.start_events import next_start
from bpmn_runtime.runtime.unit_of_work import UnitOfWork
from bpmn_runtime.store.tables import Definition, Job

SCHEDULED_KINDS = ("timer", "continuation", "start_timer")


def run_due(unit: UnitOfWork, limit: int) -> int:
    """Fire the timers and asynchronous continuations that are due; how many fired."""
    query = select(Job).where(Job.kind.in_(SCHEDULED_KINDS), Job.due_at <= unit.now, Job.retries > 0,
                              or_(Job.lock_expires_at.is_(None), Job.lock_expires_at < unit.now))
    query = query.order_by(Job.due_at, Job.id).limit(limit)
    if not unit.runtime.database.is_sqlite:
        query = query.with_for_update(skip_locked=True)
    fired = 0
    for job in unit.session.execute(query).scalars().all():
        if job.kind == "start_timer":
            _fire_start_timer(unit, job)
        else:
            loaded = unit.load(job.instance_id)
            if loaded.state.status == "active" and job.wait_key in loaded.state.waits:
                unit.step(loaded, lambda s, k=job.wait_key: s.trigger(k, {}))
        fired += 1
    return fired


def _fire_start_timer(unit: UnitOfWork, job: Job) -> None:
    definition = unit.session.get(Definition, job.definition_id)
    process = unit.runtime.deployments.process_of(definition.id, definition.key, unit.session)
    unit.start(definition, process, {}, start_event=job.element_id)
    timer = next(d.timer for d in process.element(job.element_id).events if d.kind == "timer")
    job.fired += 1
    due = next_start(timer, job.due_at or unit.now, job.fired, unit.now) if timer is not None else None
    if due is not None:
        job.due_at = due
    else:
        unit.session.delete(job)
