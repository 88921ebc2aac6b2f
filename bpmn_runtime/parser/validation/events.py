"""Events: which triggers each kind of event may carry, what those triggers need, and boundary events
(BPMN 2.0.2 section 10.4, tables 10.84-10.93)."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

from bpmn_runtime.engine.timers import TimerError, check
from bpmn_runtime.errors import Problem
from bpmn_runtime.model import Element, Process, TimerSpec
from bpmn_runtime.parser.validation import compensation
from bpmn_runtime.parser.validation.catalogue import rule
from bpmn_runtime.parser.validation.shared import THROW_EVENTS, in_event_subprocess, problem

# How messages name the field of each kind of timer.
TIMER_FIELDS = {"date": "timeDate", "duration": "timeDuration", "cycle": "timeCycle"}
# Which event definitions each kind of event can carry, as BPMN 2.0 table 10.84-10.93 allow.
ALLOWED_DEFINITIONS = {
    "startEvent": {"message", "timer", "signal", "conditional"},
    "eventSubprocessStart": {"message", "timer", "signal", "conditional", "error", "escalation", "compensate"},
    "endEvent": {"message", "signal", "error", "escalation", "terminate", "cancel", "compensate"},
    "intermediateCatchEvent": {"message", "timer", "signal", "conditional", "link"},
    "intermediateThrowEvent": {"message", "signal", "escalation", "link", "compensate"},
    "boundaryEvent": {"message", "timer", "signal", "conditional", "error", "escalation", "cancel", "compensate"},
}
# How messages name each position of ALLOWED_DEFINITIONS.
POSITION_NAMES = {
    "eventSubprocessStart": "start event of an event subprocess", "startEvent": "start event",
    "endEvent": "end event", "intermediateCatchEvent": "intermediate catch event",
    "intermediateThrowEvent": "intermediate throw event", "boundaryEvent": "boundary event",
}
TIMER_RULES = {"date": "EXT.132", "cycle": "EXT.133", "duration": "EXT.134"}


def flow_problems(element: Element) -> list[Problem]:
    """A process is entered at start events and left at end events, never the other way round."""
    return start_without_incoming(element) + end_without_outgoing(element)


@rule("EXT.096")
def start_without_incoming(element: Element) -> list[Problem]:
    """EXT.096: a start event has no incoming sequence flow."""
    if element.kind == "startEvent" and element.incoming:
        return [problem(element, "a start event cannot have incoming sequence flows")]
    return []


@rule("EXT.104")
def end_without_outgoing(element: Element) -> list[Problem]:
    """EXT.104: an end event has no outgoing sequence flow."""
    if element.kind == "endEvent" and element.outgoing:
        return [problem(element, "an end event cannot have outgoing sequence flows")]
    return []


def boundary_problems(process: Process, element: Element) -> list[Problem]:
    """A boundary event waits on an activity and leaves by its own flow; compensation ones lead to a handler."""
    if element.kind != "boundaryEvent":
        return []
    attached = process.elements.get(element.attached_to or "")
    if attached is None:
        return [problem(element, f"the boundary event is attached to '{element.attached_to}', which is not an "
                                 f"activity of this process")]
    problems = [*attached_to_activity(element, attached), *boundary_without_incoming(element),
                *boundary_triggers(element), *cancel_on_transaction(element, attached)]
    if any(d.kind == "compensate" for d in element.events):
        problems.extend(compensation.boundary_problems(process, element))
    else:
        problems.extend(boundary_outgoing(element))
    return problems


@rule("REF.TYPE")
def attached_to_activity(element: Element, attached: Element) -> list[Problem]:
    """REF.TYPE: a boundary event is attached to an activity (attachedToRef)."""
    if attached.kind.endswith("Gateway") or attached.kind.endswith("Event"):
        return [problem(element, f"a boundary event must be attached to an activity, not to {attached.kind} "
                                 f"'{attached.id}'")]
    return []


@rule("EXT.112")
def boundary_without_incoming(element: Element) -> list[Problem]:
    """EXT.112: a boundary event is never the target of a sequence flow."""
    if element.incoming:
        return [problem(element, "a boundary event cannot have incoming sequence flows")]
    return []


@rule("EXT.110", "EXT.120", "EXT.130", "EXT.147")
def boundary_triggers(element: Element) -> list[Problem]:
    """EXT.110: a boundary event has at least one event definition of the kinds a boundary event can catch, and
    a non-interrupting one (cancelActivity="false") catches no error, cancel or compensation."""
    if not element.events:
        return [problem(element, "a boundary event needs an event definition")]
    problems = _not_allowed(element, "boundaryEvent")
    if {d.kind for d in element.events} & {"error", "cancel", "compensate"} and not element.cancel_activity:
        problems.append(problem(element, "error, cancel and compensation boundary events are always interrupting "
                                         "(cancelActivity cannot be false)"))
    return problems


@rule("EXT.111")
def cancel_on_transaction(element: Element, attached: Element) -> list[Problem]:
    """EXT.111: a cancel boundary event is attached to a transaction."""
    if any(d.kind == "cancel" for d in element.events) and attached.kind != "transaction":
        return [problem(element, "a cancel boundary event can only be attached to a transaction")]
    return []


@rule("EXT.113")
def boundary_outgoing(element: Element) -> list[Problem]:
    """EXT.113: a boundary event (other than a compensation one) is the source of a sequence flow."""
    if not element.outgoing:
        return [problem(element, "the boundary event has no outgoing sequence flow")]
    return []


def _not_allowed(element: Element, position: str) -> list[Problem]:
    allowed = ALLOWED_DEFINITIONS[position]
    return [problem(element, f"a {d.kind} event definition is not allowed on a {POSITION_NAMES[position]}")
            for d in element.events if d.kind not in allowed]


def definition_problems(process: Process, element: Element) -> list[Problem]:
    """Each event definition is allowed where it stands and names what it waits for or throws."""
    return [*start_triggers(process, element), *event_subprocess_start_triggers(process, element),
            *end_results(element), *catch_triggers(element), *throw_results(element), *timer_problems(element),
            *message_named(element), *signal_named(element), *thrown_named(element), *condition_given(element)]


@rule("EXT.098", "EXT.121")
def start_triggers(process: Process, element: Element) -> list[Problem]:
    """EXT.098: a start event of a process waits for a message, a timer, a signal or a condition (or none of
    them); compensation, errors, escalations, cancel, links and terminate only start event subprocesses, if any."""
    if element.kind != "startEvent" or in_event_subprocess(process, element):
        return []
    return _not_allowed(element, "startEvent")


@rule("EXT.059", "EXT.129")
def event_subprocess_start_triggers(process: Process, element: Element) -> list[Problem]:
    """EXT.059: the start event of an event subprocess has a trigger (message, timer, signal, conditional, error,
    escalation or compensation; never link, cancel or terminate), and a non-interrupting one catches no error
    and no compensation."""
    if element.kind != "startEvent" or not in_event_subprocess(process, element):
        return []
    problems = _not_allowed(element, "eventSubprocessStart")
    if not element.interrupting and any(d.kind == "error" for d in element.events):
        problems.append(problem(element, "the start event of an error event subprocess is always interrupting "
                                         "(isInterrupting cannot be false)"))
    return problems


@rule("EXT.146")
def end_results(element: Element) -> list[Problem]:
    """EXT.146: an end event throws a message, signal, error, escalation, cancel, compensation or terminate (or
    nothing); never a timer, a condition or a link."""
    return _not_allowed(element, "endEvent") if element.kind == "endEvent" else []


@rule("EXT.148", "EXT.122")
def catch_triggers(element: Element) -> list[Problem]:
    """EXT.148: an intermediate catch event waits for a message, timer, signal, condition or link, at least one of
    them; never an error, escalation, cancel, compensation or terminate."""
    if element.kind != "intermediateCatchEvent":
        return []
    if not element.events:
        return [problem(element, "an intermediate catch event needs an event definition: what it waits for")]
    return _not_allowed(element, "intermediateCatchEvent")


@rule("EXT.149")
def throw_results(element: Element) -> list[Problem]:
    """EXT.149: an intermediate throw event throws a message, signal, escalation, compensation or link (or
    nothing); never a timer, condition, error, cancel or terminate."""
    return _not_allowed(element, "intermediateThrowEvent") if element.kind == "intermediateThrowEvent" else []


@rule("EXT.134", "EXT.132", "EXT.133")
def timer_problems(element: Element) -> list[Problem]:
    """EXT.134 (with EXT.132 and EXT.133): a timer's duration (date, cycle) is written in ISO 8601, unless it is
    an expression computed when the timer starts."""
    problems = []
    for definition in element.events:
        if definition.kind == "timer" and definition.timer is not None:
            for found in _timer_problems(element, definition.timer):
                problems.append(dataclasses.replace(found, rule=TIMER_RULES.get(definition.timer.kind)))
    return problems


def _timer_problems(element: Element, timer: TimerSpec) -> list[Problem]:
    """A timer written out in the model must be able to fire; one given by an expression is checked when it
    is evaluated (at activation, or at deployment for a process's timer start event)."""
    if timer.computed:
        return []
    try:
        check(timer.kind, timer.expression, datetime.now(timezone.utc))
    except TimerError as error:
        return [problem(element, f"the {TIMER_FIELDS[timer.kind]} {error}")]
    return []


@rule("EXT.127")
def message_named(element: Element) -> list[Problem]:
    """EXT.127: a message event of an executable process names its message (messageRef). Messages reach their
    events here by the message's name (as in Camunda 7 and 8 and Flowable, which refuse such an event too);
    bpmn-engine lets a program signal the waiting event itself, which no API here does."""
    return [problem(element, "the message event does not name its message, and a message reaches its event by the "
                             "message's name, so it could never occur; choose its message (Global message "
                             "reference)")
            for d in element.events if d.kind == "message" and not d.name]


def signal_named(element: Element) -> list[Problem]:
    """A signal event names its signal: the engine broadcasts and catches signals by name."""
    return [problem(element, "the signal event does not name its signal")
            for d in element.events if d.kind == "signal" and not d.name]


def thrown_named(element: Element) -> list[Problem]:
    """An error or escalation throw event names what it throws (EXT.011 for escalations)."""
    if element.kind not in THROW_EVENTS:
        return []
    return [problem(element, f"the {d.kind} {POSITION_NAMES[element.kind]} does not name the {d.kind} it throws "
                             f"({d.kind}Ref)")
            for d in element.events if d.kind in ("error", "escalation") and d.name is None]


@rule("EXT.123")
def condition_given(element: Element) -> list[Problem]:
    """EXT.123: a conditional event of an executable process has a condition to evaluate."""
    return [problem(element, "the conditional event has no condition")
            for d in element.events if d.kind == "conditional" and not d.condition]
