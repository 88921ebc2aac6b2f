"""Graph-level checks: a file is refused unless the engine can run it exactly as drawn."""
from __future__ import annotations

from collections import Counter

from lxml import etree

from bpmn_runtime import expressions
from bpmn_runtime.engine.timers import first_due
from bpmn_runtime.errors import ExpressionError, Problem
from bpmn_runtime.model import Definitions, Element, Process
from bpmn_runtime.parser.namespaces import BPMN, BPMNDI, bpmn, local_name
from bpmn_runtime.parser.reader import FLOW_NODES

# Which event definitions each kind of event can carry, as BPMN 2.0 table 10.84-10.93 allow.
ALLOWED_DEFINITIONS = {
    "startEvent": {"message", "timer", "signal", "conditional"},
    "eventSubprocessStart": {"message", "timer", "signal", "conditional", "error", "escalation", "compensate"},
    "endEvent": {"message", "signal", "error", "escalation", "terminate", "cancel", "compensate"},
    "intermediateCatchEvent": {"message", "timer", "signal", "conditional", "link"},
    "intermediateThrowEvent": {"message", "signal", "escalation", "link", "compensate"},
    "boundaryEvent": {"message", "timer", "signal", "conditional", "error", "escalation", "cancel", "compensate"},
}


def document_problems(root: etree._Element, file: str) -> list[Problem]:
    """Problems visible only in the XML: elements without ids, ids used twice."""
    problems = []
    seen: Counter[str] = Counter()
    for node in root.iter(f"{{{BPMN}}}*", f"{{{BPMNDI}}}*"):
        tag = local_name(node.tag)
        ident = node.get("id")
        if ident:
            seen[ident] += 1
            if seen[ident] == 2:
                problems.append(Problem(file, node.sourceline or 0, ident, f"the id '{ident}' is used more than once"))
        elif tag in FLOW_NODES or tag in ("sequenceFlow", "process"):
            problems.append(Problem(file, node.sourceline or 0, "", f"bpmn:{tag} has no id"))
    if not list(root.iterfind(bpmn("process"))):
        problems.append(Problem(file, root.sourceline or 0, root.get("id", ""), "the file declares no process"))
    return problems


def process_problems(definitions: Definitions, check_scripts: bool = True) -> list[Problem]:
    """Graph-level problems; `check_scripts` is False when the embedding program runs scripts itself."""
    problems: list[Problem] = []
    executable = definitions.executable_processes()
    if not executable:
        problems.append(Problem(definitions.file, 0, "", (
            "the file has no executable process (every bpmn:process is isExecutable=\"false\"); "
            "mark the process to run as executable in the modeler")))
    for process in executable:
        problems.extend(_check_process(process, check_scripts))
    return problems


def _problem(element: Element, message: str) -> Problem:
    return Problem(element.origin.file, element.origin.line, element.id, message)


def _check_process(process: Process, check_scripts: bool) -> list[Problem]:
    problems: list[Problem] = []
    for flow in process.flows.values():
        for end, what in ((flow.source, "source"), (flow.target, "target")):
            if end not in process.elements:
                problems.append(Problem(flow.origin.file, flow.origin.line, flow.id,
                                        f"the sequence flow's {what} '{end}' is not a flow node of this process"))
        if flow.source in process.elements and flow.target in process.elements and \
                process.elements[flow.source].scope != process.elements[flow.target].scope:
            problems.append(Problem(flow.origin.file, flow.origin.line, flow.id,
                                    "the sequence flow crosses a subprocess boundary; connect elements of one scope"))
    for element in process.walk():
        problems.extend(_check_element(process, element, check_scripts))
    for scope in process.scopes.values():
        problems.extend(_check_scope(process, scope.id))
    return problems


def _check_scope(process: Process, scope_id: str) -> list[Problem]:
    scope = process.scope(scope_id)
    owner = process.elements.get(scope_id)
    problems = []
    nones = [s for s in scope.start_events if not process.element(s).events]
    if owner is not None and owner.triggered_by_event:
        if len(scope.start_events) != 1:
            problems.append(_problem(owner, "an event subprocess needs exactly one start event"))
        elif not process.element(scope.start_events[0]).events:
            problems.append(_problem(owner, "the start event of an event subprocess needs an event definition "
                                            "(message, timer, signal, error, escalation, conditional, compensation)"))
    elif owner is not None and owner.kind != "adHocSubProcess" and len(nones) > 1:
        problems.append(_problem(owner, "a subprocess can have only one none start event"))
    elif owner is not None and owner.kind != "adHocSubProcess" and scope.start_events and \
            any(process.element(s).events for s in scope.start_events):
        problems.append(_problem(owner, "a subprocess start event must be a none start event"))
    if owner is None and not scope.start_events:
        problems.append(Problem(process.origin.file, process.origin.line, process.id,
                                "the process has no start event"))
    return problems


def _check_element(process: Process, element: Element, check_scripts: bool) -> list[Problem]:
    problems: list[Problem] = []
    kind = element.kind
    kinds = {d.kind for d in element.events}
    if kind == "startEvent" and element.incoming:
        problems.append(_problem(element, "a start event cannot have incoming sequence flows"))
    if kind == "endEvent" and element.outgoing:
        problems.append(_problem(element, "an end event cannot have outgoing sequence flows"))
    if kind == "boundaryEvent":
        problems.extend(_check_boundary(process, element, kinds))
    if kind.endswith("Gateway") and not element.outgoing:
        problems.append(_problem(element, "the gateway has no outgoing sequence flow, so no token can leave it"))
    if kind.endswith("Gateway") and not element.incoming and kind != "eventBasedGateway":
        problems.append(_problem(element, "the gateway has no incoming sequence flow"))
    if element.default_flow is not None:
        flow = process.flows.get(element.default_flow)
        if flow is None or flow.source != element.id:
            problems.append(_problem(element, f"the default flow '{element.default_flow}' is not an outgoing "
                                              f"sequence flow of this element"))
        elif flow.condition is not None:
            problems.append(_problem(element, "the default flow must not have a condition"))
    if kind == "parallelGateway":
        for flow_id in element.outgoing:
            if process.flows[flow_id].condition is not None:
                problems.append(_problem(element, f"the outgoing flow '{flow_id}' of a parallel gateway has a "
                                                  f"condition; parallel gateways take every flow"))
    if kind == "eventBasedGateway":
        problems.extend(_check_event_gateway(process, element))
    position = "eventSubprocessStart" if kind == "startEvent" and _in_event_subprocess(process, element) else kind
    allowed = ALLOWED_DEFINITIONS.get(position)
    if allowed is not None:
        for definition in element.events:
            if definition.kind not in allowed:
                problems.append(_problem(element, f"a {definition.kind} event definition is not allowed on a "
                                                  f"{_position_name(position)}"))
    for definition in element.events:
        if definition.kind == "timer" and definition.timer is not None:
            text = definition.timer.expression
            if "{" not in text and not text.startswith("="):
                try:
                    from datetime import datetime, timezone
                    first_due(definition.timer.kind, text, datetime.now(timezone.utc))
                except ExpressionError as error:
                    problems.append(_problem(element, str(error)))
        if definition.kind in ("message", "signal") and not definition.name and kind != "boundaryEvent":
            problems.append(_problem(element, f"the {definition.kind} event does not name its {definition.kind}"))
    if element.loop is not None and element.loop.multi_instance and not (element.loop.cardinality
                                                                          or element.loop.collection):
        problems.append(_problem(element, "a multi-instance activity needs a loop cardinality or a collection"))
    if element.for_compensation and (element.incoming or element.outgoing):
        problems.append(_problem(element, "a compensation handler (isForCompensation) cannot have sequence flows"))
    if kind == "callActivity" and not element.called_element:
        problems.append(_problem(element, "the call activity does not name the process to call (calledElement)"))
    if kind == "scriptTask" and not (element.script or "").strip():
        problems.append(_problem(element, "the script task has no script"))
    problems.extend(_expression_problems(process, element, check_scripts))
    return problems


def _expressions_of(process: Process, element: Element) -> list[str]:
    """Every expression the engine will evaluate for `element` (its outgoing conditions included)."""
    found = [process.flows[f].condition for f in element.outgoing]
    found += [m.source for m in element.extensions.inputs + element.extensions.outputs if m.source]
    found += [d.condition for d in element.events] + [d.correlation_key for d in element.events]
    found.append(element.activation_condition)
    if element.loop is not None:
        found += [element.loop.loop_condition, element.loop.completion_condition, element.loop.cardinality]
    return [text for text in found if text]


def _expression_problems(process: Process, element: Element, check_scripts: bool) -> list[Problem]:
    """Expressions the sandbox refuses are refused at deployment, before anything could run them."""
    problems = []
    for text in _expressions_of(process, element):
        try:
            expressions.check(text)
        except ExpressionError as error:
            problems.append(_problem(element, str(error)))
    if check_scripts and element.kind == "scriptTask" and element.script \
            and element.script_format in expressions.SANDBOX_SCRIPT_FORMATS:
        try:
            expressions.check_script(element.script)
        except ExpressionError as error:
            problems.append(_problem(element, str(error)))
    return problems


def _position_name(position: str) -> str:
    return {"eventSubprocessStart": "start event of an event subprocess", "startEvent": "start event",
            "endEvent": "end event", "intermediateCatchEvent": "intermediate catch event",
            "intermediateThrowEvent": "intermediate throw event", "boundaryEvent": "boundary event"}[position]


def _in_event_subprocess(process: Process, element: Element) -> bool:
    owner = process.elements.get(element.scope)
    return owner is not None and owner.triggered_by_event


def _check_boundary(process: Process, element: Element, kinds: set[str]) -> list[Problem]:
    problems = []
    attached = process.elements.get(element.attached_to or "")
    if attached is None:
        return [_problem(element, f"the boundary event is attached to '{element.attached_to}', which is not an "
                                  f"activity of this process")]
    if attached.kind.endswith("Gateway") or attached.kind.endswith("Event"):
        problems.append(_problem(element, f"a boundary event must be attached to an activity, not to "
                                          f"{attached.kind} '{attached.id}'"))
    if element.incoming:
        problems.append(_problem(element, "a boundary event cannot have incoming sequence flows"))
    if not element.events:
        problems.append(_problem(element, "a boundary event needs an event definition"))
    if kinds & {"error", "cancel", "compensate"} and not element.cancel_activity:
        problems.append(_problem(element, "error, cancel and compensation boundary events are always interrupting "
                                          "(cancelActivity cannot be false)"))
    if "cancel" in kinds and attached.kind != "transaction":
        problems.append(_problem(element, "a cancel boundary event can only be attached to a transaction"))
    if "compensate" in kinds:
        if element.outgoing:
            problems.append(_problem(element, "a compensation boundary event cannot have outgoing sequence flows; "
                                              "associate it with its compensation handler"))
        handler = process.elements.get(element.compensation_handler or "")
        if handler is None:
            problems.append(_problem(element, "the compensation boundary event is not associated with a "
                                              "compensation handler"))
        elif not handler.for_compensation:
            problems.append(_problem(element, f"the compensation handler '{handler.id}' is not marked "
                                              f"isForCompensation=\"true\""))
    elif not element.outgoing:
        problems.append(_problem(element, "the boundary event has no outgoing sequence flow"))
    return problems


def _check_event_gateway(process: Process, element: Element) -> list[Problem]:
    problems = []
    if len(element.outgoing) < 2:
        problems.append(_problem(element, "an event-based gateway needs at least two outgoing sequence flows"))
    for flow_id in element.outgoing:
        flow = process.flows[flow_id]
        if flow.condition is not None:
            problems.append(_problem(element, f"the flow '{flow_id}' after an event-based gateway cannot have a "
                                              f"condition"))
        target = process.elements.get(flow.target)
        if target is None:
            continue
        ok = (target.kind == "intermediateCatchEvent" and len(target.events) == 1
              and target.events[0].kind in ("message", "timer", "signal", "conditional")) or \
            target.kind == "receiveTask"
        if not ok:
            problems.append(_problem(element, f"an event-based gateway can only lead to intermediate catch events "
                                              f"(message, timer, signal, conditional) or receive tasks, not to "
                                              f"'{target.id}'"))
        elif len(target.incoming) > 1:
            problems.append(_problem(target, "an event that follows an event-based gateway cannot have other "
                                             "incoming flows"))
    return problems
