"""The job executor: acquire due jobs with a lease, run their handlers outside any transaction, report
the outcome; fire due timers and asynchronous continuations on the way.

A worker that dies leaves its jobs locked until the lease expires; then any worker takes them again.
Long handlers keep their lease with a heartbeat. On SIGTERM a worker finishes the handler it is
running, hands back the jobs it holds but has not started, and stops.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
import traceback
from typing import Callable

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
        if not topics:
            return done
        jobs = self.runtime.acquire_jobs(self.name, topics, limit=self.batch, lease_seconds=self.lease_seconds)
        for index, job in enumerate(jobs):
            if self.stopping.is_set():
                self.runtime.release_jobs([j.job_id for j in jobs[index:]], self.name)
                log.info("worker %s handed back %d job(s) it had not started", self.name, len(jobs) - index)
                break
            self.execute(job)
            done += 1
        return done

    def execute(self, job: JobContext) -> None:
        """Run one handler and report what it did; a lost lease is logged, not raised."""
        handler = self.registry.get(job.topic)
        started = time.perf_counter()
        try:
            with _Heartbeat(lambda: self.runtime.extend_lock(job.job_id, self.name, self.lease_seconds),
                            self.lease_seconds / 3):
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
            try:
                if not self.run_once():
                    self.stopping.wait(poll_seconds)
            except Exception:  # the database went away for a moment: log, wait, go on
                log.exception("worker %s: a round failed; trying again shortly", self.name)
                self.stopping.wait(poll_seconds * 4)
        log.info("worker %s stopped", self.name)


class _Heartbeat:
    """Calls `beat` every `interval` seconds while a handler runs, so its lease does not expire."""

    def __init__(self, beat: Callable[[], None], interval: float) -> None:
        self.beat = beat
        self.interval = interval
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "_Heartbeat":
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.done.set()
        self.thread.join()

    def _run(self) -> None:
        while not self.done.wait(self.interval):
            try:
                self.beat()
            except (Conflict, NotFound):
                return  # the lease is lost; the report at the end will say so


def serve_worker(db: str | None, handler_sources: tuple[str, ...], *, lease_seconds: float = 60.0,
                 poll_seconds: float = 0.5, python_scripts: bool = False) -> None:
    """One worker process: its own runtime, stopped gracefully by SIGTERM or SIGINT."""
    from bpmn_runtime.handlers import load_handlers
    registry = load_handlers(handler_sources)
    runtime = Runtime(db, run_migrations=False, python_scripts=python_scripts)
    worker = Worker(runtime, registry, lease_seconds=lease_seconds)
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: worker.stopping.set())
    try:
        worker.run_forever(poll_seconds)
    finally:
        runtime.close()


def run_worker_processes(db: str | None, handler_sources: tuple[str, ...], concurrency: int, *,
                         lease_seconds: float = 60.0, python_scripts: bool = False) -> None:
    """Start `concurrency` worker processes and pass SIGTERM/SIGINT on to them; return when all stopped."""
    Runtime(db).close()  # migrate once, before the workers start
    context = multiprocessing.get_context("spawn")
    children = [context.Process(target=serve_worker, args=(db, handler_sources),
                                kwargs={"lease_seconds": lease_seconds, "python_scripts": python_scripts},
                                name=f"bpmn-worker-{n}")
                for n in range(concurrency)]
    for child in children:
        child.start()

    def stop(*_: object) -> None:
        for child in children:
            if child.is_alive() and child.pid:
                os.kill(child.pid, signal.SIGTERM)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for child in children:
        child.join()
