"""Deployed forms: a .form file is deployed with versions; a Camunda 8 formId or a Camunda 7
camunda-forms:deployment: key links a task to it, checked when the process is deployed (a link to no
deployed form is refused, located at its task); the inbox shows and checks the linked form (which version a
Camunda 8 binding picks: tests/camunda8/test_linked_forms.py)."""
from __future__ import annotations

import html
from pathlib import Path

import pytest

from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.errors import InvalidInput
from bpmn_runtime.runtime import Runtime
from tests.web.conftest import WEB_PROCESSES, Person, flashes

FORM = WEB_PROCESSES / "invoice.form"


@pytest.mark.parametrize("model", ["linked_c8.bpmn", "linked_c7.bpmn", "linked_c7_ref.bpmn"])
def test_a_task_shows_and_checks_the_form_it_links_to(runtime: Runtime, mia: Person, model: str) -> None:
    with pytest.raises(DeploymentError) as refused:
        runtime.deploy(WEB_PROCESSES / model)
    [problem] = refused.value.problems
    assert problem.element_id == "Check" and problem.line == 6 and "none is deployed" in problem.message
    [form] = runtime.deploy(FORM)
    assert (form.kind, form.key, form.version, form.new) == ("form", "invoice-check", 1, True)
    assert runtime.deploy(FORM)[0].new is False
    [process] = runtime.deploy(WEB_PROCESSES / model)
    instance_id = runtime.start(process.key)
    task_id = runtime.queries.instance(instance_id).tasks[0].id
    mia.post(f"/tasks/{task_id}/claim")
    page = html.unescape(mia.get(f"/tasks/{task_id}").text)
    assert "<p>Check the invoice against the order.</p>" in page and 'name="invoice_total"' in page
    refused_values = mia.post(f"/tasks/{task_id}/complete", {"invoice_total": "-3"})
    assert refused_values.status_code == 400 and "Must be at least 0" in refused_values.text
    with pytest.raises(InvalidInput, match="comment: is not a field of this form"):
        runtime.complete_task(task_id, {"invoice_total": 10, "comment": "x"})

    newer = FORM.read_bytes().replace(b'"label": "Invoice total"', b'"label": "Total on the invoice"')
    assert runtime.deploy(newer, file_name="invoice.form")[0].version == 2
    assert "Invoice total" in mia.get(f"/tasks/{task_id}").text, "the process version keeps the form it was bound to"
    mia.post(f"/tasks/{task_id}/complete", {"invoice_total": "120.5", "matches": "true"})
    assert runtime.queries.instance(instance_id).variables == {"invoice_total": 120.5, "matches": True}


def test_a_form_file_the_inbox_cannot_show_is_refused(runtime: Runtime, olga: Person, tmp_path: Path) -> None:
    with pytest.raises(DeploymentError, match="the form has no 'id'"):
        runtime.deploy(b'{"components": []}', file_name="anonymous.form")
    with pytest.raises(DeploymentError, match="not valid JSON"):
        runtime.deploy(b"<xml/>", file_name="broken.form")
    uploaded = olga.post("/console/deployments", data={
        "file": (FORM.open("rb"), "invoice.form")}, content_type="multipart/form-data", follow_redirects=True)
    assert "Deployed form invoice-check version 1 from invoice.form." in flashes(uploaded.text)
