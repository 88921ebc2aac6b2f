"""Compensation (BPMN 2.0 10.5.4, 13.5.5): undo completed activities, newest first.

A completed activity with a compensation boundary event leaves a record (its handler and the local
variables it completed with); a completed subprocess whose inner activities left records leaves one
too. A throw compensates the records of its scope (or only `activityRef`'s), one handler at a time
in reverse order of completion. The run is kept in the owner's data, so handlers may wait (user
tasks, jobs) across many steps.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bpmn_runtime.engine.state import ROOT, ActivityInstance, CompensationRecord
from bpmn_runtime.model import EventDefinition

if TYPE_CHECKING:
    from bpmn_runtime.engine.step import Step


def _records_to_run(step: "Step", scope_id: int, activity_ref: str | None) -> list[CompensationRecord]:
    """The records to compensate in `scope_id`, newest first, subprocesses expanded into their insides."""
    chosen = [r for r in step.state.compensations if r.scope_ai == scope_id
              and (activity_ref is None or r.element == activity_ref)]
    ordered: list[CompensationRecord] = []
    for record in sorted(chosen, key=lambda r: r.order, reverse=True):
        if record.handler is not None:
            ordered.append(record)
        else:
            ordered.extend(_records_to_run(step, record.ai, None))
            step.state.compensations.remove(record)
    return ordered


def _compensated_scope(step: "Step", ai: ActivityInstance) -> ActivityInstance:
    """A throw inside an event subprocess compensates the scope that contains the event subprocess."""
    scope = step.state.instances[ai.parent]
    if step.is_element(scope.element) and step.element(scope.element).triggered_by_event:
        return step.state.instances[scope.parent]
    return scope


def throw_compensation(step: "Step", ai: ActivityInstance, definition: EventDefinition) -> None:
    """A compensation throw event: run the handlers; the throw waits for them when waitForCompletion."""
    scope = _compensated_scope(step, ai)
    records = _records_to_run(step, scope.id, definition.activity_ref)
    step.history("compensation_thrown", ai.element, ai.id,
                 {"activity": definition.activity_ref, "handlers": len(records)})
    if not records:
        return
    ai.data["waiting_for_compensation"] = True
    _begin(step, ai, scope, records, then="complete")


def compensate_scope_then(step: "Step", owner: ActivityInstance, then: str) -> None:
    """Compensate everything completed inside `owner`'s scope, then do `then` (cancel: leave by the
    transaction's cancel boundary event)."""
    records = _records_to_run(step, owner.id, None)
    _begin(step, owner, owner, records, then=then)


def _begin(step: "Step", owner: ActivityInstance, scope: ActivityInstance, records: list[CompensationRecord],
           then: str) -> None:
    for record in records:
        step.state.compensations.remove(record)
    owner.data["compensation"] = {
        "scope": scope.id,
        "then": then,
        "queue": [[r.ai, r.element, r.handler, r.variables] for r in records],
    }
    _run_next(step, owner)


def _run_next(step: "Step", owner: ActivityInstance) -> None:
    run = owner.data["compensation"]
    if not run["queue"]:
        del owner.data["compensation"]
        owner.data.pop("waiting_for_compensation", None)
        _finish(step, owner, run["then"])
        return
    compensated_ai, element_id, handler_id, variables = run["queue"].pop(0)
    scope = step.state.instances.get(run["scope"], step.state.instances[ROOT])
    handler = step.element(handler_id)
    handler_ai = step.create(handler, scope, variables=dict(variables),
                             data={"compensation_of": owner.id, "compensates": [compensated_ai, element_id]})
    step.history("compensation_started", handler.id, handler_ai.id,
                 {"activity": element_id, "activity_instance": compensated_ai})
    step.behaviour(handler).begin(step, handler_ai)


def handler_done(step: "Step", handler_ai: ActivityInstance) -> None:
    """A compensation handler finished: record it and start the next one."""
    compensated_ai, element_id = handler_ai.data["compensates"]
    owner = step.state.instances.get(handler_ai.data["compensation_of"])
    step.end_instance(handler_ai, "completed")
    step.history("compensation_completed", handler_ai.element, handler_ai.id,
                 {"activity": element_id, "activity_instance": compensated_ai, "result": "completed"})
    if owner is not None and "compensation" in owner.data:
        _run_next(step, owner)


def _finish(step: "Step", owner: ActivityInstance, then: str) -> None:
    if then == "complete":
        step.complete(owner)
    elif then == "cancel":
        from bpmn_runtime.engine.behaviours.subprocesses import leave_by_cancel_boundary
        leave_by_cancel_boundary(step, owner)


def local_variables(step: "Step", ai: ActivityInstance) -> dict[str, Any]:
    """The variables an activity completed with, below the process level (loop counters, inputs, ...)."""
    merged: dict[str, Any] = {}
    current: ActivityInstance | None = ai
    chain = []
    while current is not None and current.id != ROOT:
        if current.variables:
            chain.append(current.variables)
        current = step.state.instances.get(current.parent) if current.parent is not None else None
    for variables in reversed(chain):
        merged.update(variables)
    return merged
