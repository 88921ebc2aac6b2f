"""The inbox, the API and the console go through the runtime's task rules: unknown values are refused
with a message that names them, engine variables cannot be set, and operators assign tasks."""
from __future__ import annotations

from flask import Flask

from bpmn_runtime.runtime import Runtime
from bpmn_runtime.worker import Worker
from tests.web.conftest import WEB_PROCESSES, Person, approval_task, bearer, flashes, place_order
from tests.web.test_routes import field_errors


def test_the_api_refuses_values_the_form_does_not_have(runtime: Runtime, app: Flask, worker: Worker) -> None:
    client, mia = app.test_client(), bearer(runtime, "mia")
    instance_id = place_order(runtime, worker)
    task_id = approval_task(runtime, instance_id)
    refused = client.post(f"/api/v1/tasks/{task_id}/complete", headers=mia,
                          json={"variables": {"approved": True, "amount": 1, "nrOfInstances": 0}})
    assert refused.status_code == 400
    assert refused.get_json()["fields"] == {"amount": "is not a field of this form",
                                            "nrOfInstances": "is not a field of this form"}
    assert runtime.queries.instance(instance_id).variables["amount"] == 5000


def test_a_row_named_like_an_engine_variable_is_refused(runtime: Runtime, mia: Person) -> None:
    runtime.deploy(WEB_PROCESSES / "task_forms.bpmn")
    instance_id = runtime.start("task-forms")
    runtime.complete_task(runtime.queries.instance(instance_id).tasks[0].id, {"quantity": 1})
    task_id = runtime.queries.instance(instance_id).tasks[0].id
    mia.post(f"/tasks/{task_id}/claim")
    refused = mia.post(f"/tasks/{task_id}/complete", {"name_0": "loopCounter", "value_0": "7"})
    assert refused.status_code == 400
    assert field_errors(refused.text) == ["Variable &#39;loopCounter&#39; is set by the engine (loops and "
                                          "multi-instance activities) and cannot be set from outside"]
    assert runtime.queries.instance(instance_id).summary.status == "active"


def test_operators_assign_tasks_through_the_api_and_the_console(runtime: Runtime, app: Flask, worker: Worker,
                                                                olga: Person) -> None:
    client = app.test_client()
    task_id = approval_task(runtime, place_order(runtime, worker))
    refused = client.post(f"/api/v1/tasks/{task_id}/assign", headers=bearer(runtime, "mia"), json={"assignee": "mia"})
    assert refused.status_code == 403 and "Only operators and administrators" in refused.get_json()["error"]
    done = client.post(f"/api/v1/tasks/{task_id}/assign", headers=bearer(runtime, "olga"), json={"assignee": "sam"})
    assert done.status_code == 204 and runtime.queries.task(task_id).assignee == "sam"
    response = olga.post(f"/console/tasks/{task_id}/assign", {"assignee": "mia"}, follow_redirects=True)
    assert flashes(response.text) == ["'Approve order' is assigned to mia."]
    assert runtime.queries.task(task_id).assignee == "mia"
