"""The OpenAPI document is valid and complete, and a foreign worker can do its whole job over HTTP."""
from __future__ import annotations

import io
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from bpmn_runtime.runtime import Runtime
from tests.conftest import PROCESSES
from tests.web.conftest import bearer
from bpmn_runtime.web.openapi import document

PREFIX = "/api/v1"
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def test_the_document_is_valid_openapi_3_1(app: Flask) -> None:
    served = app.test_client().get(f"{PREFIX}/openapi.json")
    assert served.status_code == 200
    spec = served.get_json()
    assert spec["openapi"] == "3.1.0" and spec == document()
    validate(spec)


def test_every_api_route_is_documented_and_every_documented_route_exists(app: Flask) -> None:
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIX):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule[len(PREFIX):])
            routes |= {(path, method.lower()) for method in (rule.methods or set()) - IGNORED_METHODS}
    documented = {(path, method) for path, item in document()["paths"].items() for method in item}
    assert routes == documented


class ForeignWorker:
    """A worker written in another language: it knows only the HTTP API and its token."""

    def __init__(self, client: FlaskClient, headers: dict[str, str], name: str) -> None:
        self.client, self.headers, self.name = client, headers, name

    def call(self, path: str, body: dict[str, Any] | None = None, *, expect: int = 200) -> Any:
        response = self.client.post(f"{PREFIX}{path}", headers=self.headers, json=body or {})
        assert response.status_code == expect, response.get_data(as_text=True)
        return response.get_json()

    def fetch(self, *topics: str, expect_count: int | None = None) -> list[dict[str, Any]]:
        tasks: list[dict[str, Any]] = self.call("/external-tasks/fetch-and-lock", {
            "workerId": self.name, "topics": list(topics), "maxTasks": 5, "lockDuration": 30_000})
        if expect_count is not None:
            assert len(tasks) == expect_count, tasks
        return tasks

    def complete(self, task: dict[str, Any], variables: dict[str, Any] | None = None) -> None:
        self.call(f"/external-tasks/{task['id']}/complete", {"workerId": self.name, "variables": variables or {}},
                  expect=204)


def test_a_foreign_worker_runs_the_order_over_http(app: Flask, runtime: Runtime) -> None:
    client = app.test_client()
    token = bearer(runtime, "olga")
    worker = ForeignWorker(client, token, "go-worker-1")
    rival = ForeignWorker(client, token, "go-worker-2")
    started = client.post(f"{PREFIX}/instances", headers=token, json={
        "processKey": "order-fulfilment", "variables": {"amount": 80}, "businessKey": "order-42"})
    instance_id = started.get_json()["id"]

    [check] = worker.fetch("check-stock", expect_count=1)
    assert check["topic"] == "check-stock" and check["variables"] == {"amount": 80}
    assert check["businessKey"] == "order-42" and check["instanceId"] == instance_id
    assert check["idempotencyKey"] and check["activityId"] == "Activity_CheckStock" and check["attempt"] == 1
    assert rival.fetch("check-stock") == [], "a locked task is not handed out twice"
    worker.call(f"/external-tasks/{check['id']}/extend-lock", {"workerId": worker.name, "newDuration": 60_000},
                expect=204)
    lost = rival.call(f"/external-tasks/{check['id']}/extend-lock", {"workerId": rival.name}, expect=409)
    assert "no longer locked by go-worker-2" in lost["error"]
    rival.call(f"/external-tasks/{check['id']}/complete", {"workerId": rival.name}, expect=409)
    worker.complete(check, {"in_stock": True})

    [charge] = worker.fetch("charge-payment", expect_count=1)
    first = worker.call(f"/external-tasks/{charge['id']}/failure", {
        "workerId": worker.name, "errorMessage": "card declined, try later", "errorDetails": "HTTP 503",
        "retries": 1, "retryTimeout": 0})
    assert first == {"incident": False}
    [again] = worker.fetch("charge-payment", expect_count=1)
    assert again["id"] == charge["id"] and again["attempt"] == 2
    assert again["idempotencyKey"] == charge["idempotencyKey"], "a retry can be made safe with the same key"
    last = worker.call(f"/external-tasks/{charge['id']}/failure", {
        "workerId": worker.name, "errorMessage": "card declined", "retries": 0})
    assert last == {"incident": True}
    worker.fetch("charge-payment", expect_count=0)
    incidents = client.get(f"{PREFIX}/incidents", headers=token).get_json()["incidents"]
    assert [(i["instanceId"], i["message"]) for i in incidents] == [(instance_id, "charge-payment: card declined")]
    client.post(f"{PREFIX}/incidents/{incidents[0]['id']}/retry", headers=token, json={"retries": 1})
    worker.complete(worker.fetch("charge-payment", expect_count=1)[0], {"payment_id": "PAY-1"})

    worker.complete(worker.fetch("ship-order", expect_count=1)[0], {"tracking_number": "TRK-1"})
    detail = client.get(f"{PREFIX}/instances/{instance_id}", headers=token).get_json()
    assert detail["summary"]["status"] == "completed"
    assert detail["variables"] == {"amount": 80, "in_stock": True, "payment_id": "PAY-1", "tracking_number": "TRK-1"}


def test_a_foreign_worker_reports_a_business_error_and_compensates(app: Flask, runtime: Runtime) -> None:
    client = app.test_client()
    token = bearer(runtime, "olga")
    worker = ForeignWorker(client, token, "py-worker")
    saga = (PROCESSES / "order_saga.bpmn").read_bytes()
    deployed = client.post(f"{PREFIX}/deployments", headers=token, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(saga), "order_saga.bpmn")})
    assert deployed.status_code == 201
    instance_id = client.post(f"{PREFIX}/instances", headers=token, json={
        "processKey": "order-saga", "variables": {"order_id": "A-7"}}).get_json()["id"]
    worker.complete(worker.fetch("reserve-inventory", expect_count=1)[0])
    worker.complete(worker.fetch("charge-payment-saga", expect_count=1)[0])
    [shipment] = worker.fetch("create-shipment", expect_count=1)
    worker.call(f"/external-tasks/{shipment['id']}/bpmn-error", {
        "workerId": worker.name, "errorCode": "SHIPPING_FAILED", "errorMessage": "the carrier refused",
        "variables": {"carrier_answer": "no"}}, expect=204)

    [refund] = worker.fetch("refund-payment", "release-inventory", expect_count=1)
    assert refund["topic"] == "refund-payment", "the newest completed step is undone first"
    worker.complete(refund)
    [release] = worker.fetch("refund-payment", "release-inventory", expect_count=1)
    assert release["topic"] == "release-inventory"
    worker.complete(release)
    detail = client.get(f"{PREFIX}/instances/{instance_id}", headers=token).get_json()
    assert detail["summary"]["status"] == "completed" and detail["variables"]["carrier_answer"] == "no"
    ended = [h["elementId"] for h in detail["history"] if h["kind"] == "element_completed"]
    assert ended[-1] == "EndEvent_OrderCancelled"
    kinds = [h["kind"] for h in detail["history"] if h["kind"].startswith("compensation_")]
    assert kinds[0] == "compensation_thrown" and kinds.count("compensation_completed") == 2


def test_fetch_and_lock_checks_its_input_and_its_caller(app: Flask, runtime: Runtime) -> None:
    client = app.test_client()
    path = f"{PREFIX}/external-tasks/fetch-and-lock"
    token = bearer(runtime, "olga")
    for body, message in (({"topics": ["a"]},
                           "'workerId' is required: the name the worker fetched and locked its tasks with."),
                          ({"workerId": "w", "topics": []}, "'topics' must be a list of one or more topic names."),
                          ({"workerId": "w", "topics": "a"}, "'topics' must be a list."),
                          ({"workerId": "w", "topics": ["a"], "maxTasks": 0}, "'maxTasks' must be from 1 to 100."),
                          ({"workerId": "w", "topics": ["a"], "lockDuration": True},
                           "'lockDuration' must be a whole number.")):
        response = client.post(path, headers=token, json=body)
        assert (response.status_code, response.get_json()) == (400, {"error": message})
    refused = client.post(path, headers=bearer(runtime, "mia"), json={"workerId": "w", "topics": ["check-stock"]})
    assert refused.status_code == 403
    unknown = client.post(f"{PREFIX}/external-tasks/999/complete", headers=token, json={"workerId": "w"})
    assert unknown.status_code == 404 and "there is no job 999" in unknown.get_json()["error"]
    negative = client.post(f"{PREFIX}/external-tasks/999/failure", headers=token,
                           json={"workerId": "w", "retries": -1})
    assert negative.status_code == 400
