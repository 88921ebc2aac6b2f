"""Changing running instances from the API and the console: process instance modification (and migration
below), for operators only, with CSRF and confirmation on the page, plain 400s for what cannot run."""
from __future__ import annotations

import html
from pathlib import Path

from flask import Flask

from bpmn_runtime.runtime import Runtime
from tests.web.conftest import Person, bearer, flashes

CHANGE = Path(__file__).parents[1] / "modify" / "change.bpmn"
CHANGE_V2 = CHANGE.with_name("change_v2.bpmn")


def _waiting(runtime: Runtime, instance_id: int) -> list[str]:
    return sorted(t.element_id for t in runtime.queries.instance(instance_id).tokens)


def test_api_modification_runs_instructions_in_order(runtime: Runtime, app: Flask) -> None:
    runtime.deploy(CHANGE)
    instance_id = runtime.start("changeable")
    client = app.test_client()
    olga, sam = bearer(runtime, "olga"), bearer(runtime, "sam")
    path = f"/api/v1/instances/{instance_id}/modification"
    body = {"instructions": [{"type": "cancel", "activityId": "Review"},
                             {"type": "startAfterActivity", "activityId": "Approve"}], "variables": {"amount": 4}}
    assert client.post(path, json=body, headers=sam).status_code == 403
    done = client.post(path, json=body, headers=olga)
    assert done.status_code == 200, done.text
    assert done.json["status"] == "active" and [t["elementId"] for t in done.json["waitingAt"]] == ["Ship"]
    assert done.json["done"][-1] == "started after 'Approve' (Approve)"
    assert runtime.queries.instance(instance_id).variables == {"amount": 4, "total": 8}
    for bad, message in (({"instructions": []}, "'instructions' must list from 1 to 100"),
                         ({"instructions": [{"type": "jump"}]}, "instruction 1 must be an object whose 'type'"),
                         ({"instructions": [{"type": ["cancel"]}]}, "instruction 1 must be an object whose 'type'"),
                         ({"instructions": [{"type": "cancel"}]}, "'activityId' is required"),
                         ({"instructions": [{"type": "startBeforeActivity", "activityId": "Nope"}]},
                          "has no element 'Nope'"),
                         ({"instructions": "cancel"}, "'instructions' must be")):
        refused = client.post(path, json=bad, headers=olga)
        assert refused.status_code == 400, (bad, refused.text)
        assert message in refused.json["error"], refused.json
    assert _waiting(runtime, instance_id) == ["Ship"], "refusals changed nothing"
    runtime.cancel(instance_id)
    ended = client.post(path, json={"instructions": [{"type": "startBeforeActivity", "activityId": "Ship"}]},
                        headers=olga)
    assert ended.status_code == 409 and "has ended (cancelled)" in ended.json["error"]


def test_console_modification_confirms_and_shows_refusals(runtime: Runtime, olga: Person, mia: Person) -> None:
    runtime.deploy(CHANGE)
    instance_id = runtime.start("changeable")
    page = html.unescape(olga.get(f"/console/instances/{instance_id}").text)
    assert "Modify instance #" in page and '<input type="checkbox" name="cancel" value="Review">' in page
    assert '<option value="Inspect">\'Inspect\' (Inspect)</option>' in page
    path = f"/console/instances/{instance_id}/modify"
    assert mia.post(path, {"cancel": "Review", "start_before": "Check"}).status_code == 403, "operators only"
    no_csrf = olga.client.post(path, data={"cancel": "Review", "start_before": "Check"})
    assert no_csrf.status_code == 400
    refused = olga.post(path, {"cancel": "Review", "start_before": "Inspect"})
    assert refused.status_code == 400
    assert "which has no running instance; this engine does not create it" in html.unescape(refused.text)
    nothing = olga.post(path, {})
    assert nothing.status_code == 400 and "Tick a token to cancel" in nothing.text
    bad_json = olga.post(path, {"cancel": "Review", "start_before": "Check", "name": "items", "type": "json",
                                "value": "[1,"})
    assert bad_json.status_code == 400 and "This is not JSON" in html.unescape(bad_json.text)
    assert _waiting(runtime, instance_id) == ["Review"]
    done = olga.post(path, {"cancel": "Review", "start_before": "Check", "name": "items", "type": "json",
                            "value": "[1, 2]"}, follow_redirects=True)
    assert flashes(html.unescape(done.text)) == [
        f"Instance {instance_id} is modified: set items; cancelled 'Review' (Review) (activity instance 3); "
        f"started before 'Check' (Check)."]
    assert _waiting(runtime, instance_id) == ["Inspect"]
    assert "Modified by an operator" in done.text
    [entry] = runtime.queries.audit(instance_id=instance_id, action="modify")[0]
    assert entry.actor == "olga" and entry.via == "web"


def test_api_start_instructions_carry_variables_local_to_their_new_scope(runtime: Runtime, app: Flask) -> None:
    runtime.deploy(CHANGE)
    instance_id = runtime.start("changeable")
    client, olga = app.test_client(), bearer(runtime, "olga")
    path = f"/api/v1/instances/{instance_id}/modification"
    refused = client.post(path, json={"instructions": [{"type": "cancel", "activityId": "Review",
                                                        "variables": {"amount": 1}}]}, headers=olga)
    assert refused.status_code == 400 and "instruction 1 cancels, so it starts no scope" in refused.json["error"]
    wrong = client.post(path, json={"instructions": [{"type": "startBeforeActivity", "activityId": "Ship",
                                                      "variables": [1]}]}, headers=olga)
    assert wrong.status_code == 400 and "'variables' must be" in wrong.json["error"]
    body = {"instructions": [{"type": "cancel", "activityId": "Review"},
                             {"type": "startAfterActivity", "activityId": "Approve", "variables": {"amount": 7}}],
            "variables": {"note": "moved"}}
    done = client.post(path, json=body, headers=olga)
    assert done.status_code == 200, done.text
    assert done.json["done"][-1] == "started after 'Approve' (Approve) with amount set in its scope"
    assert runtime.queries.instance(instance_id).variables == {"note": "moved", "total": 14}


def test_console_sets_the_variable_in_the_new_tokens_scope_when_asked(runtime: Runtime, olga: Person) -> None:
    runtime.deploy(CHANGE)
    instance_id = runtime.start("changeable")
    path = f"/console/instances/{instance_id}/modify"
    page = olga.get(f"/console/instances/{instance_id}").text
    assert '<input type="radio" name="scope" value="local">' in page
    nowhere = olga.post(path, {"cancel": "Review", "name": "amount", "type": "number", "value": "2",
                               "scope": "local"})
    assert nowhere.status_code == 400 and "Choose where to start a token" in nowhere.text
    assert '<input type="radio" name="scope" value="local" checked>' in nowhere.text, "the choice is kept"
    done = olga.post(path, {"cancel": "Review", "start_after": "Approve", "name": "amount", "type": "number",
                            "value": "2", "scope": "local"}, follow_redirects=True)
    assert "started after 'Approve' (Approve) with amount set in its scope" in html.unescape(done.text)
    assert runtime.queries.instance(instance_id).variables == {"total": 4}


def test_api_migration_checks_first_and_runs_as_asked(runtime: Runtime, app: Flask) -> None:
    runtime.deploy(CHANGE)
    first, second = runtime.start("changeable"), runtime.start("changeable")
    runtime.deploy(CHANGE_V2)
    client, olga = app.test_client(), bearer(runtime, "olga")
    refused = client.post("/api/v1/migrations", json={"instanceIds": [first, second], "toVersion": 2}, headers=olga)
    assert refused.status_code == 400
    assert refused.json["instances"][0]["problems"][0].startswith("'Review' (Review) has no counterpart in version 2")
    body = {"instanceIds": [first, second], "toVersion": 2, "mapping": {"Review": "ReviewOrder"}}
    dry = client.post("/api/v1/migrations", json={**body, "dryRun": True}, headers=olga)
    assert dry.status_code == 200 and dry.json["migrated"] is False
    assert dry.json["instances"][1]["moves"] == ["'Review' (Review) to 'Review order' (ReviewOrder)"]
    assert runtime.queries.instance(first).summary.version == 1
    done = client.post("/api/v1/migrations", json=body, headers=olga)
    assert done.status_code == 200 and done.json["migrated"] is True
    assert [runtime.queries.instance(i).summary.version for i in (first, second)] == [2, 2]
    for bad, message in (({"instanceIds": [], "toVersion": 2}, "'instanceIds' must list from 1 to 1000"),
                         ({"instanceIds": [True], "toVersion": 2}, "'instanceIds' must list"),
                         ({"instanceIds": [first], "toVersion": 0}, "'toVersion' must be from 1"),
                         ({"instanceIds": [first], "toVersion": 2, "mapping": {"a": 1}}, "'mapping' must map")):
        answer = client.post("/api/v1/migrations", json=bad, headers=olga)
        assert answer.status_code == 400 and message in answer.json["error"], answer.json
    assert client.post("/api/v1/migrations", json=body, headers=bearer(runtime, "sam")).status_code == 403


def test_console_migration_checks_then_migrates_after_confirmation(runtime: Runtime, olga: Person) -> None:
    runtime.deploy(CHANGE)
    instance_id = runtime.start("changeable")
    runtime.deploy(CHANGE_V2)
    path = f"/console/instances/{instance_id}/migrate"
    page = html.unescape(olga.get(f"/console/instances/{instance_id}").text)
    assert "Migrate to another version" in page and '<option value="2">2</option>' in page
    refused = olga.post(path, {"version": "2", "dry_run": "1"})
    assert refused.status_code == 200, "a check that finds problems is still a check"
    assert "It cannot be migrated to version 2" in html.unescape(refused.text)
    assert "'Review' (Review) has no counterpart in version 2" in html.unescape(refused.text)
    checked = olga.post(path, {"version": "2", "mapping": "Review=ReviewOrder", "dry_run": "1"})
    assert checked.status_code == 200
    assert "<li>'Review' (Review) to 'Review order' (ReviewOrder)</li>" in html.unescape(checked.text)
    assert runtime.queries.instance(instance_id).summary.version == 1, "the check changed nothing"
    bad = olga.post(path, {"version": "2", "mapping": "Review", "dry_run": "0"})
    assert bad.status_code == 400 and "Write each mapping as OLD_ID=NEW_ID" in html.unescape(bad.text)
    assert olga.post(path, {"version": "", "dry_run": "0"}).status_code == 400
    not_mapped = olga.post(path, {"version": "2", "dry_run": "0"})
    assert not_mapped.status_code == 400 and "It cannot be migrated to version 2" in html.unescape(not_mapped.text)
    done = olga.post(path, {"version": "2", "mapping": "Review=ReviewOrder", "dry_run": "0"}, follow_redirects=True)
    assert flashes(html.unescape(done.text)) == [
        f"Instance {instance_id} is migrated to version 2: 'Review' (Review) to 'Review order' (ReviewOrder)."]
    assert runtime.queries.instance(instance_id).summary.version == 2
    assert "Migrated" in done.text
