"""Camunda 7 extensions (Camunda Modeler 'Camunda Platform 7' files): `camunda:` attributes and elements."""
from __future__ import annotations

import re
from typing import Any

from lxml import etree

from bpmn_runtime import juel
from bpmn_runtime.engine.decision_calls import MAPPINGS as DECISION_RESULT_MAPPINGS
from bpmn_runtime.engine.timers import TimerError, parse_retry_cycle
from bpmn_runtime.forms import (
    LINKED_FORM, duplicate_field_problems, field_problems, linked_form, read_constraint,
)
from bpmn_runtime.model import (
    MAX_RETRIES, CallMapping, ExpressionListener, FormField, ListValue, Mapping, MapValue, ParameterValue, ScriptValue,
    VariablePassing,
)
from bpmn_runtime.parser.numbers import LARGEST, literal_or_expression, whole_number
from bpmn_runtime.parser.namespaces import camunda, local_name

# Camunda 7 attributes that only a Java engine can honour; refused rather than silently ignored.
JAVA_ONLY = ("class", "delegateExpression", "expression")
# Activities whose start and end run through `engine.behaviours.activities`, where expression listeners run.
LISTENING_ACTIVITIES = frozenset({
    "task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask", "businessRuleTask",
    "callActivity", "subProcess", "transaction", "adHocSubProcess",
})
# The events each kind of listener runs on here, by the extension element's name.
LISTENER_EVENTS = {"executionListener": ("start", "end"), "taskListener": ("create", "complete")}


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def _bool(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"


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
    if get(camunda("assignee")):
        found["assignee"] = get(camunda("assignee"))
    if get(camunda("candidateUsers")):
        found["candidate_users"] = _split(get(camunda("candidateUsers")))
    if get(camunda("candidateGroups")):
        found["candidate_groups"] = _split(get(camunda("candidateGroups")))
    for attribute, key in (("dueDate", "due_date"), ("followUpDate", "follow_up_date"), ("priority", "priority"),
                           ("formKey", "form_key"), ("resultVariable", "result_variable")):
        if get(camunda(attribute)):
            found[key] = get(camunda(attribute))
    if found.get("priority"):
        literal_or_expression(found["priority"], "camunda:priority", problems, -LARGEST, LARGEST)
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
        listeners = [node for node in extension.findall(camunda(kind)) if listener_refusal(node) is None]
        if listeners:
            found[key] = tuple(ExpressionListener(node.get("event", "").strip(), node.get("expression", ""))
                               for node in listeners)
    return found


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


def listener_refusal(listener: etree._Element) -> str | None:
    """Why a camunda:executionListener or camunda:taskListener cannot run here as Camunda 7 runs it, or None
    when it can: an `expression` listener on the start or end of a plain activity (no loop, not an event
    subprocess), or on the create or complete of a user task without a loop."""
    holder = listener.getparent()
    activity = holder.getparent() if holder is not None else None
    task_listener = local_name(listener.tag) == "taskListener"
    if activity is None or local_name(activity.tag) not in ({"userTask"} if task_listener else LISTENING_ACTIVITIES) \
            or activity.get("triggeredByEvent") == "true" \
            or any(local_name(child.tag).endswith("LoopCharacteristics") for child in activity):
        return "task listeners run here only on user tasks without a loop" if task_listener else \
            "expression listeners run here only on tasks, call activities and subprocesses without a loop"
    if not listener.get("expression") or listener.find(camunda("script")) is not None:
        return "only listeners of type Expression run here"
    events = LISTENER_EVENTS[local_name(listener.tag)]
    if listener.get("event", "").strip() not in events:
        return f"Event type '{listener.get('event', '')}' is not run here; use {' or '.join(events)}"
    return None


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
