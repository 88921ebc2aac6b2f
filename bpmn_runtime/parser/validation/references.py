"""Ids and references: every element that others can name has an id, no id is used twice, and every reference
names a declared element of the kind BPMN 2.0 expects there (BPMN 2.0.2 section 8.2, the attributes and model
associations of chapters 8 to 13).

A reference with a prefix bound to the namespace of an imported BPMN file must be declared in that file. A call
activity may call a process deployed on its own, so an unprefixed calledElement that names nothing here is not a
problem; one that names something here must name a process or global task.
"""
from __future__ import annotations

from collections import Counter

from lxml import etree

from bpmn_runtime.errors import Problem
from bpmn_runtime.parser.namespaces import BPMN, BPMNDI, local_name
from bpmn_runtime.parser.reader import FLOW_NODES, GLOBAL_TASKS
from bpmn_runtime.parser.validation.catalogue import NAMES_FOR_ENGINE_FILES, rule
from bpmn_runtime.parser.validation.data import ITEM_AWARE
from bpmn_runtime.parser.validation.document import EVENT_DEFINITION_TAGS, Document, line_of
from bpmn_runtime.parser.validation.shared import ACTIVITIES

Kinds = tuple[frozenset[str], str]
ANY: Kinds = (frozenset(), "")  # any element with an id


def _one(tag: str) -> Kinds:
    return frozenset({tag}), f"a bpmn:{tag}"


ITEM = ("@itemSubjectRef", *_one("itemDefinition"))
_ITEM_AWARE: Kinds = (ITEM_AWARE, "a data object, data store, property, data input or data output")
_EVENT_DEFINITION: Kinds = (EVENT_DEFINITION_TAGS, "an event definition")
_ACTIVITY: Kinds = (ACTIVITIES, "an activity")
_CALLABLE: Kinds = (frozenset({"process", *GLOBAL_TASKS}), "a process or a global task")
_FLOW_NODE: Kinds = (FLOW_NODES, "an activity, a gateway or an event")
_SEQUENCE_FLOW = _one("sequenceFlow")
_CONVERSATION_NODES = frozenset({"conversation", "subConversation", "callConversation"})
_CHOREOGRAPHY_ACTIVITIES = ("choreographyTask", "subChoreography", "callChoreography")
_RESOURCE_ROLES = ("resourceRole", "performer", "humanPerformer", "potentialOwner")
_DEFAULT = (("@default", *_SEQUENCE_FLOW),)
_FLOW_NODE_LISTS = (("incoming", *_SEQUENCE_FLOW), ("outgoing", *_SEQUENCE_FLOW), ("categoryValueRef",
                                                                                      *_one("categoryValue")))
_CATCH = _FLOW_NODE_LISTS + (("eventDefinitionRef", *_EVENT_DEFINITION),)

# What each reference must name: owner tag -> (attribute "@name" or child element, allowed tags, description).
REFERENCES: dict[str, tuple[tuple[str, frozenset[str], str], ...]] = {
    "association": (("@sourceRef", *ANY), ("@targetRef", *ANY)),
    "group": (("@categoryValueRef", *_one("categoryValue")),),
    "correlationKey": (("correlationPropertyRef", *_one("correlationProperty")),),
    "correlationPropertyRetrievalExpression": (("@messageRef", *_one("message")),),
    "correlationSubscription": (("@correlationKeyRef", *_one("correlationKey")),),
    "correlationPropertyBinding": (("@correlationPropertyRef", *_one("correlationProperty")),),
    "message": (("@itemRef", *_one("itemDefinition")),),
    "signal": (("@structureRef", *_one("itemDefinition")),),
    "error": (("@structureRef", *_one("itemDefinition")),),
    "escalation": (("@structureRef", *_one("itemDefinition")),),
    "resourceParameter": (("@type", *_one("itemDefinition")),),
    "sequenceFlow": (("@sourceRef", *ANY), ("@targetRef", *ANY), ("categoryValueRef", *_one("categoryValue"))),
    "operation": (("inMessageRef", *_one("message")), ("outMessageRef", *_one("message")),
                  ("errorRef", *_one("error"))),
    "collaboration": (("choreographyRef", *_one("choreography")),),
    "participant": (("@processRef", *_one("process")), ("interfaceRef", *_one("interface")),
                    ("endPointRef", *_one("endPoint"))),
    "partnerEntity": (("participantRef", *_one("participant")),),
    "partnerRole": (("participantRef", *_one("participant")),),
    "participantAssociation": (("innerParticipantRef", *_one("participant")),
                               ("outerParticipantRef", *_one("participant"))),
    # What a message flow connects is checked by collaboration (EXT.008, EXT.009 and the kinds it allows).
    "messageFlow": (("@sourceRef", *ANY), ("@targetRef", *ANY), ("@messageRef", *_one("message"))),
    "process": (("supports", *_one("process")), ("@definitionalCollaborationRef", *_one("collaboration")),
                ("supportedInterfaceRef", *_one("interface"))),
    **{tag: (("supportedInterfaceRef", *_one("interface")),) for tag in GLOBAL_TASKS},
    **dict.fromkeys(_RESOURCE_ROLES, (("resourceRef", *_one("resource")),)),
    "resourceParameterBinding": (("@parameterRef", *_one("resourceParameter")),),
    **{tag: _FLOW_NODE_LISTS + _DEFAULT for tag in ACTIVITIES},
    "serviceTask": _FLOW_NODE_LISTS + _DEFAULT + (("@operationRef", *_one("operation")),),
    "sendTask": _FLOW_NODE_LISTS + _DEFAULT + (("@messageRef", *_one("message")),
                                               ("@operationRef", *_one("operation"))),
    "receiveTask": _FLOW_NODE_LISTS + _DEFAULT + (("@messageRef", *_one("message")),
                                                  ("@operationRef", *_one("operation"))),
    "callActivity": _FLOW_NODE_LISTS + _DEFAULT,  # calledElement: see call_target_problems
    **dict.fromkeys(("exclusiveGateway", "inclusiveGateway", "complexGateway"), _FLOW_NODE_LISTS + _DEFAULT),
    **dict.fromkeys(("parallelGateway", "eventBasedGateway"), _FLOW_NODE_LISTS),
    "ioBinding": (("@inputDataRef", *_one("dataInput")), ("@outputDataRef", *_one("dataOutput")),
                  ("@operationRef", *_one("operation"))),
    "multiInstanceLoopCharacteristics": (("loopDataInputRef", *_ITEM_AWARE), ("loopDataOutputRef", *_ITEM_AWARE),
                                         ("@oneBehaviorEventRef", *_EVENT_DEFINITION),
                                         ("@noneBehaviorEventRef", *_EVENT_DEFINITION)),
    **{tag: (ITEM,) for tag in ("dataObject", "dataStore", "property", "dataInput", "dataOutput", "inputDataItem",
                                "outputDataItem")},
    "dataObjectReference": (ITEM, ("@dataObjectRef", *_one("dataObject"))),
    "dataStoreReference": (ITEM, ("@dataStoreRef", *_one("dataStore"))),
    "inputSet": (("dataInputRefs", *_one("dataInput")), ("optionalInputRefs", *_one("dataInput")),
                 ("whileExecutingInputRefs", *_one("dataInput")), ("outputSetRefs", *_one("outputSet"))),
    "outputSet": (("dataOutputRefs", *_one("dataOutput")), ("optionalOutputRefs", *_one("dataOutput")),
                  ("whileExecutingOutputRefs", *_one("dataOutput")), ("inputSetRefs", *_one("inputSet"))),
    "dataInputAssociation": (("sourceRef", *_ITEM_AWARE), ("targetRef", *_ITEM_AWARE)),
    "dataOutputAssociation": (("sourceRef", *_ITEM_AWARE), ("targetRef", *_ITEM_AWARE)),
    **dict.fromkeys(("startEvent", "intermediateCatchEvent"), _CATCH),
    "boundaryEvent": _CATCH + (("@attachedToRef", *_ACTIVITY),),
    **dict.fromkeys(("endEvent", "intermediateThrowEvent"), _CATCH),
    "compensateEventDefinition": (("@activityRef", *_ACTIVITY),),
    "errorEventDefinition": (("@errorRef", *_one("error")),),
    "escalationEventDefinition": (("@escalationRef", *_one("escalation")),),
    "linkEventDefinition": (("source", *_one("linkEventDefinition")), ("target", *_one("linkEventDefinition"))),
    "messageEventDefinition": (("@messageRef", *_one("message")), ("operationRef", *_one("operation"))),
    "signalEventDefinition": (("@signalRef", *_one("signal")),),
    "lane": (("@partitionElementRef", *ANY), ("flowNodeRef", *_FLOW_NODE)),
    **dict.fromkeys(_CONVERSATION_NODES, (("participantRef", *_one("participant")),
                                          ("messageFlowRef", *_one("messageFlow")))),
    "conversationLink": (("@sourceRef", *ANY), ("@targetRef", *ANY)),
    **dict.fromkeys(_CHOREOGRAPHY_ACTIVITIES, (("participantRef", *_one("participant")),
                                               ("@initiatingParticipantRef", *_one("participant")))),
}


@rule("EXT.003")
def id_problems(root: etree._Element, file: str) -> list[Problem]:
    """EXT.003: flow nodes and processes have ids, so that sequence flows, participants and the engine can name
    them. A sequence flow may have none (the schema makes the id optional and nothing needs to refer to it)."""
    return [Problem(file, line_of(node), "", f"bpmn:{local_name(node.tag)} has no id")
            for node in root.iter(f"{{{BPMN}}}*")
            if not node.get("id") and (local_name(node.tag) in FLOW_NODES or local_name(node.tag) == "process")]


@rule("EXT.002")
def duplicate_id_problems(root: etree._Element, file: str) -> list[Problem]:
    """EXT.002: an id names one element of the file (each repeated id is reported once)."""
    problems = []
    seen: Counter[str] = Counter()
    for node in root.iter(f"{{{BPMN}}}*", f"{{{BPMNDI}}}*"):
        ident = node.get("id")
        if ident:
            seen[ident] += 1
            if seen[ident] == 2:
                problems.append(Problem(file, line_of(node), ident, f"the id '{ident}' is used more than once"))
    return problems


def reference_problems(document: Document, node: etree._Element) -> list[Problem]:
    """Each reference `node` makes names something declared, of the kind allowed there."""
    return existence_problems(document, node) + kind_problems(document, node) + call_target_problems(document, node)


def _where(node: etree._Element, where: str) -> str:
    return where.lstrip("@")


@rule("REF.EXISTS")
def existence_problems(document: Document, node: etree._Element) -> list[Problem]:
    """REF.EXISTS: every reference names an element declared in the file, or in the imported BPMN file its prefix
    stands for (in a file made for an engine that reads it as a variable name, any name)."""
    problems = []
    variable_names = NAMES_FOR_ENGINE_FILES.get(document.dialect or "", frozenset())
    for where, _, _ in REFERENCES.get(local_name(node.tag), ()):
        if where in variable_names:
            continue
        for carrier, value in document.references(node, where):
            if document.resolve(carrier, value) is not None or document.import_missing(carrier, value):
                continue
            place = "the imported file of its namespace" if document.is_imported(carrier, value) else "this file"
            if local_name(node.tag) in ("sequenceFlow", "messageFlow") and where in ("@sourceRef", "@targetRef"):
                flow = "sequence flow" if local_name(node.tag) == "sequenceFlow" else "message flow"
                verb = "starts at" if where == "@sourceRef" else "leads to"
                problems.append(document.problem(node, f"the {flow} {verb} '{value}', which is declared nowhere in "
                                                       f"{place}"))
                continue
            problems.append(document.problem(node, f"{_where(node, where)} '{value}' names nothing declared in "
                                                   f"{place}"))
    return problems


@rule("REF.TYPE")
def kind_problems(document: Document, node: etree._Element) -> list[Problem]:
    """REF.TYPE: every reference names an element of the kind BPMN 2.0 allows there (a message where a message
    is expected, an activity where an activity is expected, ...)."""
    problems = []
    for where, allowed, description in REFERENCES.get(local_name(node.tag), ()):
        if not allowed:
            continue
        for carrier, value in document.references(node, where):
            target = document.resolve(carrier, value)
            if target is not None and local_name(target.tag) not in allowed:
                problems.append(document.problem(node, f"{_where(node, where)} '{value}' names a "
                                                       f"bpmn:{local_name(target.tag)}, but must name {description}"))
    return problems


@rule("REF.TYPE")
def call_target_problems(document: Document, node: etree._Element) -> list[Problem]:
    """REF.TYPE: a call activity calls a process or a global task (one deployed on its own when it names nothing
    in this file; one of the imported file when its prefix stands for an imported namespace)."""
    if local_name(node.tag) != "callActivity":
        return []
    problems = []
    for carrier, value in document.references(node, "@calledElement"):
        target = document.resolve(carrier, value)
        if target is None and document.is_imported(carrier, value) and not document.import_missing(carrier, value):
            problems.append(document.problem(node, f"calledElement '{value}' names nothing declared in the imported "
                                                   f"file of its namespace"))
        elif target is not None and local_name(target.tag) not in _CALLABLE[0]:
            problems.append(document.problem(node, f"calledElement '{value}' names a bpmn:{local_name(target.tag)}, "
                                                   f"but must name {_CALLABLE[1]}"))
    return problems
