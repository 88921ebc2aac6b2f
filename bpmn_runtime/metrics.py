"""Prometheus metrics of one runtime: what operators scrape at /metrics."""
from __future__ import annotations

from typing import Any, Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector


class Metrics:
    """Counters and histograms, in a registry of their own so that several runtimes can live in one process."""

    def __init__(self, backlog: Callable[[], dict[str, int]] | None = None) -> None:
        self.registry = CollectorRegistry()
        self._children: dict[tuple[Counter | Histogram, tuple[str, ...]], Any] = {}
        if backlog is not None:
            self.registry.register(_BacklogCollector(backlog))
        self.started = Counter("bpmn_instances_started", "Process instances started", ["process"],
                               registry=self.registry)
        self.ended = Counter("bpmn_instances_ended", "Process instances ended, by how they ended",
                             ["process", "status"], registry=self.registry)
        self.step_seconds = Histogram("bpmn_step_seconds", "Duration of one runtime call (one transaction)",
                                      ["operation"], registry=self.registry)
        self.job_seconds = Histogram("bpmn_job_seconds", "Duration of a handler call", ["topic"],
                                     registry=self.registry)
        self.job_retries = Counter("bpmn_job_retries", "Handler failures that will be retried", ["topic"],
                                   registry=self.registry)
        self.incidents = Counter("bpmn_incidents", "Incidents raised", ["process"], registry=self.registry)
        self.compensations = Counter("bpmn_compensation_handlers", "Compensation handlers started", ["process"],
                                     registry=self.registry)

    def instance_started(self, process: str) -> None:
        self._child(self.started, process).inc()

    def instance_ended(self, process: str, status: str) -> None:
        self._child(self.ended, process, status).inc()

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

    def __init__(self, backlog: Callable[[], dict[str, int]]) -> None:
        self.backlog = backlog

    def collect(self) -> Iterator[GaugeMetricFamily]:
        counts = self.backlog()
        for name, help_text in (("jobs_due", "Handler jobs due now (queue depth)"),
                                ("timers_due", "Timers and continuations due now"),
                                ("incidents_open", "Open incidents"),
                                ("instances_active", "Running process instances")):
            yield GaugeMetricFamily(f"bpmn_{name}", help_text, value=counts.get(name, 0))
