"""Flowable and Activiti extensions (`flowable:` and `activiti:`, the same settings under the two names Flowable
reads) that the engine runs as Flowable runs them; `validation.extensions_not_run` refuses the others.

- `type="external-worker"` with `topic` on a service task: an external job on that topic (Flowable's external
  worker task), which a handler or the REST external-task endpoints fetch and complete. Flowable gives the
  worker only what its `externalWorkerInParameter`s map when it has any (else every variable), read as the
  worker fetches the job, and takes back only what its `externalWorkerOutParameter`s map (else everything the
  worker sends).
- `skipExpression` on a task: when the process variable `_ACTIVITI_SKIP_EXPRESSION_ENABLED` or
  `_FLOWABLE_SKIP_EXPRESSION_ENABLED` is true and the expression gives true, the task is left at once, its work
  undone (`engine.behaviours.skipping`).
- `async` (an asynchronous continuation before the element, as `camunda:asyncBefore`); `initiator` on the
  process's none start event (read with `camunda:initiator` by the reader); a user task's `assignee`,
  `candidateUsers`, `candidateGroups` and `priority` (read with their Camunda 7 twins by `parser.camunda`).
"""
from __future__ import annotations

from typing import Any

from lxml import etree

from bpmn_runtime.model import Mapping
from bpmn_runtime.parser.namespaces import ACTIVITI, FLOWABLE, local_name

NAMESPACES = (FLOWABLE, ACTIVITI)
# Tasks whose skip expression Flowable evaluates before their work (its behaviours that call SkipExpressionUtil).
SKIPPABLE = frozenset({"userTask", "serviceTask", "scriptTask"})
# Attributes read here, by the elements that carry them (`initiator` is read by the reader, a user task's people
# and priority by `parser.camunda`).
READ_ATTRIBUTES = {
    "type": frozenset({"serviceTask"}), "topic": frozenset({"serviceTask"}), "skipExpression": SKIPPABLE,
    "async": frozenset({"userTask", "serviceTask", "scriptTask", "task", "manualTask", "callActivity",
                        "subProcess"}),
    "initiator": frozenset({"startEvent"}),
    **{name: frozenset({"userTask"}) for name in ("assignee", "candidateUsers", "candidateGroups", "priority")},
}
# The extension elements Flowable itself reads (its BPMN converter's and engine's names, under either prefix);
# any other element under extensionElements is kept by Flowable only for a program's own code, and the engine
# runs the model the same without it, so it changes nothing about a run (Flowable's own test model
# `externalWorkerServiceTaskWithExtensionElements` carries `flowable:customValue`).
ENGINE_ELEMENTS = frozenset({
    "executionListener", "taskListener", "eventListener", "variableListener", "field", "string", "expression",
    "formProperty", "value", "in", "out", "failedJobRetryTimeCycle", "externalWorkerInParameter",
    "externalWorkerOutParameter", "jobCategory", "mapException", "eventType", "eventName",
    "eventCorrelationParameter", "eventInParameter", "eventOutParameter", "channelKey", "channelName",
    "channelType", "channelDestination", "keyDetectionType", "keyDetectionValue",
    "startEventCorrelationConfiguration", "triggerEventType", "triggerEventCorrelationParameter",
    "variableAggregation", "variable", "potentialStarter", "customResource", "requestHandler", "responseHandler",
    "collection", "script", "taskCompleter", "properties", "property", "historyLevel", "elementVariable",
})
EXTERNAL_WORKER = "external-worker"
# Why some settings Flowable runs are not run here, where the general reason says too little.
ADVICE = {
    "businessCalendarName": "the timer's due date is computed by a business calendar of the Flowable engine's "
                            "configuration (Java code that may skip weekends or holidays), which this engine does "
                            "not have: its timers count plain calendar time; remove the business calendar, or run "
                            "the model on Flowable",
    "class": "it names Java code, which this Python engine cannot run",
    "delegateExpression": "it names Java code, which this Python engine cannot run",
}
PARAMETERS = {"externalWorkerInParameter": "in", "externalWorkerOutParameter": "out"}


def runs(setting: str, owner: str, element: bool, node: etree._Element) -> bool:
    """Whether the Flowable/Activiti attribute (or extension element) `setting` of an `owner` element is run here
    as Flowable runs it: the attributes above, the in and out parameters of an external worker task, and the
    extension elements Flowable leaves to a program's own code."""
    if element:
        parent = node.getparent()
        task = parent.getparent() if parent is not None else None
        return setting not in ENGINE_ELEMENTS or \
            (setting in PARAMETERS and task is not None and external_worker(task))
    if setting in ("type", "topic"):
        return external_worker(node)
    return owner in READ_ATTRIBUTES.get(setting, ())


def get(element: etree._Element, name: str) -> str | None:
    """The value of `flowable:name`, else of `activiti:name`."""
    for space in NAMESPACES:
        value = element.get(f"{{{space}}}{name}")
        if value is not None:
            return str(value)
    return None


def form_refusal(element: etree._Element, attribute: str) -> str | None:
    """Why a Flowable or Activiti form key cannot be shown as Flowable shows it, or None (another attribute).

    The rule is Camunda 7's (`camunda.form_refusal`): a task's form is shown only when the inbox can show that
    very form. A Flowable form key names a form definition of Flowable's form engine, or a form file of the
    deployment that Flowable's applications render; the inbox has neither, and would show the task without
    the fields the form collects."""
    if attribute != "formKey" or not (key := (get(element, "formKey") or "").strip()):
        return None
    return (f"the form key '{key}' names a form of Flowable's form engine (or a form file Flowable's applications "
            f"render), which this inbox cannot show (Form key); remove it and complete the task through the API "
            f"with the variables the form sets, or run the model on Flowable")


def external_worker(element: etree._Element) -> bool:
    return local_name(element.tag) == "serviceTask" and (get(element, "type") or "").strip() == EXTERNAL_WORKER


def read(element: etree._Element, problems: list[str]) -> dict[str, Any]:
    """Extension fields of one flow node; messages about what cannot run go to `problems`."""
    found: dict[str, Any] = {}
    tag = local_name(element.tag)
    if (get(element, "async") or "").strip().lower() == "true" and tag in READ_ATTRIBUTES["async"]:
        found["async_before"] = True
    skip = (get(element, "skipExpression") or "").strip()
    if skip and tag in SKIPPABLE:
        found["skip_expression"] = skip
    if external_worker(element):
        found.update(_external_worker(element, problems))
    return found


def _external_worker(task: etree._Element, problems: list[str]) -> dict[str, Any]:
    topic = (get(task, "topic") or "").strip()
    if not topic:
        problems.append("the external worker task has no job topic, which Flowable refuses too; enter the topic "
                        "its workers take (Job topic)")
    found: dict[str, Any] = {"topic": topic or None}
    extension = task.find("{*}extensionElements")
    parameters: dict[str, list[tuple[str, str]]] = {"in": [], "out": []}
    for node in extension if extension is not None else ():
        if isinstance(node.tag, str) and local_name(node.tag) in PARAMETERS:
            kind = PARAMETERS[local_name(node.tag)]
            parameter = _parameter(node, kind, problems)
            if parameter is not None:
                parameters[kind].append(parameter)
    if parameters["in"]:
        found["worker_inputs"] = tuple(parameters["in"])
    if parameters["out"]:  # read from the worker's results alone, which are the task's own variables then
        found["outputs"] = tuple(Mapping(target, f'${{execution.getVariableLocal("{source}")}}')
                                 for source, target in parameters["out"])
    return found


def _parameter(node: etree._Element, kind: str, problems: list[str]) -> tuple[str, str] | None:
    """One in or out parameter as (source, target): the variable read (null when it is not set, as Flowable
    reads it; for an out parameter, one the worker sent) and the variable set."""
    source, target = (node.get("source") or "").strip(), (node.get("target") or "").strip()
    if node.get("sourceExpression"):
        problems.append(f"an external worker {kind} parameter with a source expression is not run here; name the "
                        f"variable it reads (source)")
    elif not source or not target or '"' in source or "\\" in source:
        problems.append(f"an external worker {kind} parameter needs a source variable and a target")
    else:
        return source, target
    return None
