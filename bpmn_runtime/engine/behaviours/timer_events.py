"""Timer events in an instance: the wait a timer arms when its event activates, and the next one after each
firing of a cycle.

A timer wait keeps the timer's text as evaluated at activation (`spec`) and how often it has fired
(`fired`); each firing is computed from these by `timers.next_firing`, so a cycle keeps its grid and its
count across any number of steps.
"""
from __future__ import annotations

import reprlib
from datetime import datetime

from bpmn_runtime.engine import python_timers, timers
from bpmn_runtime.engine.behaviours.base import Incident, StepContext
from bpmn_runtime.engine.state import ActivityInstance, TimerWait
from bpmn_runtime.model import Element, TimerSpec


def subscribe(ctx: StepContext, owner: ActivityInstance, event: Element, timer: TimerSpec | None) -> None:
    """Arm the timer of `event` on `owner`; an expression is evaluated now. Incident when it cannot run."""
    if timer is None:
        raise Incident(f"the timer of {event.label} has no time set")
    text = _evaluated(ctx, owner, event, timer)
    try:
        due = timers.next_firing(timers.parse(timer.kind, text), since=ctx.now, fired=0, now=ctx.now)
    except timers.TimerError as error:
        raise Incident(_refusal(event, timer, text, error.reason)) from None
    if due is None:
        raise Incident(f"the timer of {event.label} never fires")
    ctx.add_wait(TimerWait(ctx.state.next_id(), owner.id, event.id, timer.kind, due.isoformat(), text, fired=0))


def rearm(ctx: StepContext, wait: TimerWait) -> bool:
    """After a timer fired: its wait goes, and a cycle with firings left waits for the next one (True).

    A cycle whose next firing would fall after the year 9999 (or whose text an older version accepted and
    this one refuses) has no next firing.
    """
    ctx.remove_wait(wait)
    if wait.timer != "cycle" or not wait.due_at:
        return False
    try:
        schedule = timers.parse("cycle", wait.spec)
        fired = _fired(wait, schedule) + 1
        due = timers.next_firing(schedule, since=datetime.fromisoformat(wait.due_at), fired=fired, now=ctx.now)
    except timers.TimerError:
        return False
    if due is None:
        return False
    ctx.add_wait(TimerWait(ctx.state.next_id(), wait.ai, wait.element, "cycle", due.isoformat(), wait.spec,
                           fired=fired))
    return True


def _evaluated(ctx: StepContext, owner: ActivityInstance, event: Element, timer: TimerSpec) -> str:
    """The timer's text: as written, or what its expression (`${...}`, `=...`, a SpiffWorkflow file's Python)
    gives for this instance."""
    text = timer.expression
    if not timer.computed:
        return text
    value = python_timers.evaluate(timer.kind, text, ctx.variables(owner)) if timer.python \
        else ctx.evaluate(owner, text)
    found = timers.as_text(value)
    if found is None:
        raise Incident(f"the timer {event.label} got {reprlib.repr(value)} from its expression \"{text}\", "
                       f"which is neither a text such as PT5M nor a date or a duration")
    return found


def _refusal(event: Element, timer: TimerSpec, text: str, reason: str) -> str:
    if text == timer.expression:
        return f"the timer {event.label} cannot run: '{text}' {reason}"
    return f"the timer {event.label} got '{text}' from its expression \"{timer.expression}\", which {reason}"


def _fired(wait: TimerWait, schedule: timers.Schedule) -> int:
    """How often the timer of `wait` has fired; waits saved before firings were counted kept the firings
    left instead (`remaining`, None for no end)."""
    if wait.fired is not None:
        return wait.fired
    if wait.remaining is None or schedule.repetitions is None:
        return 0
    return schedule.repetitions - 1 - wait.remaining
