"""Camunda 7 generated forms: a start event's form on the console's start page (checked as a task's form is),
and default values written as expressions, evaluated against the instance's variables."""
from __future__ import annotations

import html

from bpmn_runtime.runtime import Runtime
from tests.web.conftest import WEB_PROCESSES, Person, flashes


def test_the_start_page_uses_the_start_events_form(runtime: Runtime, olga: Person, mia: Person) -> None:
    [deployed] = runtime.deploy(WEB_PROCESSES / "start_form.bpmn")
    page = html.unescape(olga.get(f"/console/definitions/{deployed.definition_id}").text)
    assert '<input id="field-days" name="days" type="number" value="1"' in page
    assert '<option value="holiday" selected>Holiday</option>' in page and 'name="name_0"' not in page
    refused = olga.post(f"/console/definitions/{deployed.definition_id}/start",
                        {"days": "45", "kind": "holiday", "business_key": "leave-1"})
    assert refused.status_code == 400
    assert "Some values need a change; nothing was started:" in refused.text
    assert '<a href="#field-days">Days off: Must be at most 30</a>' in refused.text
    assert 'aria-describedby="hint-days error-days" aria-invalid="true" autofocus>' in refused.text
    assert 'value="45"' in refused.text and 'value="leave-1"' in refused.text
    started = olga.post(f"/console/definitions/{deployed.definition_id}/start",
                        {"days": "3", "first_day": "2027-02-01", "kind": "sick", "business_key": "leave-1"},
                        follow_redirects=True)
    assert "Started instance" in flashes(started.text)[0]
    [instance] = runtime.queries.instances(process="start-form")[0]
    assert runtime.queries.instance(instance.id).variables == {"days": 3, "first_day": "2027-02-01", "kind": "sick"}

    task_id = runtime.queries.instance(instance.id).tasks[0].id
    mia.post(f"/tasks/{task_id}/claim")
    task_page = html.unescape(mia.get(f"/tasks/{task_id}").text)
    assert '<input id="field-granted" name="granted" type="number" value="3"' in task_page, "${days} evaluated"
    assert 'value="sick for 3 day(s)"' in task_page and "readonly" in task_page
