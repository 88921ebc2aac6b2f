"""Gateways: tokens pass through them, in the directions they declare; event-based ones wait for catch events
(BPMN 2.0.2 section 10.6)."""
from __future__ import annotations

from bpmn_runtime.errors import Problem
from bpmn_runtime.model import Element, Process
from bpmn_runtime.parser.validation.catalogue import rule
from bpmn_runtime.parser.validation.shared import boundary_events, problem

GATEWAY_DIRECTIONS = {
    "Converging": "it may have several incoming flows but at most one outgoing flow",
    "Diverging": "it may have several outgoing flows but at most one incoming flow",
    "Mixed": "it needs several incoming and several outgoing flows",
}
# What an event-based gateway can wait for, besides receive tasks (BPMN 10.6.6).
EVENT_GATEWAY_TRIGGERS = ("message", "timer", "signal", "conditional")


def flow_problems(element: Element) -> list[Problem]:
    """A token needs a way out of every gateway, and a way in unless the event-based gateway starts the process
    (a gateway with at most one flow in and out is reported by EXT.135 instead)."""
    if not element.kind.endswith("Gateway") or (len(element.incoming) <= 1 and len(element.outgoing) <= 1):
        return []
    problems = []
    if not element.outgoing:
        problems.append(problem(element, "the gateway has no outgoing sequence flow, so no token can leave it"))
    if not element.incoming and element.kind != "eventBasedGateway":
        problems.append(problem(element, "the gateway has no incoming sequence flow"))
    return problems


def direction_problems(element: Element) -> list[Problem]:
    """A declared gatewayDirection limits how many flows may come in and go out (BPMN 10.6)."""
    return converging(element) + diverging(element) + mixed(element)


def _direction(element: Element, direction: str, wrong: bool) -> list[Problem]:
    if not element.kind.endswith("Gateway") or element.gateway_direction != direction or not wrong:
        return []
    return [problem(element, f"a gateway with gatewayDirection=\"{direction}\" cannot have {len(element.incoming)} "
                             f"incoming and {len(element.outgoing)} outgoing sequence flows "
                             f"({GATEWAY_DIRECTIONS[direction]})")]


@rule("EXT.017")
def converging(element: Element) -> list[Problem]:
    """EXT.017: a converging gateway has at most one outgoing sequence flow."""
    return _direction(element, "Converging", len(element.outgoing) > 1)


@rule("EXT.018")
def diverging(element: Element) -> list[Problem]:
    """EXT.018: a diverging gateway has at most one incoming sequence flow."""
    return _direction(element, "Diverging", len(element.incoming) > 1)


@rule("EXT.019")
def mixed(element: Element) -> list[Problem]:
    """EXT.019: a mixed gateway has several incoming and several outgoing sequence flows."""
    return _direction(element, "Mixed", len(element.incoming) < 2 or len(element.outgoing) < 2)


def event_based_problems(process: Process, element: Element) -> list[Problem]:
    """An event-based gateway races the events after it: each of its flows leads straight to one thing to wait
    for, and only the gateway leads there (BPMN 10.6.6)."""
    if element.kind != "eventBasedGateway":
        return []
    return [*two_paths(element), *no_conditions(process, element), *waiting_targets(process, element),
            *single_entry(process, element), *messages_or_receive_tasks(process, element),
            *receive_tasks_without_boundary(process, element)]


def _targets(process: Process, element: Element) -> list[Element]:
    return [process.elements[process.flows[f].target] for f in element.outgoing
            if process.flows[f].target in process.elements]


@rule("EXT.136")
def two_paths(element: Element) -> list[Problem]:
    """EXT.136: an event-based gateway has at least two outgoing sequence flows."""
    if len(element.outgoing) < 2:
        return [problem(element, "an event-based gateway needs at least two outgoing sequence flows")]
    return []


@rule("EXT.137")
def no_conditions(process: Process, element: Element) -> list[Problem]:
    """EXT.137: the outgoing sequence flows of an event-based gateway have no conditions."""
    return [problem(element, f"the flow '{flow_id}' after an event-based gateway cannot have a condition")
            for flow_id in element.outgoing if process.flows[flow_id].condition is not None]


def _waits(target: Element) -> bool:
    return (target.kind == "intermediateCatchEvent" and len(target.events) >= 1
            and all(d.kind in EVENT_GATEWAY_TRIGGERS for d in target.events)) or target.kind == "receiveTask"


@rule("EXT.138")
def waiting_targets(process: Process, element: Element) -> list[Problem]:
    """EXT.138: an event-based gateway leads only to receive tasks and to intermediate catch events waiting for a
    message, timer, signal or condition (or several of them)."""
    return [problem(element, f"an event-based gateway can only lead to intermediate catch events (message, timer, "
                             f"signal, conditional) or receive tasks, not to '{target.id}'")
            for target in _targets(process, element) if not _waits(target)]


@rule("EXT.141")
def single_entry(process: Process, element: Element) -> list[Problem]:
    """EXT.141: the targets of an event-based gateway have no other incoming sequence flows."""
    return [problem(target, "an event that follows an event-based gateway cannot have other incoming flows")
            for target in _targets(process, element) if _waits(target) and len(target.incoming) > 1]


@rule("EXT.139")
def messages_or_receive_tasks(process: Process, element: Element) -> list[Problem]:
    """EXT.139: an event-based gateway waits either for message catch events or for receive tasks, never both."""
    targets = _targets(process, element)
    if any(t.kind == "receiveTask" for t in targets) and \
            any(d.kind == "message" for t in targets if t.kind != "receiveTask" for d in t.events):
        return [problem(element, "an event-based gateway waits either for message catch events or for receive "
                                 "tasks, not both (BPMN 10.6.6)")]
    return []


@rule("EXT.140")
def receive_tasks_without_boundary(process: Process, element: Element) -> list[Problem]:
    """EXT.140: a receive task after an event-based gateway has no boundary events."""
    return [problem(task, "a receive task after an event-based gateway cannot have boundary events (BPMN 10.6.6)")
            for task in _targets(process, element) if task.kind == "receiveTask" and boundary_events(process, task)]
