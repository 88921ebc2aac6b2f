"""Camunda 7 extensions (Camunda Modeler 'Camunda Platform 7' files): `camunda:` attributes and elements."""
from __future__ import annotations

import re
from typing import Any

from lxml import etree

from bpmn_runtime import juel
from bpmn_runtime.engine.decision_calls import MAPPINGS as DECISION_RESULT_MAPPINGS
from bpmn_runtime.engine.timers import TimerError, parse_retry_cycle
from bpmn_runtime.expressions import SANDBOX_SCRIPT_FORMATS
from bpmn_runtime.forms import (
    LINKED_FORM, duplicate_field_problems, field_problems, linked_form, read_constraint,
)
from bpmn_runtime.model import (
    MAX_RETRIES, CallMapping, FormField, ListValue, Listener, Mapping, MapValue, ParameterValue, ScriptValue,
    VariablePassing,
)
from bpmn_runtime.parser.numbers import LARGEST, literal_or_expression, whole_number
from bpmn_runtime.parser import flowable
from bpmn_runtime.parser.namespaces import CAMUNDA, camunda, local_name

# Where listeners of Camunda 7's kind are declared: Camunda 7, and Flowable and Activiti, whose listeners Camunda 7
# inherited (the same events, expressions and order).
LISTENER_NAMESPACES = (CAMUNDA, *flowable.NAMESPACES)
# Camunda 7 attributes that only a Java engine can honour; refused rather than silently ignored.
JAVA_ONLY = ("class", "delegateExpression", "expression")
# Elements that send a message, whose implementation Camunda 7 reads (`message_throw`).
MESSAGE_THROWS = frozenset({"sendTask", "intermediateThrowEvent", "endEvent"})
# Flow nodes whose start and end listeners run where Camunda 7 runs them (`engine.behaviours.listeners`).
LISTENING_ELEMENTS = frozenset({
    "task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask", "businessRuleTask",
    "callActivity", "subProcess", "transaction", "adHocSubProcess", "startEvent", "endEvent",
    "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent", "exclusiveGateway", "parallelGateway",
    "inclusiveGateway",
})
# Gateways that join the tokens arriving on several incoming flows before they pass: Camunda 7 runs their start
# listeners as each token arrives, this engine once the tokens have joined.
JOINING_GATEWAYS = frozenset({"parallelGateway", "inclusiveGateway"})
# The events each kind of listener runs on here, by the extension element's name.
LISTENER_EVENTS = {"executionListener": ("start", "end"), "taskListener": ("create", "complete", "delete")}
# Flow nodes that continue asynchronously before and after themselves as Camunda 7 does (`behaviours.activities`,
# and the body of a multi-instance activity); its other asynchronous continuations are refused (`async_refusal`).
ASYNC_ELEMENTS = frozenset({
    "task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask", "businessRuleTask",
    "callActivity", "subProcess", "transaction", "adHocSubProcess",
})
ASYNC_ATTRIBUTES = frozenset({"async", "asyncBefore", "asyncAfter"})
# Task listener events Camunda 7 has that this engine does not run, and why.
TASK_EVENTS_NOT_RUN = {
    "assignment": "the inbox claims and assigns tasks outside the process run, where no listener runs",
    "update": "the inbox changes tasks outside the process run, where no listener runs",
    "timeout": "task listener timers are not run here; put a timer boundary event on the user task",
}


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def _bool(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"


def _people_setting(element: etree._Element, name: str) -> str | None:
    """camunda:`name`, or on a user task Flowable's or Activiti's, which Flowable reads as Camunda 7 does (both
    inherited assignee, candidates and priority from Activiti)."""
    value = element.get(camunda(name))
    if value is None and local_name(element.tag) == "userTask":
        return flowable.get(element, name)
    return str(value) if value is not None else None


def read(element: etree._Element, problems: list[str]) -> dict[str, Any]:
    """Extension fields of one flow node; messages about what cannot run go to `problems`."""
    get = element.get
    found: dict[str, Any] = {}
    for name in JAVA_ONLY:
        if get(camunda(name)):
            problems.append(
                f"camunda:{name} names Java code, which this Python engine cannot run; "
                f"use camunda:type=\"external\" with a camunda:topic and register a Python handler")
    if get(camunda("topic")):
        found["topic"] = get(camunda("topic"))
    if _people_setting(element, "assignee"):
        found["assignee"] = _people_setting(element, "assignee")
    if _people_setting(element, "candidateUsers"):
        found["candidate_users"] = _split(_people_setting(element, "candidateUsers"))
    if _people_setting(element, "candidateGroups"):
        found["candidate_groups"] = _split(_people_setting(element, "candidateGroups"))
    for attribute, key in (("dueDate", "due_date"), ("followUpDate", "follow_up_date"), ("formKey", "form_key"),
                           ("resultVariable", "result_variable")):
        if get(camunda(attribute)):
            found[key] = get(camunda(attribute))
    if _people_setting(element, "priority"):
        found["priority"] = _people_setting(element, "priority")
        label = "camunda:priority" if get(camunda("priority")) is not None else "the priority"
        literal_or_expression(found["priority"], label, problems, -LARGEST, LARGEST)
    if (get(camunda("calledElementBinding")) or "").strip() == "version":
        found["called_version"] = _called_version(element, problems)
    if get(camunda("decisionRef")) is not None:
        found.update(_decision_reference(element, problems))
    if get(camunda("formRef")):
        found["form_key"] = LINKED_FORM + str(get(camunda("formRef"))).strip()
    if _bool(get(camunda("asyncBefore"))) or _bool(get(camunda("async"))):
        found["async_before"] = True
    if _bool(get(camunda("asyncAfter"))):
        found["async_after"] = True
    extension = element.find("{*}extensionElements")
    if extension is None:
        return found
    retry_cycle = extension.find(camunda("failedJobRetryTimeCycle"))
    if retry_cycle is not None and retry_cycle.text and retry_cycle.text.strip():
        count = re.match(r"\s*R(\d+)/", retry_cycle.text)
        if count is None or whole_number(count.group(1), "the number of retries in camunda:failedJobRetryTimeCycle",
                                         problems, high=MAX_RETRIES) is not None:
            try:
                waits = parse_retry_cycle(retry_cycle.text)
            except TimerError as error:
                problems.append(f"camunda:failedJobRetryTimeCycle {error}")
            else:
                found["retries"] = (waits.repetitions or 0) + 1
                found["retry_cycle"] = waits.text
    properties = extension.find(camunda("properties"))
    if properties is not None:
        found["headers"] = tuple((p.get("name", ""), p.get("value", "")) for p in properties.findall(camunda("property")))
    form_data = extension.find(camunda("formData"))
    if form_data is not None:
        fields = tuple(_form_field(field, problems) for field in form_data.findall(camunda("formField")))
        problems += duplicate_field_problems(fields)
        found["form_fields"] = fields
        key_field = (form_data.get("businessKey") or "").strip()
        if key_field:
            found["business_key_field"] = key_field
            if local_name(element.tag) != "startEvent":
                problems.append(f"the business key field '{key_field}' is read only from a start event's form; "
                                f"remove it here (properties panel: Forms, Business key)")
            elif key_field not in {f.id for f in fields}:
                problems.append(f"the business key field '{key_field}' is not a field of this start event's form "
                                f"(properties panel: Forms, Business key)")
    io = extension.find(camunda("inputOutput"))
    if io is not None:
        found["inputs"] = tuple(_mapping(p, problems) for p in io.findall(camunda("inputParameter")))
        found["outputs"] = tuple(_mapping(p, problems) for p in io.findall(camunda("outputParameter")))
    for kind, key in (("executionListener", "execution_listeners"), ("taskListener", "task_listeners")):
        if running := listeners(extension, kind):
            found[key] = running
    return found


def message_throw(element: etree._Element, problems: list[str]) -> dict[str, Any]:
    """How Camunda 7 runs a send task or a message throw or end event (BpmnParse): one whose implementation is
    External (`camunda:type="external"` with a `camunda:topic`, on the task or on the message event
    definition) is an external task on that topic, which sends the message; a throw or end event without an
    implementation runs as a none event, sending nothing (`sends_no_message`). Camunda 7 refuses a send task
    without one; here it is a job on its element id, as a service task without one is (see
    `validation.topics`), and the engine never sends its message itself. (Java and connector implementations
    are refused elsewhere.)"""
    carrier = element if local_name(element.tag) == "sendTask" else \
        element.find("{*}messageEventDefinition")
    if carrier is None:
        return {}
    kind = (carrier.get(camunda("type")) or "").strip()
    topic = (carrier.get(camunda("topic")) or "").strip()
    if kind not in ("", "external"):
        problems.append(f"camunda:type '{kind}' is not run here; set Implementation to External with a topic and "
                        f"register a Python handler that sends the message")
    elif kind == "external" and not topic:
        problems.append("an external implementation needs a topic, which Camunda 7 requires too "
                        "(Implementation, Topic)")
    elif kind == "external":
        return {"topic": topic}
    elif any(carrier.get(camunda(name)) for name in JAVA_ONLY) or \
            carrier.find(f"{{*}}extensionElements/{camunda('connector')}") is not None:
        return {}
    elif local_name(element.tag) != "sendTask":
        return {"sends_no_message": True}
    return {}


def form_refusal(element: etree._Element, attribute: str) -> str | None:
    """Why camunda:formKey or camunda:formRef of `element` cannot be shown as Camunda 7 shows it, or None.

    A form key is shown only when it names a deployed Camunda Form (.form file); any other form lives outside
    the model (Camunda Tasklist loads it from the web application or elsewhere), and showing the task without
    it would collect different fields. A formRef is bound when the process is deployed, which is Camunda 7's
    binding 'deployment'; 'latest' (its default) and 'version' choose another version."""
    if attribute == "formKey":
        key = (element.get(camunda("formKey")) or "").strip()
        if not key or linked_form(key) is not None:
            return None
        kind = "an embedded HTML form" if key.startswith("embedded:") else \
            "a form of the web application" if key.startswith("app:") else \
            "a Camunda Form that is not a .form file" if key.startswith("camunda-forms:") else "an external form"
        return (f"the form key '{key}' names {kind}, which this inbox cannot show (properties panel: Forms, Form "
                f"key); use Generated Task Forms (form fields), or a Camunda Form deployed with the process and "
                f"the key camunda-forms:deployment:NAME.form")
    binding = (element.get(camunda("formRefBinding")) or "latest").strip()
    if attribute != "formRef" or binding == "deployment":
        return None
    chosen = "the newest version when each task is created" if binding == "latest" else \
        f"version {element.get(camunda('formRefVersion'), '')}" if binding == "version" else "an unknown version"
    return (f"the linked form '{element.get(camunda('formRef'), '')}' has Binding '{binding}', which chooses "
            f"{chosen}; here a linked form is bound when the process is deployed: set Binding to 'deployment' "
            f"(properties panel: Forms) and deploy the .form file with the process")


ASYNC_AFTER_EVENTS = ("startEvent", "intermediateCatchEvent", "intermediateThrowEvent", "endEvent")


def async_refusal(element: etree._Element, attribute: str) -> str | None:
    """Why camunda:async, asyncBefore or asyncAfter set to true on `element` is not run as Camunda 7 runs it, or
    None. Camunda 7 ends the transaction there and continues in a job; this engine does so before and after
    activities (before and after all instances of a multi-instance activity), before the events and gateways
    a token arrives at (`behaviours.base.Behaviour.arrive`) and after the events that leave along their flows
    (`behaviours.base.Behaviour.leave_along_flows`; gateways choose their flows themselves)."""
    if attribute not in ASYNC_ATTRIBUTES or not _bool(element.get(camunda(attribute))):
        return None
    kind = local_name(element.tag)
    if kind in ASYNC_ELEMENTS and element.get("triggeredByEvent") != "true":
        return None
    if kind == "multiInstanceLoopCharacteristics":
        return ("a continuation before or after each instance of a multi-instance activity is not run here "
                "(properties panel: Multi-instance, Asynchronous continuations); remove it, or set it on the "
                "activity itself, which continues once before and once after all its instances")
    if kind == "signalEventDefinition":
        return ("a signal whose catchers run in jobs of their own is not thrown here (properties panel: "
                "Asynchronous); remove it: the signal is then caught as it is thrown")
    where = "this event subprocess" if kind in ASYNC_ELEMENTS else f"this {_words(kind)}"
    if attribute == "asyncAfter":
        if kind in ASYNC_AFTER_EVENTS and (kind != "startEvent" or _in_process_or_subprocess(element)):
            return None
        return (f"this engine continues asynchronously after activities and after start, intermediate and end "
                f"events, not after {where} (properties panel: Asynchronous continuations, After); remove it")
    why = _not_arrived(element, kind)
    if why is None:
        return None
    return (f"this engine does not continue asynchronously before {where}: {why} (properties panel: Asynchronous "
            f"continuations, Before); remove it")


def _in_process_or_subprocess(start: etree._Element) -> bool:
    """Whether start event `start` begins a process or an embedded subprocess (not an event subprocess)."""
    parent = start.getparent()
    return parent is not None and parent.get("triggeredByEvent") != "true"


def _not_arrived(element: etree._Element, kind: str) -> str | None:
    """Why a token does not arrive at event or gateway `element` as at the others (an event subprocess's start
    occurs, a boundary event fires, a joining gateway collects tokens, an event after an event-based gateway
    is chosen by it), or None."""
    incoming = [flow for flow in _siblings(element, "sequenceFlow") if flow.get("targetRef") == element.get("id")]
    if kind == "startEvent" and _in_process_or_subprocess(element):
        return None
    if kind in ("endEvent", "intermediateThrowEvent", "exclusiveGateway", "eventBasedGateway"):
        return None
    if kind in JOINING_GATEWAYS and len(incoming) <= 1:
        return None
    if kind == "intermediateCatchEvent" and not any(
            local_name(_node(element, flow.get("sourceRef", "")).tag) == "eventBasedGateway" for flow in incoming):
        return None
    return {
        "startEvent": "the start event of an event subprocess occurs in the scope around it",
        "boundaryEvent": "a boundary event occurs on its activity",
        "intermediateCatchEvent": "an event after an event-based gateway is chosen by the gateway",
        "subProcess": "an event subprocess starts when its start event occurs",
    }.get(kind, "a gateway that joins several flows collects their tokens first")


def _words(kind: str) -> str:
    """An element kind as the modeler names it: 'exclusiveGateway' is 'exclusive gateway'."""
    return re.sub(r"(?<!^)([A-Z])", r" \1", kind).lower()


def listeners(extension: etree._Element | None, kind: str = "executionListener") -> tuple[Listener, ...]:
    """The camunda:executionListener (or taskListener) elements of an extensionElements that run here, in
    model order (the others are refused by `validation.extensions_not_run`, with `listener_refusal`'s reason).
    Flowable's and Activiti's listeners, which Camunda 7 inherited from Activiti, are read alike."""
    found = []
    for node in extension.iterchildren(*(f"{{{space}}}{kind}" for space in LISTENER_NAMESPACES)) \
            if extension is not None else ():
        if listener_refusal(node) is None:
            script = node.find(camunda("script"))
            event = node.get("event", "").strip() or "take"  # a sequence flow's listener may leave it out
            found.append(Listener(event, node.get("expression"), script.text if script is not None else None,
                                  (script.get("scriptFormat") or "").strip() if script is not None else None))
    return tuple(found)


def listener_refusal(listener: etree._Element) -> str | None:
    """Why a camunda:executionListener or camunda:taskListener cannot run here as Camunda 7 runs it, or None
    when it can: an expression or inline script listener on the start or end of a task, subprocess, call
    activity, event or exclusive, parallel or inclusive gateway (no loop, not an event subprocess), on the take of
    a sequence flow, or on the create, complete or delete of a user task without a loop."""
    holder = listener.getparent()
    owner = holder.getparent() if holder is not None else None
    kind = local_name(owner.tag) if owner is not None else ""
    task_listener = local_name(listener.tag) == "taskListener"
    if owner is None or kind not in ({"userTask"} if task_listener else LISTENING_ELEMENTS | {"sequenceFlow"}) \
            or owner.get("triggeredByEvent") == "true" \
            or any(local_name(child.tag).endswith("LoopCharacteristics") for child in owner):
        return "task listeners run here only on user tasks without a loop" if task_listener else \
            "listeners run here only on tasks, call activities, subprocesses (without a loop), events, " \
            "exclusive, parallel and inclusive gateways, and sequence flows"
    script = listener.find(camunda("script"))
    if bool(listener.get("expression")) == (script is not None):
        return "only listeners of type Expression or Script run here"
    if (listener.get("onTransaction") or "").strip():
        return (f"Flowable runs this listener when the transaction is {listener.get('onTransaction')} "
                f"(onTransaction), which this engine does not; remove On transaction")
    if script is not None and (script.get("resource") or not (script.text or "").strip()):
        return "scripts from external resources are not loaded; write the script in the model (Inline script)"
    if script is not None and (script.get("scriptFormat") or "").strip() not in SANDBOX_SCRIPT_FORMATS:
        return f"a listener's script in '{script.get('scriptFormat')}' is not run here; write it as Python " \
               f"assignments (Script format: python), which set variables as execution.setVariable does"
    event = listener.get("event", "").strip()
    if kind == "sequenceFlow":
        return _flow_listener_refusal(owner, event)
    events = LISTENER_EVENTS[local_name(listener.tag)]
    if event not in events:
        why = f" ({TASK_EVENTS_NOT_RUN[event]})" if task_listener and event in TASK_EVENTS_NOT_RUN else ""
        return f"Event type '{event}' is not run here{why}; use {', '.join(events[:-1])} or {events[-1]}"
    return _flow_node_listener_refusal(owner, kind, event)


def _flow_listener_refusal(flow: etree._Element, event: str) -> str | None:
    if event not in ("", "take"):
        return f"Event type '{event}' is not run on a sequence flow; use take"
    if local_name(_node(flow, flow.get("sourceRef", "")).tag) == "eventBasedGateway":
        return "the flows of an event-based gateway are not taken one by one here; move the listener to the " \
               "event that follows the gateway's flow"
    return None


def _flow_node_listener_refusal(node: etree._Element, kind: str, event: str) -> str | None:
    """Flow nodes whose listeners cannot run at Camunda 7's moments here."""
    incoming = [flow for flow in _siblings(node, "sequenceFlow") if flow.get("targetRef") == node.get("id")]
    if kind in JOINING_GATEWAYS and event == "start" and len(incoming) > 1:
        return "Camunda 7 runs the start listeners of a joining gateway as each token arrives, this engine once " \
               "the tokens have joined; use an end listener"
    if any(local_name(_node(node, flow.get("sourceRef", "")).tag) == "eventBasedGateway" for flow in incoming):
        return "an event after an event-based gateway is not entered before it occurs here"
    if event == "start" and (node.get("instantiate") or "").strip() == "true":
        return "a receive task that starts the process has occurred when it is entered here; use an end listener"
    if kind == "boundaryEvent" and node.find("{*}compensateEventDefinition") is not None:
        return "a compensation boundary event does not occur as a token; put the listener on the compensation " \
               "handler"
    return None


def _siblings(node: etree._Element, kind: str) -> list[etree._Element]:
    parent = node.getparent()
    return [child for child in parent if isinstance(child.tag, str) and local_name(child.tag) == kind] \
        if parent is not None else []


def _node(flow: etree._Element, ident: str) -> etree._Element:
    """The flow node `ident` beside `flow` (the flow itself when there is none: references are checked elsewhere)."""
    parent = flow.getparent()
    found = next((child for child in parent if isinstance(child.tag, str) and child.get("id") == ident), None) \
        if parent is not None else None
    return found if found is not None else flow


def variable_passing(call: etree._Element, problems: list[str]) -> VariablePassing:
    """A call activity of a Camunda 7 file passes only what its camunda:in and camunda:out declare (none: no
    variables), and a business key only through `camunda:in businessKey`."""
    extension = call.find("{*}extensionElements")
    ins: list[CallMapping] = []
    outs: list[CallMapping] = []
    key: str | None = None
    for node in extension.iterchildren(camunda("in"), camunda("out")) if extension is not None else ():
        panel = "In mappings" if node.tag == camunda("in") else "Out mappings"
        if node.tag == camunda("in") and node.get("businessKey") is not None:
            key = node.get("businessKey", "")
            continue
        mapping = _call_mapping(node, panel, problems)
        if mapping is not None:
            (ins if node.tag == camunda("in") else outs).append(mapping)
    return VariablePassing(tuple(ins), tuple(outs), inherit_business_key=False, business_key=key)


def _call_mapping(node: etree._Element, panel: str, problems: list[str]) -> CallMapping | None:
    """One camunda:in or camunda:out; one that names neither what to pass nor where is a problem."""
    local = _bool(node.get("local"))
    if (node.get("variables") or "").strip() == "all":
        return CallMapping(all=True, local=local)
    source, expression, target = node.get("source"), node.get("sourceExpression"), (node.get("target") or "").strip()
    if not target or not (source or expression):
        problems.append(f"a camunda:{etree.QName(node).localname} mapping needs a source (or source expression) "
                        f"and a target (properties panel: {panel})")
        return None
    return CallMapping(target, (source or "").strip() or None, expression, local=local)


def _called_version(call: etree._Element, problems: list[str]) -> str:
    """camunda:calledElementVersion of a call activity bound to a version: a number, or `${...}` giving one."""
    version = (call.get(camunda("calledElementVersion")) or "").strip()
    if not juel.is_template(version) and not (version.isdigit() and int(version) >= 1):
        problems.append(f"the called version '{version}' is not a version number (1, 2, ...) or an expression "
                        f"giving one (properties panel: Called element, Version)")
    return version


def _decision_reference(element: etree._Element, problems: list[str]) -> dict[str, Any]:
    """camunda:decisionRef with its binding and mapDecisionResult; what cannot be honoured is refused."""
    get = element.get
    found: dict[str, Any] = {"decision_ref": get(camunda("decisionRef")).strip()}
    if not found["decision_ref"]:
        problems.append("the business rule task names no decision: enter the id of the decision it calls "
                        "(Implementation, Decision reference)")
    mapping = (get(camunda("mapDecisionResult")) or "resultList").strip()
    if mapping not in DECISION_RESULT_MAPPINGS:
        problems.append(f"camunda:mapDecisionResult '{mapping}' is not one of {', '.join(DECISION_RESULT_MAPPINGS)}")
    found["map_decision_result"] = mapping
    binding = (get(camunda("decisionRefBinding")) or "latest").strip()
    if binding == "version":
        version = (get(camunda("decisionRefVersion")) or "").strip()
        if not version.isdigit() or int(version) < 1:
            problems.append(f"camunda:decisionRefVersion '{version}' is not a version number (1, 2, ...); "
                            f"an expression is not supported here")
        else:
            found["decision_version"] = version
    elif binding != "latest":
        problems.append(f"camunda:decisionRefBinding '{binding}' is not supported: use 'latest' (the default) "
                        f"or 'version' with camunda:decisionRefVersion")
    if get(camunda("decisionRefTenantId")):
        problems.append("camunda:decisionRefTenantId is not supported: this engine has no tenants")
    return found


def _mapping(parameter: etree._Element, problems: list[str]) -> Mapping:
    name = parameter.get("name", "")
    return Mapping(name, _content(parameter, f"camunda:inputOutput parameter '{name}'", problems))


def _content(node: etree._Element, where: str, problems: list[str]) -> ParameterValue:
    """What a parameter or map entry holds, as Camunda 7 reads it: text (a constant, or `${...}` anywhere in
    it; no text at all is null), or one list, map or script."""
    children = [child for child in node if isinstance(child.tag, str)]
    if not children:
        text = (node.text or "").strip()
        if not text:
            return "null"
        return text if juel.is_template(text) else repr(text)
    if len(children) > 1:
        problems.append(f"{where} holds {len(children)} values; it holds one text, list, map or script "
                        f"(properties panel: Assignment type)")
    return _definition(children[0], where, problems)


def _definition(node: etree._Element, where: str, problems: list[str]) -> ParameterValue:
    """A camunda:list, camunda:map, camunda:script, or a list's camunda:value."""
    kind = local_name(node.tag)
    if node.tag == camunda("value"):
        return _content(node, where, problems)
    if node.tag == camunda("list"):
        return ListValue(tuple(_definition(item, f"{where}, list item {number}", problems)
                               for number, item in enumerate((i for i in node if isinstance(i.tag, str)), 1)))
    if node.tag == camunda("map"):
        entries = []
        for entry in node.iterchildren(camunda("entry")):
            key = (entry.get("key") or "").strip()
            if not key:
                problems.append(f"{where} has a map entry without a key (properties panel: Map entries, Key)")
            entries.append((key if juel.is_template(key) else repr(key),
                            _content(entry, f"{where}, map entry '{key}'", problems)))
        return MapValue(tuple(entries))
    if node.tag == camunda("script"):
        if node.get("resource"):
            problems.append(f"{where} runs a script from the resource '{node.get('resource')}', which is not "
                            f"loaded here; write the script in the model (Script type: Inline script)")
        elif not (node.text or "").strip():
            problems.append(f"{where} has an empty script (properties panel: Script)")
        if not (node.get("scriptFormat") or "").strip():
            problems.append(f"{where} has a script without a format, which Camunda 7 refuses too "
                            f"(properties panel: Format)")
        return ScriptValue((node.text or "").strip(), (node.get("scriptFormat") or "").strip() or None)
    problems.append(f"{where} holds camunda:{kind}, which is not a value Camunda 7 reads there")
    return "null"


def _form_field(field: etree._Element, problems: list[str]) -> FormField:
    """One camunda:formField; a constraint that cannot be honoured is a deployment problem."""
    constraints = {c.get("name", ""): c.get("config") for c in field.iter(camunda("constraint"))}
    options = tuple((v.get("id", ""), v.get("name", v.get("id", ""))) for v in field.findall(camunda("value")))
    label = field.get("label") or field.get("id", "")

    def number(name: str, whole: bool = False) -> float | None:
        return read_constraint(constraints.get(name), f"field '{label}': constraint {name}", problems, whole=whole)

    minlength, maxlength = number("minlength", True), number("maxlength", True)
    form_field = FormField(
        id=field.get("id", ""),
        label=label,
        type=field.get("type", "string"),
        default=field.get("defaultValue"),
        required="required" in constraints,
        min=number("min"),
        max=number("max"),
        minlength=int(minlength) if minlength is not None else None,
        maxlength=int(maxlength) if maxlength is not None else None,
        pattern=constraints.get("pattern") or None,
        readonly="readonly" in constraints,
        options=options,
        sensitive=any(p.get("id") == "sensitive" and (p.get("value") or "").strip().lower() == "true"
                      for p in field.iter(camunda("property"))),
    )
    problems += field_problems(form_field)
    return form_field
