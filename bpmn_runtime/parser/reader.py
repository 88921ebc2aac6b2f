"""XML to model: builds the immutable process graph from a schema-valid BPMN document.

Reading is forgiving where the file is merely unusual and records a located problem wherever the
engine could not run the file exactly as drawn; `validation` adds the graph-level checks.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, cast

from lxml import etree

from bpmn_runtime.engine import python_timers
from bpmn_runtime.errors import Problem
from bpmn_runtime.model import (
    ComplexBehavior, Definitions, Element, EventDefinition, Extensions, Flow, JobListener, LoopSpec, Process, Scope,
    Source, TimerSpec, VariablePassing,
)
from bpmn_runtime.parser import camunda, flowable, spiff, zeebe
from bpmn_runtime.parser.dialects import CAMUNDA_7, CAMUNDA_8, SPIFF
from bpmn_runtime.parser.languages import read_in_language
from bpmn_runtime.parser.namespaces import camunda as camunda_name
from bpmn_runtime.parser.namespaces import BPMN, bpmn, local_name, namespace
from bpmn_runtime.parser.numbers import LARGEST, whole_number

# Finds the element a QName reference names (here or in an imported file); None when nothing is declared there.
Lookup = Callable[[etree._Element, str], "etree._Element | None"]
# How each kind of declaration is known by name at run time (messages and signals by name, errors and
# escalations by code), falling back to the name and then the id.
NAMED_BY = {"message": ("name",), "signal": ("name",), "error": ("errorCode", "name"),
            "escalation": ("escalationCode", "name")}

FLOW_NODES = frozenset({
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    "task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask",
    "businessRuleTask", "callActivity", "subProcess", "transaction", "adHocSubProcess",
    "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway",
})
SCOPES = frozenset({"subProcess", "transaction", "adHocSubProcess"})
# Process content that describes but does not execute; read past without comment.
DESCRIPTIVE = frozenset({
    "documentation", "extensionElements", "laneSet", "textAnnotation", "group", "dataObject",
    "dataObjectReference", "dataStoreReference", "property", "ioSpecification", "auditing", "monitoring",
    "supports", "association", "dataInputAssociation", "dataOutputAssociation", "dataInput", "dataOutput",
    "categoryValueRef", "correlationSubscription", "resourceRole", "performer", "humanPerformer",
    "potentialOwner",
})
# Children of a subprocess element that describe the subprocess itself rather than its content.
OWN_PARTS = frozenset({"incoming", "outgoing", "standardLoopCharacteristics", "multiInstanceLoopCharacteristics",
                       "completionCondition"})
# Global tasks (declared beside the processes) that a call activity can call, and the task each one runs as.
GLOBAL_TASKS = {
    "globalTask": "task", "globalManualTask": "manualTask", "globalScriptTask": "scriptTask",
    "globalUserTask": "userTask", "globalBusinessRuleTask": "businessRuleTask",
}
# The changes of a variable a Camunda 7 conditional event can be checked on (camunda:variableEvents).
VARIABLE_EVENTS = ("create", "update", "delete")
EVENT_DEFINITIONS = {
    "messageEventDefinition": "message", "timerEventDefinition": "timer", "signalEventDefinition": "signal",
    "errorEventDefinition": "error", "escalationEventDefinition": "escalation",
    "compensateEventDefinition": "compensate", "terminateEventDefinition": "terminate",
    "cancelEventDefinition": "cancel", "conditionalEventDefinition": "conditional",
    "linkEventDefinition": "link",
}


def _local_lookup(ids: Mapping[str, etree._Element]) -> Lookup:
    def lookup(carrier: etree._Element, value: str) -> etree._Element | None:
        return ids.get(value.strip().rpartition(":")[2])
    return lookup


def declared_name(node: etree._Element) -> str:
    """The name a message, signal, error or escalation is known by at run time."""
    for attribute in NAMED_BY.get(local_name(node.tag), ("name",)):
        if node.get(attribute):
            return str(node.get(attribute, ""))
    return str(node.get("id", ""))


def local_part(carrier: etree._Element, value: str) -> str:
    """A QName reference without its prefix (a value whose 'prefix' is no declared prefix stays as it is)."""
    prefix, _, local = value.partition(":")
    return local if local and prefix in carrier.nsmap else value


@dataclass
class _Context:
    file: str
    lookup: Lookup
    problems: list[Problem] = field(default_factory=list)
    messages: dict[str, str] = field(default_factory=dict)
    signals: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    escalations: dict[str, str] = field(default_factory=dict)
    forms: dict[str, str] = field(default_factory=dict)
    dialect: str | None = None  # the engine the file was made for (see `parser.dialects`)

    @property
    def spiff(self) -> bool:
        """Whether the file was made for SpiffWorkflow, whose messages, errors and timers read differently."""
        return self.dialect == SPIFF

    def problem(self, node: etree._Element, message: str, element_id: str | None = None) -> None:
        self.problems.append(Problem(self.file, _line(node),
                                     element_id if element_id is not None else node.get("id", ""), message))

    def source(self, node: etree._Element) -> Source:
        return Source(self.file, _line(node))

    def declared(self, carrier: etree._Element, value: str | None, *tags: str) -> etree._Element | None:
        """The declaration of one of `tags` a reference names (wrong or missing ones are reported by the
        reference rules of validation)."""
        if not value:
            return None
        found = self.lookup(carrier, value)
        return found if found is not None and local_name(found.tag) in tags else None


def _line(node: etree._Element) -> int:
    return cast("int | None", node.sourceline) or 0


def read_definitions(root: etree._Element, file: str, dialect: str | None,
                     lookup: Lookup | None = None) -> tuple[Definitions, list[Problem]]:
    """The model of one document made for `dialect` (`parser.dialects.dialect_of`), and every problem found while
    reading it. `lookup` resolves references, those into imported files included; without it references name
    elements of this document."""
    if lookup is None:
        lookup = _local_lookup({node.get("id", ""): node for node in root.iter(f"{{{BPMN}}}*") if node.get("id")})
    context = _Context(file, lookup, dialect=dialect)
    for child in root:
        tag = local_name(child.tag)
        ident = child.get("id", "")
        if tag == "message":
            context.messages[ident] = child.get("name") or ident
        elif tag == "signal":
            context.signals[ident] = child.get("name") or ident
        elif tag == "error":
            context.errors[ident] = child.get("errorCode") or child.get("name") or ident
        elif tag == "escalation":
            context.escalations[ident] = child.get("escalationCode") or child.get("name") or ident
    processes: dict[str, Process] = {}
    for node in root.iterfind(bpmn("process")):
        executable = node.get("isExecutable", "true").strip().lower() != "false"
        context.forms = zeebe.user_task_forms(node)
        process = _read_process(node, context, executable)
        processes[process.id] = process
    definitions = Definitions(file, processes, context.messages, context.signals, context.errors,
                              context.escalations)
    return definitions, context.problems


def _read_process(node: etree._Element, context: _Context, executable: bool) -> Process:
    elements: dict[str, Element] = {}
    flows: dict[str, Flow] = {}
    scopes: dict[str, Scope] = {}
    associations: list[etree._Element] = []
    process_id = node.get("id", "")
    _read_scope(node, process_id, context, elements, flows, scopes, associations)
    _wire_flows(elements, flows)
    _link_compensation_handlers(elements, associations, context)
    return Process(process_id, node.get("name", ""), elements, flows, scopes, executable, context.source(node),
                   _starters(node, "candidateStarterUsers", context), _starters(node, "candidateStarterGroups", context),
                   _initiator(node, elements), loop_counter_from=_loop_counter_from(context.dialect),
                   embedded_expressions=context.dialect != CAMUNDA_8, job_listeners=_process_listeners(node, context),
                   startable_in_tasklist=(node.get(camunda_name("isStartableInTasklist")) or "").strip() != "false")


def _initiator(process: etree._Element, elements: Mapping[str, Element]) -> str | None:
    """camunda:initiator (or Flowable's and Activiti's, the same setting) of the process's none start event (the
    one an instance starts at when started)."""
    for start in process.iterfind(bpmn("startEvent")):
        name = (start.get(camunda_name("initiator")) or flowable.get(start, "initiator") or "").strip()
        element = elements.get(start.get("id", ""))
        if name and element is not None and not element.events:
            return name
    return None


def _starters(node: etree._Element, attribute: str, context: _Context) -> tuple[str, ...]:
    """The names in camunda:candidateStarterUsers or candidateStarterGroups, separated by commas. They are read
    when a process is deployed, before any instance exists, so an expression is a problem."""
    text = node.get(camunda_name(attribute), "")
    names = tuple(dict.fromkeys(name.strip() for name in text.split(",") if name.strip()))
    for name in names:
        if any(mark in name for mark in ("${", "#{")) or len(name) > 255:
            context.problem(node, f"camunda:{attribute} names '{name[:60]}', which is not a user or group name; "
                                  f"name users and groups, separated by commas (an expression cannot be evaluated "
                                  f"before an instance exists)")
    return names


def _read_scope(node: etree._Element, scope_id: str, context: _Context, elements: dict[str, Element],
                flows: dict[str, Flow], scopes: dict[str, Scope], associations: list[etree._Element]) -> None:
    children: list[str] = []
    boundary: dict[str, list[str]] = {}
    for child in node:
        if namespace(child.tag) != BPMN:
            continue
        tag = local_name(child.tag)
        ident = child.get("id", "")
        if tag == "sequenceFlow":
            source, target = child.get("sourceRef", ""), child.get("targetRef", "")
            ident = ident or _unnamed_flow_id(source, target, flows)
            condition = child.find(bpmn("conditionExpression"))
            flows[ident] = Flow(ident, source, target, _expression_text(condition), child.get("name", ""),
                                context.source(child), camunda.listeners(child.find("{*}extensionElements")))
        elif tag in FLOW_NODES:
            element = _read_element(child, tag, scope_id, context)
            elements[ident] = element
            children.append(ident)
            if element.attached_to:
                boundary.setdefault(element.attached_to, []).append(ident)
            if tag in SCOPES:
                _read_scope(child, ident, context, elements, flows, scopes, associations)
        elif tag == "association":
            associations.append(child)
        elif tag not in DESCRIPTIVE and tag not in OWN_PARTS:
            context.problem(child, f"bpmn:{tag} is not supported by this engine")
    starts = tuple(i for i in children if elements[i].kind == "startEvent")
    event_subprocesses = tuple(i for i in children if elements[i].triggered_by_event)
    scopes[scope_id] = Scope(scope_id, tuple(children), starts, event_subprocesses,
                             {k: tuple(v) for k, v in boundary.items()})


def _unnamed_flow_id(source: str, target: str, flows: dict[str, Flow]) -> str:
    """The id the engine gives a sequence flow the file leaves without one (the schema allows it; nothing can refer
    to such a flow): its ends, which history and messages can show, and a number when the same two nodes have
    several. An XML id cannot contain '>', so it never names a declared element."""
    ident = f"{source}->{target}"
    number = 1
    while ident in flows:
        number += 1
        ident = f"{source}->{target} ({number})"
    return ident


def _wire_flows(elements: dict[str, Element], flows: dict[str, Flow]) -> None:
    """Set each element's incoming and outgoing flows from the flows' own source and target.

    The `bpmn:incoming`/`outgoing` children are redundant in the file; the flows are the truth.
    """
    incoming: dict[str, list[str]] = {}
    outgoing: dict[str, list[str]] = {}
    for flow in flows.values():
        outgoing.setdefault(flow.source, []).append(flow.id)
        incoming.setdefault(flow.target, []).append(flow.id)
    for ident, element in list(elements.items()):
        elements[ident] = _replace(element, incoming=tuple(incoming.get(ident, ())),
                                   outgoing=tuple(outgoing.get(ident, ())))


def _replace(element: Element, **changes: Any) -> Element:
    values = {name: getattr(element, name) for name in element.__dataclass_fields__}
    values.update(changes)
    return Element(**values)


def _read_element(node: etree._Element, tag: str, scope_id: str, context: _Context) -> Element:
    called_ref = node.get("calledElement")
    called = local_part(node, called_ref) if called_ref else zeebe.called_process(node)
    global_task = context.declared(node, called_ref, *GLOBAL_TASKS) if tag == "callActivity" else None
    called_task = GLOBAL_TASKS[local_name(global_task.tag)] if global_task is not None else None
    task = global_task if global_task is not None else node  # a called global task brings its own work
    problems: list[str] = []
    fields: dict[str, Any] = {}
    fields.update(camunda.read(task, problems))
    fields.update({k: v for k, v in zeebe.read(task, context.forms, problems).items() if v is not None})
    fields.update(spiff.read(task, problems))
    fields.update(flowable.read(task, problems))
    if context.spiff and (called_task or tag) in spiff.TASKS_FOR_PEOPLE:
        fields["waits_for_person"] = True
    if tag == "callActivity" and called_task is None:
        fields["passing"] = _variable_passing(node, context.dialect, problems)
    camunda_7_sender = tag in camunda.MESSAGE_THROWS and context.dialect == CAMUNDA_7
    if camunda_7_sender:
        fields.update(camunda.message_throw(node, problems))
    # no worker declared (and not Camunda 7, which never sends a message itself): it sends its message
    sends_itself = tag == "sendTask" and node.get("messageRef") and not camunda_7_sender
    if (called_task or tag) in ("serviceTask", "sendTask", "businessRuleTask") and "topic" not in fields \
            and "decision_ref" not in fields and not sends_itself:
        fields["topic"] = task.get("id", "")
    extensions = Extensions(**fields)
    if tag == "eventBasedGateway" and node.get("eventGatewayType", "Exclusive").strip() == "Parallel":
        problems.append(
            "an event-based gateway of type Parallel (eventGatewayType) that starts the process waits for all its "
            "events before one instance goes on; this engine does not run that: use the Exclusive type (the first "
            "event starts an instance)" if node.get("instantiate") == "true" else
            "an event-based gateway of type Parallel (eventGatewayType) is allowed only where it starts the process "
            "(instantiate); set its type to Exclusive")
    for message in problems:
        context.problem(task, message)
    script = task.find(bpmn("script"))
    activation = node.find(bpmn("activationCondition"))
    completion = node.find(bpmn("completionCondition"))
    return Element(
        id=node.get("id", ""),
        kind=tag,
        name=node.get("name", ""),
        scope=scope_id,
        origin=context.source(node),
        default_flow=node.get("default"),
        events=_event_definitions(node, context) + _task_message(node, tag, context),
        parallel_multiple=node.get("parallelMultiple", "false") == "true",
        attached_to=node.get("attachedToRef"),
        cancel_activity=node.get("cancelActivity", "true") != "false",
        interrupting=node.get("isInterrupting", "true") != "false",
        triggered_by_event=node.get("triggeredByEvent", "false") == "true",
        for_compensation=node.get("isForCompensation", "false") == "true",
        script=(script.text or "") if script is not None else None,
        script_format=task.get("scriptFormat"),
        called_element=called,
        called_task=called_task,
        activation_condition=_expression_text(activation),
        instantiate=node.get("instantiate", "false") == "true",
        gateway_direction=node.get("gatewayDirection", "Unspecified"),
        loop=_loop(node, context),
        extensions=extensions,
        completion_condition=_expression_text(completion) if tag == "adHocSubProcess" else None,
        ordering=node.get("ordering", "Parallel").strip() if tag == "adHocSubProcess" else "Parallel",
        cancel_remaining_instances=node.get("cancelRemainingInstances", "true").strip() != "false",
        start_quantity=_quantity(node, "startQuantity", context),
        completion_quantity=_quantity(node, "completionQuantity", context),
    )


def _variable_passing(call: etree._Element, dialect: str | None, problems: list[str]) -> VariablePassing:
    """How a call activity passes variables, as its home engine does: Camunda 8 when it names a
    zeebe:calledElement, Camunda 7 in a file made for Camunda 7 (it passes only what camunda:in and camunda:out
    declare), and everything both ways in other files (SpiffWorkflow copies a task's data into the called process
    and back)."""
    passing = zeebe.variable_passing(call)
    if passing is not None:
        return passing
    if dialect == CAMUNDA_7:
        return camunda.variable_passing(call, problems)
    return VariablePassing()


def _process_listeners(process: etree._Element, context: _Context) -> tuple[JobListener, ...]:
    problems: list[str] = []
    found = zeebe.process_listeners(process, problems)
    for message in problems:
        context.problem(process, message)
    return found


def _loop_counter_from(dialect: str | None) -> int:
    """Camunda 7 counts a multi-instance activity's instances from 0; the other engines and plain BPMN files count
    from 1."""
    return 0 if dialect == CAMUNDA_7 else 1


def _quantity(node: etree._Element, attribute: str, context: _Context) -> int:
    problems: list[str] = []
    value = whole_number(node.get(attribute, "1"), attribute, problems, high=LARGEST)
    for message in problems:
        context.problem(node, message)
    return 1 if value is None else value


def _task_message(node: etree._Element, tag: str, context: _Context) -> tuple[EventDefinition, ...]:
    """A receive task waits for the message its `messageRef` names, like a message catch event; a send task
    sends it, like a message throw event."""
    ref = node.get("messageRef")
    if tag not in ("receiveTask", "sendTask") or not ref:
        return ()
    message = context.declared(node, ref, "message")
    return (EventDefinition("message", declared_name(message) if message is not None else local_part(node, ref),
                            correlation_key=zeebe.correlation_key(message),
                            **_payload(context, message, node, node.get("id", ""))),)


def _payload(context: _Context, message: etree._Element | None, node: etree._Element, owner: str) -> dict[str, Any]:
    """What a message carries, in a SpiffWorkflow file: only its payload (see `spiff.message_payload`), and the
    correlation properties SpiffWorkflow correlates it by; what cannot run is a problem at `node`, of the flow
    node `owner`."""
    if not context.spiff:
        return {}
    problems: list[str] = []
    correlation = spiff.message_correlation(message, problems)
    for found in problems:
        context.problem(node, found, owner)
    return {**spiff.message_payload(message), "correlation": correlation}


def _expression_text(node: etree._Element | None, *, in_language: bool = True) -> str | None:
    """The body of an expression, marked for the language it names (see `languages`), or None when it has none.
    A timer keeps its text (`in_language` False): ISO 8601 values are literals whatever the language."""
    if node is None:
        return None
    text = "".join(part for part in node.itertext() if isinstance(part, str)).strip()
    if not text:
        return None
    return read_in_language(text, node) if in_language else text


def _event_definitions(node: etree._Element, context: _Context) -> tuple[EventDefinition, ...]:
    found = [child for child in node if local_name(child.tag) in EVENT_DEFINITIONS]
    for reference in node.iterfind(bpmn("eventDefinitionRef")):
        target = context.declared(reference, (reference.text or "").strip(), *EVENT_DEFINITIONS)
        if target is not None:
            found.append(target)
    return tuple(_event_definition(child, node, context) for child in found)


def _variable_events(definition: etree._Element, context: _Context) -> tuple[str, ...]:
    """camunda:variableEvents of a conditional event: the kinds of variable change it is checked on."""
    events = tuple(event.strip() for event in (definition.get(camunda_name("variableEvents")) or "").split(",")
                   if event.strip())
    for event in events:
        if event not in VARIABLE_EVENTS:
            context.problem(definition, f"camunda:variableEvents names '{event}', which is not a change of a variable; "
                                        f"use {', '.join(VARIABLE_EVENTS)} (Variable events)",
                            definition.getparent().get("id", "") if definition.getparent() is not None else None)
    return events


def _event_definition(child: etree._Element, owner: etree._Element, context: _Context) -> EventDefinition:
    kind = EVENT_DEFINITIONS[local_name(child.tag)]
    owner_id = owner.get("id", "")

    def resolve(attribute: str, tag: str) -> str | None:
        ref = child.get(attribute)
        if ref is None:
            return None
        target = context.declared(child, ref, tag)
        return declared_name(target) if target is not None else local_part(child, ref)

    if kind == "message":
        message = context.declared(child, child.get("messageRef"), "message")
        return EventDefinition(kind, resolve("messageRef", "message"),
                               correlation_key=zeebe.correlation_key(child, message), id=child.get("id"),
                               **_payload(context, message, child, owner_id))
    if kind == "signal":
        return EventDefinition(kind, resolve("signalRef", "signal"), id=child.get("id"))
    if kind == "error":
        declaration = context.declared(child, child.get("errorRef"), "error")
        return EventDefinition(
            kind, resolve("errorRef", "error"), id=child.get("id"),
            error_message=declaration.get(camunda_name("errorMessage")) if declaration is not None else None,
            code_variable=(child.get(camunda_name("errorCodeVariable")) or "").strip() or None,
            message_variable=(child.get(camunda_name("errorMessageVariable")) or "").strip() or None,
            **(spiff.thrown_payload(declaration) if context.spiff else {}))
    if kind == "escalation":
        declaration = context.declared(child, child.get("escalationRef"), "escalation")
        return EventDefinition(kind, resolve("escalationRef", "escalation"), id=child.get("id"),
                               code_variable=(child.get(camunda_name("escalationCodeVariable")) or "").strip() or None,
                               **(spiff.thrown_payload(declaration) if context.spiff else {}))
    if kind == "timer":
        for timer_kind in ("timeDate", "timeDuration", "timeCycle"):
            spec = child.find(bpmn(timer_kind))
            if spec is not None:
                text = _expression_text(spec, in_language=False) or ""
                python = context.spiff or (python_timers.is_constructor_call(text)
                                           and context.dialect not in (CAMUNDA_7, CAMUNDA_8))
                return EventDefinition(kind, timer=TimerSpec(timer_kind[4:].lower(), text, python=python),
                                       id=child.get("id"))
        context.problem(child, "the timer has no timeDate, timeDuration or timeCycle", owner_id)
        return EventDefinition(kind, timer=None, id=child.get("id"))
    if kind == "conditional":
        return EventDefinition(kind, condition=_expression_text(child.find(bpmn("condition"))), id=child.get("id"),
                               variable_name=(child.get(camunda_name("variableName")) or "").strip() or None,
                               variable_events=_variable_events(child, context))
    if kind == "link":
        # A link throw that names its target jumps to that catch, which the engine finds by the catch's name.
        target_ref = child.find(bpmn("target"))
        target = context.declared(target_ref, (target_ref.text or "").strip(), "linkEventDefinition") \
            if target_ref is not None else None
        name = target.get("name") if target is not None else child.get("name")
        return EventDefinition(kind, name or "", id=child.get("id"))
    if kind == "compensate":
        return EventDefinition(kind, activity_ref=child.get("activityRef"),
                               wait_for_completion=child.get("waitForCompletion", "true") != "false",
                               id=child.get("id"))
    return EventDefinition(kind, id=child.get("id"))


def _loop(node: etree._Element, context: _Context) -> LoopSpec | None:
    standard = node.find(bpmn("standardLoopCharacteristics"))
    if standard is not None:
        maximum = standard.get("loopMaximum")
        try:
            loop_maximum = int(maximum) if maximum is not None else None
        except ValueError:
            context.problem(standard, f"loopMaximum '{maximum}' is not a whole number", node.get("id", ""))
            loop_maximum = None
        return LoopSpec(multi_instance=False, loop_condition=_expression_text(standard.find(bpmn("loopCondition"))),
                        loop_maximum=loop_maximum, test_before=standard.get("testBefore", "false") == "true")
    multi = node.find(bpmn("multiInstanceLoopCharacteristics"))
    if multi is None:
        return None
    collection = multi.get(camunda_name("collection"))
    element_variable = multi.get(camunda_name("elementVariable"))
    data_input = multi.find(bpmn("loopDataInputRef"))
    if data_input is not None and data_input.text:
        collection = local_part(data_input, data_input.text.strip())
    item = multi.find(bpmn("inputDataItem"))
    if item is not None:
        element_variable = item.get("name") or item.get("id")
    data_output, output_item = multi.find(bpmn("loopDataOutputRef")), multi.find(bpmn("outputDataItem"))
    settings: dict[str, Any] = {
        "collection": collection, "element_variable": element_variable,
        "output_collection": local_part(data_output, data_output.text.strip())
        if data_output is not None and data_output.text else None,
        "output_element": (output_item.get("name") or output_item.get("id")) if output_item is not None else None,
    }
    settings.update({k: v for k, v in zeebe.loop(multi).items() if v})
    return LoopSpec(
        multi_instance=True,
        sequential=multi.get("isSequential", "false") == "true",
        cardinality=_expression_text(multi.find(bpmn("loopCardinality"))),
        completion_condition=_expression_text(multi.find(bpmn("completionCondition"))),
        **settings,
        **_behavior(multi, node, context),
    )


def _behavior(multi: etree._Element, owner: etree._Element, context: _Context) -> dict[str, Any]:
    """The events a multi-instance activity throws as its instances complete (BPMN table 10.28)."""
    behavior = multi.get("behavior", "All")
    complex_behaviors = []
    for definition in multi.iterfind(bpmn("complexBehaviorDefinition")):
        event = definition.find(bpmn("event"))
        thrown = _event_definitions(event, context) if event is not None else ()
        complex_behaviors.append(ComplexBehavior(_expression_text(definition.find(bpmn("condition"))),
                                                 thrown[0] if thrown else None))
    found: dict[str, Any] = {"behavior": behavior, "complex_behaviors": tuple(complex_behaviors)}
    for value, attribute, key in (("None", "noneBehaviorEventRef", "none_event"),
                                  ("One", "oneBehaviorEventRef", "one_event")):
        if behavior != value:
            continue
        ref = multi.get(attribute)
        target = context.declared(multi, ref, *EVENT_DEFINITIONS)
        if ref is None:
            found[key] = EventDefinition("signal")  # the spec's default: a signal carrying no name
        elif target is not None:
            found[key] = _event_definition(target, owner, context)
    return found


def _link_compensation_handlers(elements: dict[str, Element], associations: list[etree._Element],
                                context: _Context) -> None:
    """A compensation boundary event names its handler through an association."""
    for association in associations:
        source, target = association.get("sourceRef", ""), association.get("targetRef", "")
        event = elements.get(source)
        if event is None or event.kind != "boundaryEvent" or not any(d.kind == "compensate" for d in event.events):
            continue
        if event.compensation_handler:
            context.problem(association, "the compensation boundary event is associated with more than one "
                                         "handler; a boundary event has exactly one", source)
            continue
        elements[source] = _replace(event, compensation_handler=target)
