"""Compensation (BPMN 2.0 10.5.4, 13.5.5): undo completed activities, newest first.

Records. When an activity instance completes and has a compensation handler (the activity associated
with its compensation boundary event or, for a subprocess, its compensation event subprocess), or when
activities inside it left records, a record is kept in the scope it ran in: the instance, its handler
(None: compensate its inside), the variables it completed with and its place in the order of completion.
An activity instance that ends without completing takes the records of its inside with it: only
completed work is compensated.

Runs. A compensation throw takes the records of its scope (or only those of `activityRef`), replaces
each record without a handler by the records of its inside, and starts a run: an activity instance of its
own under the thrower (the throw event, or a transaction being cancelled), whose behaviour runs the
handlers one at a time, newest first, each as its child with the variables of the instance it undoes. So
handlers may wait for people, workers and timers across many steps, and the thrower waits for all of them
(waitForCompletion; asynchronous compensation is refused at deployment), then is told by
`compensation_done`. A record leaves the state when its run takes it, so each completed instance is
compensated once.

A compensation event subprocess runs inside a re-created instance of its subprocess that carries the
subprocess's own activity instance id and completion variables, so that a compensation throw inside it
finds the records the subprocess's inner activities left.
"""
from __future__ import annotations

from typing import Any

from bpmn_runtime.engine.behaviours.base import Behaviour, StepContext
from bpmn_runtime.engine.state import ROOT, ActivityInstance, CompensationRecord, CompensationRun
from bpmn_runtime.model import Element, EventDefinition


# --- records --------------------------------------------------------------------------------------

def activity_ended(ctx: StepContext, ai: ActivityInstance, how: str, handler: str | None) -> None:
    """Called for every activity instance that ends (`handler`: its element's compensation handler): a
    completed one that can be compensated leaves a record; one that did not complete, or that was itself a
    compensation handler, drops the records of its inside."""
    parent = ctx.state.parent_of(ai)
    if isinstance(parent.body, CompensationRun):
        _discard_inside(ctx, ai)
        if how != "completed" and parent.body.current is not None:
            _history(ctx, "compensation_completed", ai, parent.body.current, result=how)
        return
    if how != "completed":
        _discard_inside(ctx, ai)
        return
    if handler is None and not ai.compensable:
        return
    if handler is not None and not ctx.element(handler).triggered_by_event:
        _discard_inside(ctx, ai)  # a handler outside the activity undoes it as a whole
    parent.compensable = True
    ctx.state.compensations.append(CompensationRecord(
        ai.id, ai.element, parent.id, handler, _local_variables(ctx, ai), ctx.state.next_id()))


def _discard_inside(ctx: StepContext, ai: ActivityInstance) -> None:
    if ai.compensable:
        _discard_records(ctx, ai.id)


def _discard_records(ctx: StepContext, scope_id: int) -> None:
    for record in [r for r in ctx.state.compensations if r.scope_ai == scope_id]:
        ctx.state.compensations.remove(record)
        _discard_records(ctx, record.ai)


def _local_variables(ctx: StepContext, ai: ActivityInstance) -> dict[str, Any]:
    """The variables an activity completed with, below the process level (loop counters, inputs, the
    variables of its subprocesses), innermost winning."""
    chain: list[dict[str, Any]] = []
    current: ActivityInstance | None = ai
    while current is not None and current.id != ROOT:
        chain.append(current.variables or {})
        current = ctx.state.instances.get(current.parent) if current.parent is not None else None
    merged: dict[str, Any] = {}
    for variables in reversed(chain):
        merged.update(variables)
    return merged


def _take_records(ctx: StepContext, scope_id: int, activity_ref: str | None) -> list[CompensationRecord]:
    """Take out of the state the records to compensate in `scope_id` (only `activity_ref`'s when given),
    newest first, each record without a handler replaced by the records of its inside."""
    chosen = sorted((r for r in ctx.state.compensations
                     if r.scope_ai == scope_id and activity_ref in (None, r.element)),
                    key=lambda r: r.order, reverse=True)
    taken: list[CompensationRecord] = []
    for record in chosen:
        ctx.state.compensations.remove(record)
        if record.handler is None:
            taken.extend(_take_records(ctx, record.ai, None))
        else:
            taken.append(record)
    return taken


# --- runs -----------------------------------------------------------------------------------------

def throw(ctx: StepContext, ai: ActivityInstance, definition: EventDefinition) -> bool:
    """A compensation throw event: start a run of the handlers; True when there are handlers to wait for
    (the event is then completed by `compensation_done` when the last one is done)."""
    scope = _compensated_scope(ctx, ai)
    records = _take_records(ctx, scope.id, definition.activity_ref)
    ctx.history("compensation_thrown", ai.element, ai.id,
                {"activity": definition.activity_ref, "handlers": len(records)})
    if not records:
        return False
    _start(ctx, ai, records)
    return True


def compensate_inside(ctx: StepContext, owner: ActivityInstance) -> None:
    """Compensate everything completed inside `owner` (a transaction being cancelled), then tell its
    behaviour (`compensation_done`)."""
    _start(ctx, owner, _take_records(ctx, owner.id, None))


def _compensated_scope(ctx: StepContext, ai: ActivityInstance) -> ActivityInstance:
    scope = ctx.state.parent_of(ai)
    element = ctx.process.elements.get(scope.element)
    return ctx.state.parent_of(scope) if element is not None and element.triggered_by_event else scope


def _start(ctx: StepContext, owner: ActivityInstance, records: list[CompensationRecord]) -> None:
    run = ctx.create(ctx.element(owner.element), owner, body=CompensationRun(records))
    _run_next(ctx, run)


def _run_next(ctx: StepContext, run_ai: ActivityInstance) -> None:
    """Start the next handler of the run, or end the run and tell its owner."""
    run = run_ai.body
    assert isinstance(run, CompensationRun)
    if not run.queue:
        owner = ctx.state.parent_of(run_ai)
        ctx.end_instance(run_ai, "completed")
        ctx.behaviour_of(owner).compensation_done(ctx, owner)
        return
    record = run.current = run.queue.pop(0)
    assert record.handler is not None, "records without a handler are replaced by those of their inside"
    handler = ctx.element(record.handler)
    if handler.triggered_by_event:
        _run_event_subprocess(ctx, handler, record, run_ai)
        return
    handler_ai = ctx.create(handler, run_ai, variables=dict(record.variables))
    ctx.history("element_activated", handler.id, handler_ai.id, None)
    _history(ctx, "compensation_started", handler_ai, record)
    ctx.run_phase(handler_ai, "begin")


def _run_event_subprocess(ctx: StepContext, handler: Element, record: CompensationRecord,
                          run_ai: ActivityInstance) -> None:
    """Re-create the compensated subprocess instance (same id, its completion variables) and trigger its
    compensation event subprocess in it; the re-created instance ends when the event subprocess has."""
    host = ctx.create(ctx.element(record.element), run_ai, variables=dict(record.variables), ai_id=record.ai)
    host.outputs_mapped = True  # it completed before: it does not map its outputs again
    _history(ctx, "compensation_started", host, record)
    start = ctx.element(ctx.process.scope(handler.id).start_events[0])
    ctx.behaviour_for(start).event_occurred(ctx, start, host, None, {})


def _history(ctx: StepContext, kind: str, handler_ai: ActivityInstance, record: CompensationRecord,
             **extra: Any) -> None:
    ctx.history(kind, record.handler, handler_ai.id,
                {"activity": record.element, "activity_instance": record.ai, "handler": record.handler, **extra})


class CompensationRunBehaviour(Behaviour):
    """A compensation run: its children are the handlers, run one after the other."""

    def child_completed(self, ctx: StepContext, scope_ai: ActivityInstance, child: ActivityInstance) -> None:
        run = scope_ai.body
        assert isinstance(run, CompensationRun) and run.current is not None
        ctx.end_instance(child, "completed")
        _history(ctx, "compensation_completed", child, run.current, result="completed")
        _run_next(ctx, scope_ai)

    def ended(self, ctx: StepContext, ai: ActivityInstance, how: str) -> None:
        """A run is no element of the model: its end leaves no history of its own."""
