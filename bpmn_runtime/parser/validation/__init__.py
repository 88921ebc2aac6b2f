"""Deployment checks: a file is refused unless the engine can run it exactly as drawn.

`document_problems` reads the XML (ids, references, collaborations, data); `process_problems` reads the
process graph the reader built. Each concern has its own module; this one runs the rules in the order
their problems are reported.
"""
from __future__ import annotations

from typing import Callable, Mapping

from lxml import etree

from bpmn_runtime.errors import Problem
from bpmn_runtime.model import Definitions, Element, Process
from bpmn_runtime.parser.namespaces import BPMN, local_name
from bpmn_runtime.parser.reader import SCOPES
from bpmn_runtime.parser.validation import (
    activities, camunda8, choreography, collaboration, compensation, correlation, data, declarations, events,
    expressions, extensions_not_run, flows, formal, gateways, iospec, lengths, links, liveness, references, structure,
    topics, triggers,
)
from bpmn_runtime.parser.validation.document import Document
from bpmn_runtime.parser.validation.shared import CATCH_EVENTS, THROW_EVENTS

__all__ = ["document_problems", "process_problems"]

NodeRule = Callable[[Document, etree._Element], list[Problem]]
# The rule for each kind of XML element that has one of its own, by tag (no tag has two).
NODE_RULES: dict[str, NodeRule] = {
    "messageFlow": collaboration.message_flow_problems,
    **dict.fromkeys(("dataInput", "dataOutput", "dataObject", "property", "inputDataItem", "outputDataItem"),
                    data.collection_problems),
    "multiInstanceLoopCharacteristics": data.loop_item_problems,
    **dict.fromkeys(SCOPES, data.subprocess_data_problems),
    **dict.fromkeys(("serviceTask", "sendTask", "receiveTask"), data.task_message_problems),
    "callActivity": data.called_data_problems,
    **dict.fromkeys(CATCH_EVENTS + THROW_EVENTS, data.event_data_problems),
}


# The rules on the whole document, by concern, in the order their problems are reported.
DOCUMENT_RULES: tuple[Callable[[Document], list[Problem]], ...] = (
    flows.problems, links.problems, triggers.problems, formal.problems, iospec.problems, choreography.problems,
    extensions_not_run.problems, correlation.problems,
)


def document_problems(root: etree._Element, file: str, imports: Mapping[str, list[Document]] | None = None,
                      library: bool = False) -> list[Problem]:
    """Problems visible only in the XML: ids, references, flows, expressions, data, collaborations, job types of
    Camunda 8 files. `imports` are the BPMN documents this one imports, by namespace; a `library` (a file another
    file of the deployment imports) need not declare a process."""
    problems = references.duplicate_id_problems(root, file) + references.id_problems(root, file)
    if not library:
        problems += declarations.process_declared_problems(root, file)
    document = Document(root, file, imports)
    for node in root.iter(f"{{{BPMN}}}*"):
        problems += references.reference_problems(document, node)
        problems += declarations.text_format_problems(document, node)
        problems += declarations.public_process_problems(document, node)
        problems += lengths.length_problems(node, file)
        rule = NODE_RULES.get(local_name(node.tag))
        if rule is not None:
            problems += rule(document, node)
    for concern in DOCUMENT_RULES:
        problems += concern(document)
    return problems + topics.missing_topic_problems(document) + camunda8.problems(document)


def process_problems(definitions: Definitions, check_scripts: bool = True, library: bool = False) -> list[Problem]:
    """Graph-level problems; `check_scripts` is False when the embedding program runs scripts itself, and a
    `library` (imported by another file of the deployment) need not have an executable process."""
    problems = [] if library else declarations.executable_process_problems(definitions)
    for process in definitions.executable_processes():
        problems += _graph_problems(process, check_scripts)
    return problems


def _graph_problems(process: Process, check_scripts: bool) -> list[Problem]:
    """One process: its sequence flows, then each flow node, then each scope, then compensation."""
    problems: list[Problem] = []
    for element in process.walk():
        problems += _element_problems(process, element, check_scripts)
    for scope in process.scopes.values():
        problems += structure.start_event_problems(process, scope.id)
        problems += structure.reachability_problems(process, scope.id)
        problems += liveness.endless_loop_problems(process, scope.id)
        problems += liveness.timer_interval_problems(process, scope.id)
    problems += compensation.compensation_problems(process)
    return problems


def _element_problems(process: Process, element: Element, check_scripts: bool) -> list[Problem]:
    """Every rule on one flow node, in the order its problems are reported."""
    return [
        *events.flow_problems(element),
        *events.boundary_problems(process, element),
        *gateways.flow_problems(element),
        *structure.default_flow_problems(process, element),
        *gateways.event_based_problems(process, element),
        *events.definition_problems(process, element),
        *activities.multi_instance_problems(element),
        *activities.timeout_problems(element),
        *camunda8.start_mapping_problems(element),
        *camunda8.start_message_name_problems(process, element),
        *compensation.handler_flow_problems(element),
        *activities.called_element_problems(element),
        *activities.script_problems(element),
        *expressions.sandbox_problems(process, element, check_scripts),
        *structure.token_problems(process, element),
        *structure.instantiation_problems(process, element),
        *gateways.direction_problems(element),
        *expressions.constant_condition_problems(process, element),
        *liveness.endless_standard_loop_problems(element),
    ]
