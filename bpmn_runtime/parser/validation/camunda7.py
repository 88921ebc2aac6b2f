"""Camunda 7 extensions this engine does not run are refused at the element that carries them, never ignored.

`parser.camunda` reads the `camunda:` settings the engine honours. Every other `camunda:` attribute or extension
element in an executable process would change what Camunda 7 does (a listener runs code, a connector calls a
service, `camunda:initiator` sets a variable), so deploying the file while ignoring it would run the model
differently from its home engine. The few that change nothing about a run (what the modeler or Camunda's web
apps keep) are accepted.
"""
from __future__ import annotations

import dataclasses

from lxml import etree

from bpmn_runtime.errors import Problem
from bpmn_runtime.parser.camunda import JAVA_ONLY
from bpmn_runtime.parser.namespaces import CAMUNDA, local_name, namespace
from bpmn_runtime.parser.reader import FLOW_NODES
from bpmn_runtime.parser.validation.document import Document

# Attributes `parser.camunda`, the reader and the runtime read (JAVA_ONLY ones are refused by `parser.camunda`).
RULE = "CAMUNDA7"  # the id its problems carry (docs/static-rules.md, Engine rules)
READ_ATTRIBUTES = frozenset({
    "assignee", "candidateUsers", "candidateGroups", "dueDate", "priority", "formKey", "formRef", "formRefBinding",
    "formRefVersion", "resultVariable", "topic", "type", "async", "asyncBefore", "asyncAfter", "decisionRef",
    "decisionRefBinding", "decisionRefVersion", "decisionRefTenantId", "mapDecisionResult", "collection",
    "elementVariable", "candidateStarterUsers", "candidateStarterGroups", "historyTimeToLive",
})
# Attributes that change nothing about a run: the modeler's and Camunda's web apps' bookkeeping, and the job
# executor's scheduling hints (which job of several due goes first; never what a job does).
NO_EFFECT_ATTRIBUTES = frozenset({
    "versionTag", "diagramRelationId", "isStartableInTasklist", "exclusive", "jobPriority", "taskPriority",
})
# Extension elements read by `parser.camunda` (whatever they hold is checked there).
READ_ELEMENTS = frozenset({"inputOutput", "formData", "properties", "failedJobRetryTimeCycle", "in", "out"})

LISTENER_INSTEAD = {
    "executionListener": "do the listener's work in a task of its own (a script task, or a service task with a "
                         "Python handler)",
    "taskListener": "do the listener's work in a task before or after the user task (a script task, or a service "
                    "task with a Python handler)",
}
ADVICE = {
    "connector": "Camunda 7 connectors are Java plugins this engine does not have; set Implementation to External "
                 "with a topic and register a Python handler that makes the call",
    "field": "field injection configures a Java class, which this engine cannot run",
    "initiator": "the variable that holds the id of the user who started the instance is not set by this engine; "
                 "remove Initiator and pass the user as a start variable",
    "errorCodeVariable": "the caught error's code is not stored in a variable by this engine; remove Code variable",
    "errorMessageVariable": "the caught error's message is not stored in a variable by this engine; remove "
                            "Message variable",
    "variableName": "a conditional event here is checked on every change of any variable, not only of the named "
                    "one; remove Variable name",
    "variableEvents": "a conditional event here is checked on every change of a variable; remove Variable events",
    "resource": "scripts from external resources are not loaded; write the script in the model (Inline script)",
    "calledElementTenantId": "this engine has no tenants; remove Tenant id",
    "calledElementBinding": "the latest version of the called process is always called here; remove Binding",
    "calledElementVersion": "the latest version of the called process is always called here; remove Version",
    "calledElementVersionTag": "the latest version of the called process is always called here; remove Version tag",
    "followUpDate": "the follow-up date of a task is set in the inbox, not from the model; remove Follow up date",
}


def problems(document: Document) -> list[Problem]:
    """Each `camunda:` attribute and extension element in an executable process that the engine does not run."""
    found: list[Problem] = []
    for node in document.root.iter():
        if not isinstance(node.tag, str) or not document.executable(node):
            continue
        if namespace(node.tag) == CAMUNDA:
            if local_name(_parent_tag(node)) == "extensionElements" and local_name(node.tag) not in READ_ELEMENTS:
                found.append(document.problem(node, _message(node, local_name(node.tag), _element_advice(node))))
            continue
        for attribute in node.attrib:
            name = local_name(attribute)
            if namespace(attribute) != CAMUNDA or name in READ_ATTRIBUTES or name in NO_EFFECT_ATTRIBUTES:
                continue
            if name in JAVA_ONLY and local_name(node.tag) in FLOW_NODES:
                continue  # refused by `parser.camunda` with the element's other settings
            found.append(document.problem(node, _message(node, name, _attribute_advice(name))))
    return [dataclasses.replace(problem, rule=RULE) for problem in found]


def _parent_tag(node: etree._Element) -> str:
    parent = node.getparent()
    return parent.tag if parent is not None and isinstance(parent.tag, str) else ""


def _element_advice(node: etree._Element) -> str:
    name = local_name(node.tag)
    if name in LISTENER_INSTEAD:
        java = next((f'{attribute}="{node.get(attribute)}"' for attribute in ("class", "delegateExpression")
                     if node.get(attribute)), None)
        why = f"it names Java code ({java}), which this Python engine cannot run" if java else \
            "listeners are not run by this engine"
        return f"{why}; {LISTENER_INSTEAD[name]}"
    if name == "connector":
        connector = node.findtext(f"{{{CAMUNDA}}}connectorId") or ""
        return f"connector '{connector.strip()}': {ADVICE[name]}"
    return ADVICE.get(name, "this Camunda 7 setting is not run by this engine; remove it, or run the model on "
                            "Camunda 7")


def _attribute_advice(name: str) -> str:
    if name in JAVA_ONLY:
        return "it names Java code, which this Python engine cannot run"
    return ADVICE.get(name, "this Camunda 7 setting is not run by this engine; remove it, or run the model on "
                            "Camunda 7")


def _message(node: etree._Element, setting: str, advice: str) -> str:
    """'camunda:X on 'Name' (id): advice', naming the flow node (or process) as the modeler shows it."""
    owner = next((n for n in (node, *node.iterancestors()) if n.get("id")), None)
    where = ""
    if owner is not None:
        label = f"'{owner.get('name')}' ({owner.get('id')})" if owner.get("name") else owner.get("id", "")
        where = f" on {label}"
    return f"camunda:{setting}{where}: {advice}"
