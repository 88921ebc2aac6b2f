"""Bulk actions over the instances a filter matches: the operator sees how many and confirms, the work runs in
batches with a page after each saying how far it got, and what does not apply is skipped with why."""
from __future__ import annotations

import html
import re

from bpmn_runtime.runtime import Runtime
from bpmn_runtime.web import bulk
from bpmn_runtime.worker import Worker
from tests.web.conftest import Person, place_order


def _hidden(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))


def test_suspend_then_cancel_every_matching_instance_in_batches(runtime: Runtime, worker: Worker,
                                                                olga: Person, monkeypatch: object) -> None:
    monkeypatch.setattr(bulk, "BATCH", 3)  # type: ignore[attr-defined]
    orders = [place_order(runtime, worker, business_key=f"bulk-{n}") for n in range(7)]
    runtime.suspend([orders[0]])
    other = place_order(runtime, worker, business_key="keep-1")
    listing = olga.get("/console/instances?business_key=bulk").text
    assert "For all 7 matching" in listing
    confirm = html.unescape(olga.get("/console/instances/bulk?action=suspend&business_key=bulk").text)
    assert "Suspend 7 instances?" in confirm and "whose business key starts with <strong>bulk</strong>" in confirm
    assert runtime.queries.instance(orders[1]).summary.suspended is False, "asking changes nothing"

    form, pages = _hidden(confirm), []
    while True:
        page = html.unescape(olga.post("/console/instances/bulk", form).text)
        pages.append(page)
        if "Done." in page:
            break
        form = _hidden(page)
    assert len(pages) == 3, "7 instances in batches of 3"
    assert "<strong>2</strong> suspended, 1 skipped, of about 7." in pages[0], "the first was suspended already"
    assert "<strong>5</strong> suspended, 1 skipped, of about 7." in pages[1]
    assert "<strong>6</strong> suspended, 1 skipped." in pages[-1]
    assert all(runtime.queries.instance(i).summary.suspended for i in orders)
    assert runtime.queries.instance(other).summary.suspended is False, "outside the filter"

    confirm = html.unescape(olga.get("/console/instances/bulk?action=cancel&business_key=bulk&status=active").text)
    assert "Cancel 7 instances?" in confirm and "this cannot be undone" in confirm
    form = {**_hidden(confirm), "reason": "season over"}
    while "Done." not in (page := html.unescape(olga.post("/console/instances/bulk", form).text)):
        form = _hidden(page)
    assert all(runtime.queries.instance(i).summary.status == "cancelled" for i in orders)
    assert runtime.queries.instance(orders[0]).end_reason == "season over"


def test_retry_every_incident_of_a_filter(runtime: Runtime, worker: Worker, olga: Person) -> None:
    failed = []
    for _ in range(2):
        instance_id = runtime.start("order-fulfilment", {"amount": 10})
        job = runtime.acquire_jobs("test-worker", ["check-stock"])[0]
        runtime.fail_job(job.job_id, "test-worker", "warehouse offline", retries=0)
        failed.append(instance_id)
    healthy = place_order(runtime, worker)
    form = _hidden(olga.get("/console/instances/bulk?action=retry&process=order-fulfilment").text)
    page = html.unescape(olga.post("/console/instances/bulk", form).text)
    assert "<strong>2</strong> retried, 1 skipped." in page and "Done." in page
    assert runtime.queries.incidents() == []
    worker.run_until_idle()
    assert all(runtime.queries.instance(i).summary.status == "completed" for i in failed)
    assert runtime.queries.instance(healthy).summary.status == "active"


def test_bulk_forms_refuse_what_is_not_an_action(olga: Person, mia: Person) -> None:
    assert olga.get("/console/instances/bulk?action=delete").status_code == 400
    assert olga.post("/console/instances/bulk", {"action": "delete"}).status_code == 400
    assert olga.post("/console/instances/bulk", {"action": "suspend", "after": "9" * 40}).status_code == 200
    assert mia.get("/console/instances/bulk?action=suspend").status_code == 403
