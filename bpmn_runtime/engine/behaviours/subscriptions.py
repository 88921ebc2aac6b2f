"""Subscriptions: an activity instance waits for a timer, message, signal or condition of an event.

Events subscribe through here wherever they stand (intermediate catch events, boundary events, the starts
of event subprocesses, the events after an event-based gateway); errors and escalations are not waited for
but thrown (see `Step.throw_error`).
"""
from __future__ import annotations

import reprlib
from decimal import Decimal

from bpmn_runtime import feel
from bpmn_runtime.engine import spiff_correlation
from bpmn_runtime.engine.behaviours import timer_events
from bpmn_runtime.engine.behaviours.base import Incident, StepContext
from bpmn_runtime.engine.state import (
    ActivityInstance, CheckCondition, ConditionalWait, MessageWait, SignalWait, TimerWait, Wait,
)
from bpmn_runtime.model import Element, EventDefinition


def subscribe(ctx: StepContext, owner: ActivityInstance, event: Element, definition: EventDefinition) -> None:
    """Wait on `owner` for the event `definition` of `event` (nothing to wait for: error, escalation, ...)."""
    if definition.kind == "timer":
        timer_events.subscribe(ctx, owner, event, definition.timer)
    elif definition.kind == "message":
        key = correlation_key(ctx, owner, definition.correlation_key) if definition.correlation_key \
            else spiff_correlation.expected(ctx.state, definition)
        ctx.add_wait(MessageWait(ctx.state.next_id(), owner.id, event.id, event_name(ctx, owner, definition), key))
    elif definition.kind == "signal":
        ctx.add_wait(SignalWait(ctx.state.next_id(), owner.id, event.id, event_name(ctx, owner, definition)))
    elif definition.kind == "conditional":
        wait = ConditionalWait(ctx.state.next_id(), owner.id, event.id, definition.condition or "false")
        ctx.add_wait(wait)
        ctx.later(CheckCondition(wait.key, owner.id))  # already true: fires as soon as its owner has started


def rearm_or_remove(ctx: StepContext, wait: Wait | None) -> None:
    """After a non-interrupting event: a timer cycle schedules its next firing, a one-off timer goes."""
    if isinstance(wait, TimerWait):
        timer_events.rearm(ctx, wait)


def correlation_key(ctx: StepContext, owner: ActivityInstance, expression: str) -> str:
    """The key a message must carry to reach this subscription. As in Zeebe it is a text, or a number written as
    text; anything else (null from a missing variable, a list) is an incident, never a key that matches by chance."""
    value = ctx.evaluate(owner, expression)
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return feel.feel_text(feel.to_feel(value))
    shown = "null" if value is None else reprlib.repr(value)
    raise Incident(f"the correlation key \"{expression}\" gives {shown}; it must give a text or a number")


def event_name(ctx: StepContext, ai: ActivityInstance, definition: EventDefinition) -> str | None:
    """A message or signal name; Camunda 7 resolves `${...}` in it where the event is caught or thrown, Camunda 8
    evaluates a name written as FEEL (`=...`)."""
    if definition.name is None:
        return None
    name = ctx.evaluate(ai, definition.name) if definition.name.lstrip().startswith("=") \
        else ctx.render(ai, definition.name)
    if not isinstance(name, str):
        raise Incident(f"the name '{definition.name}' gives {name!r}, not text")
    return name


def subscribe_all(ctx: StepContext, owner: ActivityInstance, event: Element) -> None:
    """Wait on `owner` for every event definition of `event`."""
    for definition in event.events:
        subscribe(ctx, owner, event, definition)
