"""Collaborations: message flows link two pools, and the events on them send or receive messages
(BPMN 9.4, 10.4.3)."""
from __future__ import annotations

from lxml import etree

from bpmn_runtime.errors import Problem
from bpmn_runtime.parser.namespaces import bpmn, local_name
from bpmn_runtime.parser.validation.document import Document
from bpmn_runtime.parser.validation.shared import ACTIVITIES, CATCH_EVENTS, THROW_EVENTS

# What a message flow can connect: pools, or the activities and events inside them (BPMN 9.4 InteractionNode).
INTERACTION_NODES = ACTIVITIES | set(CATCH_EVENTS) | set(THROW_EVENTS) | {"participant"}


def message_flow_problems(document: Document, flow: etree._Element) -> list[Problem]:
    """A message flow crosses from one pool to another, from something that sends to something that receives."""
    source, target = document.target(flow, "@sourceRef"), document.target(flow, "@targetRef")
    if source is None or target is None or \
            not {local_name(source.tag), local_name(target.tag)} <= INTERACTION_NODES:
        return []  # reported as a wrong reference
    problems = []
    if _pool(document, source) == _pool(document, target):
        problems.append(document.problem(flow, f"the message flow connects '{source.get('id')}' and "
                                               f"'{target.get('id')}', which are in the same pool; message flows "
                                               f"connect different pools"))
    for end, node in (("source", source), ("target", target)):
        tag = local_name(node.tag)
        sending = end == "source"
        if tag in (CATCH_EVENTS if sending else THROW_EVENTS):
            problems.append(document.problem(flow, f"the {end} of the message flow, {tag} '{node.get('id')}', "
                                                   f"cannot {'send' if sending else 'receive'} messages: only a "
                                                   f"{'throw' if sending else 'catch'} event or an activity can"))
        elif tag in CATCH_EVENTS + THROW_EVENTS and not _has_message(document, node):
            problems.append(document.problem(flow, f"the {end} of the message flow, {tag} '{node.get('id')}', "
                                                   f"needs a message event definition"))
    return problems


def _pool(document: Document, node: etree._Element) -> str:
    """The pool a node belongs to: the participant whose process contains it (or the process itself)."""
    if local_name(node.tag) == "participant":
        return node.get("id", "")
    process = next((a for a in node.iterancestors(bpmn("process"))), None)
    if process is None:
        return ""
    pools = [pool.get("id", "") for pool in document.root.iter(bpmn("participant"))
             if pool.get("processRef") == process.get("id")]
    return pools[0] if pools else process.get("id", "")


def _has_message(document: Document, event: etree._Element) -> bool:
    """True when the event carries a message event definition, its own or one it refers to."""
    return event.find(bpmn("messageEventDefinition")) is not None or any(
        local_name(getattr(document.ids.get(ref), "tag", "")) == "messageEventDefinition"
        for ref in document.named(event, "eventDefinitionRef"))
