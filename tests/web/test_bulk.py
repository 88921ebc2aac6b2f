"""Bulk actions over the instances a filter matches: the operator sees how many and confirms, the work runs in
batches with a page after each saying how far it got, and what does not apply is skipped with why. A
migration shows its dry run (what moves where, what stands in the way) before it can be confirmed."""
from __future__ import annotations

import html
import re
from pathlib import Path

from bpmn_runtime.engine.modification import Instruction
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.web import bulk
from bpmn_runtime.worker import Worker
from tests.web.conftest import Person, place_order

CHANGEABLE = Path(__file__).parents[1] / "modify"  # version 1, and version 2 with Review renamed ReviewOrder
MIGRATE = "/console/instances/bulk?action=migrate&process=changeable"


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
    actions = [(e.actor, e.action) for e in reversed(runtime.queries.audit(instance_id=orders[1])[0])]
    assert actions[-2:] == [("olga", "suspend"), ("olga", "cancel")], "in the trail as the operator's"


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
    assert {e.actor for e in runtime.queries.audit(action="retry")[0]} == {"olga"}
    worker.run_until_idle()
    assert all(runtime.queries.instance(i).summary.status == "completed" for i in failed)
    assert runtime.queries.instance(healthy).summary.status == "active"


def test_bulk_forms_refuse_what_is_not_an_action(olga: Person, mia: Person) -> None:
    assert olga.get("/console/instances/bulk?action=delete").status_code == 400
    assert olga.post("/console/instances/bulk", {"action": "delete"}).status_code == 400
    assert olga.post("/console/instances/bulk", {"action": "suspend", "after": "9" * 40}).status_code == 200
    assert mia.get("/console/instances/bulk?action=suspend").status_code == 403


def _version(runtime: Runtime, instance_id: int) -> int:
    return runtime.queries.instance(instance_id).summary.version


def test_migrate_every_matching_instance_after_a_dry_run(runtime: Runtime, olga: Person, monkeypatch: object) -> None:
    monkeypatch.setattr(bulk, "BATCH", 2)  # type: ignore[attr-defined]
    runtime.deploy(CHANGEABLE / "change.bpmn")
    waiting = [runtime.start("changeable", business_key=f"m-{n}") for n in range(4)]
    shipping = runtime.start("changeable", business_key="m-ship")
    runtime.modify(shipping, [Instruction("cancel", "Review"), Instruction("start_before", "Ship")])
    ended = runtime.start("changeable", business_key="m-gone")
    runtime.cancel(ended)
    runtime.deploy(CHANGEABLE / "change_v2.bpmn")
    assert "Migrate to another version" in olga.get("/console/instances?process=changeable").text
    assert "Migrate to another version" not in olga.get("/console/instances").text, "a version needs a process"

    ask = html.unescape(olga.get(MIGRATE).text)
    assert "Migrate 6 instances?" in ask and '<option value="2">2</option><option value="1">1</option>' in ask
    assert "Yes, migrate" not in ask, "nothing to confirm before the check"
    dry = html.unescape(olga.get(MIGRATE + "&version=2").text)
    assert "Checked 6: <strong>0</strong> can be migrated to version 2, 1 have ended, 5 cannot be migrated." in dry
    assert ("<li>'Review' (Review) has no counterpart in version 2; map it to an element of version 2 "
            "(--map Review=NEW_ID) (4 instances)</li>") in dry
    assert "Yes, migrate" not in dry

    dry = html.unescape(olga.get(MIGRATE + "&version=2&mapping=Review%3DReviewOrder").text)
    assert "Checked 6: <strong>4</strong> can be migrated to version 2, 1 have ended, 1 cannot be migrated." in dry
    assert "<li>version 2 adds 'Late' (ShipLate) to 'Ship' (Ship), which a migrated instance " in dry
    assert "<li>'Review' (Review) to 'Review order' (ReviewOrder) (4 instances)</li>" in dry
    assert "Yes, migrate 4 instances to version 2" in dry
    assert all(_version(runtime, i) == 1 for i in [*waiting, shipping]), "a dry run changes nothing"
    monkeypatch.setattr(bulk, "DRY_RUN_LIMIT", 3)  # type: ignore[attr-defined]
    capped = html.unescape(olga.get(MIGRATE + "&version=2&mapping=Review%3DReviewOrder").text)
    assert "Checked 3 (the first 3 of more): <strong>3</strong> can be migrated to version 2." in capped

    form, pages = _hidden(dry), []
    assert (form["version"], form["mapping"], form["total"]) == ("2", "Review=ReviewOrder", "6")
    while "Done." not in (page := html.unescape(olga.post("/console/instances/bulk", form).text)):
        pages.append(page)
        form = _hidden(page)
    assert "<strong>2</strong> migrated, of about 6." in pages[0] and len(pages) == 3, "6 instances, 2 a batch"
    assert "<strong>4</strong> migrated, 2 skipped." in page
    assert f"<li>#{shipping}: version 2 adds 'Late' (ShipLate) to 'Ship' (Ship)" in pages[-1]
    assert f"<li>#{ended}: it has ended (cancelled); only running instances are migrated</li>" in pages[-1]
    assert [_version(runtime, i) for i in [*waiting, shipping, ended]] == [2, 2, 2, 2, 1, 1]
    assert [t.element_id for t in runtime.queries.instance(waiting[0]).tokens] == ["ReviewOrder"]
    [entry] = runtime.queries.audit(instance_id=waiting[0], action="migrate")[0]
    assert (entry.actor, entry.via, entry.detail["after"]) == ("olga", "web", {"version": 2})  # type: ignore[index]


def test_bulk_migration_refuses_plainly_what_it_cannot_do(runtime: Runtime, olga: Person, mia: Person) -> None:
    runtime.deploy(CHANGEABLE / "change.bpmn")
    instance_id = runtime.start("changeable")
    runtime.deploy(CHANGEABLE / "change_v2.bpmn")
    for url, message in [
            ("/console/instances/bulk?action=migrate", "Choose a process in the filter first"),
            (MIGRATE + "&version=3", "Choose a deployed version of process 'changeable' to migrate to."),
            (MIGRATE + "&version=two", "Choose a deployed version of process 'changeable' to migrate to."),
            (MIGRATE + "&version=2&mapping=Review", "each mapping as OLD_ID=NEW_ID, not 'Review'")]:
        answer = olga.get(url)
        assert answer.status_code == 400 and message in html.unescape(answer.text), url
    form = {"action": "migrate", "process": "changeable", "version": "2", "mapping": "Review=ReviewOrder"}
    assert olga.post("/console/instances/bulk", {**form, "version": "9"}).status_code == 400
    assert olga.client.post("/console/instances/bulk", data=form).status_code == 400, "no CSRF token"
    assert mia.get(MIGRATE + "&version=2").status_code == 403
    assert mia.post("/console/instances/bulk", form).status_code == 403
    assert _version(runtime, instance_id) == 1
