"""The inbox as people work in it: the next task of the same case opens after completing one (as Tasklist
does), operators see and assign every task, "Assigned to" and "Offered to" say different things, and a
follow-up date brings a task back under its filter."""
from __future__ import annotations

import html

from bpmn_runtime.runtime import Runtime
from bpmn_runtime.worker import Worker
from tests.web.conftest import WEB_PROCESSES, Person, flashes, place_order


def _claim_and_complete(person: Person, task_id: int) -> str:
    person.post(f"/tasks/{task_id}/claim")
    response = person.post(f"/tasks/{task_id}/complete")
    assert response.status_code == 302, response.text
    return str(response.headers["Location"])


def test_an_approver_works_through_three_tasks_in_a_row(runtime: Runtime, mia: Person) -> None:
    runtime.deploy(WEB_PROCESSES / "three_steps.bpmn")
    instance_id = runtime.start("three-steps", business_key="contract-1")
    other = runtime.start("three-steps", business_key="contract-2")
    check = runtime.queries.instance(instance_id).tasks[0].id
    approve_at = _claim_and_complete(mia, check)
    approve = runtime.queries.instance(instance_id).tasks[0]
    assert approve.name == "Approve the contract" and approve_at == f"/tasks/{approve.id}"
    assert "'Check the contract' is completed. This is the next task of the same case." in flashes(mia.get(approve_at).text)
    sign_at = _claim_and_complete(mia, approve.id)
    sign = runtime.queries.instance(instance_id).tasks[0]
    assert sign_at == f"/tasks/{sign.id}", "the task the model gives her is next"
    assert mia.post(f"/tasks/{sign.id}/complete").headers["Location"] == "/tasks", "the case is done: the list"
    assert runtime.queries.instance(instance_id).summary.status == "completed"
    assert runtime.queries.instance(other).summary.status == "active", "another case's task never opens"


def test_assigned_to_and_offered_to_are_different_things(runtime: Runtime, worker: Worker, mia: Person) -> None:
    place_order(runtime, worker, business_key="order-1")
    page = html.unescape(mia.get("/tasks").text)
    assert '<td data-label="Assigned to"><span class="muted">nobody yet</span></td>' in page
    assert '<td data-label="Offered to">managers</td>' in page


def test_operators_see_every_task_and_assign_any(runtime: Runtime, worker: Worker, olga: Person,
                                                 mia: Person) -> None:
    instance_id = place_order(runtime, worker, business_key="order-2")
    task_id = runtime.queries.instance(instance_id).tasks[0].id
    runtime.claim(task_id, "max")
    listing = olga.get("/tasks").text
    assert "Every open task" in listing and "order-2" in listing, "olga is in no group, and sees it all the same"
    assert "order-2" not in mia.get("/tasks").text, "max holds it: mia's inbox no longer lists it"
    page = olga.get(f"/tasks/{task_id}").text
    assert "Reassign to" in page
    done = olga.post(f"/tasks/{task_id}/assign", {"assignee": "mia"}, follow_redirects=True)
    assert flashes(done.text) == ["'Approve order' is assigned to mia."]
    assert runtime.queries.task(task_id).assignee == "mia"
    assert mia.post(f"/tasks/{task_id}/assign", {"assignee": "mia"}).status_code == 403
    assert "Reassign to" not in mia.get(f"/tasks/{task_id}").text


def test_a_follow_up_date_brings_a_task_back(runtime: Runtime, worker: Worker, mia: Person) -> None:
    first = runtime.queries.instance(place_order(runtime, worker, business_key="order-3")).tasks[0].id
    later = runtime.queries.instance(place_order(runtime, worker, business_key="order-4")).tasks[0].id
    today = runtime.clock.now().date().isoformat()
    done = mia.post(f"/tasks/{first}/follow-up", {"follow_up": today}, follow_redirects=True)
    assert flashes(done.text) == [f"Follow up on {today}."]
    mia.post(f"/tasks/{later}/follow-up", {"follow_up": "2999-01-01"})
    due = mia.get("/tasks?due=follow-up").text
    assert "order-3" in due and "order-4" not in due
    assert "Enter the follow-up date as YYYY-MM-DD." in flashes(
        mia.post(f"/tasks/{first}/follow-up", {"follow_up": "soon"}, follow_redirects=True).text)
    mia.post(f"/tasks/{first}/follow-up", {"follow_up": ""})
    assert runtime.queries.task(first).follow_up is None


def test_form_errors_reach_screen_readers(runtime: Runtime, worker: Worker, mia: Person) -> None:
    task_id = runtime.queries.instance(place_order(runtime, worker)).tasks[0].id
    mia.post(f"/tasks/{task_id}/claim")
    refused = mia.post(f"/tasks/{task_id}/complete", {"comment": "x" * 201})
    assert refused.status_code == 400
    page = refused.text
    assert '<div class="form-error" role="alert" id="form-error">' in page, "announced at once"
    summary = page.split('id="form-error">')[1].split("</div>")[0]
    assert '<a href="#field-approved">Approve this order? Choose yes or no</a>' in summary, "the list links to each field"
    assert '<a href="#field-comment">Comment: Use at most 200 characters</a>' in summary
    assert '<fieldset class="choices" aria-describedby="hint-approved error-approved">' in page
    assert 'value="true" id="field-approved" aria-invalid="true" autofocus' in page, "the first problem has the focus"
    assert 'value="false" aria-invalid="true"' in page
    assert 'aria-describedby="hint-comment error-comment" aria-invalid="true">' in page, "marked, not focused"
    assert '<p class="field-error" id="error-comment">' in page
    assert page.count(" autofocus") == 1
