"""The basic job executor: acquire due jobs with a lease, run their handlers outside any transaction,
report the outcome; fire due timers and asynchronous continuations on the way."""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback

from bpmn_runtime.errors import BpmnError, Conflict, NotFound
from bpmn_runtime.handlers import HandlerRegistry, JobContext
from bpmn_runtime.runtime import Runtime

log = logging.getLogger("bpmn_runtime.worker")


class Worker:
    """Runs the handlers of `registry` for the jobs of `runtime`."""

    def __init__(self, runtime: Runtime, registry: HandlerRegistry, *, name: str | None = None,
                 lease_seconds: float = 60.0, batch: int = 10) -> None:
        self.runtime = runtime
        self.registry = registry
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        self.lease_seconds = lease_seconds
        self.batch = batch
        self.stopping = threading.Event()

    def run_once(self) -> int:
        """Fire due timers and run one batch of jobs; returns how much work was done."""
        done = self.runtime.run_due_timers()
        topics = self.registry.topics
        if topics:
            for job in self.runtime.acquire_jobs(self.name, topics, limit=self.batch, lease_seconds=self.lease_seconds):
                self.execute(job)
                done += 1
        return done

    def execute(self, job: JobContext) -> None:
        """Run one handler and report what it did; a lost lease is logged, not raised."""
        handler = self.registry.get(job.topic)
        started = time.perf_counter()
        try:
            try:
                if handler is None:
                    raise LookupError(f"no handler is registered for topic '{job.topic}'")
                result = handler(job) or {}
                if not isinstance(result, dict):
                    raise TypeError(f"the handler of '{job.topic}' returned {type(result).__name__}; "
                                    f"return a dict of output variables or None")
            except BpmnError as error:
                self.runtime.job_bpmn_error(job.job_id, self.name, error.code, error.message, error.variables)
                return
            except Exception:
                self.runtime.fail_job(job.job_id, self.name, traceback.format_exc())
                return
            finally:
                self.runtime.metrics.job_seconds.labels(job.topic).observe(time.perf_counter() - started)
            self.runtime.complete_job(job.job_id, self.name, result)
        except (Conflict, NotFound) as lost:
            log.warning("instance %s (business key %s): result of job %s dropped: %s", job.instance_id,
                        job.business_key or "-", job.job_id, lost)

    def run_until_idle(self, max_rounds: int = 10_000) -> int:
        """Work until nothing is due now; returns the amount of work done."""
        total = 0
        for _ in range(max_rounds):
            done = self.run_once()
            total += done
            if not done:
                break
        return total

    def run_forever(self, poll_seconds: float = 0.5) -> None:
        """Work until `stopping` is set; sleep briefly whenever nothing is due."""
        log.info("worker %s started for topics: %s", self.name, ", ".join(self.registry.topics) or "(none)")
        while not self.stopping.is_set():
            if not self.run_once():
                self.stopping.wait(poll_seconds)
        log.info("worker %s stopped", self.name)
