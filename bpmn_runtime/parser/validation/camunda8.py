"""What a file made for Camunda 8 must say for the engine to run it as Zeebe does, and the Zeebe mappings the
engine does not apply.

Zeebe delivers a message to a waiting instance only when the message carries the instance's correlation key
(`zeebe:subscription correlationKey`, which Camunda Modeler writes on the bpmn:message). A message catch without
one would take messages meant for any instance, so it is refused, as Zeebe refuses it, at the element that waits.
Only the message start events of a process need no key: the message starts a new instance.
"""
from __future__ import annotations

from lxml import etree

from bpmn_runtime.errors import Problem
from bpmn_runtime.model import Element
from bpmn_runtime.parser.namespaces import bpmn, local_name
from bpmn_runtime.parser.validation.document import Document
from bpmn_runtime.parser.validation.shared import problem
from bpmn_runtime.parser.zeebe import subscription_key

# How the modeler names the elements that wait for a message.
WAITING = {"intermediateCatchEvent": "intermediate catch event", "boundaryEvent": "boundary event",
           "startEvent": "start event of the event subprocess", "receiveTask": "receive task"}


def problems(document: Document) -> list[Problem]:
    """Every element of an executable process in a Camunda 8 file that waits for a message without a key."""
    if document.dialect != "Camunda 8":
        return []
    found = []
    for waiting in document.root.iter(*(bpmn(tag) for tag in WAITING)):
        parent = waiting.getparent()
        if not _executable(waiting) or (local_name(waiting.tag) == "startEvent" and parent is not None
                                        and local_name(parent.tag) == "process"):
            continue  # a process's own start events start instances and need no key
        carrier = waiting if local_name(waiting.tag) == "receiveTask" else waiting.find(bpmn("messageEventDefinition"))
        if carrier is None:
            continue
        reference = carrier.get("messageRef")
        message = document.resolve(carrier, reference) if reference else None
        if subscription_key(carrier) or (message is not None and subscription_key(message)):
            continue
        found.append(document.problem(waiting, _missing_key(waiting, message)))
    return found


def _missing_key(waiting: etree._Element, message: etree._Element | None) -> str:
    name = waiting.get("name")
    label = f"'{name}' ({waiting.get('id')})" if name else waiting.get("id", "")
    about = f"message '{message.get('name') or message.get('id')}'" if message is not None else "its message"
    return (f"the {WAITING[local_name(waiting.tag)]} {label} waits for {about} without a correlation key, so it "
            f"would take that message meant for any instance; enter the key that picks this instance in the "
            f"properties panel (Message, Subscription correlation key)")


def _executable(node: etree._Element) -> bool:
    process = next(node.iterancestors(bpmn("process")), None)
    return process is not None and process.get("isExecutable", "true").strip().lower() != "false"


def start_mapping_problems(element: Element) -> list[Problem]:
    """Mappings the engine cannot apply as Zeebe does are refused. A message start event sets the message's
    variables before it runs (on a new instance, or on its event subprocess), so its output mappings could not
    decide alone what arrives, as they do in Zeebe; other start events apply theirs as they pass the token on.
    Start and boundary events take no input mappings in either engine."""
    extensions = element.extensions
    if element.kind not in ("startEvent", "boundaryEvent"):
        return []
    found = []
    if extensions.inputs:
        found.append(problem(element, f"the {_kind(element)} {element.label} has input mappings, which this kind of "
                                      f"event cannot have; remove them (Inputs)"))
    if element.kind == "startEvent" and extensions.outputs and any(d.kind == "message" for d in element.events):
        found.append(problem(element, f"the message start event {element.label} has output mappings, which this "
                                      f"engine does not apply to a message's variables; remove them (Outputs) and "
                                      f"map the variables on the element after it"))
    return found


def _kind(element: Element) -> str:
    return "start event" if element.kind == "startEvent" else "boundary event"
