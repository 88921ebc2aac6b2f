"""The job executor: acquire due jobs with a lease, run their handlers outside any transaction, report
the outcome; fire due timers and asynchronous continuations on the way.

Leases. Every job a worker holds (the one it runs and those of its batch it has not started yet) keeps
its lease through one heartbeat that renews them all, a third of a lease apart, so no job of the batch
can be taken over while the worker still means to run it. When the database cannot be reached the
heartbeat keeps trying; once a lease has run out it tells the handler (`JobContext.lease_lost`), and the
worker starts no further job of the batch: those are handed back as soon as the database returns. A
worker that dies leaves its jobs until their leases expire; then any worker takes them again, and the
lost lease counts as one of the job's tries.

Outages. A round that finds the database unreachable logs one line when the outage begins and one when
it ends, with its duration, and never a traceback. A handler's result is reported again until the
database takes it or the lease is gone.

Processes. `run_worker_processes` supervises N worker processes: a child that dies is replaced after a
growing pause and logged; when one keeps dying the parent stops the others and exits non-zero, so a
process manager notices; the children stop when the parent dies (`PR_SET_PDEATHSIG`, and a watch on the
parent's pid where that is not available). On SIGTERM a worker finishes the handler it is running,
hands back the jobs it holds but has not started, and stops.
"""
from __future__ import annotations

import ctypes
import logging
import math
import multiprocessing
import multiprocessing.connection
import os
import signal
import socket
import sys
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

from bpmn_runtime.errors import BpmnError, Conflict, DatabaseUnavailable, LeaseLost, NotFound
from bpmn_runtime.handlers import HandlerRegistry, JobContext
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.logs import configure as configure_logging, log_event, settings as log_settings
from bpmn_runtime.runtime.jobs import job_fields, plain_error

log = logging.getLogger("bpmn_runtime.worker")

EXPIRY_MARGIN = 0.1  # of a lease: a lease this close to its end counts as lost (clocks of hosts differ)
CHAIN_LIMIT = 100  # jobs handed on from completions per round, so the rest of a batch is not kept waiting
HEALTHY_SECONDS = 30.0  # a worker process that lived this long was not dying of its start
EXIT_GAVE_UP = 3  # the exit code of a parent that could not keep its worker processes alive


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
        self.outage = _Outage(self.name)
        self.leases = _Leases(runtime, self.name, self.outage)
        self._unreturned = False  # jobs may be locked to this worker that it will not run

    def run_once(self) -> int:
        """Fire due timers and run one batch of jobs; returns how much work was done."""
        if self._unreturned:
            self._hand_back_all()
        done = self.runtime.run_due_timers()
        self.outage.over()
        topics = self.registry.topics_to_fetch
        if topics is not None and not topics:
            return done
        since = time.monotonic()
        try:
            jobs = self.runtime.acquire_jobs(self.name, topics, limit=self.batch, lease_seconds=self.lease_seconds,
                                             starting=1)
        except DatabaseUnavailable as error:
            self._unreturned = self._unreturned or error.may_have_changed
            raise
        self.leases.hold(jobs, since)
        held = deque(jobs)
        chained = 0
        while held:
            job = held[0]
            if self.stopping.is_set():
                self._hand_back(list(held), "it is stopping")
                break
            if not self.leases.safe_to_start(job):
                self.leases.drop(list(held))
                self._unreturned = True  # handed back once the database answers again
                log.warning("worker %s starts none of the %d job(s) it still holds: the database is unreachable "
                            "or their lease is at risk", self.name, len(held))
                break
            held.popleft()
            following = self.execute(job, chain=chained < CHAIN_LIMIT, starting=held[0].job_id if held else None)
            done += 1
            if following is not None:  # the next job of the same instance, already locked to this worker
                held.appendleft(following)
                chained += 1
        return done

    def execute(self, job: JobContext, *, chain: bool = False, starting: int | None = None) -> JobContext | None:
        """Run one handler and report what it did; a lost lease or an outage is logged, not raised. With
        `chain`, a completion hands back the instance's next job on a topic of this worker, held already; else
        the report says this worker starts the held job `starting` next."""
        started = time.perf_counter()
        self.leases.running(job)
        report: Callable[[], object]
        try:
            result = self.registry.call(job, self.runtime.tracing)
        except LeaseLost:
            _log_job(logging.WARNING, job, "handler stopped: the lease was lost and another worker may run it")
            self.leases.drop([job])
            return None
        except BpmnError as error:
            code, message, values = error.code, error.message, error.variables
            report = lambda: self.runtime.job_bpmn_error(job.job_id, self.name, code, message, values,  # noqa: E731
                                                         starting=starting)
        except Exception:
            failure = traceback.format_exc()
            report = lambda: self.runtime.fail_job(job.job_id, self.name, failure, starting=starting)  # noqa: E731
        else:
            topics = self.registry.topics_to_fetch if chain else ()
            report = lambda: self.runtime.complete_job(job.job_id, self.name, result,  # noqa: E731
                                                       next_topics=topics, lease_seconds=self.lease_seconds,
                                                       starting=starting)
        finally:
            self.runtime.metrics.job_seconds.labels(job.topic).observe(time.perf_counter() - started)
        since = time.monotonic()
        try:
            following = self._report(job, report)
        finally:
            self.leases.drop([job])
        if isinstance(following, JobContext):
            self.leases.hold([following], since)
            return following
        return None

    def _report(self, job: JobContext, report: Callable[[], object], *, last_resort: bool = False) -> object:
        """Tell the runtime how the handler ended; again and again while the database is unreachable and the
        lease lasts; what the report returned, else None. A report that fails for any other reason (the step
        after the handler cannot go on) becomes an incident on the job, so no round fails for it."""
        self.leases.reporting(job)
        uncertain = False
        while True:
            try:
                outcome = report()
            except DatabaseUnavailable as error:
                self.outage.begin(error)
                uncertain = uncertain or error.may_have_changed
                if job.lease_lost:
                    _log_job(logging.WARNING, job, "result dropped: the database stayed unreachable until the "
                             "lease ran out; another worker will run the job again")
                    return None
                self.stopping.wait(min(1.0, job.lease_seconds * EXPIRY_MARGIN))
                continue
            except NotFound as gone:
                if uncertain:
                    _log_job(logging.INFO, job, "the result had been recorded before the connection was lost")
                else:
                    _log_job(logging.WARNING, job, f"result dropped: {gone}")
                return None
            except Conflict as lost:
                _log_job(logging.WARNING, job, f"result dropped: {lost}")
                return None
            except Exception as error:
                if last_resort:
                    _log_job(logging.ERROR, job, f"the job could not be stopped with an incident: {plain_error(error)}")
                    return None
                detail = f"{traceback.format_exc()}\nthe handler's outcome could not be applied: {plain_error(error)}"
                self._report(job, lambda: self.runtime.fail_job(job.job_id, self.name, detail, retries=0),
                             last_resort=True)
                return None
            self.outage.over()
            return outcome

    def _hand_back(self, jobs: list[JobContext], why: str) -> None:
        """Release jobs this worker holds but will not start; on an outage, later (`_hand_back_all`)."""
        self.leases.drop(jobs)
        try:
            self.runtime.release_jobs([j.job_id for j in jobs], self.name)
        except DatabaseUnavailable:
            self._unreturned = True
            return
        log.info("worker %s handed back %d job(s) it had not started: %s", self.name, len(jobs), why)

    def _hand_back_all(self) -> None:
        """The database answers again: release every job still locked to this worker (it runs none now), so
        that none waits for its lease to expire."""
        count = self.runtime.hand_back_jobs(self.name)
        self._unreturned = False
        if count:
            log.warning("worker %s handed back %d job(s) it had not started when the database went away",
                        self.name, count)

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
        log.info("worker %s started for topics: %s (lease %.0f s)", self.name,
                 ", ".join(self.registry.topics) or "(none)", self.lease_seconds)
        while not self.stopping.is_set():
            try:
                if not self.run_once():
                    self.stopping.wait(poll_seconds)
            except DatabaseUnavailable as error:
                self.outage.begin(error)
                self._unreturned = True
                self.stopping.wait(poll_seconds)
            except Exception:  # a fault of the worker itself, not of one instance: log it and go on
                log.exception("worker %s: a round failed; trying again shortly", self.name)
                self.stopping.wait(poll_seconds * 4)
        log.info("worker %s stopped", self.name)


def _log_job(level: int, job: JobContext, what: str) -> None:
    log_event(log, level, "job %s (%s): %s", job.job_id, job.topic, what, **job_fields(job))


class _Outage:
    """Whether the database is unreachable for a worker: one line when an outage begins, one when it ends."""

    def __init__(self, worker: str) -> None:
        self.worker = worker
        self._since: float | None = None
        self._lock = threading.Lock()

    @property
    def active(self) -> bool:
        return self._since is not None

    def begin(self, error: DatabaseUnavailable) -> None:
        with self._lock:
            if self._since is not None:
                return
            self._since = time.monotonic()
        log.warning("worker %s: the database is unreachable (%s); trying again", self.worker, error.reason)

    def over(self) -> None:
        with self._lock:
            if self._since is None:
                return
            lasted, self._since = time.monotonic() - self._since, None
        log.warning("worker %s: the database is reachable again after %.1f s", self.worker, lasted)


@dataclass
class _Held:
    job: JobContext
    deadline: float  # time.monotonic() at which the lease ends, as far as this worker knows
    state: str = "waiting"  # waiting, running, reporting


@dataclass
class _Leases:
    """The heartbeat of one worker: renews the lease of every job the worker holds, in one statement, a
    third of the shortest lease apart; more often while the database is unreachable. A job whose lease
    cannot be renewed in time is told so (`lose_lease`) and no longer held."""

    runtime: Runtime
    worker: str
    outage: _Outage
    _held: dict[int, _Held] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _wake: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    # When the heartbeat looks at the leases next (time.monotonic()): a job that needs a beat before then wakes it.
    # Waking it for any other job would cost a thread switch per job a worker chains.
    _looks_at: float = math.inf

    def hold(self, jobs: list[JobContext], since: float) -> None:
        """The worker acquired `jobs` with a request sent at `since` (time.monotonic())."""
        if not jobs:
            return
        with self._lock:
            for job in jobs:
                self._held[job.job_id] = _Held(job, since + job.lease_seconds)
            if any(since + job.lease_seconds / 3 < self._looks_at for job in jobs):
                self._wake.set()  # a shorter lease than those held needs an earlier beat
            if self._thread is None:
                self._thread = threading.Thread(target=self._beat, name=f"heartbeat {self.worker}", daemon=True)
                self._thread.start()

    def drop(self, jobs: list[JobContext]) -> None:
        with self._lock:
            for job in jobs:
                self._held.pop(job.job_id, None)

    def running(self, job: JobContext) -> None:
        self._mark(job, "running")

    def reporting(self, job: JobContext) -> None:
        self._mark(job, "reporting")

    def _mark(self, job: JobContext, state: str) -> None:
        with self._lock:
            held = self._held.get(job.job_id)
            if held is not None:
                held.state = state

    def safe_to_start(self, job: JobContext) -> bool:
        """Whether the worker may start `job`: still held, the database reachable, half its lease left."""
        with self._lock:
            held = self._held.get(job.job_id)
            return (held is not None and not job.lease_lost and not self.outage.active
                    and held.deadline - time.monotonic() >= job.lease_seconds / 2)

    def _beat(self) -> None:
        """Renew when the first lease has run a third of its time since its last renewal; after a failed
        try, again a tenth of the shortest lease later."""
        failing = False
        while True:
            with self._lock:
                if not self._held:
                    self._thread, self._looks_at = None, math.inf
                    return
                held = list(self._held.values())
                if failing:
                    pause = min(h.job.lease_seconds for h in held) * EXPIRY_MARGIN
                else:
                    pause = min(h.deadline - h.job.lease_seconds * 2 / 3 for h in held) - time.monotonic()
                self._looks_at = time.monotonic() + pause
            if pause > 0 and not self._wake.wait(pause):
                failing = not self._renew()
            elif pause <= 0:
                failing = not self._renew()
            self._wake.clear()

    def _renew(self) -> bool:
        """One heartbeat for every held job; False when the database could not be asked."""
        with self._lock:
            leases = {job_id: held.job.lease_seconds for job_id, held in self._held.items()}
        if not leases:
            return True
        sent = time.monotonic()
        try:
            renewed = self.runtime.renew_leases(self.worker, leases)
        except DatabaseUnavailable as error:
            self.outage.begin(error)
            self._expire(time.monotonic())
            return False
        except Exception:  # the heartbeat must outlive any failure; the leases' end is what counts
            log.exception("worker %s: renewing leases failed", self.worker)
            self._expire(time.monotonic())
            return False
        self.outage.over()
        lost: list[_Held] = []
        with self._lock:
            for job_id in leases:
                held = self._held.get(job_id)
                if held is None:
                    continue
                if job_id in renewed:
                    held.deadline = sent + held.job.lease_seconds
                else:
                    lost.append(self._held.pop(job_id))
        for held in lost:
            held.job.lose_lease()
            if held.state != "reporting":  # a job just reported is gone from the table: no loss
                _log_job(logging.WARNING, held.job, "lease lost: another worker took the job over or its "
                         "activity ended; the handler is told (job.lease_lost)")
        return True

    def _expire(self, now: float) -> None:
        """The database cannot be reached: a lease that ends before the next try is as good as lost."""
        with self._lock:
            ending = [h for h in self._held.values()
                      if now >= h.deadline - h.job.lease_seconds * EXPIRY_MARGIN * 2]
            for held in ending:
                del self._held[held.job.job_id]
        for held in ending:
            held.job.lose_lease()
            _log_job(logging.WARNING, held.job, "lease ran out while the database was unreachable; another "
                     "worker may run the job; the handler is told (job.lease_lost)")


def serve_worker(db: str | None, handler_sources: tuple[str, ...], *, lease_seconds: float = 60.0,
                 poll_seconds: float = 0.5, python_scripts: bool = False, tracing: str = "off") -> None:
    """One worker process: its own runtime, stopped gracefully by SIGTERM or SIGINT. `tracing`: the exporter
    of `--tracing` (off, otlp, console)."""
    from bpmn_runtime.handlers import load_handlers
    from bpmn_runtime.tracing_setup import install_tracing
    registry = load_handlers(handler_sources)
    install_tracing(tracing)
    runtime = Runtime(db, run_migrations=False, python_scripts=python_scripts, tracing=tracing != "off")
    worker = Worker(runtime, registry, lease_seconds=lease_seconds)
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: worker.stopping.set())
    try:
        worker.run_forever(poll_seconds)
    finally:
        runtime.close()


def _child(parent: int, db: str | None, handler_sources: tuple[str, ...], options: dict[str, Any],
           log_settings: tuple[str, int, tuple[str, ...]]) -> None:
    """A supervised worker process, logging as its parent does: it stops (gracefully, as on SIGTERM) when its
    parent dies."""
    configure_logging(*log_settings)
    _die_with(parent)
    serve_worker(db, handler_sources, **options)


def _die_with(parent: int) -> None:
    """Ask the kernel for SIGTERM when the parent dies (Linux); elsewhere, watch the parent's pid."""
    if sys.platform.startswith("linux"):
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before the request took effect
        os.kill(os.getpid(), signal.SIGTERM)
        return

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)
    threading.Thread(target=watch, name="parent watch", daemon=True).start()


@dataclass
class _Slot:
    """One supervised worker process and its record of quick deaths."""

    number: int
    process: Any = None  # multiprocessing's SpawnProcess
    started: float = 0.0
    quick_deaths: int = 0
    restart_at: float | None = None


def run_worker_processes(db: str | None, handler_sources: tuple[str, ...], concurrency: int, *,
                         lease_seconds: float = 60.0, python_scripts: bool = False, restart_limit: int = 5,
                         restart_pause: float = 0.5, tracing: str = "off") -> int:
    """Run `concurrency` worker processes until SIGTERM or SIGINT; returns the exit code.

    A child that dies is replaced after a pause that doubles with each quick death in a row (one that
    lived less than HEALTHY_SECONDS), logged each time. After `restart_limit` quick deaths in a row of
    one child the parent stops the others and returns EXIT_GAVE_UP; after a signal it returns 0.
    """
    Runtime(db).close()  # migrate once, before the workers start
    context = multiprocessing.get_context("spawn")
    options = {"lease_seconds": lease_seconds, "python_scripts": python_scripts, "tracing": tracing}
    slots = [_Slot(n) for n in range(concurrency)]
    stopping = threading.Event()

    def start(slot: _Slot) -> None:
        slot.process = context.Process(target=_child, args=(os.getpid(), db, handler_sources, options,
                                                            log_settings()),
                                       name=f"bpmn-worker-{slot.number}")
        slot.process.start()
        slot.started, slot.restart_at = time.monotonic(), None
        log.info("worker process %d started (pid %s)", slot.number, slot.process.pid)

    def stop(*_: object) -> None:
        stopping.set()
        for slot in slots:
            if slot.process is not None and slot.process.is_alive() and slot.process.pid:
                os.kill(slot.process.pid, signal.SIGTERM)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for slot in slots:
        start(slot)
    code = 0
    while not stopping.is_set():
        alive = [s.process.sentinel for s in slots if s.process is not None and s.process.is_alive()]
        multiprocessing.connection.wait(alive, timeout=0.2)
        if stopping.is_set():
            break
        now = time.monotonic()
        for slot in slots:
            if slot.restart_at is not None:
                if now >= slot.restart_at:
                    start(slot)
                continue
            if slot.process.is_alive():
                continue
            lived = now - slot.started
            slot.quick_deaths = slot.quick_deaths + 1 if lived < HEALTHY_SECONDS else 1
            how = _exit_description(slot.process.exitcode)
            if slot.quick_deaths >= restart_limit:
                log.error("worker process %d (pid %s) %s after %.1f s, its %d quick death in a row; giving up",
                          slot.number, slot.process.pid, how, lived, slot.quick_deaths)
                code = EXIT_GAVE_UP
                stop()
                break
            pause = restart_pause * 2 ** (slot.quick_deaths - 1)
            log.warning("worker process %d (pid %s) %s after %.1f s; starting a new one in %.1f s",
                        slot.number, slot.process.pid, how, lived, pause)
            slot.restart_at = now + pause
    for slot in slots:
        if slot.process is not None:
            slot.process.join()
    return code


def _exit_description(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        return f"was killed by {signal.Signals(-exitcode).name}"
    return f"exited with code {exitcode}"
