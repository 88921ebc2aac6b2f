"""Compensation and transaction cancel: refused unless the engine can undo work as BPMN 2.0 describes it
(10.5.4, 10.2.2 transactions, 13.5.5)."""
from __future__ import annotations

from dataclasses import replace

from bpmn_runtime.engine.analysis import (
    can_be_compensated, compensated_scope_id, compensation_boundaries, compensation_event_subprocesses,
)
from bpmn_runtime.errors import Problem
from bpmn_runtime.model import Element, Process
from bpmn_runtime.parser.validation.catalogue import rule
from bpmn_runtime.parser.validation.shared import in_event_subprocess, problem


@rule("EXT.145")
def handler_flow_problems(element: Element) -> list[Problem]:
    """EXT.145: a compensation handler (isForCompensation) runs only from its boundary event, never from a
    sequence flow: it has no incoming or outgoing sequence flows."""
    if element.for_compensation and (element.incoming or element.outgoing):
        return [problem(element, "a compensation handler (isForCompensation) cannot have sequence flows")]
    return []


def boundary_problems(process: Process, boundary: Element) -> list[Problem]:
    """A compensation boundary event leads, by association, to a handler marked isForCompensation."""
    return [*boundary_without_outgoing(boundary), *boundary_has_handler(process, boundary),
            *handler_is_for_compensation(process, boundary)]


@rule("EXT.114")
def boundary_without_outgoing(boundary: Element) -> list[Problem]:
    """EXT.114: a compensation boundary event has no outgoing sequence flow."""
    if boundary.outgoing:
        return [problem(boundary, "a compensation boundary event cannot have outgoing sequence flows; associate it "
                                  "with its compensation handler")]
    return []


@rule("EXT.143")
def boundary_has_handler(process: Process, boundary: Element) -> list[Problem]:
    """EXT.143: a compensation boundary event is associated (by an association) with the activity that
    compensates."""
    if process.elements.get(boundary.compensation_handler or "") is None:
        return [problem(boundary, "the compensation boundary event is not associated with a compensation handler")]
    return []


@rule("EXT.144")
def handler_is_for_compensation(process: Process, boundary: Element) -> list[Problem]:
    """EXT.144: the activity a compensation boundary event is associated with is marked isForCompensation."""
    handler = process.elements.get(boundary.compensation_handler or "")
    if handler is not None and not handler.for_compensation:
        return [problem(boundary, f"the compensation handler '{handler.id}' is not marked "
                                  f"isForCompensation=\"true\"")]
    return []


def compensation_problems(process: Process) -> list[Problem]:
    """Each activity has at most one handler, in its own scope, and each handler belongs to an activity."""
    problems: list[Problem] = []
    associated = {e.compensation_handler for e in process.walk() if e.compensation_handler}
    for element in process.walk():
        boundaries = compensation_boundaries(process, element)
        subprocesses = compensation_event_subprocesses(process, element)
        if len(boundaries) > 1:
            problems.append(problem(element, f"the activity has {len(boundaries)} compensation boundary events "
                                             f"({', '.join(b.id for b in boundaries)}); an activity has at most "
                                             f"one compensation handler"))
        if subprocesses and (boundaries or len(subprocesses) > 1):
            problems.append(problem(element, "the subprocess has more than one compensation handler (compensation "
                                             "boundary event, compensation event subprocesses); keep one"))
        for boundary in boundaries:
            handler = process.elements.get(boundary.compensation_handler or "")
            if handler is not None and handler.scope != element.scope:
                problems.append(problem(boundary, f"the compensation handler '{handler.id}' must be in the same "
                                                  f"(sub)process as {element.label}, the activity it compensates"))
        if element.for_compensation and element.id not in associated and not element.triggered_by_event \
                and not _starts_on_compensation(process, element):
            problems.append(problem(element, "the compensation handler (isForCompensation) is not associated with "
                                             "a compensation boundary event, so it would never run"))
        problems.extend(_event_problems(process, element))
    return problems


def _starts_on_compensation(process: Process, element: Element) -> bool:
    """A compensation event subprocess: the handler of the subprocess it is in, with no association (BPMN 10.5.4);
    modelers may mark it isForCompensation too."""
    owner = process.elements.get(element.scope)
    return owner is not None and any(sub.id == element.id for sub in compensation_event_subprocesses(process, owner))


def _event_problems(process: Process, element: Element) -> list[Problem]:
    """Compensation throw events, compensation event subprocesses and cancel end events."""
    problems = []
    owner = process.elements.get(element.scope)
    for definition in element.events:
        if definition.kind == "compensate" and element.kind in ("intermediateThrowEvent", "endEvent"):
            if not definition.wait_for_completion:
                problems.append(problem(element, "waitForCompletion=\"false\" (asynchronous compensation) is not "
                                                 "supported: the engine always waits for the compensation handlers "
                                                 "before the throw event goes on; remove the attribute"))
            if definition.activity_ref is not None:
                problems.extend(_activity_ref_problems(process, element, definition.activity_ref))
        elif definition.kind == "compensate" and element.kind == "startEvent" \
                and in_event_subprocess(process, element):
            if not element.interrupting:
                problems.append(replace(problem(element, "the start event of a compensation event subprocess is "
                                                         "always interrupting (isInterrupting cannot be false)"),
                                        rule="EXT.059"))
            if owner is not None and owner.scope == process.id:
                problems.append(problem(owner, "a compensation event subprocess belongs inside the subprocess it "
                                               "compensates; the process itself is never compensated"))
        elif definition.kind == "cancel" and element.kind == "endEvent":
            problems.extend(cancel_end_in_transaction(process, element))
    return problems


@rule("EXT.106")
def cancel_end_in_transaction(process: Process, element: Element) -> list[Problem]:
    """EXT.106: a cancel end event is used only inside a transaction (which it cancels; a cancel boundary event
    of the transaction, where there is one, leads on)."""
    owner = process.elements.get(element.scope)
    if owner is None or owner.kind != "transaction":
        return [problem(element, "a cancel end event can only be used inside a transaction")]
    return []


def _activity_ref_problems(process: Process, element: Element, ref: str) -> list[Problem]:
    """activityRef names one activity that this throw can reach and that has something to undo."""
    target = process.elements.get(ref)
    if target is None or target.kind.endswith(("Event", "Gateway")):
        return [problem(element, f"activityRef '{ref}' names no activity of this process")]
    scope = compensated_scope_id(process, element)
    if target.scope != scope:
        return [problem(element, f"activityRef '{ref}' names {target.label}, which is outside the scope this event "
                                 f"compensates ('{scope}'): a compensation throw compensates activities of its own "
                                 f"(sub)process, or, from an event subprocess, those of the enclosing one")]
    if not can_be_compensated(process, target):
        return [problem(element, f"activityRef '{ref}' names {target.label}, which cannot be compensated: it has "
                                 f"no compensation boundary event with a handler and, if a subprocess, neither a "
                                 f"compensation event subprocess nor inner activities that can be compensated")]
    return []
