"""Engine extensions this engine does not run are refused at the element that carries them, never ignored.

`parser.camunda` reads the `camunda:` settings the engine honours (and `parser.zeebe` the `zeebe:` ones, checked
there; `parser.flowable` the few Flowable and Activiti ones). Every other Camunda 7 attribute or extension element in an executable process would change what
Camunda 7 does (a listener runs code, a connector calls a service, `camunda:initiator` sets a variable), and so
would the other Flowable and Activiti extensions (their listeners, forms, assignments), and the SpiffWorkflow extensions other than those `parser.spiff` reads (its forms, messages'
payloads). Deploying the file while ignoring them would
run the model differently from its home engine. The few that change nothing about a run (what a modeler or an
engine's web apps keep for people) are accepted.
"""
from __future__ import annotations

import dataclasses

from lxml import etree

from bpmn_runtime.errors import Problem
from bpmn_runtime.parser.camunda import JAVA_ONLY, LISTENER_NAMESPACES, async_refusal, form_refusal, listener_refusal
from bpmn_runtime.parser import flowable, spiff
from bpmn_runtime.parser.dialects import ENGINE_NAMESPACES
from bpmn_runtime.parser.namespaces import ACTIVITI, BPMN, CAMUNDA, FLOWABLE, SPIFFWORKFLOW, local_name, namespace
from bpmn_runtime.parser.reader import FLOW_NODES
from bpmn_runtime.parser.validation.document import Document

RULE = "EXTENSION"  # the id its problems carry (docs/static-rules.md, Engine rules)
# The engines whose extensions this engine reads only in part (`parser.flowable`, `parser.spiff`), by namespace,
# with the prefix messages use.
UNREAD_ENGINES = {ACTIVITI: "activiti", FLOWABLE: "flowable", SPIFFWORKFLOW: "spiffworkflow"}
# Attributes `parser.camunda`, the reader and the runtime read (JAVA_ONLY ones are refused by `parser.camunda`).
READ_ATTRIBUTES = frozenset({
    "assignee", "candidateUsers", "candidateGroups", "dueDate", "followUpDate", "priority", "formKey", "formRef",
    "formRefBinding", "formRefVersion", "resultVariable", "topic", "type", "async", "asyncBefore", "asyncAfter", "decisionRef",
    "decisionRefBinding", "decisionRefVersion", "decisionRefTenantId", "mapDecisionResult", "collection",
    "elementVariable", "candidateStarterUsers", "candidateStarterGroups", "historyTimeToLive", "errorMessage",
    "errorCodeVariable", "errorMessageVariable", "escalationCodeVariable", "variableName", "variableEvents",
})
# Attributes that change nothing about a run: the modeler's and Camunda's web apps' bookkeeping, and the job
# executor's scheduling hints (which job of several due goes first; never what a job does).
NO_EFFECT_ATTRIBUTES = frozenset({
    "versionTag", "diagramRelationId", "isStartableInTasklist", "exclusive", "jobPriority", "taskPriority",
    "modelerTemplate", "modelerTemplateVersion",
})
# Flowable, Activiti and SpiffWorkflow extensions that change nothing about a run: text for people, and the
# job executor's exclusivity.
NO_EFFECT_ELSEWHERE = frozenset({"exclusive", "instructionsForEndUser", "documentation"})
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
    "initiator": "the person who starts an instance is set only at the process's none start event; remove "
                 "Initiator here",
    "resource": "scripts from external resources are not loaded; write the script in the model (Inline script)",
    "calledElementTenantId": "this engine has no tenants; remove Tenant id",
    "calledElementBinding": "the called process's version is chosen here only by Binding latest (the newest "
                            "version) or version (the version number given); set one of them",
    "variableMappingClass": "a delegate variable mapping is a Java class, which this Python engine cannot run; map "
                            "the variables with In and Out mappings (camunda:in, camunda:out)",
    "variableMappingDelegateExpression": "a delegate variable mapping is Java code, which this Python engine cannot "
                                         "run; map the variables with In and Out mappings (camunda:in, camunda:out)",
    "formHandlerClass": "a form handler is a Java class, which this Python engine cannot run; remove it and use "
                        "form fields or a deployed Camunda Form",
    "caseRef": "a call activity that calls a CMMN case cannot run here (this engine runs BPMN and DMN); call a "
               "BPMN process (CallActivity Type: BPMN)",
    "formProperty": "form properties are not shown here; describe the form with form fields (Forms, Type: "
                    "Generated Task Forms) or deploy a Camunda Form",
    "potentialStarter": "who may start the process is read from Candidate starter users and groups "
                        "(camunda:candidateStarterUsers, camunda:candidateStarterGroups) of the process",
    "errorEventDefinition": "an external task's error event definitions are not evaluated here; have the Python "
                            "handler raise BpmnError(code) where the expression would hold",
    "calledElementVersion": "a version is called only with Binding version; set Binding to version, or remove "
                            "Version",
    "calledElementVersionTag": "a version is not chosen by its tag here; set Binding to version with its "
                               "number, or to latest",
}


def problems(document: Document) -> list[Problem]:
    """Each Camunda 7, Flowable, Activiti or SpiffWorkflow attribute and extension element in an executable
    process that the engine does not run."""
    found: list[Problem] = []
    for node in document.root.iter():
        if not isinstance(node.tag, str) or not _in_play(document, node):
            continue
        space = namespace(node.tag)
        if space == CAMUNDA or space in UNREAD_ENGINES:
            if local_name(_parent_tag(node)) == "extensionElements" \
                    and not _runs(space, local_name(node.tag), True, node) \
                    and not (space in LISTENER_NAMESPACES and local_name(node.tag) in LISTENER_INSTEAD
                             and listener_refusal(node) is None):
                found.append(document.problem(node, _message(node, space, local_name(node.tag))))
            continue
        for attribute in node.attrib:
            name = local_name(attribute)
            if namespace(attribute) == CAMUNDA and (refusal := form_refusal(node, name)) is not None:
                found.append(document.problem(node, refusal))
                continue
            if namespace(attribute) in flowable.NAMESPACES and (refusal := flowable.form_refusal(node, name)):
                found.append(document.problem(node, refusal))
                continue
            if namespace(attribute) == CAMUNDA and (refusal := async_refusal(node, name)) is not None:
                found.append(document.problem(node, _located(node, f"camunda:{name}", refusal)))
                continue
            if _runs(namespace(attribute), name, False, node) or _binding_runs(node, attribute) or \
                    (name == "initiator" and namespace(attribute) in (CAMUNDA, *flowable.NAMESPACES)
                     and _none_start_of_process(node)):
                continue
            if namespace(attribute) == CAMUNDA and name in JAVA_ONLY and local_name(node.tag) in FLOW_NODES:
                continue  # refused by `parser.camunda` with the element's other settings
            found.append(document.problem(node, _message(node, namespace(attribute), name)))
    return [dataclasses.replace(problem, rule=RULE) for problem in found]


def _in_play(document: Document, node: etree._Element) -> bool:
    """Part of an executable process, or of a message, signal, error or escalation declared beside the processes
    (the events that use it read its settings)."""
    if document.executable(node):
        return True
    declaration = next((n for n in (node, *node.iterancestors()) if n.getparent() is document.root), None)
    return declaration is not None and local_name(declaration.tag) in ("message", "signal", "error", "escalation")


def _none_start_of_process(node: etree._Element) -> bool:
    """A process's none start event, whose camunda:initiator the runtime sets when it starts an instance."""
    parent = node.getparent()
    return local_name(node.tag) == "startEvent" and parent is not None and local_name(parent.tag) == "process" \
        and not any(local_name(child.tag).endswith("EventDefinition") for child in node if isinstance(child.tag, str))


def _runs(space: str, name: str, element: bool, node: etree._Element) -> bool:
    """Whether an extension element or attribute `name` of namespace `space` (the extension element itself, or
    the element carrying the attribute: `node`) is run as its engine runs it, or changes nothing about a run
    (every name outside the engine namespaces checked here counts as run)."""
    owner = _owner_tag(node) if element else local_name(node.tag)
    if space == CAMUNDA:
        return name in (READ_ELEMENTS if element else READ_ATTRIBUTES | NO_EFFECT_ATTRIBUTES)
    if space == SPIFFWORKFLOW and spiff.runs(name, owner, element):
        return True
    if space in flowable.NAMESPACES and name != "initiator" and flowable.runs(name, owner, element, node):
        return True
    return space not in UNREAD_ENGINES or name in NO_EFFECT_ELSEWHERE


def _binding_runs(node: etree._Element, attribute: str) -> bool:
    """camunda:calledElementBinding "latest" (Camunda 7's default) or "version" with its calledElementVersion
    (read by `parser.camunda`): the version of the called process this engine calls too."""
    binding = (node.get(f"{{{CAMUNDA}}}calledElementBinding") or "").strip()
    return (attribute == f"{{{CAMUNDA}}}calledElementBinding" and binding in ("latest", "version")) or \
        (attribute == f"{{{CAMUNDA}}}calledElementVersion" and binding == "version")


def _parent_tag(node: etree._Element) -> str:
    parent = node.getparent()
    return parent.tag if parent is not None and isinstance(parent.tag, str) else ""


def _owner_tag(extension: etree._Element) -> str:
    """The local name of the element whose extensionElements hold `extension`."""
    parent = extension.getparent()
    return local_name(_parent_tag(parent)) if parent is not None else ""


def _element_advice(node: etree._Element) -> str:
    name = local_name(node.tag)
    if name in LISTENER_INSTEAD:
        java = next((f'{attribute}="{node.get(attribute)}"' for attribute in ("class", "delegateExpression")
                     if node.get(attribute)), None)
        why = f"it names Java code ({java}), which this Python engine cannot run" if java else \
            listener_refusal(node)
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


def _message(node: etree._Element, space: str, setting: str) -> str:
    """The message for `setting` of `node`, with the advice of its engine."""
    spiff_advice = spiff.advice(node) if space == SPIFFWORKFLOW and setting == local_name(node.tag) else None
    if spiff_advice is not None:
        advice = spiff_advice
    elif space in flowable.NAMESPACES and setting in LISTENER_INSTEAD and setting == local_name(node.tag):
        advice = _element_advice(node)
    elif space in UNREAD_ENGINES:
        generic = (f"this setting of {ENGINE_NAMESPACES[space]} is not run by this engine; remove it, or run the "
                   f"model on {ENGINE_NAMESPACES[space]}")
        advice = flowable.ADVICE.get(setting, generic) if space in flowable.NAMESPACES else generic
    elif setting == local_name(node.tag):
        advice = _element_advice(node)
    else:
        advice = _attribute_advice(setting)
    return _located(node, f"{UNREAD_ENGINES.get(space, 'camunda')}:{setting}", advice)


def _located(node: etree._Element, setting: str, advice: str) -> str:
    """'camunda:X on 'Name' (id): advice', naming the flow node (or process) as the modeler shows it."""
    owner = next((n for n in (node, *node.iterancestors()) if n.get("id") and namespace(n.tag) == BPMN), None)
    where = ""
    if owner is not None:
        label = f"'{owner.get('name')}' ({owner.get('id')})" if owner.get("name") else owner.get("id", "")
        where = f" on {label}"
    return f"{setting}{where}: {advice}"
