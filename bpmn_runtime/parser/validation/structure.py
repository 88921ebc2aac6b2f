"""Sequence flows and scopes: every token can enter, move and leave the graph as drawn (BPMN 10.2, 10.5)."""
from __future__ import annotations

from bpmn_runtime.errors import Problem
from bpmn_runtime.model import Element, Process
from bpmn_runtime.parser.validation.shared import ACTIVITIES, children, problem


def sequence_flow_problems(process: Process) -> list[Problem]:
    """A sequence flow connects two flow nodes of one scope; crossing into a subprocess has no meaning."""
    problems = []
    for flow in process.flows.values():
        for end, what in ((flow.source, "source"), (flow.target, "target")):
            if end not in process.elements:
                problems.append(problem(flow, f"the sequence flow's {what} '{end}' is not a flow node of this "
                                              f"process"))
        if flow.source in process.elements and flow.target in process.elements and \
                process.elements[flow.source].scope != process.elements[flow.target].scope:
            problems.append(problem(flow, "the sequence flow crosses a subprocess boundary; connect elements of one "
                                          "scope"))
    return problems


def default_flow_problems(process: Process, element: Element) -> list[Problem]:
    """The default flow is one of the element's own outgoing flows, taken when no condition holds."""
    if element.default_flow is None:
        return []
    flow = process.flows.get(element.default_flow)
    if flow is None or flow.source != element.id:
        return [problem(element, f"the default flow '{element.default_flow}' is not an outgoing sequence flow of "
                                 f"this element")]
    if flow.condition is not None:
        return [problem(element, "the default flow must not have a condition")]
    return []


def token_problems(process: Process, element: Element) -> list[Problem]:
    """How many tokens an element takes and gives, and where they may come from (BPMN 10.2, 10.5, 10.6)."""
    problems = []
    if element.start_quantity < 1 or element.completion_quantity < 1:
        problems.append(problem(element, "startQuantity and completionQuantity must be at least 1"))
    if element.triggered_by_event and (element.incoming or element.outgoing):
        problems.append(problem(element, "an event subprocess cannot have incoming or outgoing sequence flows; it "
                                         "starts by its start event"))
    if element.kind in ACTIVITIES and len(element.outgoing) == 1 and process.flows[element.outgoing[0]].condition:
        problems.append(problem(element, "the only outgoing sequence flow of an activity cannot have a condition; "
                                         "add another outgoing flow or remove the condition"))
    if element.instantiate and element.incoming:
        problems.append(problem(element, f"{element.label} has instantiate=\"true\", so it starts the process and "
                                         f"cannot have incoming sequence flows"))
    return problems


def start_event_problems(process: Process, scope_id: str) -> list[Problem]:
    """How a scope starts: a process needs a start event, a subprocess at most one none start event, and an
    event subprocess exactly one start event with a trigger."""
    scope = process.scope(scope_id)
    owner = process.elements.get(scope_id)
    if owner is None:
        return [] if scope.start_events else [problem(process, "the process has no start event")]
    if owner.triggered_by_event:
        if len(scope.start_events) != 1:
            return [problem(owner, "an event subprocess needs exactly one start event")]
        if not process.element(scope.start_events[0]).events:
            return [problem(owner, "the start event of an event subprocess needs an event definition "
                                   "(message, timer, signal, error, escalation, conditional, compensation)")]
        return []
    if owner.kind == "adHocSubProcess":
        return []
    if len([s for s in scope.start_events if not process.element(s).events]) > 1:
        return [problem(owner, "a subprocess can have only one none start event")]
    if any(process.element(s).events for s in scope.start_events):
        return [problem(owner, "a subprocess start event must be a none start event")]
    return []


def reachability_problems(process: Process, scope_id: str) -> list[Problem]:
    """A scope that starts at start events runs only what they reach, and one with end events ends only
    there: then every node needs an incoming (and outgoing) flow (BPMN 10.5.2, 10.5.3)."""
    owner = process.elements.get(scope_id)
    nodes = children(process, scope_id)
    starts = [c for c in nodes if c.kind == "startEvent"]
    ends = [c for c in nodes if c.kind == "endEvent"]
    if owner is not None and owner.kind == "adHocSubProcess":
        return [problem(event, "an ad-hoc subprocess cannot contain start or end events") for event in starts + ends]
    where = owner.label if owner is not None else f"process '{process.id}'"
    problems = []
    if starts and not ends:
        problems.append(problem(starts[0], f"{where} has a start event but no end event"))
    if ends and not starts:
        problems.append(problem(ends[0], f"{where} has an end event but no start event"))
    for node in nodes:
        if node.for_compensation or node.triggered_by_event or node.kind == "boundaryEvent":
            continue
        link = any(d.kind == "link" for d in node.events)
        if starts and not node.incoming and node.kind != "startEvent" and not node.instantiate \
                and not (link and node.kind == "intermediateCatchEvent"):
            problems.append(problem(node, f"{node.label} has no incoming sequence flow, so no token can reach it "
                                          f"(the scope starts at its start event)"))
        if ends and not node.outgoing and node.kind != "endEvent" \
                and not (link and node.kind == "intermediateThrowEvent"):
            problems.append(problem(node, f"{node.label} has no outgoing sequence flow (the scope ends at its end "
                                          f"events)"))
    return problems
