"""Subscriptions: an activity instance waits for a timer, message, signal or condition of an event.

Events subscribe through here wherever they stand (intermediate catch events, boundary events, the starts
of event subprocesses, the events after an event-based gateway); errors and escalations are not waited for
but thrown (see `Step.throw_error`).
"""
from __future__ import annotations

from datetime import datetime

from bpmn_runtime.engine import timers
from bpmn_runtime.engine.behaviours.base import Incident, StepContext
from bpmn_runtime.engine.state import (
    ActivityInstance, CheckCondition, ConditionalWait, MessageWait, SignalWait, TimerWait, Wait,
)
from bpmn_runtime.model import Element, EventDefinition


def subscribe(ctx: StepContext, owner: ActivityInstance, event: Element, definition: EventDefinition) -> None:
    """Wait on `owner` for the event `definition` of `event` (nothing to wait for: error, escalation, ...)."""
    if definition.kind == "timer":
        if definition.timer is None:
            raise Incident(f"the timer of {event.label} has no time set")
        text = definition.timer.expression
        if "{" in text or text.startswith("="):
            text = str(ctx.evaluate(owner, text))
        due, remaining = timers.first_due(definition.timer.kind, text, ctx.now)
        if definition.timer.kind == "cycle" and timers.cycle_interval(text).total_seconds() <= 0:
            raise Incident(f"the timer cycle '{text}' of {event.label} repeats without any time in between")
        ctx.add_wait(TimerWait(ctx.state.next_id(), owner.id, event.id, definition.timer.kind,
                               due.isoformat(), text, remaining))
    elif definition.kind == "message":
        key = str(ctx.evaluate(owner, definition.correlation_key)) if definition.correlation_key else None
        ctx.add_wait(MessageWait(ctx.state.next_id(), owner.id, event.id, definition.name, key))
    elif definition.kind == "signal":
        ctx.add_wait(SignalWait(ctx.state.next_id(), owner.id, event.id, definition.name))
    elif definition.kind == "conditional":
        wait = ConditionalWait(ctx.state.next_id(), owner.id, event.id, definition.condition or "false")
        ctx.add_wait(wait)
        ctx.later(CheckCondition(wait.key, owner.id))  # already true: fires as soon as its owner has started


def rearm_or_remove(ctx: StepContext, wait: Wait | None) -> None:
    """After a non-interrupting event: a timer cycle schedules its next firing, a one-off timer goes."""
    if not isinstance(wait, TimerWait):
        return
    ctx.remove_wait(wait)
    if wait.timer == "cycle" and wait.remaining != 0:
        due = datetime.fromisoformat(wait.due_at) + timers.cycle_interval(wait.spec)
        ctx.add_wait(TimerWait(ctx.state.next_id(), wait.ai, wait.element, "cycle", due.isoformat(), wait.spec,
                               None if wait.remaining is None else wait.remaining - 1))


def subscribe_all(ctx: StepContext, owner: ActivityInstance, event: Element) -> None:
    """Wait on `owner` for every event definition of `event`."""
    for definition in event.events:
        subscribe(ctx, owner, event, definition)
