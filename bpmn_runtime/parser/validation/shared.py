"""What the graph rules share: where a problem is reported, the kinds of flow node they name, graph lookups."""
from __future__ import annotations

from bpmn_runtime.errors import Problem
from bpmn_runtime.model import Element, Flow, Process

ACTIVITIES = frozenset({
    "task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask", "businessRuleTask",
    "callActivity", "subProcess", "transaction", "adHocSubProcess",
})
CATCH_EVENTS = ("startEvent", "intermediateCatchEvent", "boundaryEvent")
THROW_EVENTS = ("endEvent", "intermediateThrowEvent")


def problem(at: Element | Flow | Process, message: str) -> Problem:
    """A problem reported at the line that declares `at`, under its id, so a modeler can find it."""
    return Problem(at.origin.file, at.origin.line, at.id, message)


def children(process: Process, scope_id: str) -> list[Element]:
    """The flow nodes directly inside a process or subprocess."""
    return [process.element(c) for c in process.scope(scope_id).children]


def boundary_events(process: Process, element: Element) -> list[Element]:
    """The boundary events attached to `element`."""
    return [process.element(b) for b in process.scope(element.scope).boundary_events.get(element.id, ())]


def in_event_subprocess(process: Process, element: Element) -> bool:
    """True when `element` sits directly inside an event subprocess."""
    owner = process.elements.get(element.scope)
    return owner is not None and owner.triggered_by_event
