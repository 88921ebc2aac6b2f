"""The console as an operator uses it to fix an instance without the command line: edit variables (typed,
JSON for structures, refused values shown again), send the message or signal an instance waits for, retry
an incident with a fix, suspend and resume, and cancel, after which the page says where it stopped."""
from __future__ import annotations

import html
from pathlib import Path

from bpmn_runtime.runtime import Runtime
from bpmn_runtime.worker import Worker
from tests.web.conftest import WEB_PROCESSES, Person, flashes, place_order


def _page(olga: Person, instance_id: int) -> str:
    return html.unescape(olga.get(f"/console/instances/{instance_id}").text)


def test_edit_variables_typed_and_checked(runtime: Runtime, worker: Worker, olga: Person) -> None:
    instance_id = place_order(runtime, worker, amount=5000)
    page = _page(olga, instance_id)
    assert '<option value="number" selected>Number</option>' in page
    done = olga.post(f"/console/instances/{instance_id}/variables", {"name": "amount", "type": "number",
                                                                      "value": "4200.5"}, follow_redirects=True)
    assert flashes(done.text) == ["amount is set to 4200.5."]
    olga.post(f"/console/instances/{instance_id}/variables",
              {"new": "1", "name": "address", "type": "json", "value": '{"city": "Lyon", "lines": ["1 rue"]}'})
    olga.post(f"/console/instances/{instance_id}/variables", {"new": "1", "name": "rush", "type": "boolean",
                                                              "value": "yes"})
    variables = runtime.queries.instance(instance_id).variables
    assert variables["amount"] == 4200.5 and variables["rush"] is True
    assert variables["address"] == {"city": "Lyon", "lines": ["1 rue"]}

    refused = olga.post(f"/console/instances/{instance_id}/variables",
                        {"name": "amount", "type": "number", "value": "lots"})
    assert refused.status_code == 400
    text = html.unescape(refused.text)
    assert "Enter a number, such as 42 or 12.5<" in text and ">lots</textarea>" in text
    assert 'aria-invalid="true" aria-describedby="var-2-error"' in text, "the error is tied to its field"
    bad_json = olga.post(f"/console/instances/{instance_id}/variables",
                         {"new": "1", "name": "items", "type": "json", "value": "[1, 2"})
    assert bad_json.status_code == 400 and "This is not JSON: Expecting" in html.unescape(bad_json.text)
    owned = olga.post(f"/console/instances/{instance_id}/variables",
                      {"new": "1", "name": "loopCounter", "type": "number", "value": "3"})
    assert owned.status_code == 400
    unnamed = olga.post(f"/console/instances/{instance_id}/variables", {"new": "1", "name": "", "type": "text",
                                                                        "value": "x"})
    assert unnamed.status_code == 400 and "Give the variable a name" in unnamed.text
    assert runtime.queries.instance(instance_id).variables["amount"] == 4200.5, "refusals changed nothing"


def test_send_the_message_and_signal_an_instance_waits_for(runtime: Runtime, olga: Person) -> None:
    runtime.deploy(WEB_PROCESSES / "events.bpmn")
    first, second = runtime.start("events"), runtime.start("events")
    page = _page(olga, second)
    assert "Message <strong>payment-received</strong>, waited for at Payment received" in page
    sent = olga.post(f"/console/instances/{second}/event", {"kind": "message", "event": "payment-received",
                                                            "name": "paid", "type": "number", "value": "12"},
                     follow_redirects=True)
    assert flashes(sent.text) == [f"The message 'payment-received' reached instance {second} at Catch_Paid."]
    assert runtime.queries.instance(first).tokens[0].element_id == "Catch_Paid", "only this instance got it"
    assert runtime.queries.instance(second).variables == {"paid": 12}
    again = olga.post(f"/console/instances/{second}/event", {"kind": "message", "event": "payment-received"},
                      follow_redirects=True)
    assert flashes(again.text) == [f"Instance {second} does not wait for message 'payment-received' now; "
                                   f"nothing was changed."]
    olga.post(f"/console/instances/{second}/event", {"kind": "signal", "event": "warehouse-open"})
    assert runtime.queries.instance(second).summary.status == "completed"
    assert runtime.queries.instance(first).summary.status == "active", "a signal from the page reaches one"
    wrong = olga.post(f"/console/instances/{first}/event", {"kind": "message", "event": "payment-received",
                                                            "name": "", "type": "number", "value": "1"})
    assert wrong.status_code == 400 and "Give the value a name, or leave the value empty" in wrong.text


def test_retry_an_incident_with_a_fix(runtime: Runtime, worker: Worker, olga: Person) -> None:
    instance_id = runtime.start("order-fulfilment", {"amount": 10}, business_key="order-9")
    job = runtime.acquire_jobs("test-worker", ["check-stock"])[0]
    runtime.fail_job(job.job_id, "test-worker", "KeyError: 'item'", retries=0)
    incident_id = runtime.queries.incidents()[0].id
    listing = html.unescape(olga.get("/console/incidents").text)
    assert '<span class="key">order-9</span>' in listing, "the incidents page shows the business key"
    assert 'Check stock <code class="muted">Activity_CheckStock</code>' in listing, "and the element by name"
    assert '<td data-label="Tries left">0 <span class="muted">after 1 try</span></td>' in listing
    refused = olga.post(f"/console/incidents/{incident_id}/retry",
                        {"instance": str(instance_id), "name": "item", "type": "json", "value": "{lamp"})
    assert refused.status_code == 400 and "This is not JSON" in refused.text
    assert runtime.queries.incidents()[0].id == incident_id, "a refused fix retries nothing"
    done = olga.post(f"/console/incidents/{incident_id}/retry",
                     {"instance": str(instance_id), "name": "item", "type": "text", "value": "lamp",
                      "next": f"/console/instances/{instance_id}"}, follow_redirects=True)
    assert flashes(done.text) == [f"Incident {incident_id} is retried with item set to lamp; a worker runs the "
                                  f"failed step again shortly."]
    assert runtime.queries.instance(instance_id).variables["item"] == "lamp"
    worker.run_until_idle()
    assert runtime.queries.instance(instance_id).summary.status == "completed"


def test_suspend_and_resume_from_the_instance_page(runtime: Runtime, worker: Worker, olga: Person,
                                                   mia: Person) -> None:
    instance_id = place_order(runtime, worker)
    done = olga.post(f"/console/instances/{instance_id}/suspend", follow_redirects=True)
    assert flashes(done.text) == [f"Instance {instance_id} is suspended: nothing of it moves until you resume it."]
    assert "Suspended: no job, timer, task or message of this instance moves" in done.text
    task_id = runtime.queries.instance(instance_id).tasks[0].id
    claimed = mia.post(f"/tasks/{task_id}/claim", follow_redirects=True)
    assert f"Instance {instance_id} is suspended; resume it first; nothing was changed." in flashes(claimed.text)
    assert runtime.queries.task(task_id).assignee is None
    resumed = olga.post(f"/console/instances/{instance_id}/resume", follow_redirects=True)
    assert "is resumed" in flashes(resumed.text)[0]
    assert mia.post(f"/tasks/{task_id}/claim").status_code == 302
    assert runtime.queries.task(task_id).assignee == "mia"


def test_cancel_asks_first_and_the_page_shows_where_it_stopped(runtime: Runtime, worker: Worker,
                                                               olga: Person) -> None:
    instance_id = place_order(runtime, worker, business_key="order-7")
    page = _page(olga, instance_id)
    assert '<summary class="button button-danger">Cancel instance…</summary>' in page
    assert f"Cancel instance #{instance_id}?</strong> It stops where it is (at Approve order)" in page
    olga.post(f"/console/instances/{instance_id}/cancel", {"reason": "customer withdrew"})
    page = _page(olga, instance_id)
    assert "It stopped at <strong>Approve order</strong>." in page
    assert 'class="shape kind-userTask state-stopped" data-element-id="Activity_ApproveOrder"' in page
    assert "Cancel instance…" not in page and "Suspend</button>" not in page
    assert "<h2>Send a message or signal</h2>" not in page
    assert '<textarea id="var-1-value"' not in page, "an ended instance's variables are read-only"


def test_bad_input_to_the_instance_forms_is_never_a_500(runtime: Runtime, worker: Worker, olga: Person,
                                                        tmp_path: Path) -> None:
    instance_id = place_order(runtime, worker)
    for path, data in ((f"/console/instances/{instance_id}/variables", {"name": "x", "type": "bogus"}),
                       (f"/console/instances/{instance_id}/variables", {"name": "x" * 300, "type": "text"}),
                       (f"/console/instances/{instance_id}/event", {"kind": "bogus", "event": "x"}),
                       (f"/console/instances/{instance_id}/event", {}),
                       (f"/console/instances/999/suspend", {}),
                       (f"/console/instances/999/variables", {"name": "a", "type": "text", "value": "1"}),
                       ("/console/incidents/999/retry", {"instance": "abc", "name": "a"})):
        response = olga.post(path, data)
        assert response.status_code in (302, 400, 404), (path, data, response.status_code)


def test_the_instance_list_goes_on_by_keyset(runtime: Runtime, olga: Person) -> None:
    """The next page is asked for after the last id shown: instances started meanwhile move nothing."""
    import re
    runtime.deploy(WEB_PROCESSES / "events.bpmn")
    ids = [runtime.start("events") for _ in range(45)]
    first = html.unescape(olga.get("/console/instances?process=events").text)
    assert "1–20 of 45 instances" in first
    next_link = re.search(r'href="([^"]+)" rel="next"', first)
    assert next_link and f"before={ids[25]}" in next_link.group(1)
    runtime.start("events")  # would shift an offset-based second page by one
    second = html.unescape(olga.get(next_link.group(1)).text)
    shown = [int(n) for n in re.findall(r'class="strong" href="/console/instances/(\d+)"', second)]
    assert shown == ids[24:4:-1] and "21–40 of 46 instances" in second
    previous = re.search(r'href="([^"]+)" rel="prev"', second)
    assert previous and "before" not in previous.group(1) and "after" not in previous.group(1), "page 1 is the newest"


def test_suspend_a_process_version_from_its_page(runtime: Runtime, worker: Worker, olga: Person) -> None:
    instance_id = place_order(runtime, worker)
    definition_id = runtime.queries.definitions()[0]["id"]
    done = olga.post(f"/console/definitions/{definition_id}/suspend", follow_redirects=True)
    assert flashes(done.text) == ["Order fulfilment version 1 is suspended, and 1 running instance with it. It "
                                  "starts no instance until it is resumed."]
    assert "Start an instance" not in done.text and "Resume this version" in done.text
    assert "ended instances kept 180 days (camunda:historyTimeToLive)" in done.text
    assert runtime.queries.instance(instance_id).summary.suspended
    refused = olga.post(f"/console/definitions/{definition_id}/start", {"name_0": "", "value_0": ""},
                        follow_redirects=True)
    assert flashes(refused.text) == ["Nothing was started: process 'order-fulfilment' version 1 is suspended, so it "
                                     "starts no instance; resume it first."]
    olga.post(f"/console/definitions/{definition_id}/resume")
    assert not runtime.queries.instance(instance_id).summary.suspended


def test_the_api_suspends_and_says_409(runtime: Runtime, worker: Worker, app: object) -> None:
    from tests.web.conftest import bearer
    instance_id = place_order(runtime, worker)
    client = app.test_client()  # type: ignore[attr-defined]
    olga = bearer(runtime, "olga")
    assert client.post(f"/api/v1/instances/{instance_id}/suspend", headers=olga).status_code == 204
    task_id = runtime.queries.instance(instance_id).tasks[0].id
    refused = client.post(f"/api/v1/tasks/{task_id}/complete", headers=olga, json={"variables": {"approved": True}})
    assert refused.status_code == 409 and f"instance {instance_id} is suspended" in refused.get_json()["error"]
    assert client.get(f"/api/v1/instances/{instance_id}", headers=olga).get_json()["summary"]["suspended"] is True
    assert client.post(f"/api/v1/instances/{instance_id}/resume", headers=olga).status_code == 204
    assert client.post(f"/api/v1/tasks/{task_id}/complete", headers=olga,
                       json={"variables": {"approved": True}}).status_code == 204
