"""Events: which triggers each kind of event may carry, what those triggers need, boundary events and links."""
from __future__ import annotations

from datetime import datetime, timezone

from bpmn_runtime.engine.timers import TimerError, check
from bpmn_runtime.errors import Problem
from bpmn_runtime.model import Element, Process, TimerSpec
from bpmn_runtime.parser.validation import compensation
from bpmn_runtime.parser.validation.shared import THROW_EVENTS, children, in_event_subprocess, problem

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


def flow_problems(element: Element) -> list[Problem]:
    """A process is entered at start events and left at end events, never the other way round."""
    problems = []
    if element.kind == "startEvent" and element.incoming:
        problems.append(problem(element, "a start event cannot have incoming sequence flows"))
    if element.kind == "endEvent" and element.outgoing:
        problems.append(problem(element, "an end event cannot have outgoing sequence flows"))
    return problems


def boundary_problems(process: Process, element: Element) -> list[Problem]:
    """A boundary event waits on an activity and leaves by its own flow; compensation ones lead to a handler."""
    if element.kind != "boundaryEvent":
        return []
    kinds = {d.kind for d in element.events}
    attached = process.elements.get(element.attached_to or "")
    if attached is None:
        return [problem(element, f"the boundary event is attached to '{element.attached_to}', which is not an "
                                 f"activity of this process")]
    problems = []
    if attached.kind.endswith("Gateway") or attached.kind.endswith("Event"):
        problems.append(problem(element, f"a boundary event must be attached to an activity, not to "
                                         f"{attached.kind} '{attached.id}'"))
    if element.incoming:
        problems.append(problem(element, "a boundary event cannot have incoming sequence flows"))
    if not element.events:
        problems.append(problem(element, "a boundary event needs an event definition"))
    if kinds & {"error", "cancel", "compensate"} and not element.cancel_activity:
        problems.append(problem(element, "error, cancel and compensation boundary events are always interrupting "
                                         "(cancelActivity cannot be false)"))
    if "cancel" in kinds and attached.kind != "transaction":
        problems.append(problem(element, "a cancel boundary event can only be attached to a transaction"))
    if "compensate" in kinds:
        problems.extend(compensation.boundary_problems(process, element))
    elif not element.outgoing:
        problems.append(problem(element, "the boundary event has no outgoing sequence flow"))
    return problems


def definition_problems(process: Process, element: Element) -> list[Problem]:
    """Each event definition is allowed where it stands and names what it waits for or throws."""
    problems = []
    kind = element.kind
    position = "eventSubprocessStart" if kind == "startEvent" and in_event_subprocess(process, element) else kind
    allowed = ALLOWED_DEFINITIONS.get(position)
    if allowed is not None:
        for definition in element.events:
            if definition.kind not in allowed:
                problems.append(problem(element, f"a {definition.kind} event definition is not allowed on a "
                                                 f"{POSITION_NAMES[position]}"))
    for definition in element.events:
        if definition.kind == "timer" and definition.timer is not None:
            problems += _timer_problems(element, definition.timer)
        if definition.kind in ("message", "signal") and not definition.name:
            problems.append(problem(element, f"the {definition.kind} event does not name its {definition.kind}"))
        if definition.kind in ("error", "escalation") and definition.name is None and kind in THROW_EVENTS:
            problems.append(problem(element, f"the {definition.kind} {POSITION_NAMES[kind]} does not name the "
                                             f"{definition.kind} it throws ({definition.kind}Ref)"))
        if definition.kind == "conditional" and not definition.condition:
            problems.append(problem(element, "the conditional event has no condition"))
    return problems


def _timer_problems(element: Element, timer: TimerSpec) -> list[Problem]:
    """A timer written out in the model must be able to fire; one given by an expression is checked when it
    is evaluated (at activation, or at deployment for a process's timer start event)."""
    text = timer.expression
    if "{" in text or text.startswith("="):
        return []
    try:
        check(timer.kind, text, datetime.now(timezone.utc))
    except TimerError as error:
        return [problem(element, f"the {TIMER_FIELDS[timer.kind]} {error}")]
    return []


def link_problems(process: Process, scope_id: str) -> list[Problem]:
    """A link throw event jumps to the one link catch event of the same name in its own scope (BPMN 10.4.6)."""
    nodes = children(process, scope_id)
    throws, catches = _link_names(nodes, "intermediateThrowEvent"), _link_names(nodes, "intermediateCatchEvent")
    problems = []
    for event_id, name in throws.items():
        event = process.element(event_id)
        targets = [c for c, n in catches.items() if n == name]
        if len(targets) != 1:
            problems.append(problem(event, f"the link throw event '{name}' needs exactly one link catch event of "
                                           f"that name in the same (sub)process, not {len(targets)}"))
        if event.outgoing:
            problems.append(problem(event, "a link throw event cannot have outgoing sequence flows"))
    for event_id, name in catches.items():
        event = process.element(event_id)
        if name not in throws.values():
            problems.append(problem(event, f"no link throw event named '{name}' in the same (sub)process leads to "
                                           f"this link catch event"))
        if event.incoming:
            problems.append(problem(event, "a link catch event cannot have incoming sequence flows"))
    return problems


def _link_names(nodes: list[Element], kind: str) -> dict[str, str | None]:
    """The name of each link event of `kind` among `nodes`, by event id."""
    return {e.id: d.name for e in nodes if e.kind == kind for d in e.events if d.kind == "link"}
