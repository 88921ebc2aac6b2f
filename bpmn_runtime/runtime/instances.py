"""Starting, cancelling and changing process instances. Each function works inside the caller's unit of
work (one transaction)."""
from __future__ import annotations

from typing import Any, Mapping

from sqlalchemy import select

from bpmn_runtime.engine.state import ROOT
from bpmn_runtime.engine.step import Step
from bpmn_runtime.errors import Conflict
from bpmn_runtime.runtime import permissions
from bpmn_runtime.runtime.unit_of_work import UnitOfWork
from bpmn_runtime.sensitive import redact
from bpmn_runtime.store.tables import Instance


def start(unit: UnitOfWork, key: str, variables: Mapping[str, Any], *, business_key: str | None,
          request_key: str | None, unique_business_key: bool, version: int | None,
          traceparent: str | None = None) -> int:
    """Start an instance of the newest (or the given) version of process `key`, unless the request key (or,
    with `unique_business_key`, the business key) shows it was started already; the instance's id.
    `traceparent`: the caller's W3C trace context, which the instance's trace continues."""
    permissions.check(unit.connection, unit.actor, key, "start")
    existing = existing_start(unit, key, request_key, business_key if unique_business_key else None)
    if existing is not None:
        return existing
    definition, process = unit.runtime.deployments.latest_definition(key, unit.connection, version)
    if process.initiator:  # as Camunda 7 sets it: the person starting the instance, null when a program does
        variables = {**variables, process.initiator: unit.actor.name if unit.actor.role != "program" else None}
    instance_id = unit.start(definition, process, variables, business_key=business_key, request_key=request_key,
                             traceparent=traceparent)
    unit.audit("start", process_key=key, instance_id=instance_id, detail={
        "version": definition.version, "business_key": business_key, "variables": redact(dict(variables))})
    return instance_id


def existing_start(unit: UnitOfWork, key: str, request_key: str | None, business_key: str | None) -> int | None:
    """The instance of process `key` an earlier start with this request key (or business key) made, if any.
    A request key belongs to its process: the same key given to another process starts that one."""
    if request_key is not None:
        found = unit.connection.execute(select(Instance.id).where(Instance.process_key == key,
                                                                 Instance.request_key == request_key)).scalar()
        if found is not None:
            return found
    if business_key is not None:
        return unit.connection.execute(select(Instance.id).where(Instance.process_key == key,
                                                                 Instance.business_key == business_key)
                                       .order_by(Instance.id).limit(1)).scalar()
    return None


def cancel(unit: UnitOfWork, instance_id: int, reason: str) -> None:
    loaded = unit.load(instance_id)
    permissions.check(unit.connection, unit.actor, loaded.process_key, "operate")
    if loaded.state.status != "active":
        raise Conflict(f"process instance {instance_id} has already ended ({loaded.state.status})")
    unit.step(loaded, lambda s: s.cancel(reason), while_suspended=True)
    unit.audit("cancel", process_key=loaded.process_key, instance_id=instance_id, detail={
        "reason": reason, "before": {"status": "active"}, "after": {"status": loaded.state.status}})


def set_variables(unit: UnitOfWork, instance_id: int, values: Mapping[str, Any]) -> None:
    """Set process variables of a running instance (for operators fixing data before a retry). A suspended
    instance takes them without moving: what they make true (a condition it waits for) is seen on resuming."""
    loaded = unit.load(instance_id)
    permissions.check(unit.connection, unit.actor, loaded.process_key, "operate")
    root = loaded.state.instances.get(ROOT)
    held = dict(root.variables or {}) if root is not None else {}
    before = {name: held[name] for name in values if name in held}

    def apply(step: Step) -> None:
        step.set_variables(step.state.instances[ROOT], values)
        if not loaded.suspended:
            step.run()
    unit.step(loaded, apply, while_suspended=True)
    unit.audit("set_variables", process_key=loaded.process_key, instance_id=instance_id,
               detail={"before": redact(before), "after": redact(dict(values))})
