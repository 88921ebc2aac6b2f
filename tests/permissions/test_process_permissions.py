"""Permissions per process and topic, the same through the console, the inbox, the API and the command line: who
may start a process (the model's candidate starters, or an administrator's grants that replace them), which
operators see its instances and operate on them, and which topics an API token may fetch."""
from __future__ import annotations

import re

import pytest

from bpmn_runtime.errors import DeploymentError
from tests.audit.world import World, world  # noqa: F401  (the fixture)


def start(world: World, name: str, process: str) -> int:
    answer = world.api().post("/api/v1/instances", headers=world.token(name), json={"processKey": process})
    return answer.status_code


def test_the_model_names_who_may_start_a_process(world: World) -> None:
    assert [(g.kind, g.principal_type, g.principal, g.source) for g in world.runtime.queries.grants("card-refund")] \
        == [("start", "group", "sales", "model"), ("start", "user", "rita", "model")]
    assert {name: start(world, name, "card-refund") for name in ("sam", "rita", "cleo", "olga", "ada")} == \
        {"sam": 201, "rita": 201, "cleo": 403, "olga": 403, "ada": 201}
    assert start(world, "olga", "card-payment") == 201, "a process that names nobody is for operators"
    assert start(world, "cleo", "card-payment") == 403
    assert "started instance" in world.cli("--as", "sam", "start", "card-refund")
    refused = world.cli("--as", "cleo", "start", "card-refund", expect=1)
    assert "cleo may not start process 'card-refund'" in refused
    assert "started instance" in world.cli("start", "card-refund"), "the command line without --as may do anything"
    assert "there is no user named 'nobody'" in world.cli("--as", "nobody", "start", "card-refund", expect=1)


def test_an_administrator_s_start_grants_replace_the_model_s(world: World) -> None:
    ada = world.person("ada")
    page = ada.get("/console/permissions")
    assert page.status_code == 200 and "the model" in page.text
    granted = ada.post("/console/permissions", {"process": "card-refund", "kind": "start", "principal_type": "group",
                                                "principal": "clerks"}, follow_redirects=True)
    assert "Start card-refund for group clerks: granted." in granted.text
    assert (start(world, "cleo", "card-refund"), start(world, "sam", "card-refund")) == (201, 403)
    revoked = ada.post("/console/permissions", {"change": "revoke", "process": "card-refund", "kind": "start",
                                                "principal_type": "group", "principal": "clerks"},
                       follow_redirects=True)
    assert "revoked" in revoked.text
    assert (start(world, "cleo", "card-refund"), start(world, "sam", "card-refund")) == (403, 201)
    assert world.person("olga").get("/console/permissions").status_code == 403
    assert "Only administrators" in world.cli("--as", "olga", "permission", "grant", "card-refund", "start",
                                              "--user", "olga", expect=1)
    bad = ada.post("/console/permissions", {"process": "card-refund", "kind": "own", "principal_type": "group",
                                            "principal": "x"})
    assert bad.status_code == 400 and "is not a permission" in bad.text


def test_view_grants_hide_a_process_s_instances_from_other_operators(world: World) -> None:
    runtime = world.runtime
    cards, order = world.card_payment(), runtime.start("order-fulfilment", {"amount": 10})
    world.cli("permission", "grant", "card-payment", "view", "--group", "auditors")
    olga, otto = world.person("olga"), world.person("otto")
    listed = olga.get("/console/instances").text
    assert f"#{order}<" in listed and f"#{cards}<" not in listed
    assert f"#{cards}<" in otto.get("/console/instances").text
    assert olga.get(f"/console/instances/{cards}").status_code == 403
    assert otto.get(f"/console/instances/{cards}").status_code == 200
    api = world.api()
    ids = [i["id"] for i in api.get("/api/v1/instances", headers=world.token("olga")).get_json()["instances"]]
    assert order in ids and cards not in ids
    assert api.get(f"/api/v1/instances/{cards}", headers=world.token("olga")).status_code == 403
    assert api.get(f"/api/v1/instances/{cards}/variables", headers=world.token("olga")).status_code == 403
    assert re.search(rf"^\s+{cards}\s", world.cli("--as", "otto", "instances"), re.MULTILINE)
    assert not re.search(rf"^\s+{cards}\s", world.cli("--as", "olga", "instances"), re.MULTILINE)
    assert "olga may not see the instances" in world.cli("--as", "olga", "instance", str(cards), expect=1)
    task_id = runtime.queries.instance(cards).tasks[0].id
    assert olga.post(f"/console/tasks/{task_id}/assign", {"assignee": "cleo"}).status_code == 403
    assert otto.post(f"/console/tasks/{task_id}/assign", {"assignee": "cleo"}).status_code == 302
    cleo = world.person("cleo")
    assert cleo.post(f"/tasks/{task_id}/complete", {"holder": "Ann", "approved": "on"}).status_code == 302, \
        "the inbox follows the task rules: the task is offered to cleo's group and assigned to her"


def test_operate_grants_let_only_the_operators_named_cancel_retry_and_change(world: World) -> None:
    runtime, api = world.runtime, world.api()
    instance_id = world.card_payment()
    world.cli("permission", "grant", "card-payment", "operate", "--user", "otto")
    olga = world.person("olga")
    assert olga.get(f"/console/instances/{instance_id}").status_code == 200, "operating is restricted, seeing is not"
    refused = olga.post(f"/console/instances/{instance_id}/cancel")
    assert refused.status_code == 403 and "Olga may not operate on the instances of process" in refused.text
    assert api.post(f"/api/v1/instances/{instance_id}/cancel", headers=world.token("olga")).status_code == 403
    assert api.patch(f"/api/v1/instances/{instance_id}/variables", headers=world.token("olga"),
                     json={"amount": 1}).status_code == 403
    assert "may not operate" in world.cli("--as", "olga", "cancel", str(instance_id), expect=1)
    assert runtime.queries.instance(instance_id).summary.status == "active"
    task_id = runtime.queries.instance(instance_id).tasks[0].id
    runtime.complete_task(task_id, {"holder": "Ann", "approved": True})
    message = api.post("/api/v1/messages", headers=world.token("olga"), json={"name": "card-checked"})
    assert message.status_code == 403 and "may not operate" in message.get_json()["error"]
    assert [t.element_id for t in runtime.queries.instance(instance_id).tokens] == ["Wait_Checked"]
    assert api.post(f"/api/v1/instances/{instance_id}/cancel", headers=world.token("otto")).status_code == 204
    assert runtime.queries.instance(instance_id).summary.status == "cancelled"


def test_retrying_an_incident_is_operating(world: World) -> None:
    runtime, api = world.runtime, world.api()
    refund = runtime.start("card-refund", {})
    job = runtime.acquire_jobs("w", ["refund-card"])
    runtime.fail_job(job[0].job_id, "w", "bank down", retries=0)
    runtime.grant("card-refund", "operate", "group", "auditors")
    incident = runtime.queries.incidents()[0]
    assert incident.instance_id == refund
    assert api.post(f"/api/v1/incidents/{incident.id}/retry", headers=world.token("olga")).status_code == 403
    assert world.person("olga").post(f"/console/incidents/{incident.id}/retry").status_code == 403
    assert api.post(f"/api/v1/incidents/{incident.id}/retry", headers=world.token("otto")).status_code == 204


def test_a_token_made_for_topics_fetches_those_only(world: World) -> None:
    runtime, api = world.runtime, world.api()
    world.cli("user", "add", "payer", "--password", "long-enough-1")
    token = {"Authorization": f"Bearer {world.cli('user', 'token', 'payer', '--topic', 'charge-card').strip()}"}
    runtime.start("card-refund", {})
    refused = api.post("/api/v1/external-tasks/fetch-and-lock", headers=token,
                       json={"workerId": "w", "topics": ["refund-card"]})
    assert refused.status_code == 403 and "may fetch topics charge-card only, not refund-card" in \
        refused.get_json()["error"]
    assert api.post("/api/v1/external-tasks/fetch-and-lock", headers=token,
                    json={"workerId": "w", "topics": ["charge-card"]}).get_json() == []
    refund_job = api.post("/api/v1/external-tasks/fetch-and-lock", headers=world.token("olga"),
                          json={"workerId": "w", "topics": ["refund-card"]}).get_json()[0]
    for action, body in (("complete", {}), ("failure", {"errorMessage": "x"}), ("bpmn-error", {"errorCode": "E"}),
                         ("extend-lock", {})):
        answer = api.post(f"/api/v1/external-tasks/{refund_job['id']}/{action}", headers=token,
                          json={"workerId": "w", **body})
        assert answer.status_code == 403, action
    assert api.post(f"/api/v1/external-tasks/{refund_job['id']}/complete", headers=world.token("olga"),
                    json={"workerId": "w"}).status_code == 204
    no_topics = api.post("/api/v1/external-tasks/fetch-and-lock", headers=world.token("cleo"),
                         json={"workerId": "w", "topics": ["charge-card"]})
    assert no_topics.status_code == 403 and "tokens made for topics" in no_topics.get_json()["error"]


def test_an_expression_cannot_name_the_starters(world: World) -> None:
    xml = (b'<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/'
           b'20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">'
           b'<bpmn:process id="p" isExecutable="true" camunda:candidateStarterGroups="sales, ${group}">'
           b'<bpmn:startEvent id="s"/></bpmn:process></bpmn:definitions>')
    with pytest.raises(DeploymentError, match=r"candidateStarterGroups names '\$\{group\}'"):
        world.runtime.deploy(xml, "p.bpmn")
