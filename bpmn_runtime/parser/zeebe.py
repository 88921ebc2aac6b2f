"""Camunda 8 extensions (Camunda Modeler 'Camunda 8' files): `zeebe:` extension elements."""
from __future__ import annotations

from typing import Any

from lxml import etree

from bpmn_runtime.forms import LINKED_FORM, read_form_js
from bpmn_runtime.model import Mapping
from bpmn_runtime.parser.numbers import LARGEST, MAX_RETRIES, literal_or_expression, whole_number
from bpmn_runtime.parser.namespaces import zeebe


AD_HOC_SETTINGS = ("activeElementsCollection", "outputCollection", "outputElement")


def _split(value: str | None) -> tuple[str, ...]:
    text = (value or "").strip()
    if text.startswith("="):  # a FEEL list literal of names: =["a","b"]
        text = text[1:].strip().strip("[]").replace('"', "")
    return tuple(part.strip() for part in text.split(",") if part.strip())


def read(element: etree._Element, user_task_forms: dict[str, str], problems: list[str]) -> dict[str, Any]:
    """Extension fields of one flow node. `user_task_forms` holds the process's embedded form-js JSON by id;
    messages about what cannot run (a broken or missing form) go to `problems`."""
    extension = element.find("{*}extensionElements")
    if extension is None:
        return {}
    found: dict[str, Any] = {}
    task = extension.find(zeebe("taskDefinition"))
    if task is not None:
        found["topic"] = task.get("type")
        retries = task.get("retries", "")
        if retries.strip() and not retries.strip().startswith("="):
            found["retries"] = whole_number(retries, "zeebe:taskDefinition retries", problems, high=MAX_RETRIES)
    assignment = extension.find(zeebe("assignmentDefinition"))
    if assignment is not None:
        if assignment.get("assignee"):
            found["assignee"] = assignment.get("assignee")
        if assignment.get("candidateGroups"):
            found["candidate_groups"] = _split(assignment.get("candidateGroups"))
        if assignment.get("candidateUsers"):
            found["candidate_users"] = _split(assignment.get("candidateUsers"))
    schedule = extension.find(zeebe("taskSchedule"))
    if schedule is not None and schedule.get("dueDate"):
        found["due_date"] = schedule.get("dueDate")
    priority = extension.find(zeebe("priorityDefinition"))
    if priority is not None and priority.get("priority"):
        found["priority"] = priority.get("priority")
        literal_or_expression(found["priority"], "zeebe:priorityDefinition priority", problems, -LARGEST, LARGEST)
    form = extension.find(zeebe("formDefinition"))
    if form is not None:
        key = form.get("formKey") or (LINKED_FORM + form.get("formId", "") if form.get("formId") else "")
        embedded = key.removeprefix("camunda-forms:bpmn:")
        if embedded in user_task_forms:
            fields, form_problems = read_form_js(user_task_forms[embedded])
            found["form_fields"] = fields
            problems += [f"form '{embedded}': {problem}" for problem in form_problems]
        elif key.startswith("camunda-forms:bpmn:"):
            problems.append(f"the form '{embedded}' is not in this file; embed it as a zeebe:userTaskForm "
                            f"with that id")
        elif key:
            found["form_key"] = key
    io = extension.find(zeebe("ioMapping"))
    if io is not None:
        found["inputs"] = tuple(Mapping(m.get("target", ""), m.get("source", "")) for m in io.findall(zeebe("input")))
        found["outputs"] = tuple(Mapping(m.get("target", ""), m.get("source", "")) for m in io.findall(zeebe("output")))
    decision = extension.find(zeebe("calledDecision"))
    if decision is not None:
        found.update(_called_decision(decision, problems))
    ad_hoc = extension.find(zeebe("adHoc"))
    if ad_hoc is not None and any(ad_hoc.get(a, "").strip() for a in AD_HOC_SETTINGS):
        problems.append("zeebe:adHoc (the Active elements collection and output collection of an ad-hoc "
                        "sub-process) is not supported: this engine starts every inner activity that has no incoming "
                        "flow, ordered as the 'ordering' attribute says; clear those fields")
    headers = extension.find(zeebe("taskHeaders"))
    if headers is not None:
        found["headers"] = tuple((h.get("key", ""), h.get("value", "")) for h in headers.findall(zeebe("header")))
    return found


def _called_decision(decision: etree._Element, problems: list[str]) -> dict[str, Any]:
    """zeebe:calledDecision: the decision (latest version) and the variable its result goes to."""
    found: dict[str, Any] = {"decision_ref": (decision.get("decisionId") or "").strip() or None,
                             "result_variable": (decision.get("resultVariable") or "").strip() or None}
    if found["decision_ref"] is None:
        problems.append("zeebe:calledDecision has no decisionId")
    if found["result_variable"] is None:
        problems.append("zeebe:calledDecision has no resultVariable: name the variable the decision's result goes to")
    binding = (decision.get("bindingType") or "latest").strip()
    if binding != "latest":
        problems.append(f"zeebe:calledDecision bindingType '{binding}' is not supported: use 'latest' (the default)")
    return found


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


def user_task_forms(process: etree._Element) -> dict[str, str]:
    """Form-js JSON embedded in the process (zeebe:userTaskForm), by id."""
    return {form.get("id", ""): (form.text or "") for form in process.iter(zeebe("userTaskForm"))}
