"""The shipped alert rules and dashboard use only metrics (and labels) that a running engine's /metrics has,
after it ran an instance through a job, a user task, an incident and compensation."""
from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from bpmn_runtime.clock import VirtualClock
from bpmn_runtime.handlers import JobContext
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.web import create_app
from bpmn_runtime.worker import Worker
from tests.conftest import REPOSITORY
from tests.observability.processes import SAGA, registry

ALERTS = REPOSITORY / "deploy" / "prometheus" / "alerts.yml"
DASHBOARD = REPOSITORY / "deploy" / "grafana" / "bpmn-runtime.json"
METRIC = re.compile(r"\bbpmn_[a-z_]+\b")
GROUPING = re.compile(r"\bby\s*\(([^)]*)\)")


def broken(job: JobContext) -> None:
    raise RuntimeError("the provider is down")


@pytest.fixture(scope="module")
def exposition(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    """Sample name -> label names, scraped from /metrics of a runtime that did a bit of everything."""
    clock = VirtualClock()
    runtime = Runtime(f"sqlite:///{tmp_path_factory.mktemp('alerts') / 'engine.db'}", clock=clock,
                      default_retries=2, retry_backoff_seconds=0)
    runtime.deploy(SAGA, "saga.bpmn")
    runtime.start("observed-saga")
    Worker(runtime, registry(charge=broken)).run_until_idle()  # a retry, then an incident
    done, undone = runtime.start("observed-saga"), runtime.start("observed-saga")
    Worker(runtime, registry()).run_until_idle()
    tasks = {task.instance_id: task.id for task in runtime.queries.tasks(everyone=True)[0]}
    runtime.complete_task(tasks[done])
    Worker(runtime, registry()).run_until_idle()  # compensated: the instance completes
    runtime.complete_task(tasks[undone])
    Worker(runtime, registry(refund=broken)).run_until_idle()  # its compensation stops at an incident
    runtime.start("observed-saga")
    clock.advance(7200)  # its job waits: stalled
    response = create_app(runtime, testing=True).test_client().get("/metrics")
    assert response.status_code == 200
    found: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            found.setdefault(sample.name, set()).update(sample.labels)
    runtime.close()
    return found


def alert_rules() -> list[dict[str, Any]]:
    document = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    return [rule for group in document["groups"] for rule in group["rules"]]


def dashboard_expressions() -> list[str]:
    panels = json.loads(DASHBOARD.read_text(encoding="utf-8"))["panels"]
    return [target["expr"] for panel in panels for target in panel.get("targets", [])]


def check(expression: str, exposition: dict[str, set[str]]) -> list[str]:
    """What `expression` uses that /metrics lacks: metric names without samples, labels it groups by that none
    of its metrics have."""
    names = METRIC.findall(expression)
    problems = [f"{name}: no such sample" for name in names if name not in exposition]
    labels = set().union(*(exposition.get(name, set()) for name in names))
    grouped = {label.strip() for clause in GROUPING.findall(expression) for label in clause.split(",") if label.strip()}
    problems += [f"by {label}: no metric of the expression has it" for label in sorted(grouped - labels)]
    return problems


def test_the_alert_rules_name_the_rules_of_the_checklist_and_document_their_thresholds() -> None:
    rules = alert_rules()
    assert [rule["alert"] for rule in rules] == ["BpmnInstancesTooSlow", "BpmnCompensationFailing",
                                                 "BpmnJobQueueGrowing", "BpmnInstancesStalled", "BpmnOpenIncidents"]
    for rule in rules:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule["alert"]
        assert rule["labels"]["severity"] in ("warning", "critical") and rule["annotations"]["summary"]
    assert ALERTS.read_text(encoding="utf-8").count("# Threshold:") == len(rules)


def test_every_metric_the_alerts_use_is_on_a_running_engine_s_metrics(exposition: dict[str, set[str]]) -> None:
    problems = {rule["alert"]: check(rule["expr"], exposition) for rule in alert_rules()}
    assert {alert: found for alert, found in problems.items() if found} == {}
    assert all(METRIC.search(rule["expr"]) for rule in alert_rules())


def test_every_metric_the_dashboard_shows_is_on_a_running_engine_s_metrics(exposition: dict[str, set[str]]) -> None:
    expressions = dashboard_expressions()
    assert len(expressions) >= 15
    assert {expression: check(expression, exposition) for expression in expressions
            if check(expression, exposition)} == {}


def test_a_metric_that_does_not_exist_is_found_out(exposition: dict[str, set[str]]) -> None:
    assert check("sum by (topic) (rate(bpmn_job_retries_total[5m]))", exposition) == []
    assert check("sum by (queue) (rate(bpmn_jobs_retried_total[5m]))", exposition) == \
        ["bpmn_jobs_retried_total: no such sample", "by queue: no metric of the expression has it"]

