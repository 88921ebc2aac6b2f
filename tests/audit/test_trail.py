"""The audit trail: every action of a person or program is recorded with who, how, what and about which process,
instance and task, in the transaction of the change (a refused action leaves none); sensitive values are
redacted; the database refuses to change or delete entries except through the retention purge; the CLI, the
API and the console read it with the same filters."""
from __future__ import annotations

import getpass
import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bpmn_runtime.errors import Forbidden
from bpmn_runtime.forms import FormErrors
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.runtime.audit import AuditRecord
from bpmn_runtime.runtime.task_rules import Actor
from tests.audit.world import CARDS, World, world  # noqa: F401  (the fixture)
from tests.web.conftest import WEB_PROCESSES, csrf_token

OLGA = Actor.person("olga", role="operator", via="api token")


def trail(runtime: Runtime, **filters: Any) -> list[AuditRecord]:
    """Entries oldest first."""
    entries, _ = runtime.queries.audit(limit=200, **filters)
    return list(reversed(entries))


def test_every_action_is_recorded_with_its_actor_and_values(world: World) -> None:
    runtime, api, olga = world.runtime, world.api(), world.token("olga")
    started = api.post("/api/v1/instances", headers=olga, json={
        "processKey": "card-payment", "businessKey": "order-1", "variables": {"amount": 12, "card_token": "tok-1"}})
    instance_id = started.get_json()["id"]
    task_id = runtime.queries.instance(instance_id).tasks[0].id
    cleo = world.person("cleo")
    assert cleo.post(f"/tasks/{task_id}/claim").status_code == 302
    assert cleo.post(f"/tasks/{task_id}/unclaim").status_code == 302
    console = world.person("olga")
    assert console.post(f"/console/tasks/{task_id}/assign", {"assignee": "cleo"}).status_code == 302
    completed = api.post(f"/api/v1/tasks/{task_id}/complete", headers=world.token("cleo"),
                         json={"variables": {"holder": "Ann", "pin": "1234", "approved": True}})
    assert completed.status_code == 204
    assert api.post("/api/v1/messages", headers=olga, json={"name": "card-checked", "correlationKey": "order-1",
                                                            "variables": {"checked_by": "bank"}}).status_code == 200
    assert api.patch(f"/api/v1/instances/{instance_id}/variables", headers=olga,
                     json={"amount": 13, "password": "hunter2"}).status_code == 200
    job = api.post("/api/v1/external-tasks/fetch-and-lock", headers=olga,
                   json={"workerId": "w1", "topics": ["charge-card"]}).get_json()[0]
    failed = api.post(f"/api/v1/external-tasks/{job['id']}/failure", headers=olga,
                      json={"workerId": "w1", "errorMessage": "bank down", "retries": 0})
    assert failed.get_json() == {"incident": True}
    incident_id = runtime.queries.incidents()[0].id
    assert console.post(f"/console/incidents/{incident_id}/retry").status_code == 302
    assert console.post(f"/console/instances/{instance_id}/cancel", {"reason": "customer left"}).status_code == 302
    assert api.post("/api/v1/signals", headers=olga, json={"name": "nobody-waits"}).get_json() == {"instances": 0}

    entries = trail(runtime, instance_id=instance_id)
    assert [(e.actor, e.via, e.action) for e in entries] == [
        ("olga", "api token", "start"), ("cleo", "web", "claim"), ("cleo", "web", "unclaim"),
        ("olga", "web", "assign"), ("cleo", "api token", "complete"), ("olga", "api token", "message"),
        ("olga", "api token", "set_variables"), ("olga", "web", "retry"), ("olga", "web", "cancel")]
    assert all(e.process_key == "card-payment" for e in entries)
    assert [e.task_id for e in entries[1:5]] == [task_id] * 4
    start, claim, unclaim, assign, complete, message, variables, retry, cancel = (e.detail for e in entries)
    assert start == {"version": 1, "business_key": "order-1", "variables": {"amount": 12, "card_token": "***"}}
    assert claim == {"task": "Enter the card", "before": {"assignee": None}, "after": {"assignee": "cleo"}}
    assert unclaim is not None and unclaim["after"] == {"assignee": None}
    assert assign is not None and assign["after"] == {"assignee": "cleo"}
    assert complete == {"task": "Enter the card", "values": {"holder": "Ann", "pin": "***", "approved": True}}
    assert message == {"message": "card-checked", "correlation_key": "order-1", "variables": {"checked_by": "bank"}}
    assert variables == {"before": {"amount": 12}, "after": {"amount": 13, "password": "***"}}
    assert retry == {"incident": incident_id, "element": "Task_Charge", "retries": 1}
    assert cancel == {"reason": "customer left", "before": {"status": "active"}, "after": {"status": "cancelled"}}
    signal = trail(runtime, action="signal")[-1]
    assert (signal.actor, signal.detail) == ("olga", {"signal": "nobody-waits", "reached": 0, "variables": {}})


def test_deployments_accounts_tokens_and_failed_logins_are_recorded(world: World) -> None:
    answer = world.api().post("/api/v1/deployments", headers=world.token("olga"), content_type="multipart/form-data",
                              data={"file": (io.BytesIO(CARDS.read_bytes()), "cards.bpmn")})
    assert answer.status_code == 201
    world.cli("user", "add", "nina", "--group", "clerks", "--password", "long-enough-1")
    world.cli("user", "token", "nina", "--topic", "charge-card")
    world.cli("user", "disable", "nina")
    client = world.app.test_client()
    form = client.get("/login").text
    client.post("/login", data={"name": "cleo", "password": "wrong-password", "csrf_token": csrf_token(form)})
    entries = trail(world.runtime)
    deploys = [e for e in entries if e.action == "deploy" and e.actor == "olga"]
    assert [(e.process_key, e.detail) for e in deploys] == [
        ("card-payment", {"version": 1, "file": "cards.bpmn", "new": False}),
        ("card-refund", {"version": 1, "file": "cards.bpmn", "new": False})]
    accounts = [(e.via, e.action, e.detail) for e in entries if e.action.startswith("account.")
                and e.detail and e.detail.get("user") == "nina"]
    assert [(action, detail) for _, action, detail in accounts] == [
        ("account.add", {"user": "nina", "role": "user", "groups": ["clerks"]}),
        ("account.token", {"user": "nina", "topics": ["charge-card"]}),
        ("account.disable", {"user": "nina"})]
    assert {via for via, _, _ in accounts} == {f"command line (OS user {getpass.getuser()})"}
    failed = [e for e in entries if e.action == "login.failed"]
    assert [(e.actor, e.via, e.detail) for e in failed] == [("cleo", "web login", {"address": "127.0.0.1"})]


def test_a_refused_action_leaves_no_entry(world: World) -> None:
    runtime = world.runtime
    instance_id = world.card_payment()
    task_id = runtime.queries.instance(instance_id).tasks[0].id
    before = len(trail(runtime))
    with pytest.raises(FormErrors):
        runtime.complete_task(task_id, {"holder": "Ann", "shoe_size": 44}, actor=OLGA)
    runtime.grant("card-payment", "operate", "user", "otto")
    with pytest.raises(Forbidden):
        runtime.cancel(instance_id, actor=OLGA)
    entries = trail(runtime)
    assert [e.action for e in entries[before:]] == ["permission.grant"]
    assert runtime.queries.instance(instance_id).summary.status == "active"


def test_suspend_and_resume_are_recorded_with_their_actor_from_api_console_and_command_line(world: World) -> None:
    runtime, api = world.runtime, world.api()
    instance_id = world.card_payment()
    assert api.post(f"/api/v1/instances/{instance_id}/suspend", headers=world.token("olga")).status_code == 204
    console = world.person("otto")
    assert console.post(f"/console/instances/{instance_id}/resume").status_code == 302
    world.cli("suspend", str(instance_id))
    world.cli("resume", str(instance_id))
    entries = trail(runtime, instance_id=instance_id)
    cli = f"command line (OS user {getpass.getuser()})"
    assert [(e.actor, e.via, e.action, e.process_key, e.detail) for e in entries[1:]] == [
        ("olga", "api token", "suspend", "card-payment", None), ("otto", "web", "resume", "card-payment", None),
        ("the command line", cli, "suspend", "card-payment", None),
        ("the command line", cli, "resume", "card-payment", None)]

    definition_id = next(d["id"] for d in runtime.queries.definitions() if d["key"] == "card-payment")
    assert console.post(f"/console/definitions/{definition_id}/suspend").status_code == 302
    version, instance = trail(runtime, action="suspend")[-2:]
    assert (version.actor, version.process_key, version.instance_id, version.detail) == (
        "otto", "card-payment", None, {"version": 1})
    assert (instance.actor, instance.instance_id) == ("otto", instance_id), "and each of its running instances"


def test_suspending_a_parent_records_the_called_instances_too_and_a_refusal_nothing(world: World) -> None:
    runtime = world.runtime
    runtime.deploy(WEB_PROCESSES / "three_steps.bpmn")
    runtime.deploy(WEB_PROCESSES / "drill_down.bpmn")
    parent = runtime.start("drill-down")
    runtime.complete_task(runtime.queries.instance(parent).tasks[0].id)
    [child] = runtime.queries.instance(parent).called
    assert world.person("olga").post(f"/console/instances/{parent}/suspend").status_code == 302
    entries = trail(runtime, action="suspend")
    assert [(e.actor, e.instance_id, e.process_key, e.detail) for e in entries] == [
        ("olga", parent, "drill-down", None), ("olga", child.instance_id, "three-steps", {"called_by": parent})]

    runtime.grant("drill-down", "operate", "user", "otto")
    refused = world.api().post(f"/api/v1/instances/{parent}/resume", headers=world.token("olga"))
    assert refused.status_code == 403
    assert trail(runtime, action="resume") == [] and runtime.queries.instance(parent).summary.suspended


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_the_database_refuses_to_change_or_delete_entries(database: str, tmp_path: Path,
                                                          request: pytest.FixtureRequest) -> None:
    from bpmn_runtime.clock import VirtualClock
    url = f"sqlite:///{tmp_path / 'engine.db'}" if database == "sqlite" else request.getfixturevalue("postgres_url")
    clock = VirtualClock()
    runtime = Runtime(url, clock=clock)
    runtime.deploy(CARDS)
    old = runtime.start("card-payment", {"amount": 1})
    clock.advance(86400 * 30)
    new = runtime.start("card-payment", {"amount": 2})
    engine = runtime.database.engine
    for statement in ("UPDATE audit_log SET actor = 'someone else'", "UPDATE audit_log SET detail = '{}'",
                      "DELETE FROM audit_log", f"DELETE FROM audit_log WHERE instance_id = {old}"):
        with pytest.raises(DBAPIError, match="append-only"):
            with engine.begin() as connection:
                connection.execute(text(statement))
    if database == "postgres":
        with pytest.raises(DBAPIError, match="append-only"):
            with engine.begin() as connection:
                connection.execute(text("TRUNCATE audit_log"))
    removed = runtime.purge_audit_before(clock.now() - timedelta(days=1))
    assert removed == 3  # the deployment of both processes and the old start
    assert [(e.action, e.instance_id) for e in trail(runtime)] == [("start", new), ("audit.purge", None)]
    with pytest.raises(DBAPIError, match="append-only"):
        with engine.begin() as connection:
            connection.execute(text(f"DELETE FROM audit_log WHERE instance_id = {new}"))
    with pytest.raises(Exception, match="cutoff in the future"):
        runtime.purge_audit_before(clock.now() + timedelta(days=1))
    runtime.close()


def test_the_command_line_reads_the_trail_with_filters(world: World) -> None:
    first, second = world.card_payment(), world.card_payment()
    world.cli("cancel", str(first), "--reason", "duplicate order")
    shown = json.loads(world.cli("audit", "--instance", str(first), "--json"))
    assert [e["action"] for e in shown["entries"]] == ["cancel", "start"] and shown["total"] == 2
    assert shown["entries"][0]["actor"] == "the command line"
    assert shown["entries"][0]["via"].startswith("command line (OS user ")
    assert shown["entries"][0]["detail"]["reason"] == "duplicate order"
    mine = json.loads(world.cli("audit", "--user", shown["entries"][0]["actor"], "--since", "1h", "--json"))
    assert [e["instance_id"] for e in mine["entries"]] == [first]
    assert json.loads(world.cli("audit", "--since", "2999-01-01", "--json")) == {"total": 0, "entries": []}
    plain = world.cli("audit", "--instance", str(second))
    assert "start  card-payment instance" in plain and "cancel" not in plain
    refused = world.cli("audit", "--since", "last tuesday", expect=1)
    assert "is not a time" in refused


def test_the_api_filters_the_trail_and_shows_each_operator_only_what_they_may_see(world: World) -> None:
    runtime, api = world.runtime, world.api()
    instance_id = world.card_payment()
    order = runtime.start("order-fulfilment", {"amount": 10})
    runtime.grant("card-payment", "view", "group", "auditors")

    def actions(name: str, query: str = "") -> list[tuple[str, int | None]]:
        answer = api.get(f"/api/v1/audit{query}", headers=world.token(name))
        assert answer.status_code == 200, answer.text
        return [(e["action"], e["instanceId"]) for e in answer.get_json()["entries"]]

    assert ("start", instance_id) in actions("otto") and ("start", order) in actions("otto")
    assert ("start", instance_id) not in actions("olga") and ("start", order) in actions("olga")
    assert not any(action.startswith(("account.", "permission.")) for action, _ in actions("olga"))
    assert ("permission.grant", None) in actions("ada")
    assert actions("ada", f"?instanceId={instance_id}") == [("start", instance_id)]
    family = actions("ada", "?action=account&limit=2")
    assert len(family) == 2 and all(action.startswith("account.") for action, _ in family)
    assert actions("ada", "?user=nobody") == []
    for query, message in (("?since=soon", "is not a time"), ("?instanceId=x", "'instanceId' must be a whole number"),
                           ("?limit=900", "'limit' must be a whole number")):
        refused = api.get(f"/api/v1/audit{query}", headers=world.token("ada"))
        assert refused.status_code == 400 and message in refused.get_json()["error"]
    assert api.get("/api/v1/audit", headers=world.token("cleo")).status_code == 403


def test_the_console_shows_the_trail_and_each_instance_s_tab(world: World) -> None:
    instance_id = world.card_payment()
    olga = world.person("olga")
    olga.post(f"/console/instances/{instance_id}/cancel", {"reason": "test order"})
    page = olga.get("/console/audit?action=cancel")
    assert page.status_code == 200 and "test order" in page.text and f"#{instance_id}" in page.text
    assert "account.add" not in olga.get("/console/audit").text, "account changes are for administrators"
    assert "account.add" in world.person("ada").get("/console/audit").text
    tab = olga.get(f"/console/instances/{instance_id}/audit")
    assert tab.status_code == 200 and "<code>start</code>" in tab.text and "<code>cancel</code>" in tab.text
    assert f"/console/instances/{instance_id}/audit" in olga.get(f"/console/instances/{instance_id}").text
    refused = olga.get("/console/audit?since=yesterday-ish")
    assert refused.status_code == 400 and "is not a time" in refused.text
    assert world.person("cleo").get("/console/audit").status_code == 403
