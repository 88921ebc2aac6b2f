"""Prometheus metrics of one runtime: what operators scrape at /metrics.

Counters and histograms are told after a call committed (see `transactions`); the activity figures come
from the history a step wrote anyway, so counting costs no database read. Gauges (backlog, running and
stalled instances) are read from the database at scrape time, so every node reports the shared state.
Every name is listed in the README, and `deploy/prometheus/alerts.yml` alerts on them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

# Instances run from under a second (straight through) to weeks (waiting for people); activities likewise.
INSTANCE_BUCKETS = (0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 86400, 7 * 86400, float("inf"))
ACTIVITY_BUCKETS = (0.01, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 86400, float("inf"))
OUTCOMES = {"completed": "completed", "terminated": "terminated", "cancelled": "terminated", "failed": "terminated"}

ActivityKey = tuple[str, str]  # element type (the BPMN tag), topic ("" for an element without one)


@dataclass
class Backlog:
    """What the gauges show, counted in the database at scrape time."""

    totals: dict[str, int] = field(default_factory=dict)  # jobs_due, timers_due, incidents_open, instances_active
    running: dict[str, int] = field(default_factory=dict)  # process -> running instances
    waiting: dict[str, int] = field(default_factory=dict)  # topic -> jobs due that no worker holds
    stalled: dict[str, int] = field(default_factory=dict)  # process -> instances the watchdog reports


class Metrics:
    """Counters and histograms, in a registry of their own so that several runtimes can live in one process."""

    def __init__(self, backlog: Callable[[], Backlog] | None = None) -> None:
        self.registry = CollectorRegistry()
        self._children: dict[tuple[Counter | Histogram, tuple[str, ...]], Any] = {}
        if backlog is not None:
            self.registry.register(_BacklogCollector(backlog))
        self.started = Counter("bpmn_instances_started", "Process instances started", ["process"],
                               registry=self.registry)
        self.ended = Counter("bpmn_instances_ended", "Process instances ended, by how they ended",
                             ["process", "status"], registry=self.registry)
        self.outcomes = Counter("bpmn_instance_outcomes", "How runs of instances ended: completed, terminated "
                                "(also cancelled or failed by an uncaught error), or stopped at an incident",
                                ["process", "outcome"], registry=self.registry)
        self.instance_seconds = Histogram("bpmn_instance_duration_seconds", "Time from start to end of an instance",
                                          ["process"], buckets=INSTANCE_BUCKETS, registry=self.registry)
        self.activities = Counter("bpmn_activities", "Activities started (a multi-instance activity: each inner "
                                  "instance)", ["element_type", "topic"], registry=self.registry)
        self.activity_seconds = Histogram("bpmn_activity_duration_seconds", "Time from activation to completion "
                                          "of an activity", ["element_type", "topic"], buckets=ACTIVITY_BUCKETS,
                                          registry=self.registry)
        self.step_seconds = Histogram("bpmn_step_seconds", "Duration of one runtime call (one transaction)",
                                      ["operation"], registry=self.registry)
        self.job_seconds = Histogram("bpmn_job_seconds", "Duration of a handler call", ["topic"],
                                     registry=self.registry)
        self.job_retries = Counter("bpmn_job_retries", "Handler failures and lost leases that will be retried",
                                   ["topic"], registry=self.registry)
        self.incidents = Counter("bpmn_incidents", "Incidents raised", ["process"], registry=self.registry)
        self.compensations = Counter("bpmn_compensation_handlers", "Compensation handlers started", ["process"],
                                     registry=self.registry)
        self.compensation_runs = Counter("bpmn_compensation_runs", "Compensation handler runs by outcome: "
                                         "completed, terminated, incident", ["process", "outcome"],
                                         registry=self.registry)

    def instance_started(self, process: str) -> None:
        self._child(self.started, process).inc()

    def instance_ended(self, process: str, status: str, seconds: float | None) -> None:
        """An instance ended with `status`; `seconds` since it started, when known."""
        self._child(self.ended, process, status).inc()
        self._child(self.outcomes, process, OUTCOMES.get(status, status)).inc()
        if seconds is not None:
            self._child(self.instance_seconds, process).observe(seconds)

    def incident(self, process: str, *, compensating: bool = False) -> None:
        """An incident stopped a run of an instance; `compensating`: in a compensation handler."""
        self._child(self.incidents, process).inc()
        self._child(self.outcomes, process, "incident").inc()
        if compensating:
            self._child(self.compensation_runs, process, "incident").inc()

    def activities_done(self, counts: dict[ActivityKey, int], durations: list[tuple[ActivityKey, float]]) -> None:
        """Activities a step started (`counts`) and completed (with their durations)."""
        for key, count in counts.items():
            self._child(self.activities, *key).inc(count)
        for key, seconds in durations:
            self._child(self.activity_seconds, *key).observe(seconds)

    def compensation(self, process: str, started: int, outcomes: list[str]) -> None:
        """Compensation handlers a step started, and the outcomes of those it ended."""
        if started:
            self._child(self.compensations, process).inc(started)
        for outcome in outcomes:
            self._child(self.compensation_runs, process, outcome).inc()

    def step_done(self, operation: str, seconds: float) -> None:
        self._child(self.step_seconds, operation).observe(seconds)

    def _child(self, metric: Counter | Histogram, *labels: str) -> Any:
        """`metric.labels(*labels)`, kept: every runtime call counts, and looking a child up costs more."""
        key = (metric, labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child


class _BacklogCollector(Collector):
    """Gauges read from the database at scrape time, so every node reports the shared backlog."""

    def __init__(self, backlog: Callable[[], Backlog]) -> None:
        self.backlog = backlog

    def collect(self) -> Iterator[GaugeMetricFamily]:
        backlog = self.backlog()
        for name, help_text in (("jobs_due", "Handler jobs due now (queue depth)"),
                                ("timers_due", "Timers and continuations due now"),
                                ("incidents_open", "Open incidents"),
                                ("instances_active", "Running process instances")):
            yield GaugeMetricFamily(f"bpmn_{name}", help_text, value=backlog.totals.get(name, 0))
        for name, label, counts, help_text in (
                ("instances_running", "process", backlog.running, "Running process instances by process"),
                ("jobs_waiting", "topic", backlog.waiting, "Handler jobs due now that no worker holds, by topic"),
                ("instances_stalled", "process", backlog.stalled,
                 "Running instances whose due work has not moved for an hour (as `bpmn-runtime watchdog` finds)")):
            family = GaugeMetricFamily(f"bpmn_{name}", help_text, labels=[label])
            for value, count in sorted(counts.items()):
                family.add_metric([value], count)
            yield family
