"""Work that falls due with time: timers, asynchronous continuations and timer start events.

`fire_due` fires each due item in a transaction of its own, so one that fails (a timer whose duration
overflows, a script after it whose result cannot be stored) becomes an incident on its own instance and
every other item still fires; a failing item never fails the worker's round. The other functions work
inside the caller's unit of work (one transaction).
"""
from __future__ import annotations

import functools
import logging
import traceback
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, or_, select

from bpmn_runtime.engine.start_events import next_start
from bpmn_runtime.errors import Conflict, DatabaseUnavailable, NotFound
from bpmn_runtime.logs import log_event
from bpmn_runtime.runtime import suspension
from bpmn_runtime.runtime.jobs import plain_error, stop_job
from bpmn_runtime.runtime.locks import lock_instance
from bpmn_runtime.runtime.unit_of_work import UnitOfWork
from bpmn_runtime.store.tables import Definition, Job

if TYPE_CHECKING:
    from bpmn_runtime.runtime.runtime import Runtime

log = logging.getLogger("bpmn_runtime")
SCHEDULED_KINDS = ("timer", "continuation", "start_timer")
FAILURE = {"timer": "the timer could not fire", "continuation": "the asynchronous continuation could not run",
           "start_timer": "the timer start event could not start an instance"}


def fire_due(runtime: "Runtime", limit: int) -> int:
    """Fire up to `limit` due timers and continuations, each in its own transaction; how many fired.

    A database outage ends the round (`DatabaseUnavailable`); an item that lost a race is left for the
    next round; any other failure of an item stops that item with an incident on its instance.
    """
    fired = 0
    for job_id in runtime.transactions.run(lambda unit: due(unit, limit), "timers"):
        try:
            fired += runtime.transactions.run(lambda unit: fire(unit, job_id), "timers")
        except (DatabaseUnavailable, KeyboardInterrupt):
            raise
        except (Conflict, NotFound):
            continue
        except Exception as error:
            detail = traceback.format_exc()
            try:
                runtime.transactions.run(functools.partial(stop, job_id=job_id, error=error, detail=detail), "timers")
            except DatabaseUnavailable:
                raise
            except Exception:
                log.exception("job %s failed (%s) and could not be stopped", job_id, plain_error(error),
                              extra={"bpmn": {"job_id": job_id}})
    return fired


def due(unit: UnitOfWork, limit: int) -> list[int]:
    """The ids of timers and continuations due now, oldest first. Nothing is locked: `fire` locks each
    item after its instance (see `locks`)."""
    return list(unit.connection.execute(
        select(Job.id).where(*_still_due(unit)).order_by(Job.due_at, Job.id).limit(limit)).scalars())


def fire(unit: UnitOfWork, job_id: int) -> int:
    """Fire one due item: 1 when it fired, 0 when another worker has it or fired it first."""
    instance_id = unit.connection.execute(select(Job.instance_id).where(Job.id == job_id)).scalar()
    if instance_id is not None and not lock_instance(unit, instance_id, skip_locked=True):
        return 0
    query = select(Job).where(Job.id == job_id, *_still_due(unit))
    if not unit.runtime.database.is_sqlite:
        query = query.with_for_update(skip_locked=True)
    job = unit.session.execute(query).scalar()
    if job is None:
        return 0
    if job.kind == "start_timer":
        _fire_start_timer(unit, job)
        return 1
    loaded = unit.load(instance_id or 0)
    wait_key = job.wait_key
    if loaded.state.status == "active" and wait_key is not None and wait_key in loaded.state.waits:
        unit.step(loaded, lambda s: s.trigger(wait_key, {}))
    return 1


def stop(unit: UnitOfWork, job_id: int, error: BaseException, detail: str) -> None:
    """An item failed while firing: an incident on its instance, and no worker picks it up until an operator
    retries it. A timer start event has no instance: it is stopped and logged."""
    instance_id = unit.connection.execute(select(Job.instance_id).where(Job.id == job_id)).scalar()
    if instance_id is not None:
        lock_instance(unit, instance_id)
    job = unit.session.get(Job, job_id, with_for_update=not unit.runtime.database.is_sqlite)
    if job is None:
        return
    message = f"{FAILURE.get(job.kind, 'the job could not run')}: {plain_error(error)}"
    if job.instance_id is not None:
        stop_job(unit, job, message, detail)
        return
    job.retries = 0
    job.last_error = detail[:10_000]
    element, process_key = job.element_id, job.topic  # a timer start event's topic is its process
    unit.after_commit(lambda: log_event(log, logging.ERROR, "start event %s (job %s): %s; it is stopped until the "
                                        "process is deployed again", element, job_id, message,
                                        process_key=process_key, element_id=element, job_id=job_id))


def _still_due(unit: UnitOfWork) -> tuple[ColumnElement[bool], ...]:
    return (Job.kind.in_(SCHEDULED_KINDS), Job.due_at <= unit.now, Job.retries > 0,
            or_(Job.lock_expires_at.is_(None), Job.lock_expires_at < unit.now), suspension.job_movable())


def _fire_start_timer(unit: UnitOfWork, job: Job) -> None:
    definition = unit.session.get(Definition, job.definition_id)
    if definition is None:
        raise NotFound(f"the definition of timer start event {job.element_id} is gone")
    process = unit.runtime.deployments.process_of(definition.id, definition.key, unit.session)
    unit.start(definition, process, {}, start_event=job.element_id)
    timer = next(d.timer for d in process.element(job.element_id).events if d.kind == "timer")
    job.fired += 1
    due = next_start(timer, job.due_at or unit.now, job.fired, unit.now) if timer is not None else None
    if due is not None:
        job.due_at = due
    else:
        unit.session.delete(job)
