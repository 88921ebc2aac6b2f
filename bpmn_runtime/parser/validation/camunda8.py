"""What a file made for Camunda 8 must say for the engine to run it as Zeebe does, and the Zeebe mappings the
engine does not apply.

Zeebe delivers a message to a waiting instance only when the message carries the instance's correlation key
(`zeebe:subscription correlationKey`, which Camunda Modeler writes on the bpmn:message). A message catch without
one would take messages meant for any instance, so it is refused, as Zeebe refuses it, at the element that waits.
Only the message start events of a process need no key: the message starts a new instance.
"""
from __future__ import annotations

from datetime import datetime

from lxml import etree

from bpmn_runtime.errors import Problem
from bpmn_runtime.model import Element, Process
from bpmn_runtime.parser.dialects import CAMUNDA_8
from bpmn_runtime.parser.namespaces import ZEEBE, bpmn, local_name, zeebe
from bpmn_runtime.parser.validation.document import Document, drawn_as, text_of
from bpmn_runtime.parser.validation.shared import problem
from bpmn_runtime.parser.zeebe import TASK_LISTENER_EVENTS, is_expression, subscription_key

# The elements that wait for a message.
WAITING = ("intermediateCatchEvent", "boundaryEvent", "startEvent", "receiveTask")


def problems(document: Document) -> list[Problem]:
    """In a Camunda 8 file: every element of an executable process that waits for a message without a key; in any
    file: every zeebe extension this engine does not run as Zeebe does."""
    found = unsupported_extension_problems(document) + written_form_problems(document) + listener_problems(document) \
        + task_listener_problems(document)
    if document.dialect != CAMUNDA_8:
        return found
    found += condition_problems(document) + caught_code_problems(document)
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


# The zeebe elements the engine reads (see `parser.zeebe`), and those that only describe (`userTask` marks a
# Camunda user task, which the inbox runs as it runs any user task; `versionTag` names a version).
READ = frozenset({
    "taskDefinition", "assignmentDefinition", "taskSchedule", "priorityDefinition", "formDefinition", "ioMapping",
    "input", "output", "calledDecision", "taskHeaders", "header", "properties", "property", "script",
    "loopCharacteristics", "calledElement", "userTaskForm", "subscription", "userTask", "versionTag",
    "executionListeners", "executionListener", "taskListeners", "taskListener",
})
# What Camunda 8 runs and this engine does not, by element, in the words of the properties panel.
NOT_RUN = {
    # Zeebe's model has had it since 8.3 (camunda/camunda#12879), but its engine publishes no message itself
    # (camunda/camunda#1021 and #13398 are open): a message throw is a job, and the job's worker sends the message.
    "publishMessage": "a message to publish (zeebe:publishMessage), which Camunda 8 does not publish itself either: "
                      "it leaves sending the message to the job worker of the element's job type; remove it and "
                      "send the message from that worker (Task definition, Job type)",
}
# NOT_RUN entries that Camunda 8 itself does not run either: their text says what to do instead.
NOT_RUN_BY_CAMUNDA_8 = frozenset({"publishMessage"})


def unsupported_extension_problems(document: Document) -> list[Problem]:
    """A zeebe extension element of an executable process that the engine does not run, located at the element
    that carries it: refused rather than ignored, since Camunda 8 would act on it."""
    found = []
    for node in document.root.iter(f"{{{ZEEBE}}}*"):
        tag = local_name(node.tag)
        if tag in READ or any(local_name(a.tag) in NOT_RUN for a in node.iterancestors(f"{{{ZEEBE}}}*")):
            continue
        if not _runs(node):
            continue
        owner = _owner(node, document)
        what = NOT_RUN.get(tag, f"zeebe:{tag}, which this engine does not know, so it cannot do what Camunda 8 "
                                f"does with it")
        advice = "" if tag in NOT_RUN_BY_CAMUNDA_8 else "; remove it, or run the file on Camunda 8"
        found.append(document.problem(node, f"{drawn_as(owner)} has {what}{advice}"))
    return found


# Zeebe attributes Camunda 8 reads only as a FEEL expression: it refuses a value without '=' at deployment rather
# than read it as text; with the properties panel's field.
EXPRESSIONS = {
    ("loopCharacteristics", "inputCollection"): "Multi-instance, Input collection",
    ("loopCharacteristics", "outputElement"): "Multi-instance, Output element",
    ("subscription", "correlationKey"): "Message, Subscription correlation key",
    ("script", "expression"): "Script, FEEL expression",
    ("output", "source"): "Outputs, Variable assignment value",
}
# Zeebe attributes that name a variable: read before any expression could be evaluated, so never one.
NAMES = {
    ("loopCharacteristics", "inputElement"): "Multi-instance, Input element",
    ("loopCharacteristics", "outputCollection"): "Multi-instance, Output collection",
    ("input", "target"): "Inputs, Local variable name",
    ("output", "target"): "Outputs, Process variable name",
    ("script", "resultVariable"): "Script, Result variable",
    ("calledDecision", "resultVariable"): "Called decision, Result variable",
}

# Mapping targets Zeebe reads as a path into a context (`order.total` sets `total` inside `order`): the engine
# builds an input's local variable so, and does not merge an output into a process variable.
PATHS = {("input", "target"), ("output", "target")}
# Zeebe attributes whose static value must be a date-time with its zone (`2026-12-31T17:00:00Z`).
DATE_TIMES = {
    ("taskSchedule", "dueDate"): "Task schedule, Due date",
    ("taskSchedule", "followUpDate"): "Task schedule, Follow up date",
}


def written_form_problems(document: Document) -> list[Problem]:
    """Each zeebe attribute written in a form Camunda 8 refuses: a static value where Zeebe requires an expression
    (`inputCollection="items"`), or an expression where it requires a variable name (`inputElement="=item"`);
    located at the element that carries it, in the words of the properties panel."""
    found = []
    for node in document.root.iter(f"{{{ZEEBE}}}*"):
        if not _runs(node):
            continue
        tag = local_name(node.tag)
        for attribute, value in node.attrib.items():
            key = (tag, str(attribute))
            text = str(value).strip()
            if key in EXPRESSIONS and text and not is_expression(text):
                found.append(document.problem(node, f"{drawn_as(_owner(node, document))} gives '{text}' where "
                                                    f"Camunda 8 requires an expression; write it as FEEL starting "
                                                    f"with '=' (for the variable: '={text}') ({EXPRESSIONS[key]})"))
            elif key in DATE_TIMES and text and not is_expression(text) and not _date_time(text):
                found.append(document.problem(node, f"{drawn_as(_owner(node, document))} gives '{text}' where "
                                                    f"Camunda 8 requires a date-time with its zone, such as "
                                                    f"2026-12-31T17:00:00Z ({DATE_TIMES[key]})"))
            elif key in PATHS and "." in text and not is_expression(text) and not all(text.split(".")):
                found.append(document.problem(node, f"{drawn_as(_owner(node, document))} maps to '{text}', which "
                                                    f"is not a path of names; enter one such as 'order.total' "
                                                    f"({NAMES[key]})"))
            elif key == ("output", "target") and "." in text and not is_expression(text):
                found.append(document.problem(node, f"{drawn_as(_owner(node, document))} maps to '{text}', a path "
                                                    f"Camunda 8 sets inside the variable '{text.split('.')[0]}', "
                                                    f"which this engine does not; map to a whole variable, with "
                                                    f"the value built as FEEL (e.g. a context) ({NAMES[key]})"))
            elif key in NAMES and is_expression(text):
                found.append(document.problem(node, f"{drawn_as(_owner(node, document))} gives the expression "
                                                    f"'{text}' where Camunda 8 requires a variable name; enter the "
                                                    f"name without '=' ({NAMES[key]})"))
    return found


# The activities whose execution listeners this engine runs as Zeebe runs them (see
# `engine.behaviours.job_listeners`), when they do not loop; events are told apart by their definitions.
LISTENING_ACTIVITIES = frozenset({
    "task", "serviceTask", "userTask", "scriptTask", "sendTask", "receiveTask", "businessRuleTask", "manualTask",
    "subProcess", "callActivity",
})
# Gateways whose start listeners this engine runs (Zeebe runs no end listeners of gateways).
GATEWAYS = ("exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway")
# End events that leave no path to end listeners: Zeebe refuses them on an error end event; a terminate or cancel
# end event ends its scope at once here.
ENDING_AT_ONCE = ("errorEventDefinition", "terminateEventDefinition", "cancelEventDefinition")
LISTENERS_NOT_RUN = ("which Camunda 8 runs as jobs as it starts or ends; this engine runs them on the process, "
                     "tasks, subprocesses and call activities (on each instance of a multi-instance one), on "
                     "intermediate and end events, the end listeners of start and boundary events and the start "
                     "listeners of gateways only: do the listener's work in a service task of that job type before "
                     "or after it (Execution listeners)")


def listener_problems(document: Document) -> list[Problem]:
    """Camunda 8 execution listeners (jobs as the element starts or ends) where this engine does not run them,
    located at the element that carries them: on complex gateways, event subprocesses and standard loops; start
    listeners of start and boundary events and of an event after an event-based gateway; end listeners of
    gateways and where the element ends otherwise (a process with a terminate end event, a link throw, an error,
    terminate or cancel end event)."""
    found = []
    for node in document.root.iter(zeebe("executionListeners")):
        owner = _owner(node, document)
        events = {listener.get("eventType", "").strip() for listener in node}
        if not _runs(node) or not events:
            continue
        refused = _listeners_refused(owner, events)
        if refused:
            found.append(document.problem(node, f"{drawn_as(owner)} has {refused} listeners, {LISTENERS_NOT_RUN}"))
    return found


def task_listener_problems(document: Document) -> list[Problem]:
    """Camunda 8 task listeners this engine does not run, located at their user task: those of the events other
    than creating and completing (`parser.zeebe.TASK_LISTENER_EVENTS`), those without a job type, and any on a
    user task that is not a Camunda user task (Camunda 8 runs task listeners on those only)."""
    found = []
    for node in document.root.iter(zeebe("taskListeners")):
        owner = _owner(node, document)
        extension = node.getparent()
        if not _runs(node) or not len(node) or extension is None:
            continue
        if extension.find(zeebe("userTask")) is None:
            found.append(document.problem(node, f"{drawn_as(owner)} has task listeners, which run on Camunda user "
                                                f"tasks only, in Camunda 8 as here; choose the implementation "
                                                f"'Camunda user task' (Implementation) or remove them (Task listeners)"))
            continue
        for listener in node:
            event, job_type = listener.get("eventType", "").strip(), listener.get("type", "").strip()
            if event not in TASK_LISTENER_EVENTS:
                found.append(document.problem(listener, (
                    f"{drawn_as(owner)} has a task listener of the event type '{event}'; this engine runs Camunda "
                    f"8's creating and completing task listeners only: do the listener's work in a service task "
                    f"before or after the user task, or run the file on Camunda 8 (Task listeners, Event type)")))
            elif not job_type:
                found.append(document.problem(listener, f"{drawn_as(owner)} has a {event} task listener without a "
                                                        f"job type; enter the type its workers take (Task listeners, "
                                                        f"Listener type)"))
    return found


def _listeners_refused(owner: etree._Element, events: set[str]) -> str | None:
    """Which of `owner`'s listeners ('execution', 'end', 'start') this engine does not run; None: it runs them all."""
    kind = local_name(owner.tag)
    definitions = {local_name(d.tag) for d in owner if local_name(d.tag).endswith("EventDefinition")}
    if kind == "process":  # a terminate end event of the process ends it without completing it here
        terminates = any(end.find(bpmn("terminateEventDefinition")) is not None
                         for end in owner.iterfind(bpmn("endEvent")))
        return "end" if terminates and "end" in events else None
    if kind in LISTENING_ACTIVITIES:
        looping = owner.find(bpmn("standardLoopCharacteristics")) is not None
        return "execution" if looping or owner.get("triggeredByEvent", "false").strip() == "true" else None
    if kind == "intermediateThrowEvent" and "linkEventDefinition" in definitions and "end" in events:
        return "end"
    if kind == "endEvent" and definitions & set(ENDING_AT_ONCE) and "end" in events:
        return "end"
    if kind == "intermediateCatchEvent" and "start" in events and any(
            local_name(gateway.tag) == "eventBasedGateway" for gateway in _sources(owner)):
        return "start"
    if kind in GATEWAYS and "end" in events:
        return "end"  # Zeebe refuses them too
    if kind == "boundaryEvent" and "compensateEventDefinition" in definitions:
        return "execution"  # Zeebe refuses them too: a compensation handler is not left along a flow
    if kind in ("startEvent", "boundaryEvent"):
        return "start" if "start" in events else None  # Zeebe refuses them too
    return None if kind in ("intermediateThrowEvent", "endEvent", "intermediateCatchEvent", *GATEWAYS) \
        else "execution"


def _sources(target: etree._Element) -> list[etree._Element]:
    """The elements whose sequence flows lead to `target`, in its level of the process."""
    parent, ident = target.getparent(), target.get("id")
    if parent is None:
        return []
    sources = [flow.get("sourceRef") for flow in parent.iterfind(bpmn("sequenceFlow"))
               if flow.get("targetRef") == ident]
    return [node for node in parent if node.get("id") in sources]


def _date_time(text: str) -> bool:
    try:
        return datetime.fromisoformat(text).tzinfo is not None
    except ValueError:
        return False


def _owner(node: etree._Element, document: Document) -> etree._Element:
    """The element as drawn (or the declaration, such as a message) that carries a zeebe extension."""
    return next((a for a in node.iterancestors() if a.get("id") and local_name(a.tag) != "extensionElements"),
                document.root)


# What a catching event refers to by a code, with the attribute and the properties panel's field.
CODES = {"errorEventDefinition": ("errorRef", "errorCode", "Error"),
         "escalationEventDefinition": ("escalationRef", "escalationCode", "Escalation")}


def caught_code_problems(document: Document) -> list[Problem]:
    """A boundary event or event subprocess start catching an error or escalation whose code is an expression:
    Camunda 8 evaluates such a code where it is thrown only and refuses it on a catch event, which matches a fixed
    code (or, left empty, any)."""
    found = []
    for event in document.root.iter(bpmn("boundaryEvent"), bpmn("startEvent")):
        for definition in event:
            if local_name(definition.tag) not in CODES or not _executable(event):
                continue
            reference, attribute, field = CODES[local_name(definition.tag)]
            named = definition.get(reference)
            declared = document.resolve(definition, named) if named else None
            code = (declared.get(attribute) or "") if declared is not None else ""
            if is_expression(code):
                found.append(document.problem(event, f"{drawn_as(event)} catches by the code '{code}', an "
                                                     f"expression, which Camunda 8 evaluates where it is thrown "
                                                     f"only; enter the code it catches, or leave it empty to catch "
                                                     f"any ({field}, Code)"))
    return found


# Where Camunda 8 reads a condition, and how the properties panel names the field.
CONDITIONS = {"conditionExpression": "Condition expression", "completionCondition": "Completion condition",
              "condition": "Condition"}


def condition_problems(document: Document) -> list[Problem]:
    """Camunda 8 evaluates conditions as FEEL only (`= amount > 100`); a condition in a Camunda 8 file written
    otherwise (`${amount > 100}`, `amount > 100`) is refused, as Zeebe refuses it, rather than read in another
    expression language."""
    found = []
    for node in document.root.iter(*(bpmn(tag) for tag in CONDITIONS)):
        text = text_of(node).strip()
        if not text or text.startswith("=") or not _executable(node):
            continue
        owner = next(a for a in node.iterancestors() if a.get("id"))
        shown = text if len(text) <= 60 else text[:57] + "..."
        found.append(document.problem(node, f"the condition '{shown}' of {drawn_as(owner)} is not FEEL: Camunda 8 "
                                            f"reads conditions as FEEL expressions starting with '='; write it as "
                                            f"FEEL ({CONDITIONS[local_name(node.tag)]})"))
    return found


def _missing_key(waiting: etree._Element, message: etree._Element | None) -> str:
    about = f"message '{message.get('name') or message.get('id')}'" if message is not None else "its message"
    return (f"{drawn_as(waiting)} waits for {about} without a correlation key, so it "
            f"would take that message meant for any instance; enter the key that picks this instance in the "
            f"properties panel (Message, Subscription correlation key)")


def _runs(node: etree._Element) -> bool:
    """A zeebe extension the engine would act on: in an executable process, or on a declaration outside any
    process (a message's subscription)."""
    return next(node.iterancestors(bpmn("process")), None) is None or _executable(node)


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


def start_message_name_problems(process: Process, element: Element) -> list[Problem]:
    """A message that starts a process is known by its name before any instance exists, so the name cannot be
    an expression."""
    names = [d.name for d in element.events if d.kind == "message" and d.name and d.name.lstrip().startswith("=")]
    if element.kind != "startEvent" or element.scope != process.id or not names:
        return []
    return [problem(element, f"the start event {element.label} starts the process with the message '{names[0]}', "
                             f"whose name is an expression; a message that starts a process needs a fixed name "
                             f"(Message, Name)")]


def _kind(element: Element) -> str:
    return "start event" if element.kind == "startEvent" else "boundary event"
