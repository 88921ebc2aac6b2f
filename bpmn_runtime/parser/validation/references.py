"""Ids and references: every flow node has an id, no id is used twice, and every reference names a declared
element of the kind BPMN 2.0 expects there."""
from __future__ import annotations

from collections import Counter

from lxml import etree

from bpmn_runtime.errors import Problem
from bpmn_runtime.parser.namespaces import BPMN, BPMNDI, local_name
from bpmn_runtime.parser.reader import FLOW_NODES
from bpmn_runtime.parser.validation.collaboration import INTERACTION_NODES
from bpmn_runtime.parser.validation.data import ITEM_AWARE
from bpmn_runtime.parser.validation.document import Document

_ONE = {name: (frozenset({name}), f"a bpmn:{name}") for name in (
    "message", "operation", "interface", "participant", "process", "itemDefinition", "dataInput", "dataOutput",
    "dataObject", "signal", "error", "escalation", "linkEventDefinition")}
_ITEM_AWARE = (ITEM_AWARE, "a data object, data store, property, data input or data output")
_ITEM = ("@itemSubjectRef", *_ONE["itemDefinition"])
_INTERACTION_NODE = (INTERACTION_NODES, "a pool, an activity or an event")
# What each reference must name: owner tag -> (attribute "@name" or child element, allowed tags, description).
REFERENCES: dict[str, tuple[tuple[str, frozenset[str], str], ...]] = {
    "messageFlow": (("@sourceRef", *_INTERACTION_NODE), ("@targetRef", *_INTERACTION_NODE),
                    ("@messageRef", *_ONE["message"])),
    "message": (("@itemRef", *_ONE["itemDefinition"]),),
    "signal": (("@structureRef", *_ONE["itemDefinition"]),),
    "error": (("@structureRef", *_ONE["itemDefinition"]),),
    "escalation": (("@structureRef", *_ONE["itemDefinition"]),),
    "operation": (("inMessageRef", *_ONE["message"]), ("outMessageRef", *_ONE["message"])),
    "participant": (("@processRef", *_ONE["process"]), ("interfaceRef", *_ONE["interface"])),
    "partnerEntity": (("participantRef", *_ONE["participant"]),),
    "partnerRole": (("participantRef", *_ONE["participant"]),),
    "inputSet": (("dataInputRefs", *_ONE["dataInput"]),),
    "outputSet": (("dataOutputRefs", *_ONE["dataOutput"]),),
    "dataInputAssociation": (("sourceRef", *_ITEM_AWARE), ("targetRef", *_ITEM_AWARE)),
    "dataOutputAssociation": (("sourceRef", *_ITEM_AWARE), ("targetRef", *_ITEM_AWARE)),
    "dataObjectReference": (("@dataObjectRef", *_ONE["dataObject"]),),
    "dataInput": (_ITEM,), "dataOutput": (_ITEM,), "inputDataItem": (_ITEM,), "outputDataItem": (_ITEM,),
    "dataObject": (_ITEM,), "property": (_ITEM,),
    "serviceTask": (("@operationRef", *_ONE["operation"]),),
    "sendTask": (("@messageRef", *_ONE["message"]), ("@operationRef", *_ONE["operation"])),
    "receiveTask": (("@messageRef", *_ONE["message"]), ("@operationRef", *_ONE["operation"])),
    "messageEventDefinition": (("@messageRef", *_ONE["message"]), ("operationRef", *_ONE["operation"])),
    "signalEventDefinition": (("@signalRef", *_ONE["signal"]),),
    "errorEventDefinition": (("@errorRef", *_ONE["error"]),),
    "escalationEventDefinition": (("@escalationRef", *_ONE["escalation"]),),
    "linkEventDefinition": (("source", *_ONE["linkEventDefinition"]), ("target", *_ONE["linkEventDefinition"])),
    "multiInstanceLoopCharacteristics": (("loopDataInputRef", *_ITEM_AWARE), ("loopDataOutputRef", *_ITEM_AWARE)),
}


def id_problems(root: etree._Element, file: str) -> list[Problem]:
    """Flow nodes, sequence flows and processes need ids, and an id names one element (each repeated id once)."""
    problems = []
    seen: Counter[str] = Counter()
    for node in root.iter(f"{{{BPMN}}}*", f"{{{BPMNDI}}}*"):
        tag = local_name(node.tag)
        ident = node.get("id")
        if ident:
            seen[ident] += 1
            if seen[ident] == 2:
                problems.append(Problem(file, node.sourceline or 0, ident, f"the id '{ident}' is used more than once"))
        elif tag in FLOW_NODES or tag in ("sequenceFlow", "process"):
            problems.append(Problem(file, node.sourceline or 0, "", f"bpmn:{tag} has no id"))
    return problems


def reference_problems(document: Document, node: etree._Element) -> list[Problem]:
    """Each reference `node` makes names something declared in this file, of the kind allowed there."""
    problems = []
    for where, allowed, what in REFERENCES.get(local_name(node.tag), ()):
        for ref in document.named(node, where):
            target = document.ids.get(ref)
            if target is None:
                problems.append(document.problem(node, f"{where.lstrip('@')} '{ref}' names nothing declared in this "
                                                       f"file"))
            elif local_name(target.tag) not in allowed:
                problems.append(document.problem(node, f"{where.lstrip('@')} '{ref}' names a "
                                                       f"bpmn:{local_name(target.tag)}, but must name {what}"))
    return problems
