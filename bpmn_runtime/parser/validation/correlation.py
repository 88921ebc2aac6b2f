"""BPMN correlation (BPMN 2.0.2 section 8.3.2): a correlation key of a collaboration, made of correlation
properties read from each message, and a process's correlation subscription binding those properties to its data,
decide which instance a message reaches. This engine correlates otherwise: a message reaches the instance waiting
for it whose correlation key (Camunda 8's `zeebe:subscription`) or business key equals the key it is sent with.
A file that declares BPMN correlation is refused rather than run with its correlation ignored, where a message
could reach an instance its properties do not match. A SpiffWorkflow file's correlation keys and properties are
run as SpiffWorkflow runs them (see `spiff.message_correlation`); its correlation subscriptions, which
SpiffWorkflow does not read either, stay refused."""
from __future__ import annotations

from bpmn_runtime.errors import Problem
from bpmn_runtime.parser.dialects import SPIFF
from bpmn_runtime.parser.namespaces import bpmn
from bpmn_runtime.parser.validation.document import Document

HOW_THIS_ENGINE_CORRELATES = ("this engine does not correlate messages by their correlation properties (a message "
                              "reaches the waiting instance whose business key, or Camunda 8 subscription key, "
                              "equals the key it is sent with); remove it, or run the file on its home engine")


def problems(document: Document) -> list[Problem]:
    """Each correlation key and correlation subscription of a file that has an executable process."""
    if not any(document.executable(process) for process in document.root.iter(bpmn("process"))):
        return []
    found = []
    # a SpiffWorkflow file's keys group its messages' correlation properties, run as SpiffWorkflow runs them
    keys = [] if document.dialect == SPIFF else document.root.iter(bpmn("correlationKey"))
    for key in keys:
        name = key.get("name") or key.get("id") or ""
        found.append(document.problem(key, f"the correlation key '{name}' picks the instance a message reaches by "
                                            f"its correlation properties; {HOW_THIS_ENGINE_CORRELATES}"))
    for subscription in document.root.iter(bpmn("correlationSubscription")):
        if document.executable(subscription):
            found.append(document.problem(subscription, "the process binds correlation properties to its data "
                                                        f"(correlationSubscription); {HOW_THIS_ENGINE_CORRELATES}"))
    return found
