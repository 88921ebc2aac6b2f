"""Traces with OpenTelemetry's in-memory exporter: one trace per instance across its start, a job, a user task
and compensation; the traceparent handed to handlers and external workers, and taken from a start request;
and with tracing off, OpenTelemetry is not even imported."""
from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
from flask.testing import FlaskClient
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import select

from bpmn_runtime.handlers import JobContext
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.store.tables import Instance
from bpmn_runtime.web import create_app
from bpmn_runtime.accounts import Accounts
from bpmn_runtime.worker import Worker
from tests.observability.processes import SAGA, registry

CALLER = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def provider(exporter: InMemorySpanExporter) -> Iterator[TracerProvider]:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield provider
    provider.shutdown()


def traceparent(span: ReadableSpan) -> str:
    assert span.context is not None
    return f"00-{span.context.trace_id:032x}-{span.context.span_id:016x}-{span.context.trace_flags:02x}"


def stored_traceparent(runtime: Runtime, instance_id: int) -> str | None:
    with runtime.database.session() as session:
        value: str | None = session.execute(select(Instance.traceparent).where(Instance.id == instance_id)).scalar()
        return value


def test_one_trace_across_start_a_job_a_user_task_and_compensation(
        sqlite_url: str, provider: TracerProvider, exporter: InMemorySpanExporter,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bpmn_runtime")
    runtime = Runtime(sqlite_url, tracing=provider)
    runtime.deploy(SAGA, "saga.bpmn")
    handed: dict[str, str | None] = {}

    def charge(job: JobContext) -> dict[str, Any]:
        handed["charge"] = job.traceparent
        return {"receipt": "r-1"}
    instance_id = runtime.start("observed-saga", business_key="order-1")
    worker = Worker(runtime, registry(charge=charge))
    worker.run_until_idle()
    (task,), _ = runtime.queries.tasks(everyone=True)
    runtime.complete_task(task.id)
    worker.run_until_idle()
    assert runtime.queries.instance(instance_id).summary.status == "completed"

    spans = exporter.get_finished_spans()
    assert len({span.context.trace_id for span in spans if span.context}) == 1, [s.name for s in spans]
    start = next(span for span in spans if span.name == "bpmn start")
    assert start.parent is None and stored_traceparent(runtime, instance_id) == traceparent(start)
    assert start.attributes is not None and start.attributes["bpmn.business_key"] == "order-1"
    names = sorted(span.name for span in spans)
    assert names == sorted(["bpmn start", "bpmn acquire", "bpmn handler charge", "bpmn complete_job",
                            "bpmn complete_task", "bpmn acquire", "bpmn handler refund", "bpmn complete_job"])
    others = [span for span in spans if span is not start]
    assert all(span.parent is not None and start.context and span.parent.span_id == start.context.span_id
               for span in others), "every later call and handler run is a child of the instance's span"
    assert all(span.attributes and span.attributes["bpmn.instance_id"] == instance_id for span in spans)
    charge_span = next(span for span in spans if span.name == "bpmn handler charge")
    assert charge_span.kind == SpanKind.CONSUMER and handed["charge"] == traceparent(charge_span)
    assert charge_span.attributes and charge_span.attributes["bpmn.element_id"] == "charge"
    completed = next(span for span in spans if span.name == "bpmn complete_task")
    assert [event.name for event in completed.events] == ["compensation_thrown", "compensation_started"]
    lines = [record for record in caplog.records if getattr(record, "bpmn", {}).get("instance_id") == instance_id]
    assert lines and {getattr(record, "bpmn")["trace_id"] for record in lines} == {f"{start.context.trace_id:032x}"}
    refund = [span for span in spans if span.name == "bpmn complete_job" and span.events]
    assert [event.name for event in refund[0].events] == ["compensation_completed"]
    assert refund[0].events[0].attributes and refund[0].events[0].attributes["bpmn.activity"] == "charge"


def test_a_failing_handler_and_a_failing_call_are_marked_as_errors(
        sqlite_url: str, provider: TracerProvider, exporter: InMemorySpanExporter) -> None:
    runtime = Runtime(sqlite_url, tracing=provider, default_retries=1)
    runtime.deploy(SAGA, "saga.bpmn")
    runtime.start("observed-saga")

    def broken(job: JobContext) -> None:
        raise RuntimeError("card declined")
    Worker(runtime, registry(charge=broken)).run_until_idle()
    (task,) = [span for span in exporter.get_finished_spans() if span.name == "bpmn handler charge"]
    assert not task.status.is_ok and [event.name for event in task.events] == ["exception"]
    failed = next(span for span in exporter.get_finished_spans() if span.name == "bpmn fail_job")
    assert [event.name for event in failed.events] == []  # the call itself went well: it raised an incident
    with pytest.raises(Exception):
        runtime.complete_task(999)
    assert not any(span.name == "bpmn complete_task" for span in exporter.get_finished_spans()), \
        "a call that touched no instance, outside any span of its caller, records none"


API = tuple[FlaskClient, Runtime, dict[str, str]]


def api(tmp_path: Path, tracing: bool | TracerProvider) -> Iterator[API]:
    """The API of a runtime, traced or not, and an operator's token."""
    runtime = Runtime(f"sqlite:///{tmp_path / 'api.db'}", tracing=tracing)
    runtime.deploy(SAGA, "saga.bpmn")
    users = Accounts(runtime.database)
    users.add("olga", "correct-horse-1", role="operator")
    yield create_app(runtime, testing=True).test_client(), runtime, {
        "Authorization": f"Bearer {users.new_token('olga')}"}
    runtime.close()


@pytest.fixture
def untraced_api(tmp_path: Path) -> Iterator[API]:
    yield from api(tmp_path, False)


@pytest.fixture
def traced_api(tmp_path: Path, provider: TracerProvider) -> Iterator[API]:
    yield from api(tmp_path, provider)


def start_and_fetch(client: FlaskClient, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    started = client.post("/api/v1/instances", headers=headers, json={"processKey": "observed-saga"})
    assert started.status_code == 201, started.text
    (task,) = client.post("/api/v1/external-tasks/fetch-and-lock", headers=headers,
                          json={"workerId": "go-worker", "topics": ["charge"]}).get_json()
    return started.get_json()["id"], task


def test_without_tracing_the_caller_s_traceparent_is_kept_and_handed_to_external_workers(
        untraced_api: API) -> None:
    client, runtime, headers = untraced_api
    instance_id, task = start_and_fetch(client, {**headers, "traceparent": CALLER})
    assert stored_traceparent(runtime, instance_id) == CALLER and task["traceparent"] == CALLER
    instance_id, task = start_and_fetch(client, {**headers, "traceparent": "00-not-a-trace-context-01"})
    assert stored_traceparent(runtime, instance_id) is None and task["traceparent"] is None


def test_with_tracing_a_start_request_continues_the_caller_s_trace(
        traced_api: API, exporter: InMemorySpanExporter) -> None:
    client, runtime, headers = traced_api
    instance_id, task = start_and_fetch(client, {**headers, "traceparent": CALLER})
    start = next(span for span in exporter.get_finished_spans() if span.name == "bpmn start")
    assert start.context and start.parent and f"{start.context.trace_id:032x}" == CALLER[3:35]
    assert f"{start.parent.span_id:016x}" == CALLER[36:52]
    assert stored_traceparent(runtime, instance_id) == task["traceparent"] == traceparent(start)


def test_with_tracing_off_opentelemetry_is_not_imported(sqlite_url: str) -> None:
    script = f"""
import sys
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.worker import Worker
from tests.observability.processes import SAGA, registry
runtime = Runtime({sqlite_url!r})
runtime.deploy(SAGA, "saga.bpmn")
runtime.start("observed-saga")
Worker(runtime, registry()).run_until_idle()
print(sorted(name for name in sys.modules if name.startswith(("opentelemetry", "bpmn_runtime.tracing"))))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
