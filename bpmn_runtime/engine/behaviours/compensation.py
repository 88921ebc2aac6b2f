"""Compensation (BPMN 2.0 10.5.4, 13.5.5): undo completed activities, newest first.

Records. When an activity instance completes and has a compensation handler (the activity associated
with its compensation boundary event or, for a subprocess, its compensation event subprocess), or when
activities inside it left records, a record is kept in the scope it ran in: the instance, its handler
(None: compensate its inside), the variables it completed with and its place in the order of completion.
An activity instance that ends without completing takes the records of its inside with it: only
completed work is compensated.

Runs. A compensation throw takes the records of its scope (or only those of `activityRef`), replaces
each record without a handler by the records of its inside, and runs the handlers one at a time, newest
first, each with the variables of the instance it undoes. The queue lives in the data of the instance
that threw (the owner), so handlers may wait for people, workers and timers across many steps, and the
throw waits for all of them (waitForCompletion; asynchronous compensation is refused at deployment). A
record leaves the state when its run takes it, so each completed instance is compensated once.

A compensation event subprocess runs inside a re-created instance of its subprocess that carries the
subprocess's own activity instance id and completion variables, so that a compensation throw inside it
finds the records the subprocess's inner activities left.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bpmn_runtime.engine.state import ROOT, ActivityInstance, CompensationRecord
from bpmn_runtime.engine.analysis import facts
from bpmn_runtime.model import Element, EventDefinition

if TYPE_CHECKING:
    from bpmn_runtime.engine.step import Step


# --- records --------------------------------------------------------------------------------------

def activity_ended(step: "Step", ai: ActivityInstance, how: str) -> None:
    """Called for every activity instance that ends: a completed one that can be compensated leaves a record;
    one that did not complete, or that was itself a compensation handler, drops the records of its inside."""
    if "compensation_of" in ai.data:
        _discard_inside(step, ai)
        if how != "completed":
            _history(step, "compensation_completed", ai, result=how)
        return
    if how != "completed":
        _discard_inside(step, ai)
        return
    handler = None if ai.data.get("mi_body") else facts(step.process).compensation_handlers[ai.element]
    if handler is None and not ai.data.get("compensable"):
        return
    if handler is not None and not step.element(handler).triggered_by_event:
        _discard_inside(step, ai)  # a handler outside the activity undoes it as a whole
    step.state.instances[ai.parent].data["compensable"] = True
    step.state.compensations.append(CompensationRecord(
        ai.id, ai.element, ai.parent, handler, _local_variables(step, ai), step.state.next_id()))


def _discard_inside(step: "Step", ai: ActivityInstance) -> None:
    if ai.data.get("compensable"):
        _discard_records(step, ai.id)


def _discard_records(step: "Step", scope_id: int) -> None:
    for record in [r for r in step.state.compensations if r.scope_ai == scope_id]:
        step.state.compensations.remove(record)
        _discard_records(step, record.ai)


def _local_variables(step: "Step", ai: ActivityInstance) -> dict[str, Any]:
    """The variables an activity completed with, below the process level (loop counters, inputs, the
    variables of its subprocesses), innermost winning."""
    chain: list[dict[str, Any]] = []
    current: ActivityInstance | None = ai
    while current is not None and current.id != ROOT:
        chain.append(current.variables or {})
        current = step.state.instances.get(current.parent) if current.parent is not None else None
    merged: dict[str, Any] = {}
    for variables in reversed(chain):
        merged.update(variables)
    return merged


def _take_records(step: "Step", scope_id: int, activity_ref: str | None) -> list[CompensationRecord]:
    """Take out of the state the records to compensate in `scope_id` (only `activity_ref`'s when given),
    newest first, each record without a handler replaced by the records of its inside."""
    chosen = sorted((r for r in step.state.compensations
                     if r.scope_ai == scope_id and activity_ref in (None, r.element)),
                    key=lambda r: r.order, reverse=True)
    taken: list[CompensationRecord] = []
    for record in chosen:
        step.state.compensations.remove(record)
        if record.handler is None:
            taken.extend(_take_records(step, record.ai, None))
        else:
            taken.append(record)
    return taken


# --- runs -----------------------------------------------------------------------------------------

def throw_compensation(step: "Step", ai: ActivityInstance, definition: EventDefinition) -> None:
    """A compensation throw event: run the handlers; the event waits for them (`waiting_for_compensation`)
    and is completed when the last one is done."""
    scope = _compensated_scope(step, ai)
    records = _take_records(step, scope.id, definition.activity_ref)
    step.history("compensation_thrown", ai.element, ai.id,
                 {"activity": definition.activity_ref, "handlers": len(records)})
    if records:
        ai.data["waiting_for_compensation"] = True
        _start(step, ai, scope, records, then="complete")


def compensate_scope_then(step: "Step", owner: ActivityInstance, then: str) -> None:
    """Compensate everything completed inside `owner`, then do `then` (cancel: leave by the transaction's
    cancel boundary event)."""
    _start(step, owner, owner, _take_records(step, owner.id, None), then=then)


def _compensated_scope(step: "Step", ai: ActivityInstance) -> ActivityInstance:
    scope = step.state.instances[ai.parent]
    if step.is_element(scope.element) and step.element(scope.element).triggered_by_event:
        return step.state.instances[scope.parent]
    return scope


def _start(step: "Step", owner: ActivityInstance, scope: ActivityInstance, records: list[CompensationRecord],
           then: str) -> None:
    owner.data["compensation"] = {"scope": scope.id, "then": then, "queue": [r.to_json() for r in records]}
    _run_next(step, owner)


def _run_next(step: "Step", owner: ActivityInstance) -> None:
    """Start the next handler of the owner's run, or end the run."""
    run = owner.data["compensation"]
    if not run["queue"]:
        del owner.data["compensation"]
        owner.data.pop("waiting_for_compensation", None)
        if run["then"] == "cancel":
            from bpmn_runtime.engine.behaviours.subprocesses import leave_by_cancel_boundary
            leave_by_cancel_boundary(step, owner)
        else:
            step.complete(owner)
        return
    record = CompensationRecord.from_json(run["queue"].pop(0))
    scope = step.state.instances[run["scope"]]
    handler = step.element(record.handler)
    data = {"compensation_of": owner.id, "compensates": [record.ai, record.element, record.handler]}
    if handler.triggered_by_event:
        _run_event_subprocess(step, handler, record, scope, data)
        return
    handler_ai = step.create(handler, scope, variables=dict(record.variables), data=data)
    step.history("element_activated", handler.id, handler_ai.id, None)
    _history(step, "compensation_started", handler_ai)
    step.behaviour(handler).begin(step, handler_ai)


def _run_event_subprocess(step: "Step", handler: Element, record: CompensationRecord, scope: ActivityInstance,
                          data: dict[str, Any]) -> None:
    """Re-create the compensated subprocess instance (same id, its completion variables) and trigger its
    compensation event subprocess in it; the re-created instance ends when the event subprocess has."""
    from bpmn_runtime.engine.behaviours.events import event_subprocess_triggered
    host = ActivityInstance(record.ai, record.element, scope.id, dict(record.variables),
                            {**data, "outputs_done": True})
    step.state.instances[host.id] = host
    _history(step, "compensation_started", host)
    start = step.element(step.process.scope(handler.id).start_events[0])
    event_subprocess_triggered(step, start, host, None, {})


def handler_done(step: "Step", handler_ai: ActivityInstance) -> None:
    """A compensation handler completed: record it and start the next one."""
    owner = step.state.instances.get(handler_ai.data["compensation_of"])
    step.end_instance(handler_ai, "completed")
    _history(step, "compensation_completed", handler_ai, result="completed")
    if owner is not None and "compensation" in owner.data:
        _run_next(step, owner)


def _history(step: "Step", kind: str, handler_ai: ActivityInstance, **extra: Any) -> None:
    compensated_ai, activity, handler = handler_ai.data["compensates"]
    step.history(kind, handler, handler_ai.id,
                 {"activity": activity, "activity_instance": compensated_ai, "handler": handler, **extra})
