"""Gateways: tokens pass through them, in the directions they declare; event-based ones wait for catch events."""
from __future__ import annotations

from bpmn_runtime.errors import Problem
from bpmn_runtime.model import Element, Process
from bpmn_runtime.parser.validation.shared import boundary_events, problem

GATEWAY_DIRECTIONS = {
    "Converging": "it may have several incoming flows but at most one outgoing flow",
    "Diverging": "it may have several outgoing flows but at most one incoming flow",
    "Mixed": "it needs several incoming and several outgoing flows",
}
# What an event-based gateway can wait for, besides receive tasks (BPMN 10.6.6).
EVENT_GATEWAY_TRIGGERS = ("message", "timer", "signal", "conditional")


def flow_problems(element: Element) -> list[Problem]:
    """A token needs a way out of every gateway, and a way in unless the event-based gateway starts the process."""
    if not element.kind.endswith("Gateway"):
        return []
    problems = []
    if not element.outgoing:
        problems.append(problem(element, "the gateway has no outgoing sequence flow, so no token can leave it"))
    if not element.incoming and element.kind != "eventBasedGateway":
        problems.append(problem(element, "the gateway has no incoming sequence flow"))
    return problems


def direction_problems(element: Element) -> list[Problem]:
    """A declared gatewayDirection limits how many flows may come in and go out (BPMN 10.6)."""
    if not element.kind.endswith("Gateway"):
        return []
    incoming, outgoing = len(element.incoming), len(element.outgoing)
    wrong = {"Converging": outgoing > 1, "Diverging": incoming > 1,
             "Mixed": incoming < 2 or outgoing < 2}.get(element.gateway_direction, False)
    if not wrong:
        return []
    return [problem(element, f"a gateway with gatewayDirection=\"{element.gateway_direction}\" cannot have "
                             f"{incoming} incoming and {outgoing} outgoing sequence flows "
                             f"({GATEWAY_DIRECTIONS[element.gateway_direction]})")]


def event_based_problems(process: Process, element: Element) -> list[Problem]:
    """An event-based gateway races the events after it: each of its flows leads straight to one thing to wait
    for, and only the gateway leads there (BPMN 10.6.6)."""
    if element.kind != "eventBasedGateway":
        return []
    problems = []
    if len(element.outgoing) < 2:
        problems.append(problem(element, "an event-based gateway needs at least two outgoing sequence flows"))
    for flow_id in element.outgoing:
        flow = process.flows[flow_id]
        if flow.condition is not None:
            problems.append(problem(element, f"the flow '{flow_id}' after an event-based gateway cannot have a "
                                             f"condition"))
        target = process.elements.get(flow.target)
        if target is None:
            continue
        waits = (target.kind == "intermediateCatchEvent" and len(target.events) == 1
                 and target.events[0].kind in EVENT_GATEWAY_TRIGGERS) or target.kind == "receiveTask"
        if not waits:
            problems.append(problem(element, f"an event-based gateway can only lead to intermediate catch events "
                                             f"(message, timer, signal, conditional) or receive tasks, not to "
                                             f"'{target.id}'"))
        elif len(target.incoming) > 1:
            problems.append(problem(target, "an event that follows an event-based gateway cannot have other "
                                            "incoming flows"))
    targets = [process.elements[process.flows[f].target] for f in element.outgoing
               if process.flows[f].target in process.elements]
    receive_tasks = [t for t in targets if t.kind == "receiveTask"]
    if receive_tasks and any(d.kind == "message" for t in targets for d in t.events if t.kind != "receiveTask"):
        problems.append(problem(element, "an event-based gateway waits either for message catch events or for "
                                         "receive tasks, not both (BPMN 10.6.6)"))
    for task in receive_tasks:
        if boundary_events(process, task):
            problems.append(problem(task, "a receive task after an event-based gateway cannot have boundary events "
                                          "(BPMN 10.6.6)"))
    return problems
