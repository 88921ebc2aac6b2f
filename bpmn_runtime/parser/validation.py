"""Graph-level checks: a file is refused unless the engine can run it exactly as drawn."""
from __future__ import annotations

import re
from collections import Counter

from lxml import etree

from bpmn_runtime import expressions
from bpmn_runtime.engine.behaviours.compensation import (
    can_be_compensated, compensated_scope_id, compensation_boundaries, compensation_event_subprocesses,
)
from bpmn_runtime.engine.timers import first_due, parse_duration
from bpmn_runtime.errors import ExpressionError, Problem
from bpmn_runtime.model import Definitions, Element, Process
from bpmn_runtime.parser.namespaces import BPMN, BPMNDI, bpmn, local_name
from bpmn_runtime.parser.reader import FLOW_NODES, GLOBAL_TASKS

ACTIVITIES = frozenset({
    "task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask", "businessRuleTask",
    "callActivity", "subProcess", "transaction", "adHocSubProcess",
})
THROW_EVENTS = ("endEvent", "intermediateThrowEvent")
GATEWAY_DIRECTIONS = {
    "Converging": "it may have several incoming flows but at most one outgoing flow",
    "Diverging": "it may have several outgoing flows but at most one incoming flow",
    "Mixed": "it needs several incoming and several outgoing flows",
}
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
    return problems + _Document(root, file).problems()


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
        problems.extend(_check_tokens(process, element))
    for scope in process.scopes.values():
        problems.extend(_check_scope(process, scope.id))
        problems.extend(_check_scope_flows(process, scope.id))
        problems.extend(_check_links(process, scope.id))
    problems.extend(_check_compensation(process))
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
        if definition.kind in ("message", "signal") and not definition.name:
            problems.append(_problem(element, f"the {definition.kind} event does not name its {definition.kind}"))
        if definition.kind in ("error", "escalation") and definition.name is None and kind in THROW_EVENTS:
            problems.append(_problem(element, f"the {definition.kind} {_position_name(kind)} does not name the "
                                              f"{definition.kind} it throws ({definition.kind}Ref)"))
        if definition.kind == "conditional" and not definition.condition:
            problems.append(_problem(element, "the conditional event has no condition"))
    if element.loop is not None and element.loop.multi_instance and not (element.loop.cardinality
                                                                          or element.loop.collection):
        problems.append(_problem(element, "a multi-instance activity needs a loop cardinality or a collection"))
    timeout = dict(element.extensions.headers).get("timeout")
    if timeout:
        try:
            parse_duration(timeout)
        except ExpressionError as error:
            problems.append(_problem(element, f"the timeout header: {error}"))
    if element.for_compensation and (element.incoming or element.outgoing):
        problems.append(_problem(element, "a compensation handler (isForCompensation) cannot have sequence flows"))
    if kind == "callActivity" and not element.called_element:
        problems.append(_problem(element, "the call activity does not name the process to call (calledElement)"))
    if (element.called_task or kind) == "scriptTask" and not (element.script or "").strip():
        problems.append(_problem(element, "the script task has no script"))
    problems.extend(_expression_problems(process, element, check_scripts))
    return problems


def _check_tokens(process: Process, element: Element) -> list[Problem]:
    """How many tokens an element takes and gives, and where they may come from (BPMN 10.2, 10.5, 10.6)."""
    problems = []
    kind = element.kind
    if element.start_quantity < 1 or element.completion_quantity < 1:
        problems.append(_problem(element, "startQuantity and completionQuantity must be at least 1"))
    if element.triggered_by_event and (element.incoming or element.outgoing):
        problems.append(_problem(element, "an event subprocess cannot have incoming or outgoing sequence flows; it "
                                          "starts by its start event"))
    if kind in ACTIVITIES and len(element.outgoing) == 1 and process.flows[element.outgoing[0]].condition:
        problems.append(_problem(element, "the only outgoing sequence flow of an activity cannot have a condition; "
                                          "add another outgoing flow or remove the condition"))
    if element.instantiate and element.incoming:
        problems.append(_problem(element, f"{element.label} has instantiate=\"true\", so it starts the process and "
                                          f"cannot have incoming sequence flows"))
    if kind.endswith("Gateway"):
        incoming, outgoing = len(element.incoming), len(element.outgoing)
        wrong = {"Converging": outgoing > 1, "Diverging": incoming > 1,
                 "Mixed": incoming < 2 or outgoing < 2}.get(element.gateway_direction, False)
        if wrong:
            problems.append(_problem(element, f"a gateway with gatewayDirection=\"{element.gateway_direction}\" "
                                              f"cannot have {incoming} incoming and {outgoing} outgoing sequence "
                                              f"flows ({GATEWAY_DIRECTIONS[element.gateway_direction]})"))
    for condition in _conditions_of(process, element):
        try:
            value = expressions.evaluate(condition, {})
        except ExpressionError:
            continue  # it reads variables: it is checked when it runs
        if not isinstance(value, bool):
            problems.append(_problem(element, f"the condition \"{condition}\" is always {value!r}, not true or "
                                              f"false"))
    return problems


def _conditions_of(process: Process, element: Element) -> list[str]:
    found = [process.flows[f].condition for f in element.outgoing]
    found += [d.condition for d in element.events] + [element.activation_condition]
    if element.loop is not None:
        found += [element.loop.loop_condition, element.loop.completion_condition]
        found += [behavior.condition for behavior in element.loop.complex_behaviors]
    return [text for text in found if text]


def _check_scope_flows(process: Process, scope_id: str) -> list[Problem]:
    """A scope that starts at start events runs only what they reach, and one with end events ends only
    there: then every node needs an incoming (and outgoing) flow (BPMN 10.5.2, 10.5.3)."""
    scope = process.scope(scope_id)
    owner = process.elements.get(scope_id)
    children = [process.element(c) for c in scope.children]
    starts = [c for c in children if c.kind == "startEvent"]
    ends = [c for c in children if c.kind == "endEvent"]
    where = owner.label if owner is not None else f"process '{process.id}'"
    problems = []
    if owner is not None and owner.kind == "adHocSubProcess":
        return [_problem(event, "an ad-hoc subprocess cannot contain start or end events") for event in starts + ends]
    if starts and not ends:
        problems.append(_problem(starts[0], f"{where} has a start event but no end event"))
    if ends and not starts:
        problems.append(_problem(ends[0], f"{where} has an end event but no start event"))
    for node in children:
        if node.for_compensation or node.triggered_by_event or node.kind == "boundaryEvent":
            continue
        link = any(d.kind == "link" for d in node.events)
        if starts and not node.incoming and node.kind not in ("startEvent",) and not node.instantiate \
                and not (link and node.kind == "intermediateCatchEvent"):
            problems.append(_problem(node, f"{node.label} has no incoming sequence flow, so no token can reach it "
                                           f"(the scope starts at its start event)"))
        if ends and not node.outgoing and node.kind != "endEvent" \
                and not (link and node.kind == "intermediateThrowEvent"):
            problems.append(_problem(node, f"{node.label} has no outgoing sequence flow (the scope ends at its end "
                                           f"events)"))
    return problems


def _check_links(process: Process, scope_id: str) -> list[Problem]:
    """A link throw event jumps to the one link catch event of the same name in its own scope (BPMN 10.4.6)."""
    children = [process.element(c) for c in process.scope(scope_id).children]
    throws = {e.id: d.name for e in children if e.kind == "intermediateThrowEvent" for d in e.events
              if d.kind == "link"}
    catches = {e.id: d.name for e in children if e.kind == "intermediateCatchEvent" for d in e.events
               if d.kind == "link"}
    problems = []
    for event_id, name in throws.items():
        event = process.element(event_id)
        targets = [c for c, n in catches.items() if n == name]
        if len(targets) != 1:
            problems.append(_problem(event, f"the link throw event '{name}' needs exactly one link catch event of "
                                            f"that name in the same (sub)process, not {len(targets)}"))
        if event.outgoing:
            problems.append(_problem(event, "a link throw event cannot have outgoing sequence flows"))
    for event_id, name in catches.items():
        event = process.element(event_id)
        if name not in throws.values():
            problems.append(_problem(event, f"no link throw event named '{name}' in the same (sub)process leads to "
                                            f"this link catch event"))
        if event.incoming:
            problems.append(_problem(event, "a link catch event cannot have incoming sequence flows"))
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
    targets = [process.elements[process.flows[f].target] for f in element.outgoing
               if process.flows[f].target in process.elements]
    receive_tasks = [t for t in targets if t.kind == "receiveTask"]
    if receive_tasks and any(d.kind == "message" for t in targets for d in t.events if t.kind != "receiveTask"):
        problems.append(_problem(element, "an event-based gateway waits either for message catch events or for "
                                          "receive tasks, not both (BPMN 10.6.6)"))
    for task in receive_tasks:
        if process.scope(task.scope).boundary_events.get(task.id):
            problems.append(_problem(task, "a receive task after an event-based gateway cannot have boundary events "
                                           "(BPMN 10.6.6)"))
    return problems


def _check_compensation(process: Process) -> list[Problem]:
    """Compensation the engine could not run as BPMN 2.0 describes it (10.5.4, 13.5.5) is refused."""
    problems: list[Problem] = []
    associated = {e.compensation_handler for e in process.walk() if e.compensation_handler}
    for element in process.walk():
        boundaries = compensation_boundaries(process, element)
        subprocesses = compensation_event_subprocesses(process, element)
        if len(boundaries) > 1:
            problems.append(_problem(element, f"the activity has {len(boundaries)} compensation boundary events "
                                              f"({', '.join(b.id for b in boundaries)}); an activity has at most "
                                              f"one compensation handler"))
        if subprocesses and (boundaries or len(subprocesses) > 1):
            problems.append(_problem(element, "the subprocess has more than one compensation handler (compensation "
                                              "boundary event, compensation event subprocesses); keep one"))
        for boundary in boundaries:
            handler = process.elements.get(boundary.compensation_handler or "")
            if handler is not None and handler.scope != element.scope:
                problems.append(_problem(boundary, f"the compensation handler '{handler.id}' must be in the same "
                                                   f"(sub)process as {element.label}, the activity it compensates"))
        if element.for_compensation and element.id not in associated:
            problems.append(_problem(element, "the compensation handler (isForCompensation) is not associated with "
                                              "a compensation boundary event, so it would never run"))
        problems.extend(_check_compensation_events(process, element))
    return problems


def _check_compensation_events(process: Process, element: Element) -> list[Problem]:
    """Compensation throw events, compensation event subprocesses and cancel end events."""
    problems = []
    owner = process.elements.get(element.scope)
    for definition in element.events:
        if definition.kind == "compensate" and element.kind in ("intermediateThrowEvent", "endEvent"):
            if not definition.wait_for_completion:
                problems.append(_problem(element, "waitForCompletion=\"false\" (asynchronous compensation) is not "
                                                  "supported: the engine always waits for the compensation handlers "
                                                  "before the throw event goes on; remove the attribute"))
            if definition.activity_ref is not None:
                problems.extend(_check_activity_ref(process, element, definition.activity_ref))
        elif definition.kind == "compensate" and element.kind == "startEvent" and owner is not None \
                and owner.triggered_by_event:
            if not element.interrupting:
                problems.append(_problem(element, "the start event of a compensation event subprocess is always "
                                                  "interrupting (isInterrupting cannot be false)"))
            if owner.scope == process.id:
                problems.append(_problem(owner, "a compensation event subprocess belongs inside the subprocess it "
                                                "compensates; the process itself is never compensated"))
        elif definition.kind == "cancel" and element.kind == "endEvent":
            if owner is None or owner.kind != "transaction":
                problems.append(_problem(element, "a cancel end event can only be used inside a transaction"))
            elif not any(d.kind == "cancel" for b in process.scope(owner.scope).boundary_events.get(owner.id, ())
                         for d in process.element(b).events):
                problems.append(_problem(element, f"the transaction {owner.label} has no cancel boundary event for "
                                                  f"this cancel end event to leave by"))
    return problems


def _check_activity_ref(process: Process, element: Element, ref: str) -> list[Problem]:
    target = process.elements.get(ref)
    if target is None or target.kind.endswith(("Event", "Gateway")):
        return [_problem(element, f"activityRef '{ref}' names no activity of this process")]
    scope = compensated_scope_id(process, element)
    if target.scope != scope:
        return [_problem(element, f"activityRef '{ref}' names {target.label}, which is outside the scope this event "
                                  f"compensates ('{scope}'): a compensation throw compensates activities of its own "
                                  f"(sub)process, or, from an event subprocess, those of the enclosing one")]
    if not can_be_compensated(process, target):
        return [_problem(element, f"activityRef '{ref}' names {target.label}, which cannot be compensated: it has "
                                  f"no compensation boundary event with a handler and, if a subprocess, neither a "
                                  f"compensation event subprocess nor inner activities that can be compensated")]
    return []


# --- Rules on what the process graph does not hold: references, collaborations, data ---------------

ITEM_AWARE = frozenset({"dataObject", "dataObjectReference", "property", "dataStore", "dataStoreReference",
                        "dataInput", "dataOutput"})
CATCH_EVENTS = ("startEvent", "intermediateCatchEvent", "boundaryEvent")
# Message flows connect pools, or the activities and events inside them (BPMN 9.4 InteractionNode).
INTERACTION_NODES = ACTIVITIES | set(CATCH_EVENTS) | set(THROW_EVENTS) | {"participant"}
_ONE = {name: (frozenset({name}), f"a bpmn:{name}") for name in (
    "message", "operation", "interface", "participant", "process", "itemDefinition", "dataInput", "dataOutput",
    "dataObject", "signal", "error", "escalation", "linkEventDefinition")}
_ITEM_AWARE = (ITEM_AWARE, "a data object, data store, property, data input or data output")
_ITEM = ("@itemSubjectRef", *_ONE["itemDefinition"])
# What each reference must name: owner tag -> (attribute "@name" or child element, allowed tags, description).
REFERENCES: dict[str, tuple[tuple[str, frozenset[str], str], ...]] = {
    "messageFlow": (("@sourceRef", INTERACTION_NODES, "a pool, an activity or an event"),
                    ("@targetRef", INTERACTION_NODES, "a pool, an activity or an event"),
                    ("@messageRef", *_ONE["message"])),
    "message": (("@itemRef", *_ONE["itemDefinition"]),),
    "signal": (("@structureRef", *_ONE["itemDefinition"]),),
    "error": (("@structureRef", *_ONE["itemDefinition"]),),
    "escalation": (("@structureRef", *_ONE["itemDefinition"]),),
    "operation": (("inMessageRef", *_ONE["message"]), ("outMessageRef", *_ONE["message"])),
    "participant": (("@processRef", *_ONE["process"]), ("interfaceRef", *_ONE["interface"])),
    "partnerEntity": (("participantRef", *_ONE["participant"]),),
    "partnerRole": (("participantRef", *_ONE["participant"]),),
    "inputSet": (("dataInputRefs", *_ONE["dataInput"]),),
    "outputSet": (("dataOutputRefs", *_ONE["dataOutput"]),),
    "dataInputAssociation": (("sourceRef", *_ITEM_AWARE), ("targetRef", *_ITEM_AWARE)),
    "dataOutputAssociation": (("sourceRef", *_ITEM_AWARE), ("targetRef", *_ITEM_AWARE)),
    "dataObjectReference": (("@dataObjectRef", *_ONE["dataObject"]),),
    "dataInput": (_ITEM,), "dataOutput": (_ITEM,), "inputDataItem": (_ITEM,), "outputDataItem": (_ITEM,),
    "dataObject": (_ITEM,), "property": (_ITEM,),
    "serviceTask": (("@operationRef", *_ONE["operation"]),),
    "sendTask": (("@messageRef", *_ONE["message"]), ("@operationRef", *_ONE["operation"])),
    "receiveTask": (("@messageRef", *_ONE["message"]), ("@operationRef", *_ONE["operation"])),
    "messageEventDefinition": (("@messageRef", *_ONE["message"]), ("operationRef", *_ONE["operation"])),
    "signalEventDefinition": (("@signalRef", *_ONE["signal"]),),
    "errorEventDefinition": (("@errorRef", *_ONE["error"]),),
    "escalationEventDefinition": (("@escalationRef", *_ONE["escalation"]),),
    "linkEventDefinition": (("source", *_ONE["linkEventDefinition"]), ("target", *_ONE["linkEventDefinition"])),
    "multiInstanceLoopCharacteristics": (("loopDataInputRef", *_ITEM_AWARE), ("loopDataOutputRef", *_ITEM_AWARE)),
}
# What an event definition carries: the reference to what is thrown, and that one's item definition.
CARRIED_BY = {
    "messageEventDefinition": ("messageRef", "itemRef"),
    "signalEventDefinition": ("signalRef", "structureRef"),
    "errorEventDefinition": ("errorRef", "structureRef"),
    "escalationEventDefinition": ("escalationRef", "structureRef"),
}
SUBPROCESSES = ("subProcess", "transaction", "adHocSubProcess")
_MIME_TYPE = re.compile(r"^[\w.+-]+/[\w.+-]+$")


class _Document:
    """One BPMN document, indexed by id, for the rules that look past the process graph."""

    def __init__(self, root: etree._Element, file: str) -> None:
        self.root = root
        self.file = file
        self.ids = {node.get("id"): node for node in root.iter(f"{{{BPMN}}}*") if node.get("id")}
        self.found: list[Problem] = []

    def problems(self) -> list[Problem]:
        for node in self.root.iter(f"{{{BPMN}}}*"):
            tag = local_name(node.tag)
            self._references(node, tag)
            if node.get("textFormat") is not None and not _MIME_TYPE.match(node.get("textFormat", "")):
                self.problem(node, f"textFormat '{node.get('textFormat')}' is not a MIME type such as text/plain")
            if tag == "process" and node.get("processType") == "Public" and node.get("isExecutable") == "true":
                self.problem(node, "a public process (processType=\"Public\") only shows what partners see and "
                                   "cannot be executable; make it private or set isExecutable=\"false\"")
            if tag == "messageFlow":
                self._message_flow(node)
            if tag in ("dataInput", "dataOutput", "dataObject", "property", "inputDataItem", "outputDataItem"):
                self._collection(node)
            if tag == "multiInstanceLoopCharacteristics":
                self._loop_items(node)
            if tag in SUBPROCESSES and node.find(bpmn("ioSpecification")) is not None:
                self.problem(node, "a subprocess cannot have its own data inputs and outputs (ioSpecification); it "
                                   "sees the data of the process around it")
            if tag in ("serviceTask", "sendTask", "receiveTask"):
                self._task_message(node, tag)
            if tag == "callActivity":
                self._called_data(node)
            if tag in CATCH_EVENTS or tag in THROW_EVENTS:
                self._event_data(node, tag)
        return self.found

    def problem(self, node: etree._Element, message: str) -> None:
        owner = node
        while owner is not None and not owner.get("id"):
            owner = owner.getparent()
        self.found.append(Problem(self.file, node.sourceline or 0, owner.get("id", "") if owner is not None else "",
                                  message))

    def named(self, node: etree._Element | None, where: str) -> list[str]:
        """The ids `node` refers to by an attribute ("@name") or by child elements."""
        if node is None:
            return []
        if where.startswith("@"):
            value = node.get(where[1:])
            return [value.rpartition(":")[2]] if value else []
        return [(child.text or "").strip().rpartition(":")[2] for child in node.iterfind(bpmn(where))]

    def target(self, node: etree._Element | None, where: str) -> etree._Element | None:
        return next((self.ids.get(ref) for ref in self.named(node, where)), None)

    def _references(self, node: etree._Element, tag: str) -> None:
        for where, allowed, what in REFERENCES.get(tag, ()):
            for ref in self.named(node, where):
                target = self.ids.get(ref)
                if target is None:
                    self.problem(node, f"{where.lstrip('@')} '{ref}' names nothing declared in this file")
                elif local_name(target.tag) not in allowed:
                    self.problem(node, f"{where.lstrip('@')} '{ref}' names a bpmn:{local_name(target.tag)}, but must "
                                       f"name {what}")

    # --- collaborations ---

    def _pool(self, node: etree._Element) -> str:
        """The pool a node belongs to: the participant whose process contains it (or the process itself)."""
        if local_name(node.tag) == "participant":
            return node.get("id", "")
        process = next((a for a in node.iterancestors(bpmn("process"))), None)
        if process is None:
            return ""
        pools = [pool.get("id", "") for pool in self.root.iter(bpmn("participant"))
                 if pool.get("processRef") == process.get("id")]
        return pools[0] if pools else process.get("id", "")

    def _has_message(self, event: etree._Element) -> bool:
        return event.find(bpmn("messageEventDefinition")) is not None or any(
            local_name(getattr(self.ids.get(ref), "tag", "")) == "messageEventDefinition"
            for ref in self.named(event, "eventDefinitionRef"))

    def _message_flow(self, flow: etree._Element) -> None:
        """A message flow links two pools; events on it send or receive messages (BPMN 9.4, 10.4.3)."""
        source, target = self.target(flow, "@sourceRef"), self.target(flow, "@targetRef")
        if source is None or target is None or \
                not {local_name(source.tag), local_name(target.tag)} <= INTERACTION_NODES:
            return  # reported as a wrong reference
        if self._pool(source) == self._pool(target):
            self.problem(flow, f"the message flow connects '{source.get('id')}' and '{target.get('id')}', which are "
                               f"in the same pool; message flows connect different pools")
        for end, node in (("source", source), ("target", target)):
            tag = local_name(node.tag)
            sending = end == "source"
            if tag in (CATCH_EVENTS if sending else THROW_EVENTS):
                self.problem(flow, f"the {end} of the message flow, {tag} '{node.get('id')}', cannot "
                                   f"{'send' if sending else 'receive'} messages: only a "
                                   f"{'throw' if sending else 'catch'} event or an activity can")
            elif tag in CATCH_EVENTS + THROW_EVENTS and not self._has_message(node):
                self.problem(flow, f"the {end} of the message flow, {tag} '{node.get('id')}', needs a message event "
                                   f"definition")

    # --- data ---

    def item(self, node: etree._Element | None) -> etree._Element | None:
        """The item definition that describes the data `node` holds or carries."""
        for where in ("@itemSubjectRef", "@itemRef", "@structureRef"):
            found = self.target(node, where)
            if found is not None:
                return found
        return None

    @staticmethod
    def same_item(one: etree._Element | None, other: etree._Element | None) -> bool:
        """Equivalent item definitions: the same one, or the same structure and collection-ness."""
        if one is None or other is None:
            return one is other
        return one is other or (one.get("structureRef") is not None
                                and one.get("structureRef") == other.get("structureRef")
                                and one.get("isCollection", "false") == other.get("isCollection", "false"))

    def describe(self, item: etree._Element | None) -> str:
        if item is None:
            return "no item definition"
        return f"item definition '{item.get('id')}' ({item.get('structureRef') or 'no structure'}" \
               f"{', a collection' if item.get('isCollection') == 'true' else ''})"

    def _collection(self, node: etree._Element) -> None:
        item = self.item(node)
        if item is not None and node.get("isCollection", "false") != item.get("isCollection", "false"):
            self.problem(node, f"isCollection=\"{node.get('isCollection', 'false')}\" contradicts its "
                               f"{self.describe(item)}")

    def _loop_items(self, loop: etree._Element) -> None:
        """The item a multi-instance activity works on is one of its collection's items (BPMN 10.2.8)."""
        for collection_ref, item_tag in (("loopDataInputRef", "inputDataItem"),
                                         ("loopDataOutputRef", "outputDataItem")):
            collection, single = self.target(loop, collection_ref), loop.find(bpmn(item_tag))
            collection_item, single_item = self.item(collection), self.item(single)
            if collection_item is not None and single_item is not None \
                    and collection_item.get("structureRef") != single_item.get("structureRef"):
                self.problem(single, f"the {item_tag} has {self.describe(single_item)}, but the items of the "
                                     f"collection '{collection.get('id')}' are "
                                     f"{collection_item.get('structureRef') or 'undefined'}")

    def _data(self, owner: etree._Element, tag: str) -> list[etree._Element]:
        spec = owner.find(bpmn("ioSpecification"))
        return list(spec.iterfind(bpmn(tag))) if spec is not None else []

    def _matches(self, owner: etree._Element, data: list[etree._Element], message: etree._Element | None,
                 what: str) -> None:
        if message is None:
            return
        if len(data) != 1:
            self.problem(owner, f"the activity needs exactly one data {what} for message '{message.get('id')}', "
                                f"not {len(data)}")
        elif not self.same_item(self.item(data[0]), self.item(message)):
            self.problem(data[0], f"the data {what} has {self.describe(self.item(data[0]))}, but message "
                                  f"'{message.get('id')}' carries {self.describe(self.item(message))}")

    def _task_message(self, task: etree._Element, tag: str) -> None:
        """The data of a service, send or receive task is the message it exchanges (BPMN 10.2.3)."""
        inputs, outputs = self._data(task, "dataInput"), self._data(task, "dataOutput")
        input_sets, output_sets = self._data(task, "inputSet"), self._data(task, "outputSet")
        if tag == "serviceTask":
            operation = self.target(task, "@operationRef")
            if operation is None or local_name(operation.tag) != "operation":
                return
            if task.find(bpmn("ioSpecification")) is not None and (len(input_sets) != 1 or len(output_sets) > 1):
                self.problem(task, "a service task has exactly one inputSet and at most one outputSet")
            self._matches(task, inputs, self.target(operation, "inMessageRef"), "input")
            self._matches(task, outputs, self.target(operation, "outMessageRef"), "output")
            return
        data, sets, what = (inputs, input_sets, "input") if tag == "sendTask" else (outputs, output_sets, "output")
        if len(sets) > 1 or len(data) > 1:
            self.problem(task, f"a {tag[:-4]} task has at most one {what}Set and one data {what}, for its message")
        elif data:
            self._matches(task, data, self.target(task, "@messageRef"), what)

    def _called_data(self, call: etree._Element) -> None:
        """A call activity passes exactly the data its called process or global task declares (BPMN 10.2.5)."""
        called = self.ids.get(call.get("calledElement", ""))
        if called is None or local_name(called.tag) not in {"process", *GLOBAL_TASKS}:
            return
        for what in ("dataInput", "dataOutput"):
            mine, theirs = self._data(call, what), self._data(called, what)
            if len(mine) != len(theirs) or not all(self.same_item(self.item(a), self.item(b))
                                                   for a, b in zip(mine, theirs)):
                self.problem(call, f"the call activity's {what}s ({self._listed(mine)}) do not match those of the "
                                   f"called '{called.get('id')}' ({self._listed(theirs)})")

    def _listed(self, data: list[etree._Element]) -> str:
        return ", ".join(self.describe(self.item(node)) for node in data) or "none"

    def _event_data(self, event: etree._Element, tag: str) -> None:
        """A throw event's data inputs (a catch event's data outputs) are what its event definitions carry."""
        data = list(event.iterfind(bpmn("dataInput" if tag in THROW_EVENTS else "dataOutput")))
        definitions = [d for d in event if local_name(d.tag) in CARRIED_BY]
        definitions += [d for d in map(self.ids.get, self.named(event, "eventDefinitionRef"))
                        if d is not None and local_name(d.tag) in CARRIED_BY]
        for node, definition in zip(data, definitions):
            reference, attribute = CARRIED_BY[local_name(definition.tag)]
            thing = self.target(definition, f"@{reference}")
            carried = self.target(thing, f"@{attribute}")
            if carried is not None and not self.same_item(self.item(node), carried):
                self.problem(node, f"the {local_name(node.tag)} has {self.describe(self.item(node))}, but "
                                   f"'{thing.get('id')}' carries {self.describe(carried)}")
