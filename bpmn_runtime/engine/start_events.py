"""What makes a deployed process start by itself: its message, signal and timer start events.

The runtime registers these triggers for the newest version of a process at deployment (and drops those of
the versions before it); when one occurs, it starts an instance at that start event.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bpmn_runtime.engine import timers
from bpmn_runtime.expressions import evaluate
from bpmn_runtime.model import Process, TimerSpec


@dataclass(frozen=True, slots=True)
class StartTrigger:
    """One event that starts the process at `element_id`: a message or signal `name`, or a `timer`."""

    kind: str  # message, signal or timer
    element_id: str
    name: str = ""
    timer: TimerSpec | None = None


def start_triggers(process: Process) -> list[StartTrigger]:
    """The triggers of the process's top-level start events (event subprocess starts are not among them), and
    the messages and signals its instantiating receive tasks and event-based gateways wait for (BPMN 10.6.6): the
    instance starts at the receive task, or at the event after the gateway, which has then received it."""
    triggers = []
    top = process.scope(process.id).children
    starts = [*process.scope(process.id).start_events, *(c for c in top if process.element(c).instantiate
                                                         and process.element(c).kind == "receiveTask")]
    starts += [process.flows[f].target for c in top if process.element(c).instantiate
               and process.element(c).kind == "eventBasedGateway" for f in process.element(c).outgoing]
    for start_id in starts:
        start = process.element(start_id)
        for definition in start.events:
            if definition.kind in ("message", "signal"):
                triggers.append(StartTrigger(definition.kind, start.id, definition.name or ""))
            elif definition.kind == "timer" and definition.timer is not None and start.kind == "startEvent":
                triggers.append(StartTrigger("timer", start.id, timer=definition.timer))
    return triggers


def timer_schedule(timer: TimerSpec) -> timers.Schedule:
    """The schedule of a timer start event. An expression is evaluated without variables (no instance
    exists yet), as Camunda 8 does at deployment; ExpressionError when it fails or gives no timer text."""
    text = timer.expression
    if "{" in text or text.startswith("="):
        value = evaluate(text, {})
        found = timers.as_text(value)
        if found is None:
            raise timers.TimerError(repr(value), f"(from \"{text}\") is neither a text such as R/P1D nor a "
                                                 f"date or a duration")
        text = found
    return timers.parse(timer.kind, text)


def next_start(timer: TimerSpec, since: datetime, fired: int, now: datetime) -> datetime | None:
    """When a timer start event that has fired `fired` times, last due at `since`, fires again (None: never;
    nor after the year 9999)."""
    try:
        return timers.next_firing(timer_schedule(timer), since=since, fired=fired, now=now)
    except timers.TimerError:
        return None
