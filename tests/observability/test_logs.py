"""Log lines carry their ids in both formats, handler values are redacted where sensitive, and the CLI
switches to JSON by option or environment."""
from __future__ import annotations

import io
import json
import logging
import os
import subprocess
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from bpmn_runtime import logs, sensitive
from bpmn_runtime.handlers import JobContext
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.worker import Worker
from tests.conftest import cli_path
from tests.observability.processes import SAGA, registry

Capture = Callable[[logging.Formatter], io.StringIO]


@pytest.fixture
def capture() -> Iterator[Capture]:
    """Lines of the `bpmn_runtime` loggers, from DEBUG on, written by the given formatter."""
    logger = logging.getLogger("bpmn_runtime")
    level, handlers = logger.level, []

    def attach(formatter: logging.Formatter) -> io.StringIO:
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(formatter)
        logger.addHandler(handler)
        handlers.append(handler)
        return stream
    logger.setLevel(logging.DEBUG)
    yield attach
    for handler in handlers:
        logger.removeHandler(handler)
    logger.setLevel(level)


def run_saga(runtime: Runtime, variables: dict[str, Any] | None = None, **handlers: Any) -> int:
    """Start the saga, run its charge job, complete its task, run its refund: the whole life of an instance."""
    runtime.deploy(SAGA, "saga.bpmn")
    instance_id = runtime.start("observed-saga", variables or {"amount": 5}, business_key="order-7")
    worker = Worker(runtime, registry(**handlers), name="w1")
    worker.run_until_idle()
    (task,), _ = runtime.queries.tasks(everyone=True)
    runtime.complete_task(task.id, {"approved": True})
    worker.run_until_idle()
    assert runtime.queries.instance(instance_id).summary.status == "completed"
    return instance_id


def json_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_carry_the_ids_of_instance_job_and_element(sqlite_url: str, capture: Capture) -> None:
    stream = capture(logs.JsonFormatter())
    instance_id = run_saga(Runtime(sqlite_url))
    lines = json_lines(stream)
    about = [line for line in lines if line.get("instance_id") == instance_id]
    assert about and all(line["business_key"] == "order-7" and line["process_key"] == "observed-saga"
                         for line in about)
    assert all(set(line) >= {"time", "level", "logger", "message"} for line in lines)
    messages = [(line["level"], line["message"], line.get("element_id"), line.get("job_id")) for line in about]
    assert messages[0][:2] == ("INFO", "started (observed-saga version 1)")
    assert messages[-1][:2] == ("INFO", "completed")
    charge = next(line for line in about if line["message"].startswith("job") and line["element_id"] == "charge")
    assert charge["level"] == "DEBUG" and charge["topic"] == "charge" and isinstance(charge["job_id"], int)
    assert ("DEBUG", "element activated approve", "approve", None) in messages
    assert any(level == "INFO" and message.startswith("task ") and " completed by " in message and element == "approve"
               for level, message, element, _ in messages)
    compensation = [(message, element) for level, message, element, _ in messages
                    if level == "INFO" and message.startswith("compensation")]
    assert [element for _, element in compensation] == ["undo", "refund", "refund"]
    assert compensation[0][0] == "compensation thrown: 1 handler(s) to run"
    assert compensation[1][0].startswith("compensation handler refund started for charge (activity instance ")
    assert compensation[2][0].startswith("compensation handler refund for charge") and \
        compensation[2][0].endswith(") completed")


def test_text_lines_name_the_instance_first_and_the_other_ids_last(sqlite_url: str, capture: Capture) -> None:
    stream = capture(logs.TextFormatter())
    instance_id = run_saga(Runtime(sqlite_url))
    lines = stream.getvalue().splitlines()
    started = next(line for line in lines if " INFO " in line and "started" in line)
    assert f"bpmn_runtime: instance {instance_id} (business key order-7): started (observed-saga version 1) " \
           f"[process_key=observed-saga]" in started
    locked = next(line for line in lines if "locked by w1" in line)
    assert f"instance {instance_id} (business key order-7): job " in locked
    assert "element_id=charge job_id=" in locked and "topic=charge]" in locked


def test_retries_timeouts_and_incidents_are_logged_with_their_job(sqlite_url: str, capture: Capture) -> None:
    stream = capture(logs.JsonFormatter())
    runtime = Runtime(sqlite_url, default_retries=2, retry_backoff_seconds=0)
    runtime.deploy(SAGA, "saga.bpmn")
    instance_id = runtime.start("observed-saga", business_key="order-8")

    def broken(job: JobContext) -> None:
        raise RuntimeError("card declined")
    Worker(runtime, registry(charge=broken)).run_until_idle()
    lines = [line for line in json_lines(stream) if line.get("job_id") is not None]
    retried = next(line for line in lines if line["level"] == "WARNING")
    assert retried["message"].endswith("failed, 1 retries left, next in 0.0s: RuntimeError: card declined")
    assert (retried["instance_id"], retried["business_key"], retried["element_id"], retried["retries"]) == \
        (instance_id, "order-8", "charge", 1)
    incident = next(line for line in lines if line["level"] == "ERROR")
    assert "no retries left; incident raised" in incident["message"]
    assert (incident["instance_id"], incident["job_id"], incident["element_id"]) == \
        (instance_id, retried["job_id"], "charge")


def test_handler_inputs_and_outputs_are_logged_at_debug_with_sensitive_values_redacted(
        sqlite_url: str, capture: Capture) -> None:
    stream = capture(logs.JsonFormatter())
    run_saga(Runtime(sqlite_url), {"amount": 5, "cardNumber": "4111-1111", "customer": {"password": "hunter2"}},
             charge=lambda job: {"receipt": "r-1", "apiToken": "tok-secret-1"})
    text = stream.getvalue()
    assert "4111-1111" not in text and "hunter2" not in text and "tok-secret-1" not in text
    lines = json_lines(stream)
    inputs = next(line["message"] for line in lines if "locked by" in line["message"] and line["element_id"] == "charge")
    assert "'cardNumber': '***'" in inputs and "'amount': 5" in inputs and "'password': '***'" in inputs
    outputs = next(line["message"] for line in lines if "outputs" in line["message"] and line["element_id"] == "charge")
    assert "'apiToken': '***'" in outputs and "'receipt': 'r-1'" in outputs


def test_the_sensitive_patterns_can_be_set(monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        monkeypatch.setenv(sensitive.SENSITIVE_ENV, "iban, *_pin")
        logs.set_sensitive(None)
        assert sensitive.redact({"IBAN": "DE00", "card_pin": 1234, "password": "x", "rows": [{"iban": "FR00"}]}) == \
            {"IBAN": "***", "card_pin": "***", "password": "x", "rows": [{"iban": "***"}]}
    finally:
        logs.set_sensitive(None)  # the environment decides again, as when nothing was chosen


def test_the_cli_writes_json_lines_by_option_or_environment(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'cli.db'}"
    (tmp_path / "saga.bpmn").write_bytes(SAGA)
    environment = {**os.environ, "BPMN_RUNTIME_DB": database}
    environment.pop("BPMN_RUNTIME_LOG_FORMAT", None)

    def ours(stderr: str) -> list[dict[str, Any]]:
        """The engine's lines (the database migrations log too, on the first call)."""
        return [line for line in json_lines(io.StringIO(stderr)) if line["logger"].startswith("bpmn_runtime")]

    def run(*arguments: str, **extra: str) -> str:
        done = subprocess.run([cli_path(), *arguments], capture_output=True, text=True, cwd=tmp_path,
                              env={**environment, **extra}, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stderr

    deployed = ours(run("--log-format", "json", "-v", "deploy", "saga.bpmn"))
    assert [(line["message"], line["process_key"]) for line in deployed] == \
        [("deployed observed-saga version 1 from saga.bpmn", "observed-saga")]
    started = ours(run("-v", "start", "observed-saga", "--business-key", "b-9", BPMN_RUNTIME_LOG_FORMAT="json"))
    assert [(line["message"], line["business_key"], line["instance_id"]) for line in started] == \
        [("started (observed-saga version 1)", "b-9", 1)]
    text = run("-v", "start", "observed-saga", "--business-key", "b-10")
    assert "instance 2 (business key b-10): started (observed-saga version 1) [process_key=observed-saga]" in text
