"""What events throw and where their definitions live, in the XML (BPMN 2.0.2 sections 10.4.2-10.4.5): an
escalation thrown names its code, an event definition written inside a throw event belongs to that event alone,
and a process started by a call activity can be started without a trigger."""
from __future__ import annotations

from lxml import etree

from bpmn_runtime.errors import Problem
from bpmn_runtime.parser.namespaces import bpmn, local_name
from bpmn_runtime.parser.validation.catalogue import rule
from bpmn_runtime.parser.validation.document import EVENT_DEFINITION_TAGS, Document, children
from bpmn_runtime.parser.validation.flows import what
from bpmn_runtime.parser.validation.shared import THROW_EVENTS


def problems(document: Document) -> list[Problem]:
    """Every rule of this module."""
    found: list[Problem] = []
    for event in document.root.iter(*map(bpmn, THROW_EVENTS)):
        found += escalation_code(document, event) + own_definitions(document, event)
    for call in document.root.iter(bpmn("callActivity")):
        found += called_process_start(document, call)
    return found


@rule("EXT.011")
def escalation_code(document: Document, event: etree._Element) -> list[Problem]:
    """EXT.011: an end or intermediate throw event of an executable process that throws an escalation names an
    escalation that has an escalationCode."""
    if not document.executable(event):
        return []
    found = []
    for definition in document.event_definitions(event):
        if local_name(definition.tag) != "escalationEventDefinition":
            continue
        escalation = document.target(definition, "@escalationRef")
        if definition.get("escalationRef") is None:
            found.append(document.problem(event, f"the escalation {_position(event)} does not name the escalation "
                                                 f"it throws (escalationRef)"))
        elif escalation is not None and not (escalation.get("escalationCode") or "").strip():
            found.append(document.problem(event, f"the escalation '{escalation.get('name') or escalation.get('id')}' "
                                                 f"thrown here has no escalationCode, so no boundary event or event "
                                                 f"subprocess can tell it apart; give it a code"))
    return found


def _position(event: etree._Element) -> str:
    return "end event" if local_name(event.tag) == "endEvent" else "intermediate throw event"


@rule("EXT.095")
def own_definitions(document: Document, event: etree._Element) -> list[Problem]:
    """EXT.095: an event definition written inside a throw event belongs to that event: no event refers to it
    with eventDefinitionRef (shared definitions are declared at the top of the file)."""
    own = {definition.get("id") for definition in children(event, *EVENT_DEFINITION_TAGS) if definition.get("id")}
    if not own:
        return []
    found = []
    for other in document.root.iter(bpmn("eventDefinitionRef")):
        value = (other.text or "").strip()
        if document.resolve(other, value) is not None and value.rpartition(":")[2] in own:
            owner = other.getparent()
            found.append(document.problem(other, f"{what(owner) if owner is not None else 'an event'} refers to the "
                                                 f"event definition '{value}' of {what(event)}; an event definition "
                                                 f"inside a throw event belongs to it alone, so declare shared ones "
                                                 f"at the top of the file"))
    return found


@rule("EXT.099")
def called_process_start(document: Document, call: etree._Element) -> list[Problem]:
    """EXT.099: a process called by a call activity has a none start event (the call starts it without a
    trigger); a process without start events starts at every node without incoming flows."""
    process = document.target(call, "@calledElement")
    if process is None or local_name(process.tag) != "process":
        return []
    starts = children(process, "startEvent")
    if not starts or any(not document.event_definitions(start) for start in starts):
        return []
    return [document.problem(call, f"{what(call)} calls process '{process.get('id')}', whose start events all wait "
                                   f"for a trigger; a called process needs a none start event")]
