"""Sequence flows and scopes: every token can enter, move and leave the graph as drawn (BPMN 2.0.2 sections
10.2, 10.5, 10.6)."""
from __future__ import annotations

from bpmn_runtime.errors import Problem
from bpmn_runtime.model import Element, Process
from bpmn_runtime.parser.validation.catalogue import rule
from bpmn_runtime.parser.validation.shared import ACTIVITIES, children, problem


def default_flow_problems(process: Process, element: Element) -> list[Problem]:
    """The default flow is one of the element's own outgoing flows, taken when no condition holds."""
    return default_is_outgoing(process, element) + default_unconditional(process, element)


@rule("EXT.026")
def default_is_outgoing(process: Process, element: Element) -> list[Problem]:
    """EXT.026: the default flow of an activity or gateway is one of its own outgoing sequence flows."""
    if element.default_flow is None:
        return []
    flow = process.flows.get(element.default_flow)
    if flow is None or flow.source != element.id:
        return [problem(element, f"the default flow '{element.default_flow}' is not an outgoing sequence flow of "
                                 f"this element")]
    return []


def default_unconditional(process: Process, element: Element) -> list[Problem]:
    """The default flow has no condition: it is taken when the conditions of the others do not hold."""
    flow = process.flows.get(element.default_flow or "")
    if flow is not None and flow.source == element.id and flow.condition is not None:
        return [problem(element, "the default flow must not have a condition")]
    return []


def token_problems(process: Process, element: Element) -> list[Problem]:
    """How many tokens an element takes and gives, and where they may come from (BPMN 10.2, 10.5, 10.6)."""
    return [*start_quantity(element), *completion_quantity(element), *event_subprocess_flows(element),
            *lone_condition(process, element), *instantiating_receive_task(element),
            *instantiating_gateway(element)]


@rule("EXT.037")
def start_quantity(element: Element) -> list[Problem]:
    """EXT.037: an activity waits for at least one token (startQuantity is at least 1)."""
    if element.start_quantity < 1:
        return [problem(element, "startQuantity and completionQuantity must be at least 1")]
    return []


@rule("EXT.038")
def completion_quantity(element: Element) -> list[Problem]:
    """EXT.038: an activity sends at least one token down each outgoing flow (completionQuantity is at least 1)."""
    if element.completion_quantity < 1:
        return [problem(element, "startQuantity and completionQuantity must be at least 1")]
    return []


@rule("EXT.057")
def event_subprocess_flows(element: Element) -> list[Problem]:
    """EXT.057: an event subprocess has no incoming or outgoing sequence flows; its start event starts it."""
    if element.triggered_by_event and (element.incoming or element.outgoing):
        return [problem(element, "an event subprocess cannot have incoming or outgoing sequence flows; it starts by "
                                 "its start event")]
    return []


@rule("EXT.025")
def lone_condition(process: Process, element: Element) -> list[Problem]:
    """EXT.025: an activity with a single outgoing sequence flow does not put a condition on it."""
    if element.kind in ACTIVITIES and len(element.outgoing) == 1 and process.flows[element.outgoing[0]].condition:
        return [problem(element, "the only outgoing sequence flow of an activity cannot have a condition; add another "
                                 "outgoing flow or remove the condition")]
    return []


def _instantiating(element: Element) -> list[Problem]:
    if element.instantiate and element.incoming:
        return [problem(element, f"{element.label} has instantiate=\"true\", so it starts the process and cannot "
                                 f"have incoming sequence flows")]
    return []


def instantiation_problems(process: Process, element: Element) -> list[Problem]:
    """An element with instantiate="true" starts the process when its event occurs (BPMN 10.6.6): it is on the
    process's own level, and a gateway that does so waits for messages or signals (a timer or condition would
    start instances by itself, which the modeler did not draw)."""
    if not element.instantiate or element.kind not in ("receiveTask", "eventBasedGateway"):
        return []
    if element.scope != process.id:
        owner = process.element(element.scope)
        return [problem(element, f"{element.label} has instantiate=\"true\", but only an element of the process "
                                 f"itself can start it, not one inside {owner.label}")]
    if element.kind == "receiveTask":
        return []
    return [problem(process.element(process.flows[f].target),
                    f"{process.element(process.flows[f].target).label} follows {element.label}, which starts the "
                    f"process (instantiate=\"true\"): only a message or signal can start an instance there")
            for f in element.outgoing
            if not any(d.kind in ("message", "signal") for d in process.element(process.flows[f].target).events)]


@rule("EXT.049")
def instantiating_receive_task(element: Element) -> list[Problem]:
    """EXT.049: a receive task that starts the process (instantiate="true") has no incoming sequence flows."""
    return _instantiating(element) if element.kind == "receiveTask" else []


@rule("EXT.142")
def instantiating_gateway(element: Element) -> list[Problem]:
    """EXT.142: an event-based gateway that starts the process (instantiate="true") has no incoming sequence
    flows."""
    return _instantiating(element) if element.kind == "eventBasedGateway" else []


def start_event_problems(process: Process, scope_id: str) -> list[Problem]:
    """How a scope starts: a process has something to start, a subprocess at most one none start event, and an
    event subprocess exactly one start event with a trigger."""
    scope = process.scope(scope_id)
    owner = process.elements.get(scope_id)
    if owner is None:  # without start events, the nodes without incoming flows start it (BPMN 10.4.2)
        return [] if scope.children else [problem(process, "the process is empty, so an instance would do nothing; "
                                                           "draw its flow, or mark the pool as not executable")]
    if owner.triggered_by_event:
        return event_subprocess_start(process, owner) + event_subprocess_trigger(process, owner)
    if owner.kind == "adHocSubProcess":
        return []
    if len([s for s in scope.start_events if not process.element(s).events]) > 1:
        return [problem(owner, "a subprocess can have only one none start event")]
    return subprocess_none_start(process, owner)


@rule("EXT.058")
def event_subprocess_start(process: Process, owner: Element) -> list[Problem]:
    """EXT.058: an event subprocess has exactly one start event."""
    if len(process.scope(owner.id).start_events) != 1:
        return [problem(owner, "an event subprocess needs exactly one start event")]
    return []


@rule("EXT.059", "EXT.129")
def event_subprocess_trigger(process: Process, owner: Element) -> list[Problem]:
    """EXT.059: the start event of an event subprocess has a trigger."""
    starts = process.scope(owner.id).start_events
    if len(starts) == 1 and not process.element(starts[0]).events:
        return [problem(owner, "the start event of an event subprocess needs an event definition (message, timer, "
                               "signal, error, escalation, conditional, compensation)")]
    return []


@rule("EXT.100")
def subprocess_none_start(process: Process, owner: Element) -> list[Problem]:
    """EXT.100: the start events of a subprocess (and of a transaction) are none start events: the parent's flow
    starts it."""
    if any(process.element(s).events for s in process.scope(owner.id).start_events):
        return [problem(owner, "a subprocess start event must be a none start event")]
    return []


def reachability_problems(process: Process, scope_id: str) -> list[Problem]:
    """A scope that starts at start events runs only what they reach, and one with end events ends only
    there: then every node needs an incoming (and outgoing) flow (BPMN 10.5.2, 10.5.3)."""
    owner = process.elements.get(scope_id)
    if owner is not None and owner.kind == "adHocSubProcess":
        return ad_hoc_without_start_or_end(process, scope_id)
    return [*start_has_end(process, scope_id), *end_has_start(process, scope_id),
            *reached_from_start(process, scope_id), *reaching_end(process, scope_id)]


def _starts_and_ends(process: Process, scope_id: str) -> tuple[list[Element], list[Element]]:
    nodes = children(process, scope_id)
    return [c for c in nodes if c.kind == "startEvent"], [c for c in nodes if c.kind == "endEvent"]


def _where(process: Process, scope_id: str) -> str:
    owner = process.elements.get(scope_id)
    return owner.label if owner is not None else f"process '{process.id}'"


@rule("EXT.062")
def ad_hoc_without_start_or_end(process: Process, scope_id: str) -> list[Problem]:
    """EXT.062: an ad-hoc subprocess contains no start and no end events (its activities start as people
    choose)."""
    starts, ends = _starts_and_ends(process, scope_id)
    return [problem(event, "an ad-hoc subprocess cannot contain start or end events") for event in starts + ends]


@rule("EXT.105")
def start_has_end(process: Process, scope_id: str) -> list[Problem]:
    """EXT.105: a process level with a start event has an end event."""
    starts, ends = _starts_and_ends(process, scope_id)
    if starts and not ends:
        return [problem(starts[0], f"{_where(process, scope_id)} has a start event but no end event")]
    return []


@rule("EXT.097")
def end_has_start(process: Process, scope_id: str) -> list[Problem]:
    """EXT.097: a process level with an end event has a start event (a receive task or event-based gateway that
    instantiates the process stands for it, BPMN 10.6.6)."""
    starts, ends = _starts_and_ends(process, scope_id)
    if ends and not starts and not any(c.instantiate for c in children(process, scope_id)):
        return [problem(ends[0], f"{_where(process, scope_id)} has an end event but no start event")]
    return []


# Events whose flows the XML rules check in every process (EXT.101, EXT.107, EXT.115, EXT.116).
CHECKED_IN_XML = frozenset({"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent"})


def _in_flow(node: Element) -> bool:
    """True for the nodes that sequence flows must connect: not handlers, event subprocesses or boundary events
    (nor gateways with at most one flow in and out, which EXT.135 reports)."""
    if node.kind.endswith("Gateway") and len(node.incoming) <= 1 and len(node.outgoing) <= 1:
        return False
    return not (node.for_compensation or node.triggered_by_event or node.kind == "boundaryEvent")


@rule("EXT.150")
def reached_from_start(process: Process, scope_id: str) -> list[Problem]:
    """EXT.150: where a process level starts at start events, every other flow node in it has an incoming
    sequence flow (instantiating ones excepted; events are checked in the XML, EXT.107 and EXT.115)."""
    starts, _ = _starts_and_ends(process, scope_id)
    if not starts:
        return []
    return [problem(node, f"{node.label} has no incoming sequence flow, so no token can reach it (the scope starts "
                          f"at its start event)")
            for node in children(process, scope_id)
            if _in_flow(node) and not node.incoming and node.kind not in CHECKED_IN_XML and not node.instantiate]


@rule("EXT.151")
def reaching_end(process: Process, scope_id: str) -> list[Problem]:
    """EXT.151: where a process level ends at end events, every other flow node in it has an outgoing sequence
    flow (events are checked in the XML, EXT.101 and EXT.116)."""
    _, ends = _starts_and_ends(process, scope_id)
    if not ends:
        return []
    return [problem(node, f"{node.label} has no outgoing sequence flow (the scope ends at its end events)")
            for node in children(process, scope_id)
            if _in_flow(node) and not node.outgoing and node.kind not in CHECKED_IN_XML]
