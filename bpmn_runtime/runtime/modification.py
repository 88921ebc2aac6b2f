"""Modifying a running instance for an operator (see `engine.modification`): the permission, the step, the
incidents the modification made moot, the audit trail. Works inside the caller's unit of work (one
transaction), so a refused instruction changes nothing."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from sqlalchemy import or_, select, update

from bpmn_runtime.engine import modification
from bpmn_runtime.engine.modification import Instruction
from bpmn_runtime.errors import Conflict
from bpmn_runtime.runtime import permissions
from bpmn_runtime.runtime.unit_of_work import LoadedInstance, UnitOfWork
from bpmn_runtime.sensitive import redact
from bpmn_runtime.store.tables import Incident, Job


def modify(unit: UnitOfWork, instance_id: int, instructions: Sequence[Instruction],
           variables: Mapping[str, Any]) -> list[str]:
    """Run the instructions on the instance in order, in this transaction; what each did."""
    loaded = unit.load(instance_id)
    permissions.check(unit.connection, unit.actor, loaded.process_key, "operate")
    if loaded.state.status != "active":
        raise Conflict(f"process instance {instance_id} has ended ({loaded.state.status}); only a running instance "
                       f"can be modified. Nothing was changed")
    done: list[str] = []
    unit.step(loaded, lambda step: done.extend(modification.modify(step, instructions, variables)))
    resolve_moot_incidents(unit, loaded)
    unit.audit("modify", process_key=loaded.process_key, instance_id=instance_id, detail={
        "instructions": [i.describe() for i in instructions], "variables": redact(dict(variables)), "done": done,
        "after": {"status": loaded.state.status}})
    return done


def resolve_moot_incidents(unit: UnitOfWork, loaded: LoadedInstance) -> None:
    """Open incidents of activity instances (or jobs) that no longer exist have nothing left to retry."""
    live = list(loaded.state.instances)
    jobs = select(Job.id).where(Job.instance_id == loaded.id)
    unit.connection.execute(update(Incident).where(
        Incident.instance_id == loaded.id, Incident.resolved_at.is_(None),
        or_(Incident.activity_instance.is_not(None) & Incident.activity_instance.not_in(live),
            Incident.job_id.is_not(None) & Incident.job_id.not_in(jobs))).values(resolved_at=unit.now))
