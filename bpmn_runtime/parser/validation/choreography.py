"""Collaborations, choreographies and conversations: what they may contain and refer to (BPMN 2.0.2 sections
9.2, 9.3, 9.4, 11). The engine runs none of them, but a file that breaks these rules is not a BPMN 2.0 file."""
from __future__ import annotations

from lxml import etree

from bpmn_runtime.errors import Problem
from bpmn_runtime.parser.namespaces import BPMN, local_name
from bpmn_runtime.parser.validation.catalogue import rule
from bpmn_runtime.parser.validation.document import Document, children
from bpmn_runtime.parser.validation.flows import what

CHOREOGRAPHY_ACTIVITIES = ("choreographyTask", "subChoreography", "callChoreography")
NOT_IN_GLOBAL_CONVERSATION = ("conversation", "subConversation", "callConversation", "participantAssociation",
                              "messageFlowAssociation", "conversationAssociation", "association", "group",
                              "textAnnotation")


def problems(document: Document) -> list[Problem]:
    """Every rule of this module, element by element."""
    found: list[Problem] = []
    for node in document.root.iter(f"{{{BPMN}}}*"):
        tag = local_name(node.tag)
        if tag in ("choreography", "globalConversation"):
            found += choreography_reference(document, node)
        if tag == "globalConversation":
            found += global_conversation_content(document, node)
        if tag == "participantMultiplicity":
            found += multiplicity_minimum(document, node) + multiplicity_maximum(document, node)
        if tag == "collaboration":
            found += closed_like_choreography(document, node)
        if tag == "process":
            found += process_choreography_activities(document, node)
        if tag in ("subProcess", "transaction", "adHocSubProcess"):
            found += subprocess_choreography_activities(document, node)
    return found


@rule("EXT.027")
def choreography_reference(document: Document, node: etree._Element) -> list[Problem]:
    """EXT.027: a choreography or a global conversation does not refer to a choreography (choreographyRef)."""
    if children(node, "choreographyRef"):
        return [document.problem(node, f"the {local_name(node.tag)} refers to a choreography (choreographyRef); "
                                       f"only a collaboration can")]
    return []


@rule("EXT.032")
def global_conversation_content(document: Document, node: etree._Element) -> list[Problem]:
    """EXT.032: a global conversation holds only participants and message flows: no conversation nodes,
    participant, message flow or conversation associations, and no artifacts."""
    return [document.problem(child, f"a global conversation cannot contain bpmn:{local_name(child.tag)}")
            for child in children(node, *NOT_IN_GLOBAL_CONVERSATION)]


def _number(node: etree._Element, attribute: str, default: int) -> int | None:
    value = node.get(attribute)
    try:
        return default if value is None else int(value.strip())
    except ValueError:
        return None  # the schema reports a value that is not a number


@rule("EXT.029")
def multiplicity_minimum(document: Document, node: etree._Element) -> list[Problem]:
    """EXT.029: the minimum of a participant multiplicity is not negative."""
    minimum = _number(node, "minimum", 0)
    if minimum is not None and minimum < 0:
        return [document.problem(node, f"the participant multiplicity has minimum {minimum}; it cannot be negative")]
    return []


@rule("EXT.030")
def multiplicity_maximum(document: Document, node: etree._Element) -> list[Problem]:
    """EXT.030: the maximum of a participant multiplicity is at least 1 and at least its minimum (the defaults are
    0 and 1)."""
    minimum, maximum = _number(node, "minimum", 0), _number(node, "maximum", 1)
    if minimum is None or maximum is None or (maximum >= 1 and maximum >= minimum):
        return []
    return [document.problem(node, f"the participant multiplicity has maximum {maximum} and minimum {minimum}; "
                                   f"the maximum must be at least 1 and at least the minimum")]


@rule("EXT.033")
def closed_like_choreography(document: Document, collaboration: etree._Element) -> list[Problem]:
    """EXT.033: a collaboration that refers to a choreography is closed exactly when the choreography is."""
    mine = (collaboration.get("isClosed") or "false").strip()
    found = []
    for choreography in document.targets(collaboration, "choreographyRef"):
        theirs = (choreography.get("isClosed") or "false").strip()
        if theirs != mine:
            found.append(document.problem(collaboration, f"the collaboration has isClosed=\"{mine}\", but the "
                                                         f"choreography '{choreography.get('id')}' it refers to has "
                                                         f"isClosed=\"{theirs}\""))
    return found


@rule("EXT.036")
def process_choreography_activities(document: Document, process: etree._Element) -> list[Problem]:
    """EXT.036: a process contains no choreography activities (choreography tasks, sub-choreographies, call
    choreographies)."""
    return [document.problem(node, f"{what(node)} is a choreography activity; a process cannot contain one")
            for node in children(process, *CHOREOGRAPHY_ACTIVITIES)]


@rule("EXT.056")
def subprocess_choreography_activities(document: Document, subprocess: etree._Element) -> list[Problem]:
    """EXT.056: a subprocess contains no choreography activities."""
    return [document.problem(node, f"{what(node)} is a choreography activity; a subprocess cannot contain one")
            for node in children(subprocess, *CHOREOGRAPHY_ACTIVITIES)]
