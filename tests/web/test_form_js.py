"""Form-js forms as the models define them, with no script on the page: groups and their fields, text views,
checklist, tag list, choices whose options come from a variable, validation (required, bounds, length,
pattern, e-mail), and conditional hiding evaluated on the server (a hidden field is neither checked nor
set); a form the inbox could not show or check is refused at deployment."""
from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.runtime import Runtime
from tests.web.conftest import WEB_PROCESSES, Person

VARIABLES = {"availableTags": ["fragile", "heavy", "export"],
             "regions": [{"value": "north", "label": "North"}, {"value": "south", "label": "South"}]}
GOOD = {"customer": "Ana", "email": "ana@example.com", "kind": "private", "extras": ["gift"],
        "tags": ["fragile", "export"], "region": "south", "quantity": "3", "delivery": "2027-01-15"}


def _task(runtime: Runtime, mia: Person) -> int:
    runtime.deploy(WEB_PROCESSES / "form_groups.bpmn")
    instance_id = runtime.start("form-groups", VARIABLES)
    task_id = runtime.queries.instance(instance_id).tasks[0].id
    mia.post(f"/tasks/{task_id}/claim")
    return task_id


def test_groups_text_and_choices_are_drawn_and_conditions_hide(runtime: Runtime, mia: Person) -> None:
    page = html.unescape(mia.get(f"/tasks/{_task(runtime, mia)}").text)
    assert "<p>Check the request before it goes to the warehouse.</p><p>Fields marked * are required.</p>" in page
    assert '<fieldset class="form-group"><legend>Customer</legend>' in page
    assert "VAT number" not in page and "<legend>Company</legend>" not in page, "hidden: no kind chosen yet"
    assert "Why urgent?" not in page
    assert '<input type="checkbox" name="extras" value="gift"' in page
    assert '<select id="field-tags" name="tags" multiple' in page and '<option value="heavy" >heavy</option>' in page
    assert '<option value="south" >South</option>' in page, "the options of a variable"
    assert '<hr class="form-separator">' in page and "Submit</button>" not in page


def test_a_refused_form_shows_what_the_values_now_say(runtime: Runtime, mia: Person) -> None:
    task_id = _task(runtime, mia)
    refused = mia.post(f"/tasks/{task_id}/complete", {**GOOD, "kind": "company", "email": "ana-at-home",
                                                      "urgent": "true", "tags": ["fragile", "moon"],
                                                      "quantity": "12"})
    assert refused.status_code == 400
    page = html.unescape(refused.text)
    assert "<legend>Company</legend>" in page and "VAT number" in page, "shown now that kind is company"
    assert "Why urgent?" in page
    for message in ("Enter an e-mail address, such as ana@example.com", "'moon' is not one of: fragile, heavy, export",
                    "Must be at most 10"):
        assert message in page
    assert page.count('class="field-error"') == 5, "vat and reason are required now that they are shown"
    assert re.search(r'<input type="checkbox" name="extras" value="gift"[^>]* checked', page), \
        "what was ticked stays ticked"
    assert '<option value="fragile" selected>fragile</option>' in page
    assert runtime.queries.task(task_id).id == task_id, "nothing was completed"


def test_a_hidden_field_is_neither_checked_nor_set(runtime: Runtime, mia: Person) -> None:
    task_id = _task(runtime, mia)
    instance_id = runtime.queries.task(task_id).instance_id
    done = mia.post(f"/tasks/{task_id}/complete", {**GOOD, "vat": "not checked: hidden"})
    assert done.status_code == 302, html.unescape(done.text)
    variables = runtime.queries.instance(instance_id).variables
    assert "vat" not in variables and "reason" not in variables
    assert variables["extras"] == ["gift"] and variables["tags"] == ["fragile", "export"]
    assert variables["quantity"] == 3 and variables["region"] == "south" and variables["urgent"] is False


def test_the_api_checks_the_same_form(runtime: Runtime, mia: Person) -> None:
    task_id = _task(runtime, mia)
    with pytest.raises(Exception, match="vat: this field is required"):
        runtime.complete_task(task_id, {**GOOD, "kind": "company", "quantity": 3, "extras": [], "urgent": False})
    runtime.complete_task(task_id, {**GOOD, "kind": "company", "vat": "FR123456789", "quantity": 3,
                                    "urgent": True, "reason": "a gift for tomorrow"})


@pytest.mark.parametrize(("component", "problem"), [
    ('{"type": "filepicker", "key": "scan", "label": "Scan"}',
     "component 1 of the form is a file upload (filepicker), which the inbox cannot show or check"),
    ('{"type": "textfield", "key": "a", "label": "A", "conditional": {"hide": "=a >"}}',
     "component 1 of the form: its condition '=a >' is not FEEL"),
    ('{"type": "group", "label": "G", "components": [{"type": "dynamiclist", "key": "rows"}]}',
     "component 1, component 1 of the form is a dynamic list (dynamiclist)"),
    ('{"type": "textfield", "key": "a", "label": "A", "validate": {"validationType": "fax"}}',
     'field \'A\': validationType "fax" is not one of email, phone'),
])
def test_a_form_the_inbox_cannot_show_is_refused(runtime: Runtime, tmp_path: Path, component: str,
                                                  problem: str) -> None:
    source = (WEB_PROCESSES / "form_groups.bpmn").read_text()
    start = source.index('"components": [') + len('"components": [')
    end = source.index("]\n}</zeebe:userTaskForm>")
    with pytest.raises(DeploymentError) as refused:
        runtime.deploy((source[:start] + component + source[end:]).encode(), file_name="bad.bpmn")
    assert any(problem in p.message for p in refused.value.problems), refused.value.problems
