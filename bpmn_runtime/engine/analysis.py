"""Facts about a process graph that the engine asks again and again, and deployment validation asks once.

`facts(process)` computes them on first use and keeps them with the process (see `Process.derived`): no
module-level cache keeps a parsed process alive, and they are gone when the process is.
"""
from __future__ import annotations

from bpmn_runtime.model import Element, Process


def compensation_boundaries(process: Process, element: Element) -> list[Element]:
    """The compensation boundary events attached to `element`."""
    return [process.element(b) for b in process.scope(element.scope).boundary_events.get(element.id, ())
            if any(d.kind == "compensate" for d in process.element(b).events)]


def compensation_event_subprocesses(process: Process, element: Element) -> list[Element]:
    """The event subprocesses of subprocess `element` that start on compensation."""
    if element.id not in process.scopes:
        return []
    found = []
    for sub_id in process.scope(element.id).event_subprocesses:
        starts = process.scope(sub_id).start_events
        if any(d.kind == "compensate" for s in starts for d in process.element(s).events):
            found.append(process.element(sub_id))
    return found


def handler_of(process: Process, element: Element) -> str | None:
    """The compensation handler of an activity: the activity its compensation boundary event is associated
    with, else its compensation event subprocess; None when it has neither."""
    boundaries = compensation_boundaries(process, element)
    if boundaries:
        return boundaries[0].compensation_handler
    subprocesses = compensation_event_subprocesses(process, element)
    return subprocesses[0].id if subprocesses else None


def can_be_compensated(process: Process, element: Element) -> bool:
    """True when compensating `element` can do something: it has a handler, or something inside it has."""
    if handler_of(process, element) is not None:
        return True
    return element.id in process.scopes and any(
        can_be_compensated(process, process.element(child)) for child in process.scope(element.id).children
        if not process.element(child).for_compensation)


def compensated_scope_id(process: Process, element: Element) -> str:
    """The scope a compensation throw compensates: its own, or the one enclosing its event subprocess."""
    owner = process.elements.get(element.scope)
    return owner.scope if owner is not None and owner.triggered_by_event else element.scope


def upstream_of(process: Process, element_id: str, barrier: str | None = None) -> frozenset[str]:
    """Elements of the same scope from which a token can reach `element_id` (not passing through it, nor
    through `barrier`)."""
    found: set[str] = set()
    frontier = [element_id]
    while frontier:
        current = process.elements[frontier.pop()]
        if current.id == barrier:
            continue
        for flow_id in current.incoming:
            source = process.flows[flow_id].source
            if source not in found and source != element_id:
                found.add(source)
                frontier.append(source)
        attached = current.attached_to
        if current.id != element_id and current.kind == "boundaryEvent" and attached is not None \
                and attached not in found:
            found.add(attached)
            frontier.append(attached)
    return frozenset(found)


def _starts_without_start_event(process: Process, element: Element) -> bool:
    """True when a token enters `element` as its scope starts without a start event (BPMN 10.5.1): it has no
    incoming flow and is not started otherwise (by an event, a link, compensation)."""
    link_catch = element.kind == "intermediateCatchEvent" and any(d.kind == "link" for d in element.events)
    return not element.incoming and element.kind not in ("boundaryEvent", "startEvent") \
        and not element.triggered_by_event and not element.for_compensation and not link_catch


class ProcessFacts:
    """The graph facts of one process, computed together when the engine first runs it; read-only after."""

    def __init__(self, process: Process) -> None:
        self.compensation_handlers: dict[str, str | None] = {
            element.id: handler_of(process, element) for element in process.walk()}
        # Where a token may still come from, for each inclusive gateway that joins.
        self.upstream: dict[str, frozenset[str]] = {
            element.id: upstream_of(process, element.id) for element in process.walk()
            if element.kind == "inclusiveGateway" and len(element.incoming) > 1}
        # Where a token may still come from, for each incoming flow of a complex gateway that joins: the flow's
        # source and what reaches it without passing the gateway (a token beyond it belongs to its next round).
        self.flow_upstream: dict[str, frozenset[str]] = {
            flow_id: upstream_of(process, process.flows[flow_id].source, element.id) - {element.id}
            | {process.flows[flow_id].source}
            for element in process.walk() if element.kind == "complexGateway" and len(element.incoming) > 1
            for flow_id in element.incoming}
        # What starts each scope that has no start event.
        self.entries: dict[str, tuple[str, ...]] = {
            scope.id: tuple(c for c in scope.children if _starts_without_start_event(process, process.element(c)))
            for scope in process.scopes.values()}
        # The link catch event of each (scope, link name).
        self.link_targets: dict[tuple[str, str], str] = {}
        for scope in process.scopes.values():
            for child in map(process.element, scope.children):
                if child.kind == "intermediateCatchEvent":
                    for definition in child.events:
                        if definition.kind == "link":
                            self.link_targets.setdefault((scope.id, definition.name or ""), child.id)


def facts(process: Process) -> ProcessFacts:
    """The facts of `process`, built on first use and kept with it."""
    return process.derived(ProcessFacts)
