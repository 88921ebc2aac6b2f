"""The elements of a file made for Camunda 8 that Camunda 8 runs through job workers say so with a job type.

A file is made for Camunda 8 by the rules of `parser.dialects` (its modeler's "Camunda Cloud" platform stamp, or
Zeebe's extensions). Zeebe refuses at deployment a service or send task without a job type, a message
throw event (intermediate or end) without one (Zeebe publishes no message itself: a worker sends it), and a
business rule task that neither calls a decision (`zeebe:calledDecision`) nor names a job type, or does both. Such
a Camunda 8 file is unfinished; without this rule the engine would quietly fall back to the element id as a topic
no worker of the modeler's takes, or deliver the message itself. Other files keep that fallback: Camunda Modeler
has long marked plain models as "Camunda Platform" (7), and those deploy with element ids as topics today.
"""
from __future__ import annotations

from lxml import etree

from bpmn_runtime.errors import Problem
from bpmn_runtime.parser.dialects import CAMUNDA_8
from bpmn_runtime.parser.namespaces import bpmn, local_name, zeebe
from bpmn_runtime.parser.validation.document import Document, drawn_as

WORKER_TASKS = (bpmn("serviceTask"), bpmn("sendTask"))
MESSAGE_THROWS = (bpmn("intermediateThrowEvent"), bpmn("endEvent"))
JOB_TYPE = "(Task definition, Job type)"


def missing_topic_problems(document: Document) -> list[Problem]:
    """Each element of an executable process in a file made for Camunda 8 that Zeebe runs through a job worker
    and that names no job type, located at the element."""
    if document.dialect != CAMUNDA_8:
        return []
    found = []
    for node in document.root.iter(*WORKER_TASKS, *MESSAGE_THROWS, bpmn("businessRuleTask")):
        if not document.executable(node):
            continue
        message = _business_rule_problem(node) if local_name(node.tag) == "businessRuleTask" \
            else _job_type_problem(node, document)
        if message:
            found.append(document.problem(node, message))
    return found


def _job_type_problem(node: etree._Element, document: Document) -> str | None:
    if _job_type(node):
        return None
    if node.tag in WORKER_TASKS:
        return f"the task has no job type; enter the topic its workers take {JOB_TYPE}"
    if "message" not in document.definition_kinds(node):
        return None
    return (f"{drawn_as(node)} throws a message, which Camunda 8 leaves to a job worker to send, and it has no job "
            f"type; enter the topic its workers take {JOB_TYPE}")


def _business_rule_problem(node: etree._Element) -> str | None:
    decision = node.find(f"{bpmn('extensionElements')}/{zeebe('calledDecision')}") is not None
    job = node.find(f"{bpmn('extensionElements')}/{zeebe('taskDefinition')}") is not None
    if decision and job:
        return (f"{drawn_as(node)} both calls a decision and names a job type, which Camunda 8 refuses; keep one "
                f"implementation: DMN decision (Called decision) or Job worker {JOB_TYPE}")
    if not decision and not _job_type(node):
        return (f"{drawn_as(node)} neither calls a decision nor names a job type, which Camunda 8 refuses; choose "
                f"its implementation: DMN decision (Called decision, Decision ID and Result variable) or Job worker "
                f"{JOB_TYPE}")
    return None


def _job_type(node: etree._Element) -> str:
    definition = node.find(f"{bpmn('extensionElements')}/{zeebe('taskDefinition')}")
    return (definition.get("type") or "").strip() if definition is not None else ""
