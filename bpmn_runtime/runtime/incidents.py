"""Incidents: what failed and waits for an operator. Retrying one gives a job new tries, or runs again
the element that failed. Works inside the caller's unit of work (one transaction)."""
from __future__ import annotations

from typing import Any, Mapping

from sqlalchemy import select

from bpmn_runtime.errors import Conflict, NotFound
from bpmn_runtime.runtime import instances, permissions
from bpmn_runtime.runtime.unit_of_work import UnitOfWork
from bpmn_runtime.store.tables import Incident, Instance, Job


def retry(unit: UnitOfWork, incident_id: int, retries: int, variables: Mapping[str, Any] | None = None) -> None:
    """Try again what failed: give the job `retries` more tries, or re-run the element that failed. With
    `variables`, set them first, in the same transaction: the retry runs with the fix or not at all."""
    incident = unit.session.get(Incident, incident_id)
    if incident is None or incident.resolved_at is not None:
        raise NotFound(f"there is no open incident {incident_id}")
    process_key = unit.connection.execute(select(Instance.process_key)
                                          .where(Instance.id == incident.instance_id)).scalar() or ""
    permissions.check(unit.connection, unit.actor, process_key, "operate")
    unit.audit("retry", process_key=process_key, instance_id=incident.instance_id, detail={
        "incident": incident_id, "element": incident.element_id, "retries": retries})
    if variables:
        instances.set_variables(unit, incident.instance_id, variables)
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
    activity_instance = incident.activity_instance
    if activity_instance is None:
        raise Conflict(f"incident {incident_id} names neither a job nor an activity to run again")
    loaded = unit.load(incident.instance_id)
    unit.step(loaded, lambda s: s.retry(activity_instance))
