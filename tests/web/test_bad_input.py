"""Bad input gets a clear 4xx, never a 500: numbers past 64 bits, digits int() refuses, JSON nested a
thousand deep, text longer than its column or holding NUL (on PostgreSQL too), `?_method=` and the
other arguments of url_for; and only the worker holding an external task's lock may act on it."""
from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bpmn_runtime.accounts import Accounts
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.web import create_app
from bpmn_runtime.worker import Worker
from tests.conftest import PROCESSES
from tests.web.conftest import Person, bearer, place_order

API = "/api/v1"
DEEP = '{"processKey": "order-fulfilment", "variables": {"a": ' + "[" * 1000 + "]" * 1000 + "}}"


def _error(answer: Any) -> str:
    assert answer.is_json, answer.text
    message: str = answer.get_json()["error"]
    return message


def test_page_numbers_past_64_bits_and_odd_digits(mia: Person, olga: Person, runtime: Runtime, app: Flask) -> None:
    for person, path in ((mia, "/tasks"), (olga, "/console/instances")):
        for page in ("9" * 25, "9" * 5000, "1000001"):
            answer = person.get(f"{path}?page={page}")
            assert answer.status_code == 400 and "Page numbers go up to 1,000,000." in answer.text, (path, page)
        assert person.get(f"{path}?page=%C2%B2").status_code == 200, "'²' is not a page number: the first page"
    olga_api = bearer(runtime, "olga")
    client = app.test_client()
    for query in ("offset=" + "9" * 30, "limit=%C2%B2", "offset=%C2%B2"):
        answer = client.get(f"{API}/instances?{query}", headers=olga_api)
        assert answer.status_code == 400 and "must be a whole number from 0 to" in _error(answer)
    for path in (f"{API}/instances/{'9' * 25}", f"{API}/tasks/{2**63}"):
        assert client.get(path, headers=olga_api).status_code == 404
    assert olga.get(f"/console/instances/{'9' * 25}").status_code == 404
    assert olga.post(f"/console/incidents/{2**64}/retry", {"retries": "²"}).status_code == 404


def test_json_nested_a_thousand_deep(runtime: Runtime, app: Flask, olga: Person) -> None:
    client, olga_api = app.test_client(), bearer(runtime, "olga")
    answer = client.post(f"{API}/instances", headers=olga_api, data=DEEP, content_type="application/json")
    assert answer.status_code == 400 and _error(answer) == \
        "The JSON body is nested too deeply; variables may nest up to 64 levels."
    nested: Any = 1
    for _ in range(65):
        nested = [nested]
    answer = client.post(f"{API}/instances", headers=olga_api,
                         json={"processKey": "order-fulfilment", "variables": {"a": nested}})
    assert answer.status_code == 400 and "variable 'a' is nested too deeply" in _error(answer)
    assert client.post(f"{API}/instances", headers=olga_api,
                       json={"processKey": "order-fulfilment", "variables": {"a": nested[0]}}).status_code == 201
    definition = runtime.queries.definitions()[0]["id"]
    page = olga.post(f"/console/definitions/{definition}/start",
                     {"name_0": "a", "value_0": "[" * 1000 + "]" * 1000})
    assert page.status_code == 400 and "nested too deeply" in page.text, "the form shows the row again"


def test_text_longer_than_its_column_is_refused(runtime: Runtime, app: Flask, olga: Person) -> None:
    client, olga_api = app.test_client(), bearer(runtime, "olga")
    for body, message in (
            ({"processKey": "order-fulfilment", "businessKey": "k" * 256},
             "the business key is 256 characters long; at most 255 can be stored"),
            ({"processKey": "order-fulfilment", "requestKey": "k" * 300}, "the request key is 300 characters long"),
            ({"processKey": "order-fulfilment", "variables": {"v" * 256: 1}}, "is not a valid variable name"),
            ({"processKey": "p" * 256}, "the process key is 256 characters long"),
            ({"processKey": "order-fulfilment", "version": 2**64}, "'version' must be from 1 to 2147483647.")):
        answer = client.post(f"{API}/instances", headers=olga_api, json=body)
        assert answer.status_code == 400 and message in _error(answer), body
    for path, body in ((f"{API}/messages", {"name": "m" * 256}), (f"{API}/signals", {"name": "s" * 256}),
                       (f"{API}/messages", {"name": "m", "correlationKey": "c" * 256})):
        assert client.post(path, headers=olga_api, json=body).status_code == 400, body
    definition = runtime.queries.definitions()[0]["id"]
    page = olga.post(f"/console/definitions/{definition}/start", {"business_key": "k" * 256})
    assert page.status_code == 400 and "at most 255 can be stored" in page.text


def test_arguments_of_url_for_in_the_address_are_plain_filters(runtime: Runtime, olga: Person) -> None:
    for number in range(21):
        runtime.start("order-fulfilment", {"amount": number})
    answer = olga.get("/console/instances?_method=POST&_anchor=x&_external=1&status=active")
    assert answer.status_code == 200
    assert re.findall(r'href="([^"]*page=2)&amp;before=\d+"', answer.text) == [
        "/console/instances?_method=POST&amp;_anchor=x&amp;_external=1&amp;status=active&amp;page=2"]


# --- external tasks: only the worker holding the lock ----------------------------------------------

def _post(client: FlaskClient, headers: dict[str, str], path: str, body: dict[str, Any]) -> tuple[int, str]:
    answer = client.post(f"{API}/external-tasks{path}", headers=headers, json=body)
    return answer.status_code, _error(answer) if answer.status_code >= 400 else ""


def test_only_the_worker_holding_the_lock_acts_on_an_external_task(runtime: Runtime, app: Flask) -> None:
    client, olga = app.test_client(), bearer(runtime, "olga")
    runtime.start("order-fulfilment", {"amount": 5})
    [unfetched] = runtime.queries.jobs()
    actions: tuple[tuple[str, dict[str, Any]], ...] = (("/complete", {}), ("/failure", {"retries": 1}), ("/bpmn-error", {"errorCode": "E"}),
               ("/extend-lock", {"newDuration": 1000}))
    for path, body in actions:
        for worker in ({"workerId": None}, {}, {"workerId": ""}, {"workerId": 7}):
            status, message = _post(client, olga, f"/{unfetched.id}{path}", {**body, **worker})
            assert (status, message) == (400, "'workerId' is required: the name the worker fetched and locked its "
                                              "tasks with."), (path, worker)
        status, message = _post(client, olga, f"/{unfetched.id}{path}", {**body, "workerId": "w1"})
        assert status == 409, (path, "nobody fetched the job")
    assert runtime.queries.jobs()[0].lock_owner is None and runtime.queries.instance(1).summary.status == "active"

    [fetched] = runtime.acquire_jobs("w1", ["check-stock"])
    for path, body in actions:
        status, message = _post(client, olga, f"/{fetched.job_id}{path}", {**body, "workerId": "w2"})
        assert status == 409 and "w2" in message, path
    assert _post(client, olga, f"/{fetched.job_id}/complete", {"workerId": "w1"})[0] == 204


def test_retries_and_retry_timeout_are_bounded(runtime: Runtime, app: Flask) -> None:
    client, olga = app.test_client(), bearer(runtime, "olga")
    runtime.start("order-fulfilment", {"amount": 5})
    [job] = runtime.acquire_jobs("w1", ["check-stock"])
    for body, message in (({"retries": 10**30}, "'retries' must be from 0 to 1000."),
                          ({"retries": -1}, "'retries' must be from 0 to 1000."),
                          ({"retryTimeout": 10**30}, "'retryTimeout' must be from 0 to 31622400000."),
                          ({"errorMessage": "x\x00y"}, "'errorMessage' holds a NUL character"),
                          ({"errorDetails": "d" * 10_001}, "'errorDetails' is 10001 characters long")):
        status, error = _post(client, olga, f"/{job.job_id}/failure", {"workerId": "w1", **body})
        assert status == 400 and error.startswith(message), body
    assert _post(client, olga, f"/{job.job_id}/failure", {"workerId": "w1", "retries": 1000,
                                                          "retryTimeout": 31_622_400_000})[0] == 200
    for fetch in ({"workerId": "w" * 256, "topics": ["a"]}, {"workerId": "w", "topics": ["t" * 256]},
                  {"workerId": "w", "topics": ["a\x00"]}):
        assert _post(client, olga, "/fetch-and-lock", fetch)[0] == 400, fetch


# --- PostgreSQL refuses NUL and over-long text outright --------------------------------------------

@pytest.mark.postgres
def test_nul_and_over_long_text_get_a_4xx_on_postgresql(postgres_url: str, worker: Worker) -> None:
    runtime = Runtime(postgres_url)
    try:
        runtime.deploy(PROCESSES / "order_fulfilment.bpmn")
        accounts = Accounts(runtime.database)
        accounts.add("olga", "correct-horse-1", role="operator")
        app = create_app(runtime, testing=True)
        client, olga = app.test_client(), {"Authorization": f"Bearer {accounts.new_token('olga')}"}
        instance = client.post(f"{API}/instances", headers=olga, json={
            "processKey": "order-fulfilment", "variables": {"note": "a\x00b", "nested": {"k\x00": ["\x00"]}}})
        assert instance.status_code == 201, "NUL inside variables is kept: they are stored as JSON text"
        instance_id = instance.get_json()["id"]
        long, nul = "x" * 256, "x\x00y"
        requests: list[tuple[str, str, dict[str, Any] | None]] = [
            ("post", "/instances", {"processKey": "order-fulfilment", "businessKey": long}),
            ("post", "/instances", {"processKey": "order-fulfilment", "businessKey": nul}),
            ("post", "/instances", {"processKey": nul}),
            ("post", "/instances", {"processKey": "order-fulfilment", "requestKey": nul}),
            ("post", f"/instances/{instance_id}/cancel", {"reason": nul}),
            ("post", "/messages", {"name": nul}), ("post", "/messages", {"name": "m", "correlationKey": nul}),
            ("post", "/signals", {"name": nul}),
            ("post", "/external-tasks/fetch-and-lock", {"workerId": nul, "topics": ["check-stock"]}),
            ("post", "/external-tasks/fetch-and-lock", {"workerId": long, "topics": ["check-stock"]}),
            ("post", "/external-tasks/fetch-and-lock", {"workerId": "w", "topics": [nul]}),
            ("get", "/instances?businessKey=a%00b", None), ("get", "/instances?process=a%00b", None),
            ("get", "/instances?status=a%00b", None), ("get", "/tasks?q=a%00b", None),
            ("get", "/tasks?process=" + "p" * 5000, None), ("get", "/tasks?q=" + "q" * 5000, None),
            ("get", "/instances?businessKey=" + "b" * 5000, None),
        ]
        for method, path, body in requests:
            answer = getattr(client, method)(f"{API}{path}", headers=olga, json=body)
            assert answer.status_code < 500, (method, path, answer.text)
            if "%00" in path or body is not None:
                assert answer.status_code == 400, (method, path, answer.text)
        [job] = runtime.acquire_jobs("w1", ["check-stock"])
        for path, body in ((f"/external-tasks/{job.job_id}/failure", {"workerId": "w1", "errorMessage": nul}),
                           (f"/external-tasks/{job.job_id}/bpmn-error", {"workerId": "w1", "errorCode": nul}),
                           (f"/external-tasks/{job.job_id}/complete", {"workerId": nul})):
            assert client.post(f"{API}{path}", headers=olga, json=body).status_code == 400, path
        login = app.test_client()
        page = login.post("/login", data={"name": nul, "password": "p"})
        assert page.status_code == 400
        assert login.post("/login", data={"name": long * 10, "password": "p"}).status_code in (200, 400)
    finally:
        runtime.close()


def test_ids_and_names_longer_than_their_columns_are_refused_at_deployment(runtime: Runtime, app: Flask) -> None:
    xml = (PROCESSES / "order_fulfilment.bpmn").read_text(encoding="utf-8")
    long = xml.replace("Activity_CheckStock", "A" * 256).replace('id="order-fulfilment"', f'id="{"p" * 256}"') \
        .replace('camunda:topic="ship-order"', f'camunda:topic="{"t" * 300}"')
    answer = app.test_client().post(f"{API}/deployments", headers=bearer(runtime, "olga"),
                                    data={"file": (io.BytesIO(long.encode()), "x" * 300 + ".bpmn")})
    assert answer.status_code == 400 and _error(answer) == "The file cannot be deployed."
    assert [p["message"] for p in answer.get_json()["problems"]] == [
        "the id is 256 characters; ids may have at most 255",
        "the id is 256 characters; ids may have at most 255",
        "the topic is 300 characters; a topic may have at most 255"]
    assert answer.get_json()["problems"][0]["file"] == "x" * 195 + ".bpmn", "a long file name is shortened"
