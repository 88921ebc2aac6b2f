"""Camunda 8 extensions (Camunda Modeler 'Camunda 8' files): `zeebe:` extension elements."""
from __future__ import annotations

import re
from typing import Any

from lxml import etree

from bpmn_runtime import juel
from bpmn_runtime.feel import feel_text
from bpmn_runtime.forms import LINKED_FORM, read_form_js
from bpmn_runtime.model import ALL_VARIABLES, MAX_RETRIES, CallMapping, JobListener, Mapping, VariablePassing
from bpmn_runtime.parser.numbers import literal_or_expression, whole_number
from bpmn_runtime.parser.namespaces import zeebe


def is_expression(value: str) -> bool:
    """Camunda 8 reads a value with a leading `=` as a FEEL expression, and any other value as itself."""
    return value.lstrip().startswith("=")


def value_of(value: str) -> str:
    """A zeebe attribute as the engine evaluates it: FEEL as written, and a static value (a URL, an e-mail
    address, `in-process`, a date, `{{secrets.X}}`) as a FEEL string literal, so that it gives exactly its
    text, never a number, a dict or an expression of another language."""
    return value if is_expression(value) else "=" + feel_text(value)


def _optional(value: str | None) -> str | None:
    return value_of(value) if value else None


def correlation_key(*carriers: etree._Element | None) -> str | None:
    """zeebe:subscription correlationKey of a message event or receive task: Camunda Modeler writes it on the
    bpmn:message the event names; files of older modelers carry it on the event definition itself."""
    for carrier in carriers:
        key = subscription_key(carrier) if carrier is not None else None
        if key:
            return value_of(key)
    return None


def subscription_key(carrier: etree._Element) -> str | None:
    """The correlationKey of the zeebe:subscription among `carrier`'s extension elements, as written."""
    subscription = carrier.find(f"{{*}}extensionElements/{zeebe('subscription')}")
    key = subscription.get("correlationKey") if subscription is not None else None
    return key if key and key.strip() else None


def _job_type(value: str | None) -> str | None:
    """The job type: a static type is kept as written (the topic workers take, shown and compared as it is)
    unless it looks like a Camunda 7 template, which Camunda 8 would not evaluate."""
    if not value or is_expression(value) or not juel.is_template(value):
        return value
    return value_of(value)


AD_HOC_SETTINGS = ("activeElementsCollection", "outputCollection", "outputElement")


def _split(value: str | None) -> tuple[str, ...]:
    """Candidate users or groups: one expression (giving a list or a comma-separated text), or static names
    separated by commas."""
    text = (value or "").strip()
    if is_expression(text):
        return (text,)
    return tuple(value_of(part.strip()) for part in text.split(",") if part.strip())


def read(element: etree._Element, user_task_forms: dict[str, str], problems: list[str]) -> dict[str, Any]:
    """Extension fields of one flow node. `user_task_forms` holds the process's embedded form-js JSON by id;
    messages about what cannot run (a broken or missing form) go to `problems`."""
    extension = element.find("{*}extensionElements")
    if extension is None:
        return {}
    found: dict[str, Any] = {}
    task = extension.find(zeebe("taskDefinition"))
    if task is not None:
        found["topic"] = _job_type(task.get("type"))
        found.update(_retries(task.get("retries", ""), "zeebe:taskDefinition retries", problems))
    listeners = _execution_listeners(extension.findall(f"{zeebe('executionListeners')}/{zeebe('executionListener')}"),
                                     problems) + _task_listeners(extension, problems)
    if listeners:
        found["job_listeners"] = listeners
    assignment = extension.find(zeebe("assignmentDefinition"))
    if assignment is not None:
        found["assignee"] = _optional(assignment.get("assignee"))
        if assignment.get("candidateGroups"):
            found["candidate_groups"] = _split(assignment.get("candidateGroups"))
        if assignment.get("candidateUsers"):
            found["candidate_users"] = _split(assignment.get("candidateUsers"))
    schedule = extension.find(zeebe("taskSchedule"))
    if schedule is not None:
        found["due_date"] = _optional(schedule.get("dueDate"))
        found["follow_up_date"] = _optional(schedule.get("followUpDate"))
    priority = extension.find(zeebe("priorityDefinition"))
    if priority is not None and priority.get("priority"):
        literal_or_expression(priority.get("priority", ""), "zeebe:priorityDefinition priority", problems, 0, 100)
        found["priority"] = value_of(priority.get("priority", ""))
    form = extension.find(zeebe("formDefinition"))
    if form is not None:
        found.update(_form(form, extension.find(zeebe("userTask")) is not None, user_task_forms, problems))
    io = extension.find(zeebe("ioMapping"))
    if io is not None:
        found["inputs"] = _mappings(io, "input")
        found["outputs"] = _mappings(io, "output")
    script = extension.find(zeebe("script"))
    if script is not None:
        found.update(_script(script, problems))
    called_process = extension.find(zeebe("calledElement"))
    if called_process is not None:
        _latest_only(called_process, "Called element", "process", problems)
    decision = extension.find(zeebe("calledDecision"))
    if decision is not None:
        found.update(_called_decision(decision, problems))
    ad_hoc = extension.find(zeebe("adHoc"))
    if ad_hoc is not None and any(ad_hoc.get(a, "").strip() for a in AD_HOC_SETTINGS):
        problems.append("zeebe:adHoc (the Active elements collection and output collection of an ad-hoc "
                        "sub-process) is not supported: this engine starts every inner activity that has no incoming "
                        "flow, ordered as the 'ordering' attribute says; clear those fields")
    headers = _headers(extension)
    if headers:
        found["headers"] = headers
    return found


def _retries(retries: str, what: str, problems: list[str]) -> dict[str, Any]:
    """A job's retries: FEEL evaluated as each job is created, or a static whole number (none: the default)."""
    if is_expression(retries):
        return {"retries_expression": retries}
    if retries.strip():
        return {"retries": whole_number(retries, what, problems, high=MAX_RETRIES)}
    return {}


def process_listeners(process: etree._Element, problems: list[str]) -> tuple[JobListener, ...]:
    """The process's own execution listeners (zeebe:executionListeners among its extension elements)."""
    return _execution_listeners(process.findall(f"{{*}}extensionElements/{zeebe('executionListeners')}/"
                                                f"{zeebe('executionListener')}"), problems)


def _execution_listeners(listeners: list[etree._Element], problems: list[str]) -> tuple[JobListener, ...]:
    """zeebe:executionListener elements: jobs run as the element starts or ends, in model order. Zeebe refuses a
    listener without a job type, of another event type, or a second one of the same event type and job type."""
    found: list[JobListener] = []
    for listener in listeners:
        event, job_type = (listener.get("eventType") or "").strip(), (listener.get("type") or "").strip()
        if event == "beforeAll":
            problems.append("a beforeAll execution listener runs once before the instances of a multi-instance "
                            "activity in Camunda 8, which this engine does not do; do its work in a service task "
                            "before the activity (Execution listeners, Event type)")
        elif event not in ("start", "end"):
            problems.append(f"an execution listener has the event type '{event}'; this engine runs Camunda 8's "
                            f"start and end listeners only (Execution listeners, Event type)")
        elif not job_type:
            problems.append(f"the {event} execution listener has no job type; enter the type its workers take "
                            f"(Execution listeners, Listener type)")
        elif any(f.event == event and f.job_type == job_type for f in found):
            problems.append(f"two {event} execution listeners have the job type '{job_type}', which Camunda 8 "
                            f"refuses; keep one (Execution listeners, Listener type)")
        else:
            retries = _retries(listener.get("retries", ""), "the execution listener's retries (Execution listeners, "
                                                            "Retries)", problems)
            found.append(JobListener(event, _job_type(job_type) or job_type, **retries))
    return tuple(found)


# The task listener events this engine runs, by the names Zeebe accepts (8.6 and 8.7 wrote `create` and `complete`).
TASK_LISTENER_EVENTS = {"creating": "creating", "create": "creating", "completing": "completing",
                        "complete": "completing"}


def _task_listeners(extension: etree._Element, problems: list[str]) -> tuple[JobListener, ...]:
    """The zeebe:taskListener elements of a Camunda user task that this engine runs, in model order: jobs run as
    the task is created (before it is offered) or completed (before the task completes); see
    `engine.behaviours.task_listeners`. The others are refused by `validation.camunda8.task_listener_problems`."""
    found: list[JobListener] = []
    for listener in extension.findall(f"{zeebe('taskListeners')}/{zeebe('taskListener')}"):
        event, job_type = (listener.get("eventType") or "").strip(), (listener.get("type") or "").strip()
        if event in TASK_LISTENER_EVENTS and job_type:
            retries = _retries(listener.get("retries", ""), "the task listener's retries (Task listeners, Retries)",
                               problems)
            found.append(JobListener(TASK_LISTENER_EVENTS[event], _job_type(job_type) or job_type, **retries))
    return tuple(found)


BINDINGS = ("latest", "deployment", "versionTag")
WEB_ADDRESS = re.compile(r"https?://[^\s\"<>]+", re.IGNORECASE)


def _external_form(address: str, camunda_user_task: bool, other_form: bool, problems: list[str]) -> str | None:
    """The address of an external form, as the inbox can link to it: a fixed http(s) address. Camunda 8 takes one
    only on a Camunda user task and alone; an expression it would evaluate as the task is created, which this
    engine does not."""
    where = "(Form, External reference)"
    if not camunda_user_task:
        problems.append(f"an external form is for a Camunda user task only; set the implementation to Camunda user "
                        f"task or link the form otherwise {where}")
    elif other_form:
        problems.append(f"the form has an external reference besides a linked form or form key, which Camunda 8 "
                        f"refuses; keep one {where}")
    elif is_expression(address):
        problems.append(f"the external form's address is an expression, which this engine does not evaluate as the "
                        f"task is created; enter a fixed https:// address {where}")
    elif not WEB_ADDRESS.fullmatch(address):
        problems.append(f"the external form's address '{address[:80]}' is not an http(s) address the inbox can "
                        f"link to; enter one {where}")
    else:
        return address
    return None


def _form(form: etree._Element, camunda_user_task: bool, user_task_forms: dict[str, str],
          problems: list[str]) -> dict[str, Any]:
    """zeebe:formDefinition: a form embedded in the file (formKey `camunda-forms:bpmn:ID`), a deployed form linked
    by its formId with the version its bindingType picks, the address of a form outside the inbox (a Camunda user
    task's externalReference), or an application's own form key."""
    found: dict[str, Any] = {}
    form_id, key = (form.get("formId") or "").strip(), (form.get("formKey") or "").strip()
    binding = (form.get("bindingType") or "").strip()
    external = (form.get("externalReference") or "").strip()
    if external:
        found["external_form"] = _external_form(external, camunda_user_task, bool(form_id or key), problems)
    if binding and binding not in BINDINGS:
        problems.append(f"the form's binding '{binding}' is not one Camunda 8 knows; choose latest, deployment or "
                        f"versionTag (Form, Binding)")
    if form_id and key:
        problems.append("the form is both linked by its ID and given a form key, which Camunda 8 refuses; keep one "
                        "(Form, Type)")
    if binding and not form_id:
        problems.append("the form has a binding but links no deployed form; Camunda 8 binds only a form linked by "
                        "its ID (Form, Binding)")
    if form_id:
        found.update(form_key=LINKED_FORM + form_id, form_binding=binding or "latest")
        if binding == "versionTag":
            found["form_version_tag"] = (form.get("versionTag") or "").strip() or None
            if found["form_version_tag"] is None:
                problems.append("the form is bound by version tag but names none; enter it (Form, Version tag)")
        return found
    embedded = key.removeprefix("camunda-forms:bpmn:")
    if embedded in user_task_forms:
        fields, form_problems = read_form_js(user_task_forms[embedded])
        found["form_fields"] = fields
        problems += [f"form '{embedded}': {problem}" for problem in form_problems]
    elif key.startswith("camunda-forms:bpmn:"):
        problems.append(f"the form '{embedded}' is not in this file; embed it as a zeebe:userTaskForm with that id")
    elif key:
        found["form_key"] = key
    return found


def _headers(extension: etree._Element) -> tuple[tuple[str, str], ...]:
    """What a job's handler is told besides its variables, always static text: the zeebe:properties (the
    modeler's Extension properties) and then the zeebe:taskHeaders, a header winning over a property of its name."""
    properties = extension.iterfind(f"{zeebe('properties')}/{zeebe('property')}")
    found = {p.get("name", ""): p.get("value", "") for p in properties}
    headers = extension.iterfind(f"{zeebe('taskHeaders')}/{zeebe('header')}")
    found.update((h.get("key", ""), h.get("value", "")) for h in headers)
    return tuple(found.items())


def _mappings(io: etree._Element, kind: str) -> tuple[Mapping, ...]:
    """zeebe:input or zeebe:output mappings; one without a source copies the variable its target names."""
    return tuple(Mapping(m.get("target", ""), value_of(m.get("source", "")) if m.get("source") else "",
                         nested="." in m.get("target", ""))
                 for m in io.findall(zeebe(kind)))


def _script(script: etree._Element, problems: list[str]) -> dict[str, Any]:
    """zeebe:script: a FEEL expression evaluated by the engine, its value set in the result variable (a script task
    without an expression is refused with every script task that has no script)."""
    expression = (script.get("expression") or "").strip()
    result = (script.get("resultVariable") or "").strip()
    if not result:
        problems.append("the script task does not say where its result goes; enter a variable name "
                        "(Script, Result variable)")
    return {"script_expression": value_of(expression) if expression else None, "result_variable": result or None}


def _called_decision(decision: etree._Element, problems: list[str]) -> dict[str, Any]:
    """zeebe:calledDecision: the decision (latest version) and the variable its result goes to."""
    found: dict[str, Any] = {"decision_ref": _optional((decision.get("decisionId") or "").strip()),
                             "result_variable": (decision.get("resultVariable") or "").strip() or None}
    if found["decision_ref"] is None:
        problems.append("zeebe:calledDecision has no decisionId")
    if found["result_variable"] is None:
        problems.append("zeebe:calledDecision has no resultVariable: name the variable the decision's result goes to")
    _latest_only(decision, "Called decision", "decision", problems)
    return found


def _latest_only(called: etree._Element, field: str, what: str, problems: list[str]) -> None:
    """This engine calls the latest version of a decision or process: another bindingType Camunda 8 would honour
    is refused."""
    binding = (called.get("bindingType") or "latest").strip()
    if binding != "latest":
        problems.append(f"the {what} is bound to '{binding}', but this engine always calls the latest version of the "
                        f"{what}; choose latest ({field}, Binding)")


def loop(element: etree._Element) -> dict[str, Any]:
    """Multi-instance collection settings from zeebe:loopCharacteristics."""
    spec = element.find(f"{{*}}extensionElements/{zeebe('loopCharacteristics')}")
    if spec is None:
        return {}
    return {
        "collection": spec.get("inputCollection"),
        "element_variable": spec.get("inputElement"),
        "output_collection": spec.get("outputCollection"),
        "output_element": spec.get("outputElement"),
    }


def called_process(element: etree._Element) -> str | None:
    called = element.find(f"{{*}}extensionElements/{zeebe('calledElement')}")
    return called.get("processId") if called is not None else None


def variable_passing(call: etree._Element) -> VariablePassing | None:
    """zeebe:calledElement's propagateAllParentVariables and propagateAllChildVariables (both true by default);
    None when the call activity names no zeebe:calledElement.

    Without all parent variables only the call activity's own variables (its input mappings) go in; without all
    child variables only its output mappings bring anything back, and those read every child variable, so the
    child's variables still come back as the call activity's own (see `ActivityBehaviour.set_results`)."""
    called = call.find(f"{{*}}extensionElements/{zeebe('calledElement')}")
    if called is None:
        return None
    all_parent = (called.get("propagateAllParentVariables") or "true").strip().lower() != "false"
    all_child = (called.get("propagateAllChildVariables") or "true").strip().lower() != "false"
    has_outputs = call.find(f"{{*}}extensionElements/{zeebe('ioMapping')}/{zeebe('output')}") is not None
    return VariablePassing(ALL_VARIABLES if all_parent else (CallMapping(all=True, local=True),),
                           ALL_VARIABLES if all_child or has_outputs else ())


def user_task_forms(process: etree._Element) -> dict[str, str]:
    """Form-js JSON embedded in the process (zeebe:userTaskForm), by id."""
    return {form.get("id", ""): (form.text or "") for form in process.iter(zeebe("userTaskForm"))}
