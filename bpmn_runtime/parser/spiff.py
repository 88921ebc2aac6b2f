"""SpiffWorkflow extensions (`spiffworkflow:` elements of SpiffArena's modeler) that this engine runs as
SpiffWorkflow does: a business rule task's calledDecisionId, a task's preScript and postScript, a service task's
serviceTaskOperator, a user task's JSON-schema form (properties), and a message's messagePayload and
messageVariable; and the BPMN correlation properties SpiffWorkflow correlates a message by. What is read here (`runs`) is accepted by `validation.extensions_not_run`; every other
SpiffWorkflow setting, and these on elements SpiffWorkflow does not read them on, stays refused there.
"""
from __future__ import annotations

from typing import Any

from lxml import etree

from bpmn_runtime import juel
from bpmn_runtime.forms import JSON_SCHEMA_FORM
from bpmn_runtime.model import Mapping, MessageCorrelation
from bpmn_runtime.parser.namespaces import SPIFFWORKFLOW, local_name

# Activities whose pre- and post-scripts SpiffWorkflow runs (it ignores those of a script task).
SCRIPTED_ACTIVITIES = frozenset({"task", "userTask", "manualTask", "serviceTask", "sendTask", "receiveTask",
                                 "businessRuleTask", "callActivity", "subProcess", "transaction"})
# Tasks that SpiffWorkflow leaves to a person to say they are done (its `manual` tasks), besides user tasks.
TASKS_FOR_PEOPLE = frozenset({"task", "manualTask"})
# Each extension element read here, and the flow nodes SpiffWorkflow reads it on.
READ_ON = {"calledDecisionId": frozenset({"businessRuleTask"}), "serviceTaskOperator": frozenset({"serviceTask"}),
           "preScript": SCRIPTED_ACTIVITIES, "postScript": SCRIPTED_ACTIVITIES,
           "properties": frozenset({"userTask"})}
READ_ATTRIBUTES = frozenset({"scriptsOnInstances"})  # of multi-instance loop characteristics
# Extension elements of a bpmn:message read here (see `message_payload`).
MESSAGE_SETTINGS = frozenset({"messagePayload", "messageVariable"})
# Extension elements of a bpmn:error or bpmn:escalation read here (see `thrown_payload`).
ITEM_SETTINGS = frozenset({"payloadExpression", "variableName"})
# Extension elements that change nothing about a run: a script task's unit tests, which SpiffArena's editor runs.
NO_EFFECT = frozenset({"unitTests"})


def runs(setting: str, owner: str, element: bool) -> bool:
    """Whether this engine runs the SpiffWorkflow extension element (or attribute) `setting` of an `owner`
    element as SpiffWorkflow does, or the setting changes nothing about a run."""
    if not element:
        return setting in READ_ATTRIBUTES and owner == "multiInstanceLoopCharacteristics"
    return owner in READ_ON.get(setting, ()) or setting in NO_EFFECT or \
        (setting in MESSAGE_SETTINGS and owner == "message") or \
        (setting in ITEM_SETTINGS and owner in ("error", "escalation"))


def spiff(name: str) -> str:
    return f"{{{SPIFFWORKFLOW}}}{name}"


def _text(extension: etree._Element, name: str) -> str | None:
    """The text of the extension element `name`, None when it is absent or blank."""
    text = extension.findtext(spiff(name))
    return text.strip() if text and text.strip() else None


def read(element: etree._Element, problems: list[str]) -> dict[str, Any]:
    """Extension fields of one flow node; messages about what cannot run go to `problems`."""
    extension = element.find("{*}extensionElements")
    if extension is None:
        return {}
    found: dict[str, Any] = {}
    tag = local_name(element.tag)
    decision = _text(extension, "calledDecisionId") if runs("calledDecisionId", tag, True) else None
    if decision is not None:
        found["decision_ref"] = decision
        found["merge_decision_outputs"] = True
    for name, key in (("preScript", "pre_script"), ("postScript", "post_script")):
        script = _text(extension, name) if runs(name, tag, True) else None
        if script is not None:
            found[key] = script
    if (found.get("pre_script") or found.get("post_script")) and _loops_once_around_its_scripts(element):
        found["scripts_around_loop"] = True
    properties = extension.find(spiff("properties"))
    if properties is not None and runs("properties", tag, True):
        found.update(_form(properties, problems))
    operator = extension.find(spiff("serviceTaskOperator"))
    if operator is not None and runs("serviceTaskOperator", tag, True):
        found.update(_operator(element, operator, problems))
    return found


def _form(properties: etree._Element, problems: list[str]) -> dict[str, Any]:
    """A user task's spiffworkflow:properties: formJsonSchemaFilename links the task to the JSON-schema form
    deployed under that name (see `json_schema_forms`); any other property is a problem."""
    found: dict[str, Any] = {}
    for prop in properties.iterfind(spiff("property")):
        name, value = prop.get("name", ""), (prop.get("value") or "").strip()
        if name == "formJsonSchemaFilename" and value:
            found["form_key"] = JSON_SCHEMA_FORM + value
        elif name == "formUiSchemaFilename":
            problems.append(f"the UI schema '{value}' (formUiSchemaFilename) lays the form out in SpiffArena (hidden "
                            f"fields, widgets), which this engine's inbox does not do; remove it, or run the model "
                            f"on SpiffArena")
        else:
            problems.append(f"the property '{name}' (spiffworkflow:properties) is not run by this engine; remove it, "
                            f"or run the model on SpiffArena")
    return found


def _loops_once_around_its_scripts(element: etree._Element) -> bool:
    """A standard loop, or a multi-instance activity without spiffworkflow:scriptsOnInstances: SpiffWorkflow runs
    its scripts once around the whole loop (the pre-script before the first iteration, the post-script after the
    last), not on each iteration."""
    if element.find("{*}standardLoopCharacteristics") is not None:
        return True
    multi = element.find("{*}multiInstanceLoopCharacteristics")
    return multi is not None and (multi.get(spiff("scriptsOnInstances")) or "").strip() != "true"


def _operator(element: etree._Element, operator: etree._Element, problems: list[str]) -> dict[str, Any]:
    """spiffworkflow:serviceTaskOperator: a job whose topic is the operator's id, its parameters (Python
    expressions) evaluated as the task starts into local variables the handler reads, and the handler's result
    stored as a whole in resultVariable (SpiffWorkflow's default: spiff__<task id>_result)."""
    topic = (operator.get("id") or "").strip()
    if not topic:
        problems.append("the service task's operator has no id; choose the operator (the topic its handler takes)")
    parameters = []
    for parameter in operator.iterfind(f"{spiff('parameters')}/{spiff('parameter')}"):
        name, value = (parameter.get("id") or "").strip(), parameter.get("value")
        if value is None:
            continue  # SpiffWorkflow passes a parameter without a value to no service
        if not name.isidentifier():
            problems.append(f"the operator parameter '{name}' is not a variable name; name it with letters, digits "
                            f"and underscores")
            continue
        if not value.strip():
            problems.append(f"the operator parameter '{name}' has an empty value; enter a Python expression")
            continue
        if value.lstrip().startswith("=") or juel.is_template(value):
            problems.append(f"the operator parameter '{name}' is \"{value.strip()[:60]}\", which this engine "
                            f"would read as FEEL or JUEL, not as the Python expression SpiffWorkflow evaluates; "
                            f"write it in Python")
            continue
        parameters.append(Mapping(name, value.strip()))
    variable = (operator.get("resultVariable") or "").strip() or \
        f"spiff__{element.get('id', '').replace('-', '_')}_result"
    return {"topic": topic or None, "inputs": tuple(parameters), "job_result_variable": variable}


def advice(setting: etree._Element) -> str | None:
    """Why a SpiffWorkflow extension element this engine does not run cannot run here, and what to do instead;
    None when there is nothing more to say than that it is not run."""
    if local_name(setting.tag) == "signalButtonLabel":
        return (f"SpiffArena shows the button '{(setting.text or '').strip()}' on the page of the task this event is "
                f"attached to, which sends the signal; this engine's inbox has no such button; remove it and send "
                f"the signal with `bpmn-runtime signal` or the runtime's broadcast_signal")
    if local_name(setting.tag) != "properties":
        return None
    values = {p.get("name", ""): p.get("value", "") for p in setting.iterfind(spiff("property"))}
    form = values.get("formJsonSchemaFilename")
    if not form:
        return None
    return (f"the JSON-schema form '{form}' (formJsonSchemaFilename) is shown on user tasks only here, where people "
            f"fill it in; make this a user task, or remove the form")


def thrown_payload(declaration: etree._Element | None) -> dict[str, Any]:
    """What an error or escalation of a SpiffWorkflow file carries: its payloadExpression, evaluated where it is
    thrown, whose value a catch puts in the variable its variableName names (both written on the declaration)."""
    extension = declaration.find("{*}extensionElements") if declaration is not None else None
    if extension is None:
        return {}
    return {"payload": _text(extension, "payloadExpression"), "payload_variable": _text(extension, "variableName")}


def message_payload(message: etree._Element | None) -> dict[str, Any]:
    """How a message of a SpiffWorkflow file is thrown and caught (`EventDefinition.payload_only`): its
    spiffworkflow:messagePayload and messageVariable, written on the bpmn:message."""
    extension = message.find("{*}extensionElements") if message is not None else None
    found: dict[str, Any] = {"payload_only": True}
    if extension is not None:
        found["payload"] = _text(extension, "messagePayload")
        found["payload_variable"] = _text(extension, "messageVariable")
    return found


def message_correlation(message: etree._Element | None, problems: list[str]) -> MessageCorrelation | None:
    """The correlation properties that retrieve a value from `message` (`correlationPropertyRetrievalExpression`
    whose messageRef is the message), under the correlation key whose correlationPropertyRef names them
    (MainCorrelationKey when none does, as SpiffWorkflow names it); None when it has none. Properties under
    several keys, which SpiffWorkflow matches when any one key agrees, are a problem."""
    if message is None:
        return None
    root = message.getroottree().getroot()
    ident, label = message.get("id", ""), message.get("name") or message.get("id", "")
    keys_of: dict[str, list[str]] = {}
    for key in root.iter("{*}correlationKey"):
        for ref in key.iterfind("{*}correlationPropertyRef"):
            keys_of.setdefault((ref.text or "").strip(), []).append(key.get("name") or key.get("id", ""))
    properties, keys = [], set()
    for retrieval in root.iter("{*}correlationPropertyRetrievalExpression"):
        prop = retrieval.getparent()
        if prop is None or (retrieval.get("messageRef") or "").rpartition(":")[2] != ident:
            continue
        # bpmn:messagePath, which bpmn-js writes as a bpmn:formalExpression (renamed when the file is loaded)
        path = next((child for child in retrieval if isinstance(child.tag, str)), None)
        expression = (path.text or "").strip() if path is not None else ""
        prop_id = prop.get("id", "")
        if not expression:
            continue  # SpiffWorkflow retrieves nothing for it
        if expression.startswith("=") or juel.is_template(expression):
            problems.append(f"the correlation property '{prop.get('name') or prop_id}' retrieves "
                            f"\"{expression[:60]}\" from message '{label}', which this engine would read as FEEL or "
                            f"JUEL, not as the Python expression SpiffWorkflow evaluates; write it in Python")
        properties.append((prop_id, expression))
        keys.update(keys_of.get(prop_id) or ["MainCorrelationKey"])
    if not properties:
        return None
    if len(keys) > 1:
        problems.append(f"the correlation properties of message '{label}' belong to the correlation keys "
                        f"{', '.join(sorted(repr(k) for k in keys))}; SpiffWorkflow lets a message in when any one "
                        f"key agrees, which this engine does not do; put them in one correlation key")
    return MessageCorrelation(min(keys), tuple(properties))
