"""Sequence flows in the XML: what they may connect, the incoming and outgoing lists that repeat them, and the
flow nodes that must have them (BPMN 2.0.2 sections 8.3.13, 10.5, 10.6, 13.2)."""
from __future__ import annotations

from lxml import etree

from bpmn_runtime.errors import Problem
from bpmn_runtime.parser.namespaces import bpmn, local_name
from bpmn_runtime.parser.reader import FLOW_NODES, SCOPES
from bpmn_runtime.parser.validation.catalogue import rule
from bpmn_runtime.parser.validation.document import Document, children
from bpmn_runtime.parser.validation.shared import ACTIVITIES

ARTIFACTS = frozenset({"association", "textAnnotation", "group"})
GATEWAYS = frozenset({"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
                      "complexGateway"})
CONTAINERS = SCOPES | {"process"}
WHAT = {"task": "task", "userTask": "user task", "manualTask": "manual task", "scriptTask": "script task",
        "serviceTask": "service task", "sendTask": "send task", "receiveTask": "receive task",
        "businessRuleTask": "business rule task", "callActivity": "call activity", "subProcess": "subprocess",
        "transaction": "transaction", "adHocSubProcess": "ad-hoc subprocess", "startEvent": "start event",
        "endEvent": "end event", "intermediateCatchEvent": "intermediate catch event",
        "intermediateThrowEvent": "intermediate throw event", "boundaryEvent": "boundary event",
        "exclusiveGateway": "exclusive gateway", "parallelGateway": "parallel gateway",
        "inclusiveGateway": "inclusive gateway", "eventBasedGateway": "event-based gateway",
        "complexGateway": "complex gateway", "association": "association", "textAnnotation": "text annotation",
        "group": "group", "dataObject": "data object", "dataObjectReference": "data object",
        "dataStoreReference": "data store", "participant": "pool", "process": "process", "lane": "lane"}


def what(node: etree._Element) -> str:
    """How a message names the kind of `node` and the node, as drawn: "end event 'Done' (e1)"."""
    tag = local_name(node.tag)
    kind = WHAT.get(tag, f"bpmn:{tag}")
    if tag == "subProcess" and node.get("triggeredByEvent") == "true":
        kind = "event subprocess"
    name, ident = node.get("name"), node.get("id", "")
    return f"{kind} '{name}' ({ident})" if name else f"{kind} '{ident}'"


def problems(document: Document) -> list[Problem]:
    """Every rule of this module, flow by flow and then node by node."""
    found: list[Problem] = []
    for flow in document.sequence_flows:
        found += artifact_target(document, flow) + artifact_source(document, flow)
        found += source_kind(document, flow) + target_kind(document, flow)
        found += pool_crossing(document, flow) + scope_crossing(document, flow)
        found += immediate(document, flow)
    for container in document.root.iter(*map(bpmn, CONTAINERS)):
        found += listed_flows(document, container) + ad_hoc_has_activities(document, container)
    for node in document.root.iter(*map(bpmn, FLOW_NODES)):
        found += start_leaves(document, node) + end_reached(document, node)
        found += intermediate_reached(document, node) + intermediate_leaves(document, node)
        found += gateway_splits_or_joins(document, node)
    return found


def _end(document: Document, flow: etree._Element, attribute: str) -> etree._Element | None:
    return document.target(flow, f"@{attribute}")


@rule("EXT.006")
def artifact_target(document: Document, flow: etree._Element) -> list[Problem]:
    """EXT.006: an artifact (text annotation, group, association) is never the target of a sequence flow."""
    target = _end(document, flow, "targetRef")
    if target is not None and local_name(target.tag) in ARTIFACTS:
        return [document.problem(flow, f"the sequence flow leads to {what(target)}; artifacts only annotate the "
                                       f"diagram and cannot be the target of a sequence flow")]
    return []


@rule("EXT.007")
def artifact_source(document: Document, flow: etree._Element) -> list[Problem]:
    """EXT.007: an artifact (text annotation, group, association) is never the source of a sequence flow."""
    source = _end(document, flow, "sourceRef")
    if source is not None and local_name(source.tag) in ARTIFACTS:
        return [document.problem(flow, f"the sequence flow starts at {what(source)}; artifacts only annotate the "
                                       f"diagram and cannot be the source of a sequence flow")]
    return []


def _flow_node_problem(node: etree._Element | None) -> str | None:
    """Why `node` cannot be an end of a sequence flow in a process, or None when it can."""
    if node is None or local_name(node.tag) in ARTIFACTS:
        return None  # reported as an unknown reference or by EXT.006/007
    if local_name(node.tag) not in FLOW_NODES:
        return f"{what(node)} is not an activity, gateway or event"
    if local_name(node.tag) == "subProcess" and node.get("triggeredByEvent") == "true":
        return f"{what(node)} is an event subprocess, which starts by its own start event and has no sequence flows"
    return None


@rule("EXT.021")
def source_kind(document: Document, flow: etree._Element) -> list[Problem]:
    """EXT.021: in a process, a sequence flow starts at an activity, a gateway or an event, never at an event
    subprocess."""
    why = _flow_node_problem(_end(document, flow, "sourceRef"))
    return [document.problem(flow, f"the sequence flow cannot start there: {why}")] if why else []


@rule("EXT.022")
def target_kind(document: Document, flow: etree._Element) -> list[Problem]:
    """EXT.022: in a process, a sequence flow leads to an activity, a gateway or an event, never to an event
    subprocess."""
    why = _flow_node_problem(_end(document, flow, "targetRef"))
    return [document.problem(flow, f"the sequence flow cannot lead there: {why}")] if why else []


def _ends_in_flow_nodes(document: Document, flow: etree._Element) -> tuple[etree._Element, etree._Element] | None:
    source, target = _end(document, flow, "sourceRef"), _end(document, flow, "targetRef")
    if source is None or target is None or local_name(source.tag) not in FLOW_NODES \
            or local_name(target.tag) not in FLOW_NODES:
        return None
    return source, target


@rule("EXT.028")
def pool_crossing(document: Document, flow: etree._Element) -> list[Problem]:
    """EXT.028: a sequence flow stays inside one pool (process); message flows connect pools."""
    ends = _ends_in_flow_nodes(document, flow)
    if ends is None:
        return []
    processes = {id(document.process_of(end)) for end in (*ends, flow)}
    if len(processes) > 1:
        return [document.problem(flow, f"the sequence flow connects {what(ends[0])} and {what(ends[1])}, which are "
                                       f"in different pools; connect pools with message flows")]
    return []


@rule("EXT.152")
def scope_crossing(document: Document, flow: etree._Element) -> list[Problem]:
    """EXT.152: a sequence flow connects flow nodes of the (sub)process it is declared in; it never crosses the
    border of a subprocess."""
    ends = _ends_in_flow_nodes(document, flow)
    if ends is None or len({id(document.process_of(end)) for end in (*ends, flow)}) > 1:
        return []  # EXT.028
    owner = flow.getparent()
    if any(end.getparent() is not owner for end in ends):
        return [document.problem(flow, f"the sequence flow connects {what(ends[0])} and {what(ends[1])} across the "
                                       f"border of a subprocess; a sequence flow connects elements of one "
                                       f"(sub)process")]
    return []


@rule("EXT.024")
def immediate(document: Document, flow: etree._Element) -> list[Problem]:
    """EXT.024: isImmediate="false" (other activities may happen between source and target) has no meaning in an
    executable process."""
    if (flow.get("isImmediate") or "").strip() == "false" and document.executable(flow):
        return [document.problem(flow, "isImmediate=\"false\" lets other work happen between the two ends of the "
                                       "flow, which an executable process cannot do; remove the attribute")]
    return []


@rule("EXT.023")
def listed_flows(document: Document, container: etree._Element) -> list[Problem]:
    """EXT.023: the incoming and outgoing lists of a flow node name exactly the sequence flows that end and start
    there (checked in each (sub)process that writes the lists at all; they are redundant where none is written)."""
    nodes = children(container, *FLOW_NODES)
    if not any(children(node, "incoming", "outgoing") for node in nodes):
        return []
    found = []
    for node in nodes:
        for direction, flows in (("incoming", document.incoming(node)), ("outgoing", document.outgoing(node))):
            listed = [(child.text or "").strip().rpartition(":")[2] for child in children(node, direction)]
            actual = [flow.get("id", "") for flow in flows]
            for missing in (ident for ident in actual if ident not in listed):
                found.append(document.problem(node, f"{what(node)} does not list its {direction} sequence flow "
                                                    f"'{missing}' as {direction}"))
            for extra in (ident for ident in listed if ident not in actual):
                flow = document.ids.get(extra)
                if flow is not None and local_name(flow.tag) == "sequenceFlow":
                    end = "end" if direction == "incoming" else "start"
                    found.append(document.problem(node, f"{what(node)} lists '{extra}' as {direction}, but that "
                                                        f"sequence flow does not {end} there"))
    return found


@rule("EXT.061")
def ad_hoc_has_activities(document: Document, container: etree._Element) -> list[Problem]:
    """EXT.061: an ad-hoc subprocess contains at least one activity (the work to choose from)."""
    if local_name(container.tag) == "adHocSubProcess" and not children(container, *ACTIVITIES):
        return [document.problem(container, f"{what(container)} contains no activity, so there is nothing to do in "
                                            f"it; add the activities it offers")]
    return []


def _in_ad_hoc(node: etree._Element) -> bool:
    parent = node.getparent()
    return parent is not None and local_name(parent.tag) == "adHocSubProcess"


@rule("EXT.101")
def start_leaves(document: Document, node: etree._Element) -> list[Problem]:
    """EXT.101: a start event is the source of at least one sequence flow."""
    if local_name(node.tag) == "startEvent" and not document.outgoing(node) and not _in_ad_hoc(node):
        return [document.problem(node, f"{what(node)} has no outgoing sequence flow, so nothing happens after it")]
    return []


@rule("EXT.107")
def end_reached(document: Document, node: etree._Element) -> list[Problem]:
    """EXT.107: an end event is the target of at least one sequence flow."""
    if local_name(node.tag) == "endEvent" and not document.incoming(node) and not _in_ad_hoc(node):
        return [document.problem(node, f"{what(node)} has no incoming sequence flow, so no token can reach it")]
    return []


def _is_link(document: Document, node: etree._Element) -> bool:
    return "link" in document.definition_kinds(node)


def _intermediate_without(document: Document, node: etree._Element, direction: str) -> bool:
    """True for an intermediate event in the flow without sequence flows in `direction` (a link catch event needs
    no incoming flow, a link throw event no outgoing one)."""
    tag = local_name(node.tag)
    linked_end = "intermediateCatchEvent" if direction == "incoming" else "intermediateThrowEvent"
    flows = document.incoming(node) if direction == "incoming" else document.outgoing(node)
    return tag in ("intermediateThrowEvent", "intermediateCatchEvent") and not flows and not _in_ad_hoc(node) \
        and not (tag == linked_end and _is_link(document, node))


@rule("EXT.115")
def intermediate_reached(document: Document, node: etree._Element) -> list[Problem]:
    """EXT.115: an intermediate event in the flow is the target of a sequence flow (a link catch event is reached
    by its link instead)."""
    if _intermediate_without(document, node, "incoming"):
        return [document.problem(node, f"{what(node)} has no incoming sequence flow, so no token can reach it")]
    return []


@rule("EXT.116")
def intermediate_leaves(document: Document, node: etree._Element) -> list[Problem]:
    """EXT.116: an intermediate event in the flow is the source of a sequence flow (a link throw event leaves by
    its link instead)."""
    if _intermediate_without(document, node, "outgoing"):
        return [document.problem(node, f"{what(node)} has no outgoing sequence flow, so the token stops there")]
    return []


@rule("EXT.135")
def gateway_splits_or_joins(document: Document, node: etree._Element) -> list[Problem]:
    """EXT.135: a gateway splits or joins: it has several incoming or several outgoing sequence flows."""
    if local_name(node.tag) not in GATEWAYS:
        return []
    incoming, outgoing = len(document.incoming(node)), len(document.outgoing(node))
    if incoming > 1 or outgoing > 1:
        return []
    if incoming == outgoing == 1 and document.dialect is not None and local_name(node.tag) != "eventBasedGateway":
        return []  # a pass-through gateway, which the engines those files are made for run (and so does this one)
    return [document.problem(node, f"{what(node)} has {incoming} incoming and {outgoing} outgoing sequence flow"
                                   f"{'s' if outgoing != 1 else ''}; a gateway splits or joins the flow, so it needs "
                                   f"several incoming or several outgoing flows")]
