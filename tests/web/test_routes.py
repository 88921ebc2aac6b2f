"""Every route of the web app through Flask's test client, on a real SQLite file with the real order
example and its handlers: logging in, the inbox and its forms, the console, the API, refusals and errors."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

from bpmn_runtime.handlers import HandlerRegistry
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.worker import Worker
from tests.conftest import PROCESSES
from tests.web.conftest import (
    PASSWORD, WEB_PROCESSES, Person, approval_task, bearer, csrf_token, flashes, log_in, place_order,
)
from bpmn_runtime.web import create_app


def field_errors(html: str) -> list[str]:
    return re.findall(r'<p class="field-error"[^>]*>(.*?)</p>', html)


# --- logging in and out ---------------------------------------------------------------------------

def test_a_visitor_is_sent_to_the_login_page(app: Flask) -> None:
    response = app.test_client().get("/tasks?sort=due")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/tasks?sort%3Ddue"


def test_a_wrong_password_is_refused_with_a_message(app: Flask) -> None:
    client = app.test_client()
    token = csrf_token(client.get("/login").text)
    response = client.post("/login", data={"name": "mia", "password": "wrong-password", "csrf_token": token})
    assert response.status_code == 200
    assert "That user name and password do not match" in response.text
    assert client.get("/tasks").status_code == 302, "still logged out"


def test_login_goes_to_the_page_asked_for_but_never_off_site(app: Flask) -> None:
    client = app.test_client()
    token = csrf_token(client.get("/login").text)
    data = {"name": "mia", "password": PASSWORD, "csrf_token": token}
    assert client.post("/login?next=/tasks?sort=due", data=data).headers["Location"] == "/tasks?sort=due"
    for hostile in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        client = app.test_client()
        data["csrf_token"] = csrf_token(client.get("/login").text)
        assert client.post("/login", data={**data, "next": hostile}).headers["Location"] == "/tasks"


def test_logout_ends_the_session(mia: Person) -> None:
    response = mia.post("/logout", follow_redirects=True)
    assert "You are logged out." in flashes(response.text)
    assert mia.get("/tasks").status_code == 302


def test_a_form_post_without_csrf_token_is_refused_and_changes_nothing(app: Flask, runtime: Runtime, worker: Worker,
                                                                        mia: Person) -> None:
    task_id = approval_task(runtime, place_order(runtime, worker))
    response = mia.client.post(f"/tasks/{task_id}/claim", data={})
    assert response.status_code == 400
    assert "did not come from this site" in response.text
    assert runtime.queries.task(task_id).assignee is None
    login = app.test_client().post("/login", data={"name": "mia", "password": PASSWORD})
    assert login.status_code == 400


def test_pages_carry_security_headers_and_no_inline_script(mia: Person) -> None:
    response = mia.get("/tasks")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "script-src" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "<script" not in response.text and " style=" not in response.text
    assert mia.get("/static/style.css").status_code == 200


# --- the inbox -------------------------------------------------------------------------------------

def test_the_inbox_shows_the_tasks_offered_to_my_groups_only(runtime: Runtime, worker: Worker, app: Flask,
                                                             mia: Person, sam: Person) -> None:
    task_id = approval_task(runtime, place_order(runtime, worker, business_key="order-7"))
    page = mia.get("/tasks")
    assert page.status_code == 200
    assert f'href="/tasks/{task_id}"' in page.text and "order-7" in page.text and "Claim" in page.text
    assert f"/tasks/{task_id}" not in sam.get("/tasks").text
    assert f"/tasks/{task_id}" not in log_in(app, "man").get("/tasks").text, "group 'man' is not 'managers'"
    assert "Nothing to do" in sam.get("/tasks").text


def test_other_peoples_tasks_are_refused(runtime: Runtime, worker: Worker, sam: Person) -> None:
    task_id = approval_task(runtime, place_order(runtime, worker))
    assert sam.get(f"/tasks/{task_id}").status_code == 403
    for action in ("claim", "unclaim", "complete"):
        response = sam.post(f"/tasks/{task_id}/{action}", {"approved": "true"})
        assert response.status_code == 403, action
        assert "not assigned or offered to you" in response.text
    assert runtime.queries.task(task_id).assignee is None


def test_claim_fill_in_wrongly_then_rightly(runtime: Runtime, worker: Worker, mia: Person) -> None:
    instance_id = place_order(runtime, worker, business_key="order-9")
    task_id = approval_task(runtime, instance_id)
    page = mia.get(f"/tasks/{task_id}")
    assert "Claim this task" in page.text and "Complete task" not in page.text
    assert '<fieldset disabled aria-describedby="read-only-note">' in page.text, "the form is read-only until claimed"
    assert 'type="radio" name="approved" value="true"' in page.text
    claimed = mia.post(f"/tasks/{task_id}/claim", follow_redirects=True)
    assert "<fieldset disabled" not in claimed.text
    assert "You claimed 'Approve order'." in " ".join(flashes(claimed.text))
    assert 'type="radio" name="approved" value="true"' in claimed.text
    assert "At most 200 characters" in claimed.text

    refused = mia.post(f"/tasks/{task_id}/complete", {"comment": "x" * 201})
    assert refused.status_code == 400
    assert field_errors(refused.text) == ["Choose yes or no", "Use at most 200 characters"]
    assert "x" * 201 in refused.text, "the entered value is kept"
    assert runtime.queries.task(task_id).assignee == "mia", "nothing changed"
    assert "approved" not in runtime.queries.instance(instance_id).variables

    done = mia.post(f"/tasks/{task_id}/complete", {"approved": "true", "comment": "fine"}, follow_redirects=True)
    assert "'Approve order' is completed. Thank you!" in flashes(done.text)
    worker.run_until_idle()
    detail = runtime.queries.instance(instance_id)
    assert detail.summary.status == "completed"
    assert detail.variables["approved"] is True and detail.variables["comment"] == "fine"


def test_a_task_must_be_claimed_before_it_is_completed(runtime: Runtime, worker: Worker, mia: Person) -> None:
    task_id = approval_task(runtime, place_order(runtime, worker))
    response = mia.post(f"/tasks/{task_id}/complete", {"approved": "true"}, follow_redirects=True)
    assert "Claim 'Approve order' before completing it" in flashes(response.text)[0]
    assert runtime.queries.task(task_id).assignee is None


def test_someone_else_claiming_or_completing_first_is_said_plainly(runtime: Runtime, worker: Worker,
                                                                   mia: Person) -> None:
    first = approval_task(runtime, place_order(runtime, worker))
    runtime.claim(first, "ada")
    response = mia.post(f"/tasks/{first}/claim", follow_redirects=True)
    assert flashes(response.text) == ["ada claimed 'Approve order' meanwhile; nothing was changed."]
    assert runtime.queries.task(first).assignee == "ada"

    second = approval_task(runtime, place_order(runtime, worker))
    mia.post(f"/tasks/{second}/claim", follow_redirects=True)
    runtime.unclaim(second)
    runtime.claim(second, "ada")
    response = mia.post(f"/tasks/{second}/complete", {"approved": "true"}, follow_redirects=True)
    assert flashes(response.text) == ["ada claimed 'Approve order' meanwhile; nothing was changed."]

    third = approval_task(runtime, place_order(runtime, worker))
    mia.post(f"/tasks/{third}/claim", follow_redirects=True)
    runtime.complete_task(third, {"approved": False})
    response = mia.post(f"/tasks/{third}/complete", {"approved": "true"}, follow_redirects=True)
    [said] = flashes(response.text)
    assert said.startswith(f"Task {third} ('Approve order') was completed at ") and \
        said.endswith(" by a program; nothing was changed."), said
    response = mia.post(f"/tasks/{third}/claim", follow_redirects=True)
    assert f"Task {third} ('Approve order') was completed at" in flashes(response.text)[0]


def test_give_a_task_back(runtime: Runtime, worker: Worker, app: Flask, mia: Person) -> None:
    task_id = approval_task(runtime, place_order(runtime, worker))
    mia.post(f"/tasks/{task_id}/claim", follow_redirects=True)
    refused = log_in(app, "max").post(f"/tasks/{task_id}/unclaim")
    assert refused.status_code == 403, "only the assignee (or an operator) gives it back"
    assert "Only the person who claimed a task, or an operator, can give it back." in refused.text
    response = mia.post(f"/tasks/{task_id}/unclaim", follow_redirects=True)
    assert "You gave 'Approve order' back" in flashes(response.text)[0]
    assert runtime.queries.task(task_id).assignee is None
    mia.post(f"/tasks/{task_id}/claim")
    released = log_in(app, "ada").post(f"/tasks/{task_id}/unclaim", follow_redirects=True)
    assert "it is offered to its candidates again" in flashes(released.text)[0], "an administrator may release it"
    assert runtime.queries.task(task_id).assignee is None


def test_inbox_filters_sorting_and_pages(runtime: Runtime, worker: Worker, mia: Person) -> None:
    for number in range(23):
        place_order(runtime, worker, business_key=f"order-{number:02}")
    runtime.deploy(WEB_PROCESSES / "task_forms.bpmn")
    runtime.start("task-forms", business_key="forms-1")

    first = mia.get("/tasks")
    assert "1–20 of 24 tasks" in first.text and 'rel="next"' in first.text
    second = mia.get("/tasks?page=2")
    assert "21–24 of 24 tasks" in second.text and 'rel="prev"' in second.text
    assert "order-00" in second.text, "newest first: the first order is on the last page"
    assert mia.get("/tasks?page=abc").status_code == 200

    only_forms = mia.get("/tasks?process=Task+forms")
    assert "Enter details" in only_forms.text and "Approve order" not in only_forms.text
    assert '<option value="Task forms" selected>Task forms</option>' in only_forms.text, "filtered by process name"
    oldest = mia.get("/tasks?sort=oldest").text
    assert oldest.index("order-00") < oldest.index("order-01"), "oldest first"
    assert "1–20 of 23 tasks" in mia.get("/tasks?due=none").text, "the task with a due date is left out"
    searched = mia.get("/tasks?q=order-17")
    assert "1–1 of 1 tasks" in searched.text and "order-17" in searched.text
    assert "No open task matches these filters." in mia.get("/tasks?q=nothing-like-this").text

    by_priority = mia.get("/tasks?process=&sort=priority&page=2").text
    assert by_priority.index("Approve order") < by_priority.index("Enter details"), "priority 70 before 20"
    by_due = mia.get("/tasks?sort=due").text
    assert by_due.index("Enter details") < by_due.index("Approve order"), "tasks without a due date come last"
    assert "2020-01-31 12:00 UTC" in by_due and "overdue" in by_due


def test_declared_form_fields_become_the_right_controls(runtime: Runtime, app: Flask, mia: Person) -> None:
    runtime.deploy(WEB_PROCESSES / "task_forms.bpmn")
    instance_id = runtime.start("task-forms", {"quantity": 3})
    task_id = runtime.queries.instance(instance_id).tasks[0].id
    page = mia.post(f"/tasks/{task_id}/claim", follow_redirects=True).text
    assert 'name="quantity" type="number" value="3" step="1"' in page, "a variable fills its field"
    assert "From 1 to 10" in page and 'name="delivery" type="date"' in page
    assert '<select id="field-size" name="size"' in page and '<option value="M" >Medium</option>' in page
    assert 'name="reference" type="text"' in page and 'type="radio" name="gift" value="false"' in page

    refused = mia.post(f"/tasks/{task_id}/complete", {"quantity": "11", "delivery": "tomorrow", "size": "XL",
                                                      "reference": "abc"})
    assert refused.status_code == 400
    assert field_errors(refused.text) == ["Must be at most 10", "Enter a date as YYYY-MM-DD",
                                          "Choose one of: Small, Medium, Large", "Use at least 5 characters"]
    assert 'value="tomorrow"' in refused.text and '<option value="XL"' not in refused.text
    mia.post(f"/tasks/{task_id}/complete", {"quantity": "4", "delivery": "2026-12-24", "size": "L",
                                            "reference": "ORD-42", "gift": "true"})
    values = runtime.queries.instance(instance_id).variables
    assert values == {"quantity": 4, "delivery": "2026-12-24", "size": "L", "reference": "ORD-42", "gift": True}


def test_a_task_without_a_form_takes_name_value_rows(runtime: Runtime, mia: Person) -> None:
    runtime.deploy(WEB_PROCESSES / "task_forms.bpmn")
    instance_id = runtime.start("task-forms")
    first = runtime.queries.instance(instance_id).tasks[0].id
    runtime.claim(first, "mia")
    runtime.complete_task(first, {"quantity": 1})
    task_id = runtime.queries.instance(instance_id).tasks[0].id
    page = mia.post(f"/tasks/{task_id}/claim", follow_redirects=True).text
    assert "This task declares no form" in page and 'name="name_0"' in page

    refused = mia.post(f"/tasks/{task_id}/complete", {"name_0": "notes", "value_0": "fragile", "name_1": "2bad",
                                                      "value_1": "x", "name_2": "", "value_2": "orphan"})
    assert refused.status_code == 400
    errors = field_errors(refused.text)
    assert errors[0].startswith("&#39;2bad&#39; is not a valid variable name")
    assert errors[1] == "Give this value a name."
    assert 'value="fragile"' in refused.text
    assert '<a href="#value-1">&#39;2bad&#39; is not a valid variable name' in refused.text, "listed at the top"
    assert '<a href="#value-2">Give this value a name.</a>' in refused.text
    assert 'id="value-1" name="value_1" value="x" placeholder="value" autocomplete="off" spellcheck="false" ' \
           'aria-invalid="true" aria-describedby="row-error-1" autofocus>' in refused.text
    assert 'aria-describedby="row-error-2">' in refused.text and refused.text.count(" autofocus") == 1
    assert runtime.queries.instance(instance_id).summary.status == "active"

    mia.post(f"/tasks/{task_id}/complete", {"name_0": "notes", "value_0": "fragile", "name_1": "boxes",
                                            "value_1": "3", "name_2": "", "value_2": ""})
    detail = runtime.queries.instance(instance_id)
    assert detail.summary.status == "completed"
    assert detail.variables["notes"] == "fragile" and detail.variables["boxes"] == 3


def test_form_js_components_become_the_right_controls(runtime: Runtime, mia: Person) -> None:
    runtime.deploy(WEB_PROCESSES / "form_js.bpmn")
    instance_id = runtime.start("form-js")
    task_id = runtime.queries.instance(instance_id).tasks[0].id
    page = mia.post(f"/tasks/{task_id}/claim", follow_redirects=True).text
    for control in ('name="customer" type="text"', 'name="discount" type="number"',
                    'type="checkbox" name="urgent" value="true"', '<select id="field-channel" name="channel"',
                    'type="radio" name="rating" value="good"', '<textarea id="field-remarks" name="remarks"',
                    'name="callback" type="datetime-local"', 'name="slot" type="time"'):
        assert control in page, control
    refused = mia.post(f"/tasks/{task_id}/complete", {"discount": "60", "rating": "meh"})
    assert field_errors(refused.text) == ["This field is required", "Must be at most 50", "Choose one of: Good, Bad"]
    mia.post(f"/tasks/{task_id}/complete", {"customer": "ACME", "discount": "12.5", "channel": "phone",
                                            "rating": "good", "remarks": "call first",
                                            "callback": "2026-12-01T09:30", "slot": "10:15"})
    values = runtime.queries.instance(instance_id).variables
    assert values == {"customer": "ACME", "discount": 12.5, "urgent": False, "channel": "phone", "rating": "good",
                      "remarks": "call first", "callback": "2026-12-01T09:30:00", "slot": "10:15"}


# --- the console -----------------------------------------------------------------------------------

CONSOLE_PAGES = ("/console", "/console/instances", "/console/deployments", "/console/definitions/1",
                 "/console/incidents")


def test_the_console_is_for_operators_only(runtime: Runtime, worker: Worker, mia: Person) -> None:
    instance_id = place_order(runtime, worker)
    for path in CONSOLE_PAGES + (f"/console/instances/{instance_id}",):
        assert mia.get(path).status_code == 403, path
    refusals = [mia.post(f"/console/instances/{instance_id}/cancel"),
                mia.post("/console/definitions/1/start", {"name_0": "amount", "value_0": "5"}),
                mia.post("/console/deployments", {"file": (io.BytesIO(b"<x/>"), "x.bpmn")},
                         content_type="multipart/form-data"),
                mia.post("/console/incidents/1/retry"),
                mia.post(f"/console/tasks/{approval_task(runtime, instance_id)}/release")]
    assert [r.status_code for r in refusals] == [403] * 5
    assert "Only operators and administrators can do this." in refusals[0].text
    assert runtime.queries.instance(instance_id).summary.status == "active"
    assert len(runtime.queries.definitions()) == 1
    assert "Instances" not in mia.get("/tasks").text.split("<main")[0], "no console links for users"


def test_operator_pages_render(olga: Person) -> None:
    for path in CONSOLE_PAGES:
        response = olga.get(path, follow_redirects=True)
        assert response.status_code == 200, path


def test_upload_a_new_version_an_identical_file_and_a_broken_file(runtime: Runtime, olga: Person) -> None:
    changed = (PROCESSES / "order_fulfilment.bpmn").read_bytes().replace(b'name="Check stock"', b'name="Check shelf"')
    response = olga.post("/console/deployments", {"file": (io.BytesIO(changed), "order_fulfilment.bpmn")},
                         content_type="multipart/form-data", follow_redirects=True)
    assert flashes(response.text) == [
        "Deployed Order fulfilment (order-fulfilment) version 2 from order_fulfilment.bpmn."]
    assert "v1" in response.text, "the older version is listed"
    response = olga.post("/console/deployments", {"file": (io.BytesIO(changed), "again.bpmn")},
                         content_type="multipart/form-data", follow_redirects=True)
    assert "is identical to again.bpmn; nothing changed." in flashes(response.text)[0]

    broken = (WEB_PROCESSES / "broken.bpmn").read_bytes()
    refused = olga.post("/console/deployments", {"file": (io.BytesIO(broken), "broken.bpmn")},
                        content_type="multipart/form-data")
    assert refused.status_code == 400
    assert "broken.bpmn was not deployed: 3 problems to fix." in refused.text
    rows = re.findall(r'<td class="num"[^>]*>(\d+)</td><td[^>]*><code>([^<]+)</code></td><td[^>]*>([^<]+)</td>',
                      refused.text)
    assert rows[0] == ("5", "Flow_ToNowhere",
                       "The sequence flow leads to &#39;Ghost&#39;, which is declared nowhere in this file")
    assert {line for line, _, _ in rows} == {"5", "6", "7"}
    assert [d["key"] for d in runtime.queries.definitions()] == ["order-fulfilment"] * 2

    empty = olga.post("/console/deployments", {}, content_type="multipart/form-data")
    assert empty.status_code == 400 and "Choose a .bpmn, .dmn or .form file to upload." in empty.text


def test_start_an_instance_from_the_console(runtime: Runtime, olga: Person) -> None:
    page = olga.get("/console/definitions/1")
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="bpmn-diagram"' in page.text
    assert "'sha256-" in page.headers["Content-Security-Policy"], "the diagram's style is allowed by its hash"
    refused = olga.post("/console/definitions/1/start", {"business_key": "order-77", "name_0": "amount",
                                                          "value_0": "5000", "name_1": "amount", "value_1": "1"})
    assert refused.status_code == 400
    assert field_errors(refused.text) == ["The name &#39;amount&#39; is used twice."]
    assert 'value="order-77"' in refused.text
    assert runtime.queries.instances()[1] == 0
    started = olga.post("/console/definitions/1/start", {"business_key": "order-77", "name_0": "amount",
                                                          "value_0": "5000", "name_1": "", "value_1": ""})
    assert started.status_code == 302
    instance_id = int(started.headers["Location"].rsplit("/", 1)[1])
    detail = runtime.queries.instance(instance_id)
    assert detail.summary.business_key == "order-77" and detail.variables == {"amount": 5000}
    assert f"Started instance {instance_id} of order-fulfilment version 1." in flashes(olga.get("/tasks").text)


def test_find_instances_by_process_status_and_business_key(runtime: Runtime, worker: Worker, olga: Person) -> None:
    for number in range(22):
        place_order(runtime, worker, amount=10, business_key=f"small-{number:02}")
    place_order(runtime, worker, amount=5000, business_key="big-1")
    listing = olga.get("/console/instances")
    assert "1–20 of 23 instances" in listing.text and "big-1" in listing.text
    assert "21–23 of 23 instances" in olga.get("/console/instances?page=2").text
    active = olga.get("/console/instances?status=active")
    assert "1–1 of 1 instances" in active.text and "big-1" in active.text
    assert "1–1 of 1 instances" in olga.get("/console/instances?business_key=small-07").text
    assert "No instance matches these filters." in olga.get("/console/instances?process=unknown").text
    assert "1–20 of 23" in olga.get("/console/instances?status=bogus").text, "an unknown status filters nothing"


def test_the_instance_page_draws_where_the_token_waits(runtime: Runtime, worker: Worker, olga: Person) -> None:
    instance_id = place_order(runtime, worker, business_key="order-5")
    page = olga.get(f"/console/instances/{instance_id}").text
    assert 'class="shape kind-userTask state-active" data-element-id="Activity_ApproveOrder"' in page
    assert 'class="shape kind-serviceTask state-completed" data-element-id="Activity_CheckStock"' in page
    assert "a person to complete the task" in page and "order-5" in page
    assert '<code id="var-1-name">amount</code>' in page and ">in_stock</code>" in page
    assert "Approve order <span class=\"muted\">#" in page, "the user task is listed"
    assert "Task created</strong> Approve order" in page, "the history names elements"


def test_cancel_an_instance(runtime: Runtime, worker: Worker, olga: Person) -> None:
    instance_id = place_order(runtime, worker)
    response = olga.post(f"/console/instances/{instance_id}/cancel", {"reason": "customer withdrew"},
                         follow_redirects=True)
    assert flashes(response.text) == [f"Instance {instance_id} is cancelled."]
    assert runtime.queries.instance(instance_id).summary.status == "cancelled"
    again = olga.post(f"/console/instances/{instance_id}/cancel", follow_redirects=True)
    assert "Nothing was changed: process instance" in flashes(again.text)[0]


def test_release_a_claimed_task_from_the_console(runtime: Runtime, worker: Worker, olga: Person) -> None:
    instance_id = place_order(runtime, worker)
    task_id = approval_task(runtime, instance_id)
    runtime.claim(task_id, "mia")
    response = olga.post(f"/console/tasks/{task_id}/release", follow_redirects=True)
    assert "'Approve order' is no longer claimed by mia" in flashes(response.text)[0]
    assert runtime.queries.task(task_id).assignee is None


def test_an_incident_is_shown_and_retried(runtime: Runtime, worker: Worker, olga: Person) -> None:
    instance_id = runtime.start("order-fulfilment", {"amount": 10})
    job = runtime.acquire_jobs("test-worker", ["check-stock"])[0]
    runtime.fail_job(job.job_id, "test-worker", "Traceback ...\nConnectionError: warehouse offline", retries=0)
    listing = olga.get("/console/incidents")
    assert "check-stock: ConnectionError: warehouse offline" in listing.text
    page = olga.get(f"/console/instances/{instance_id}").text
    assert 'class="shape kind-serviceTask state-incident" data-element-id="Activity_CheckStock"' in page
    incident_id = runtime.queries.incidents()[0].id
    response = olga.post(f"/console/incidents/{incident_id}/retry",
                         {"retries": "2", "next": f"/console/instances/{instance_id}"})
    assert response.headers["Location"] == f"/console/instances/{instance_id}"
    assert "Incident 1 is retried" in flashes(olga.get(response.headers["Location"]).text)[0]
    assert runtime.queries.incidents() == []
    worker.run_until_idle()
    assert runtime.queries.instance(instance_id).summary.status == "completed"
    again = olga.post(f"/console/incidents/{incident_id}/retry", follow_redirects=True)
    assert "was already retried or resolved" in flashes(again.text)[0]
    assert "resolved" in olga.get("/console/incidents?all=1").text


def test_compensation_is_listed_and_drawn(runtime: Runtime, olga: Person, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDER_SAGA_LEDGER", str(tmp_path / "ledger.jsonl"))
    runtime.deploy(PROCESSES / "order_saga.bpmn")
    registry = HandlerRegistry()
    registry.load(PROCESSES / "order_saga.py")
    instance_id = runtime.start("order-saga", {"order_id": "A-1", "ship_to": "nowhere"})
    Worker(runtime, registry).run_until_idle()
    page = olga.get(f"/console/instances/{instance_id}").text
    assert "<h2>Compensation</h2>" in page
    compensation = page.split("<h2>Compensation</h2>")[1].split("</section>")[0]
    assert "Charge payment by handler Refund payment" in compensation
    assert "Reserve inventory by handler Release inventory" in compensation
    assert compensation.index("Charge payment by") < compensation.index("Reserve inventory by"), "newest first"
    assert 'state-compensated" data-element-id="Activity_ChargePayment"' in page


def test_metrics_for_prometheus(runtime: Runtime, worker: Worker, app: Flask) -> None:
    place_order(runtime, worker)
    response = app.test_client().get("/metrics")
    assert response.status_code == 200 and response.content_type.startswith("text/plain")
    assert 'bpmn_instances_started_total{process="order-fulfilment"} 1.0' in response.text


# --- not found and failures ------------------------------------------------------------------------

def test_unknown_things_are_plain_404_pages(mia: Person, olga: Person) -> None:
    for person, path in ((mia, "/tasks/999"), (olga, "/console/instances/999"), (olga, "/console/definitions/999"),
                         (mia, "/no/such/page")):
        response = person.get(path)
        assert response.status_code == 404, path
        assert "<h1>Not found</h1>" in response.text and "Traceback" not in response.text
    assert "There is no open task 999; it may have been completed already" in mia.get("/tasks/999").text


def test_a_failure_inside_shows_a_plain_500_page(runtime: Runtime, app: Flask,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    production = create_app(runtime, testing=False)  # the `app` fixture made the accounts
    person = log_in(production, "mia")
    with runtime.database.engine.begin() as connection:
        connection.execute(text("DROP TABLE user_tasks"))
    response = person.get("/tasks")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
    assert "Traceback" not in response.text and "user_tasks" not in response.text
    assert "unexpected error on GET /tasks" in caplog.text


# --- the API ---------------------------------------------------------------------------------------

def test_the_api_wants_a_valid_token(app: Flask) -> None:
    client = app.test_client()
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic bWlhOnB3"}):
        response = client.get("/api/v1/tasks", headers=headers)
        assert response.status_code == 401
        assert "bpmn-runtime user token NAME" in response.get_json()["error"]
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/v1/openapi.json").status_code == 200, "the description is public"


def test_a_session_cookie_does_not_open_the_api(mia: Person) -> None:
    assert mia.get("/api/v1/tasks").status_code == 401


def test_api_deploy_definitions_and_refusals(runtime: Runtime, app: Flask) -> None:
    client, olga, mia = app.test_client(), bearer(runtime, "olga"), bearer(runtime, "mia")
    data = (WEB_PROCESSES / "events.bpmn").read_bytes()
    deployed = client.post("/api/v1/deployments", headers=olga, data={"file": (io.BytesIO(data), "events.bpmn")},
                           content_type="multipart/form-data")
    assert deployed.status_code == 201
    assert deployed.get_json()["deployed"][0] | {"definitionId": 0} == {
        "key": "events", "version": 1, "definitionId": 0, "name": "Events", "fileName": "events.bpmn", "new": True,
        "kind": "process"}
    broken = client.post("/api/v1/deployments", headers=olga, content_type="multipart/form-data",
                         data={"file": (io.BytesIO((WEB_PROCESSES / "broken.bpmn").read_bytes()), "broken.bpmn")})
    assert broken.status_code == 400
    assert broken.get_json()["problems"][0] == {
        "file": "broken.bpmn", "line": 5, "elementId": "Flow_ToNowhere",
        "message": "the sequence flow leads to 'Ghost', which is declared nowhere in this file"}
    assert client.post("/api/v1/deployments", headers=olga).status_code == 400
    refused = client.post("/api/v1/deployments", headers=mia, data={"file": (io.BytesIO(data), "e.bpmn")},
                          content_type="multipart/form-data")
    assert refused.status_code == 403
    assert refused.get_json() == {"error": "Only operators and administrators can do this."}
    listed = client.get("/api/v1/definitions", headers=mia).get_json()["definitions"]
    assert {d["key"] for d in listed} == {"order-fulfilment", "events"}
    assert set(listed[0]) == {"id", "key", "version", "name", "fileName", "deployedAt", "suspended",
                              "historyTtlDays"}


def test_api_instances_and_variables(runtime: Runtime, app: Flask, worker: Worker) -> None:
    client, olga = app.test_client(), bearer(runtime, "olga")
    body = {"processKey": "order-fulfilment", "variables": {"amount": 5000}, "businessKey": "order-1",
            "requestKey": "req-1"}
    started = client.post("/api/v1/instances", headers=olga, json=body)
    assert started.status_code == 201
    instance_id = started.get_json()["id"]
    assert started.get_json()["waitingAt"][0]["elementId"] == "Activity_CheckStock"
    assert client.post("/api/v1/instances", headers=olga, json=body).get_json()["id"] == instance_id, \
        "the same request key starts nothing new"
    worker.run_until_idle()

    listed = client.get("/api/v1/instances?process=order-fulfilment&status=active&businessKey=order",
                        headers=olga).get_json()
    assert listed["total"] == 1 and listed["instances"][0]["businessKey"] == "order-1"
    detail = client.get(f"/api/v1/instances/{instance_id}", headers=olga).get_json()
    assert detail["summary"]["status"] == "active" and detail["tokens"][0]["waitingFor"].startswith("a person")
    assert detail["tasks"][0]["candidateGroups"] == ["managers"]
    assert client.get(f"/api/v1/instances/{instance_id}/variables", headers=olga).get_json() == \
        {"amount": 5000, "in_stock": True}
    changed = client.patch(f"/api/v1/instances/{instance_id}/variables", headers=olga, json={"amount": 4000})
    assert changed.get_json() == {"amount": 4000, "in_stock": True}
    bad = client.patch(f"/api/v1/instances/{instance_id}/variables", headers=olga, json={"2x": 1})
    assert bad.status_code == 400 and "not a valid variable name" in bad.get_json()["error"]

    assert client.post("/api/v1/instances", headers=olga, json={"variables": {}}).get_json() == \
        {"error": "'processKey' is required."}
    assert client.post("/api/v1/instances", headers=olga, json={"processKey": 5}).get_json() == \
        {"error": "'processKey' must be text."}
    assert client.post("/api/v1/instances", headers=olga, data="[1]",
                       content_type="application/json").status_code == 400
    assert client.get("/api/v1/instances?limit=9999", headers=olga).status_code == 400
    missing = client.get("/api/v1/instances/999", headers=olga)
    assert missing.status_code == 404 and missing.get_json() == {"error": "there is no process instance 999"}

    assert client.post(f"/api/v1/instances/{instance_id}/cancel", headers=olga, json={"reason": "test"}).status_code \
        == 204
    again = client.post(f"/api/v1/instances/{instance_id}/cancel", headers=olga)
    assert again.status_code == 409 and "has already ended" in again.get_json()["error"]


def test_api_instances_are_for_operators(runtime: Runtime, app: Flask, worker: Worker) -> None:
    client, mia = app.test_client(), bearer(runtime, "mia")
    instance_id = place_order(runtime, worker)
    for method, path in (("get", "/api/v1/instances"), ("get", f"/api/v1/instances/{instance_id}"),
                         ("get", f"/api/v1/instances/{instance_id}/variables"),
                         ("patch", f"/api/v1/instances/{instance_id}/variables"),
                         ("post", f"/api/v1/instances/{instance_id}/cancel"), ("post", "/api/v1/messages"),
                         ("post", "/api/v1/signals"), ("get", "/api/v1/incidents"),
                         ("post", "/api/v1/incidents/1/retry")):
        assert getattr(client, method)(path, headers=mia, json={}).status_code == 403, path
    # a person starts only a process that names them as a starter (tests/permissions); this one names nobody
    refused = client.post("/api/v1/instances", headers=mia, json={"processKey": "order-fulfilment"})
    assert refused.status_code == 403 and "mia may not start process 'order-fulfilment'" in refused.get_json()["error"]


def test_api_tasks_follow_the_inbox_rules(runtime: Runtime, app: Flask, worker: Worker) -> None:
    client, mia, sam = app.test_client(), bearer(runtime, "mia"), bearer(runtime, "sam")
    instance_id = place_order(runtime, worker)
    task_id = approval_task(runtime, instance_id)
    listed = client.get("/api/v1/tasks?process=order-fulfilment&sort=priority", headers=mia).get_json()
    assert listed["total"] == 1 and listed["tasks"][0]["name"] == "Approve order"
    assert client.get("/api/v1/tasks", headers=sam).get_json() == {"total": 0, "moreThanTotal": False, "next": None,
                                                                    "tasks": []}

    shown = client.get(f"/api/v1/tasks/{task_id}", headers=mia).get_json()
    assert [f["id"] for f in shown["form"]] == ["approved", "comment"]
    assert shown["form"][1]["maxlength"] == 200 and shown["variables"]["amount"] == 5000
    for method, path in (("get", f"/api/v1/tasks/{task_id}"), ("post", f"/api/v1/tasks/{task_id}/claim"),
                         ("post", f"/api/v1/tasks/{task_id}/complete")):
        refused = getattr(client, method)(path, headers=sam, json={"variables": {"approved": True}})
        assert refused.status_code == 403 and "not assigned or offered to you" in refused.get_json()["error"]

    assert client.post(f"/api/v1/tasks/{task_id}/claim", headers=mia).status_code == 204
    taken = client.post(f"/api/v1/tasks/{task_id}/claim", headers=bearer(runtime, "ada"))
    assert taken.status_code == 409 and taken.get_json() == {"error": f"task {task_id} is already claimed by mia"}
    assert client.post(f"/api/v1/tasks/{task_id}/unclaim", headers=sam).status_code == 403
    assert client.post(f"/api/v1/tasks/{task_id}/unclaim", headers=mia).status_code == 204
    assert runtime.queries.task(task_id).assignee is None

    bad = client.post(f"/api/v1/tasks/{task_id}/complete", headers=mia,
                      json={"variables": {"approved": "perhaps", "comment": "y" * 300}})
    assert bad.status_code == 400
    assert bad.get_json()["fields"] == {"approved": "choose yes or no", "comment": "use at most 200 characters"}
    assert runtime.queries.task(task_id).assignee is None, "nothing changed"
    done = client.post(f"/api/v1/tasks/{task_id}/complete", headers=mia, json={"variables": {"approved": True}})
    assert done.status_code == 204
    gone = client.post(f"/api/v1/tasks/{task_id}/complete", headers=mia, json={"variables": {"approved": True}})
    assert gone.status_code == 404 and "was completed at" in gone.get_json()["error"] \
        and gone.get_json()["error"].endswith("by mia; nothing was changed")


def test_api_messages_signals_and_incidents(runtime: Runtime, app: Flask) -> None:
    client, olga = app.test_client(), bearer(runtime, "olga")
    runtime.deploy(WEB_PROCESSES / "events.bpmn")
    instance_id = runtime.start("events")
    delivered = client.post("/api/v1/messages", headers=olga, json={"name": "payment-received",
                                                                     "variables": {"paid": 12}})
    assert delivered.get_json() == {"instanceId": instance_id}
    unknown = client.post("/api/v1/messages", headers=olga, json={"name": "nobody-waits"})
    assert unknown.status_code == 404 and "no instance waits for message 'nobody-waits'" in unknown.get_json()["error"]
    assert client.post("/api/v1/signals", headers=olga, json={"name": "warehouse-open"}).get_json() == {"instances": 1}
    assert runtime.queries.instance(instance_id).summary.status == "completed"

    failing = runtime.start("order-fulfilment", {"amount": 1})
    job = runtime.acquire_jobs("w", ["check-stock"])[0]
    runtime.fail_job(job.job_id, "w", "boom", retries=0)
    incidents = client.get("/api/v1/incidents", headers=olga).get_json()["incidents"]
    assert [(i["instanceId"], i["elementId"], i["message"]) for i in incidents] == \
        [(failing, "Activity_CheckStock", "check-stock: boom")]
    assert client.post(f"/api/v1/incidents/{incidents[0]['id']}/retry", headers=olga,
                       json={"retries": 0}).status_code == 400
    assert client.post(f"/api/v1/incidents/{incidents[0]['id']}/retry", headers=olga,
                       json={"retries": 2}).status_code == 204
    assert client.get("/api/v1/incidents", headers=olga).get_json() == {"incidents": []}
    resolved = client.get("/api/v1/incidents?all=true", headers=olga).get_json()["incidents"]
    assert resolved[0]["resolvedAt"] is not None
    assert client.post(f"/api/v1/incidents/{incidents[0]['id']}/retry", headers=olga).status_code == 404


def test_api_publishes_a_message_that_waits_for_its_instance(runtime: Runtime, app: Flask) -> None:
    client, olga = app.test_client(), bearer(runtime, "olga")
    runtime.deploy(WEB_PROCESSES / "events.bpmn")
    published = client.post("/api/v1/messages/publish", headers=olga, json={
        "name": "payment-received", "variables": {"paid": 12}, "timeToLive": "PT10M", "messageId": "pay-1"})
    assert published.get_json() == {"instanceId": None, "buffered": True}
    again = client.post("/api/v1/messages/publish", headers=olga, json={
        "name": "payment-received", "timeToLive": 600, "messageId": "pay-1"})
    assert again.status_code == 409 and "message id 'pay-1' was already published" in again.get_json()["error"]
    instance_id = runtime.start("events")
    assert runtime.queries.instance(instance_id).variables["paid"] == 12
    assert [t.element_id for t in runtime.queries.instance(instance_id).tokens] == ["Catch_Open"]
    for ttl, problem in (("soon", "is not an ISO 8601 duration"), (True, "'timeToLive' must be"), (-5, "from 0")):
        refused = client.post("/api/v1/messages/publish", headers=olga, json={"name": "m", "timeToLive": ttl})
        assert refused.status_code == 400 and problem in refused.get_json()["error"]


def test_api_lists_and_discards_buffered_messages_for_operators(runtime: Runtime, app: Flask) -> None:
    client, olga, mia = app.test_client(), bearer(runtime, "olga"), bearer(runtime, "mia")
    runtime.publish_message("payment-received", "o-1", {"paid": 12}, ttl="PT10M", message_id="pay-1")
    runtime.publish_message("other", None, {}, ttl=60)
    listed = client.get("/api/v1/messages/buffered?name=payment-received", headers=olga).get_json()["messages"]
    assert [(m["name"], m["correlationKey"], m["messageId"], m["deliveredTo"]) for m in listed] == [
        ("payment-received", "o-1", "pay-1", None)]
    assert "variables" not in listed[0]
    assert client.get("/api/v1/messages/buffered", headers=mia).status_code == 403
    assert client.delete(f"/api/v1/messages/buffered/{listed[0]['id']}", headers=mia).status_code == 403
    assert client.delete(f"/api/v1/messages/buffered/{listed[0]['id']}", headers=olga).status_code == 204
    assert client.delete(f"/api/v1/messages/buffered/{listed[0]['id']}", headers=olga).status_code == 404
    assert [m["name"] for m in client.get("/api/v1/messages/buffered", headers=olga).get_json()["messages"]] == [
        "other"]
    entry = runtime.queries.audit(action="message.discard")[0][0]
    assert entry.actor == "olga" and entry.detail == {"message": "payment-received", "correlation_key": "o-1",
                                                      "message_id": "pay-1", "buffered_id": listed[0]["id"]}
