"""What makes a deployed process start by itself: its message, signal and timer start events, and its
instantiating receive tasks and event-based gateways (BPMN 10.6.6, instantiate="true").

The runtime registers these triggers for the newest version of a process at deployment (and drops those of
the versions before it); when one occurs, it starts an instance at that start event (or at the receive task, or
at the event after the gateway, which has then occurred).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bpmn_runtime.engine import python_timers, timers
from bpmn_runtime.expressions import evaluate
from bpmn_runtime.model import Element, Process, TimerSpec


@dataclass(frozen=True, slots=True)
class StartTrigger:
    """One event that starts the process at `element_id`: a message or signal `name`, or a `timer`."""

    kind: str  # message, signal or timer
    element_id: str
    name: str = ""
    timer: TimerSpec | None = None


def start_triggers(process: Process) -> list[StartTrigger]:
    """The triggers of the process's top-level start events (event subprocess starts are not among them) and of
    the elements that instantiate it."""
    triggers = []
    for start in [process.element(s) for s in process.scope(process.id).start_events] + instantiating(process):
        if start.kind == "receiveTask" and not start.events:  # it waits for a message of its name, as it does
            triggers.append(StartTrigger("message", start.id, start.name or start.id))  # when reached by a flow
        for definition in start.events:
            if definition.kind in ("message", "signal"):
                triggers.append(StartTrigger(definition.kind, start.id, definition.name or ""))
            elif definition.kind == "timer" and definition.timer is not None and start.kind == "startEvent":
                triggers.append(StartTrigger("timer", start.id, timer=definition.timer))
    return triggers


def instantiating(process: Process) -> list[Element]:
    """The elements whose event starts an instance besides the start events: top-level receive tasks with
    instantiate="true", and the events (or receive tasks) after a top-level event-based gateway with
    instantiate="true"."""
    found = []
    for element in (process.element(c) for c in process.scope(process.id).children):
        if element.instantiate and element.kind == "receiveTask":
            found.append(element)
        elif element.instantiate and element.kind == "eventBasedGateway":
            found.extend(process.element(process.flows[f].target) for f in element.outgoing)
    return found


def instantiating_gateway(process: Process, element: Element) -> Element | None:
    """The instantiating event-based gateway `element` follows, if it does."""
    return next((source for f in element.incoming if (source := process.element(process.flows[f].source)).instantiate
                 and source.kind == "eventBasedGateway"), None)


def timer_schedule(timer: TimerSpec) -> timers.Schedule:
    """The schedule of a timer start event. An expression is evaluated without variables (no instance
    exists yet), as Camunda 8 does at deployment; ExpressionError when it fails or gives no timer text."""
    text = timer.expression
    if timer.computed:
        value = python_timers.evaluate(timer.kind, text, {}) if timer.python else evaluate(text, {})
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
