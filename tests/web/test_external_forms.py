"""A Camunda user task whose form is outside the inbox (Camunda 8 `zeebe:formDefinition externalReference`): the
inbox links to the form instead of showing one, the API gives its address, and the form completes the task
through the API."""
from __future__ import annotations

import html

from flask import Flask

from bpmn_runtime.runtime import Runtime
from tests.camunda8.models import extensions, flows, model
from tests.web.conftest import Person, bearer

ADDRESS = "https://forms.example.com/review?case=1&lang=en"


def test_the_inbox_links_to_the_external_form_and_the_api_completes_the_task(
        runtime: Runtime, app: Flask, mia: Person) -> None:
    task = ('<bpmn:userTask id="review" name="Review claim">' + extensions(
        "<zeebe:userTask/>", '<zeebe:assignmentDefinition candidateGroups="managers"/>',
        f'<zeebe:formDefinition externalReference="{ADDRESS.replace("&", "&amp;")}"/>') + "</bpmn:userTask>")
    runtime.deploy(model(f'<bpmn:startEvent id="s"/>{task}<bpmn:endEvent id="e"/>{flows("s", "review", "e")}'),
                   "claims.bpmn")
    instance = runtime.start("p")
    task_id = runtime.queries.instance(instance).tasks[0].id
    mia.post(f"/tasks/{task_id}/claim")
    page = html.unescape(mia.get(f"/tasks/{task_id}").text)
    assert f'<a href="{ADDRESS}" target="_blank" rel="noopener noreferrer">open its form</a>' in page
    assert "Complete task" not in page

    api = app.test_client()
    shown = api.get(f"/api/v1/tasks/{task_id}", headers=bearer(runtime, "mia")).get_json()
    assert (shown["externalFormReference"], shown["form"]) == (ADDRESS, [])
    done = api.post(f"/api/v1/tasks/{task_id}/complete", json={"variables": {"approved": True}},
                    headers=bearer(runtime, "mia"))
    assert done.status_code == 204
    assert runtime.queries.instance(instance).summary.status == "completed"
    assert runtime.queries.instance(instance).variables == {"approved": True}
