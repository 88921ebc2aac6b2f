"""The API fuzzed from its own OpenAPI document with schemathesis: valid and invalid requests to every
operation must never get a 500, never take long, and never show a caller a task that is not theirs.

CI runs a small fixed budget per operation; for a long run set BPMN_RUNTIME_FUZZ_EXAMPLES (say 2000):

    BPMN_RUNTIME_FUZZ_EXAMPLES=2000 .venv/bin/python -m pytest -q tests/web/test_api_fuzz.py
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any, Iterator

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok

from bpmn_runtime.accounts import Accounts
from bpmn_runtime.handlers import HandlerRegistry
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.web import create_app
from bpmn_runtime.web.openapi import document
from bpmn_runtime.worker import Worker
from tests.conftest import PROCESSES, fresh_postgres_database
from tests.web.conftest import PASSWORD, place_order

EXAMPLES = int(os.environ.get("BPMN_RUNTIME_FUZZ_EXAMPLES", "25"))
SLOW_SECONDS = 10.0  # a request that takes longer counts as a hang


VALID, INVALID = GenerationMode.POSITIVE, GenerationMode.NEGATIVE
# Each operation with valid requests, and those with parameters or a body also with invalid ones.
OPERATIONS = [result.ok() for result in schemathesis.openapi.from_dict(document()).get_all_operations()
              if isinstance(result, Ok)]
RUNS = [pytest.param(op.label, mode, id=f"{op.label}-{mode.value}") for op in OPERATIONS
        for mode in (VALID, INVALID) if mode is VALID or len(op.path_parameters) + len(op.query) + len(op.body)]


@dataclass
class Fuzzed:
    """One app for the whole run, so that what one operation's requests create the next ones meet."""

    app: Flask
    runtime: Runtime
    operator: dict[str, str]
    people: dict[str, tuple[dict[str, str], tuple[str, ...]]]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A SQLite file, and a PostgreSQL database, which refuses NUL characters and text longer than a column."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}"
        return
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture(scope="module")
def fuzzed(database: str) -> Iterator[Fuzzed]:
    """Orders waiting for approval, jobs and an incident, so generated ids sometimes name real things; an
    operator, who may call every operation, and two people who must see only their own tasks."""
    runtime = Runtime(database)
    runtime.deploy(PROCESSES / "order_fulfilment.bpmn")
    registry = HandlerRegistry()
    registry.load(PROCESSES / "order_fulfilment.py")
    worker = Worker(runtime, registry)
    for amount in (5000, 7000, 50):
        place_order(runtime, worker, amount, business_key=f"order-{amount}")
    failing = runtime.start("order-fulfilment", {"amount": 1})
    [job] = [j for j in runtime.queries.instance(failing).jobs if j.kind == "job"]
    runtime.acquire_jobs("fuzz-worker", [job.topic])
    runtime.fail_job(job.id, "fuzz-worker", "boom", retries=0)
    accounts = Accounts(runtime.database)
    groups = {"olga": (), "mia": ("managers",), "sam": ("sales",)}
    tokens = {}
    for name, its_groups in groups.items():
        accounts.add(name, PASSWORD, role="operator" if name == "olga" else "user", groups=its_groups)
        tokens[name] = {"Authorization": f"Bearer {accounts.new_token(name)}"}
    yield Fuzzed(create_app(runtime, testing=True), runtime, tokens["olga"],
                 {name: (tokens[name], groups[name]) for name in ("mia", "sam")})
    runtime.close()


def _offered(task: dict[str, Any], name: str, groups: tuple[str, ...]) -> bool:
    return task["assignee"] == name or task["assignee"] is None and (
        name in task["candidateUsers"] or bool(set(groups) & set(task["candidateGroups"])))


@pytest.mark.parametrize(("label", "mode"), RUNS)
def test_the_api_answers_every_request_without_a_server_error(label: str, mode: GenerationMode,
                                                              fuzzed: Fuzzed) -> None:
    operation = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzzed.app).find_operation_by_label(label)
    assert operation is not None

    @given(case=operation.as_strategy(mode))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 25, database=None,
              suppress_health_check=list(HealthCheck))
    def answer(case: Case[Any]) -> None:
        started = time.monotonic()
        response = case.call(headers=fuzzed.operator)
        took = time.monotonic() - started
        case.validate_response(response, checks=[not_a_server_error])
        assert took < SLOW_SECONDS, f"{case.method} {case.path} took {took:.1f} s"
        if response.status_code >= 400:
            body = response.json()
            assert isinstance(body, dict) and isinstance(body.get("error"), str), response.text
        elif case.method != "GET":  # something may have changed: nobody may see a task not theirs
            for name, (headers, groups) in fuzzed.people.items():
                listed = fuzzed.app.test_client().get("/api/v1/tasks?limit=200", headers=headers).get_json()
                assert all(_offered(task, name, groups) for task in listed["tasks"]), f"{name} sees another's task"

    answer()
