"""The watchdog: finds instances that stopped making progress and jobs whose workers keep dying.

An instance waiting for a person or for a timer that is not yet due is not stuck; one whose work is
due (a job, a continuation, a timer in the past) and has not moved for longer than the threshold is.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Unpack

from sqlalchemy import Select, select

from bpmn_runtime.logs import log_event
from bpmn_runtime.runtime.records import Record
from bpmn_runtime.store.tables import Instance, Job

if TYPE_CHECKING:  # the runtime's metrics use `stalled` too
    from bpmn_runtime.runtime import Runtime

log = logging.getLogger("bpmn_runtime.watchdog")
STALLED_AFTER = timedelta(hours=1)  # the default threshold, of `check` and of the bpmn_instances_stalled gauge


@dataclass(frozen=True)
class StalledInstance(Record):
    instance_id: int
    business_key: str | None
    process_key: str
    idle_seconds: float
    waiting_for: str


@dataclass(frozen=True)
class RestlessJob(Record):
    job_id: int
    instance_id: int | None
    topic: str
    expired_leases: int
    lock_owner: str | None


def stalled(now: datetime, stalled_after: timedelta) -> Select[Unpack[tuple[Any, ...]]]:
    """Active instances with work due (a job, a continuation, a timer in the past) that have not moved for
    `stalled_after`: one row per due item."""
    return (select(Instance.id, Instance.business_key, Instance.process_key, Instance.updated_at, Job.kind, Job.topic)
            .join(Job, Job.instance_id == Instance.id)
            .where(Instance.status == "active", Instance.updated_at < now - stalled_after, Job.due_at < now,
                   Job.retries > 0))


def check(runtime: "Runtime", *, stalled_after: timedelta = STALLED_AFTER,
          max_expired_leases: int = 3) -> tuple[list[StalledInstance], list[RestlessJob]]:
    """What the operator should look at now; each finding is also logged as a warning."""
    now = runtime.clock.now()
    with runtime.database.session() as session:
        due = session.execute(stalled(now, stalled_after)).all()
        restless = session.execute(select(Job).where(Job.expired_leases >= max_expired_leases)).scalars().all()
        jobs = [RestlessJob(j.id, j.instance_id, j.topic, j.expired_leases, j.lock_owner) for j in restless]
    found: dict[int, StalledInstance] = {}
    for row in due:
        updated = row.updated_at if row.updated_at.tzinfo else row.updated_at.replace(tzinfo=now.tzinfo)
        found.setdefault(row.id, StalledInstance(
            row.id, row.business_key, row.process_key, (now - updated).total_seconds(),
            f"a worker for topic '{row.topic}'" if row.kind == "job" else f"a {row.kind} that is due"))
    for item in found.values():
        log_event(log, logging.WARNING, "stalled: no progress for %.0f s; it waits for %s", item.idle_seconds,
                  item.waiting_for, instance_id=item.instance_id, business_key=item.business_key,
                  process_key=item.process_key)
    for job in jobs:
        log_event(log, logging.WARNING, "job %s (%s) lost its worker %s times; its handler may crash or hang the "
                  "worker", job.job_id, job.topic, job.expired_leases, instance_id=job.instance_id, job_id=job.job_id,
                  topic=job.topic)
    return list(found.values()), jobs
