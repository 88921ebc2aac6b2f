"""Service and send tasks in a file made for Camunda 8 name the job type (topic) their workers take.

Camunda Modeler (and the console's modeler) marks a file with the platform it was made for
(`modeler:executionPlatform`). Camunda 8 refuses a service or send task without a job type, so a Camunda 8 file
that leaves it out is unfinished; without this rule the engine would quietly fall back to the element id, a topic
no worker of the modeler's takes. Other files keep that fallback: Camunda Modeler has long marked plain models as
"Camunda Platform" (7), and those deploy with element ids as topics today.
"""
from __future__ import annotations

from lxml import etree

from bpmn_runtime.errors import Problem
from bpmn_runtime.parser.namespaces import EXECUTION_PLATFORM, bpmn, zeebe
from bpmn_runtime.parser.validation.document import Document

CAMUNDA_8 = "Camunda Cloud"
WORKER_TASKS = (bpmn("serviceTask"), bpmn("sendTask"))


def missing_topic_problems(document: Document) -> list[Problem]:
    """A service or send task of an executable process without a job type, in a file made for Camunda 8."""
    if document.root.get(EXECUTION_PLATFORM) != CAMUNDA_8:
        return []
    return [document.problem(node, "the task has no job type; enter the topic its workers take "
                                   "(Task definition, Job type)")
            for node in document.root.iter(*WORKER_TASKS) if _executable(node) and not _job_type(node)]


def _job_type(node: etree._Element) -> str:
    definition = node.find(f"{bpmn('extensionElements')}/{zeebe('taskDefinition')}")
    return (definition.get("type") or "").strip() if definition is not None else ""


def _executable(node: etree._Element) -> bool:
    process = next(node.iterancestors(bpmn("process")), None)
    return process is not None and process.get("isExecutable", "true").strip().lower() != "false"
