"""Collaborations: message flows link two pools, from something that sends to something that receives, and the
events on them send or receive messages (BPMN 2.0.2 sections 9.4, 10.4.2-10.4.4)."""
from __future__ import annotations

from lxml import etree

from bpmn_runtime.errors import Problem
from bpmn_runtime.parser.namespaces import bpmn, local_name
from bpmn_runtime.parser.validation.catalogue import rule
from bpmn_runtime.parser.validation.document import Document
from bpmn_runtime.parser.validation.shared import ACTIVITIES, CATCH_EVENTS, THROW_EVENTS

# What a message flow can connect: pools, or the activities and events inside them (BPMN 9.4 InteractionNode).
INTERACTION_NODES = ACTIVITIES | set(CATCH_EVENTS) | set(THROW_EVENTS) | {"participant"}
ARTIFACTS = frozenset({"association", "textAnnotation", "group"})


def message_flow_problems(document: Document, flow: etree._Element) -> list[Problem]:
    """Every rule on one message flow."""
    source, target = document.target(flow, "@sourceRef"), document.target(flow, "@targetRef")
    return [*artifact_target(document, flow, target), *artifact_source(document, flow, source),
            *interaction_ends(document, flow, source, target), *different_pools(document, flow, source, target),
            *start_event_source(document, flow, source), *end_event_target(document, flow, target),
            *intermediate_direction(document, flow, source, target), *start_event_target(document, flow, target),
            *end_event_source(document, flow, source)]


def _tag(node: etree._Element | None) -> str:
    return local_name(node.tag) if node is not None else ""


@rule("EXT.008")
def artifact_target(document: Document, flow: etree._Element, target: etree._Element | None) -> list[Problem]:
    """EXT.008: an artifact (text annotation, group, association) is never the target of a message flow."""
    if target is not None and _tag(target) in ARTIFACTS:
        return [document.problem(flow, f"the message flow leads to the bpmn:{_tag(target)} '{target.get('id')}'; "
                                       f"artifacts cannot receive messages")]
    return []


@rule("EXT.009")
def artifact_source(document: Document, flow: etree._Element, source: etree._Element | None) -> list[Problem]:
    """EXT.009: an artifact (text annotation, group, association) is never the source of a message flow."""
    if source is not None and _tag(source) in ARTIFACTS:
        return [document.problem(flow, f"the message flow starts at the bpmn:{_tag(source)} '{source.get('id')}'; "
                                       f"artifacts cannot send messages")]
    return []


@rule("REF.TYPE")
def interaction_ends(document: Document, flow: etree._Element, source: etree._Element | None,
                     target: etree._Element | None) -> list[Problem]:
    """REF.TYPE: a message flow connects pools, activities and events (the interaction nodes)."""
    problems = []
    for end, node in (("sourceRef", source), ("targetRef", target)):
        if node is not None and _tag(node) not in INTERACTION_NODES and _tag(node) not in ARTIFACTS:
            problems.append(document.problem(flow, f"{end} '{node.get('id')}' names a bpmn:{_tag(node)}, but must "
                                                   f"name a pool, an activity or an event"))
    return problems


def _ends(source: etree._Element | None, target: etree._Element | None) -> bool:
    return source is not None and target is not None and {_tag(source), _tag(target)} <= INTERACTION_NODES


@rule("EXT.031")
def different_pools(document: Document, flow: etree._Element, source: etree._Element | None,
                    target: etree._Element | None) -> list[Problem]:
    """EXT.031: a message flow connects two different pools (or what is inside them)."""
    if source is None or target is None or not _ends(source, target) \
            or _pool(document, source) != _pool(document, target):
        return []
    return [document.problem(flow, f"the message flow connects '{source.get('id')}' and '{target.get('id')}', which "
                                   f"are in the same pool; message flows connect different pools")]


@rule("EXT.102")
def start_event_source(document: Document, flow: etree._Element, source: etree._Element | None) -> list[Problem]:
    """EXT.102: a start event is never the source of a message flow (it receives, it does not send)."""
    return _cannot(document, flow, "source", source, ("startEvent",))


@rule("EXT.108")
def end_event_target(document: Document, flow: etree._Element, target: etree._Element | None) -> list[Problem]:
    """EXT.108: an end event is never the target of a message flow (it sends, it does not receive)."""
    return _cannot(document, flow, "target", target, ("endEvent",))


@rule("EXT.119")
def intermediate_direction(document: Document, flow: etree._Element, source: etree._Element | None,
                           target: etree._Element | None) -> list[Problem]:
    """EXT.119: an intermediate throw event is never the target of a message flow, an intermediate catch event
    (or a boundary event) never its source."""
    return _cannot(document, flow, "source", source, ("intermediateCatchEvent", "boundaryEvent")) + \
        _cannot(document, flow, "target", target, ("intermediateThrowEvent",))


def _cannot(document: Document, flow: etree._Element, end: str, node: etree._Element | None,
            tags: tuple[str, ...]) -> list[Problem]:
    if node is None or _tag(node) not in tags:
        return []
    sending = end == "source"
    return [document.problem(flow, f"the {end} of the message flow, {_tag(node)} '{node.get('id')}', cannot "
                                   f"{'send' if sending else 'receive'} messages: only a "
                                   f"{'throw' if sending else 'catch'} event or an activity can")]


@rule("EXT.103")
def start_event_target(document: Document, flow: etree._Element, target: etree._Element | None) -> list[Problem]:
    """EXT.103: a start event that receives a message flow has a message event definition (and so does every
    other catch event a message flow leads to)."""
    if target is not None and _tag(target) in CATCH_EVENTS and not _has_message(document, target):
        return [_needs_message(document, flow, "target", target)]
    return []


@rule("EXT.109")
def end_event_source(document: Document, flow: etree._Element, source: etree._Element | None) -> list[Problem]:
    """EXT.109: an end event that sends a message flow has a message event definition (and so does every other
    throw event a message flow starts at)."""
    if source is not None and _tag(source) in THROW_EVENTS and not _has_message(document, source):
        return [_needs_message(document, flow, "source", source)]
    return []


def _needs_message(document: Document, flow: etree._Element, end: str, node: etree._Element) -> Problem:
    return document.problem(flow, f"the {end} of the message flow, {_tag(node)} '{node.get('id')}', needs a message "
                                  f"event definition")


def _pool(document: Document, node: etree._Element) -> str:
    """The pool a node belongs to: the participant whose process contains it (or the process itself)."""
    if local_name(node.tag) == "participant":
        return str(node.get("id", ""))
    process = next((a for a in node.iterancestors(bpmn("process"))), None)
    if process is None:
        return ""
    pools = [pool.get("id", "") for pool in document.root.iter(bpmn("participant"))
             if pool.get("processRef", "").rpartition(":")[2] == process.get("id")]
    return str(pools[0] if pools else process.get("id", ""))


def _has_message(document: Document, event: etree._Element) -> bool:
    """True when the event carries a message event definition, its own or one it refers to."""
    return "message" in document.definition_kinds(event)
