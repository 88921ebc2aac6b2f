"""Leases cover every job a worker holds: a batch of slow jobs is never run twice at once, a job whose
worker keeps dying spends its tries and ends in an incident, and such a job is run alone."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from bpmn_runtime.clock import VirtualClock
from bpmn_runtime.handlers import HandlerRegistry, JobContext
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.worker import Worker
from tests.durability.processes import ONE_STEP, THREE_STEPS


def _database(request: pytest.FixtureRequest, kind: str) -> str:
    return str(request.getfixturevalue("postgres_url" if kind == "postgres" else "sqlite_url"))


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_batch_of_slow_jobs_is_never_run_twice_at_once(kind: str, request: pytest.FixtureRequest) -> None:
    """Five jobs of 0.6 s in one batch under a 1.5 s lease: the last starts 2.4 s after its batch was taken."""
    runtime = Runtime(_database(request, kind))
    runtime.deploy(ONE_STEP, "one-step.bpmn")
    ids = [runtime.start("one-step", business_key=f"order-{n}") for n in range(10)]
    runs: list[tuple[str, str, float, float]] = []
    lock = threading.Lock()
    registry = HandlerRegistry()

    @registry.handler("work")
    def work(job: JobContext) -> dict[str, bool]:
        began = time.monotonic()
        time.sleep(0.6)
        with lock:
            runs.append((job.idempotency_key, threading.current_thread().name, began, time.monotonic()))
        return {"done": True}

    workers = [Worker(runtime, registry, name=f"w{n}", lease_seconds=1.5, batch=5) for n in range(2)]
    threads = [threading.Thread(target=w.run_forever, args=(0.05,), name=f"w{n}") for n, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 25
    while runtime.queries.instances(status="completed", limit=1)[1] < len(ids) and time.monotonic() < deadline:
        time.sleep(0.1)
    for worker in workers:
        worker.stopping.set()
    for thread in threads:
        thread.join()
    keys = [run[0] for run in runs]
    assert sorted(keys) == sorted(set(keys)), "a job ran twice"
    assert len(keys) == len(ids)
    assert runtime.queries.instances(status="completed", limit=1)[1] == len(ids)
    runtime.close()


def test_a_job_whose_worker_keeps_dying_ends_in_an_incident(sqlite_url: str) -> None:
    clock = VirtualClock()
    runtime = Runtime(sqlite_url, clock=clock)  # three tries
    runtime.deploy(THREE_STEPS, "three.bpmn")
    instance_id = runtime.start("three-steps", business_key="order-7")
    for worker in ("w1", "w2", "w3"):
        [job] = runtime.acquire_jobs(worker, lease_seconds=30)
        clock.advance(31)  # the worker died: its lease expires
    assert runtime.acquire_jobs("w4", lease_seconds=30) == []
    [incident] = runtime.queries.incidents()
    assert (incident.instance_id, incident.element_id) == (instance_id, "reserve")
    assert incident.message == "reserve: the worker running it stopped 3 times before finishing"
    runtime.retry_incident(incident.id)
    assert [j.job_id for j in runtime.acquire_jobs("w5", lease_seconds=30)] == [job.job_id]


def _waiting_jobs(sqlite_url: str, count: int) -> tuple[Runtime, VirtualClock]:
    """A runtime on a virtual clock with `count` instances of the one-step process, each at its job (three
    tries)."""
    clock = VirtualClock()
    runtime = Runtime(sqlite_url, clock=clock)
    runtime.deploy(ONE_STEP, "one-step.bpmn")
    for n in range(count):
        runtime.start("one-step", business_key=f"order-{n}")
    return runtime, clock


def test_a_job_that_lost_its_worker_is_run_alone(sqlite_url: str) -> None:
    """The job that killed its worker does not take the jobs of the next batch down with it."""
    runtime, clock = _waiting_jobs(sqlite_url, 3)
    first = runtime.acquire_jobs("w1", lease_seconds=30)
    assert len(first) == 3
    clock.advance(31)
    for expected in first:
        assert [j.job_id for j in runtime.acquire_jobs("w2", lease_seconds=30)] == [expected.job_id]
    assert runtime.acquire_jobs("w2", lease_seconds=30) == []


def _tries(runtime: Runtime) -> dict[int, tuple[int, int]]:
    """Each handler job's retries left and attempts."""
    return {job.id: (job.retries, job.attempts) for job in runtime.queries.jobs() if job.kind == "job"}


def test_jobs_queued_behind_the_one_that_killed_its_worker_spend_no_try(sqlite_url: str) -> None:
    """A worker runs its batch one job after another: when it dies, only the job it had started spends a
    try; the jobs still queued behind it are taken again as if never taken."""
    runtime, clock = _waiting_jobs(sqlite_url, 3)
    first, second, third = (job.job_id for job in runtime.acquire_jobs("w1", lease_seconds=30, starting=1))
    clock.advance(31)  # w1 died while running the first
    assert [j.job_id for j in runtime.acquire_jobs("w2", lease_seconds=30, starting=1)] == [first]
    assert _tries(runtime)[first] == (2, 2)
    assert [j.job_id for j in runtime.acquire_jobs("w3", lease_seconds=30)] == [second, third]
    assert _tries(runtime)[second] == _tries(runtime)[third] == (3, 1)


def test_the_job_a_worker_reports_it_starts_next_spends_a_try_when_it_dies(sqlite_url: str) -> None:
    runtime, clock = _waiting_jobs(sqlite_url, 3)
    first, second, third = (job.job_id for job in runtime.acquire_jobs("w1", lease_seconds=30, starting=1))
    runtime.complete_job(first, "w1", {}, starting=second)
    clock.advance(31)  # w1 died while running the second
    assert [j.job_id for j in runtime.acquire_jobs("w2", lease_seconds=30)] == [second]
    assert [j.job_id for j in runtime.acquire_jobs("w2", lease_seconds=30)] == [third]
    assert _tries(runtime) == {second: (2, 2), third: (3, 1)}


def test_workers_dying_one_after_another_cost_only_the_running_jobs_tries(sqlite_url: str) -> None:
    """Workers in turn take a batch of up to five and die while running its first job: a job spends one try
    per death it was running at, ending in an incident at the third; no job queued behind spends any."""
    runtime, clock = _waiting_jobs(sqlite_url, 6)
    all_jobs = set(_tries(runtime))
    running_at_death: dict[int, int] = {}
    for n in range(12):
        batch = runtime.acquire_jobs(f"w{n}", lease_seconds=30, starting=1)
        if batch:
            running_at_death[batch[0].job_id] = running_at_death.get(batch[0].job_id, 0) + 1
        clock.advance(31)
    runtime.acquire_jobs("last", lease_seconds=30)  # counts the last death
    stopped = {incident.job_id for incident in runtime.queries.incidents()}
    assert stopped == {job for job, deaths in running_at_death.items() if deaths >= 3} and stopped
    left = _tries(runtime)
    for job in all_jobs - stopped:
        assert left[job][0] == 3 - running_at_death.get(job, 0), (job, left[job], running_at_death)
    assert all_jobs - set(running_at_death), "some jobs were only ever queued behind others"


def test_a_handler_is_told_when_another_worker_took_its_job(sqlite_url: str, tmp_path: Path) -> None:
    runtime = Runtime(sqlite_url)
    runtime.deploy(ONE_STEP, "one-step.bpmn")
    runtime.start("one-step")
    seen: list[bool] = []
    registry = HandlerRegistry()

    @registry.handler("work")
    def work(job: JobContext) -> None:
        runtime.release_jobs([job.job_id], "slow")  # as if its lease had expired and another worker took it
        runtime.acquire_jobs("other", ["work"])
        deadline = time.monotonic() + 5
        while not job.lease_lost and time.monotonic() < deadline:
            time.sleep(0.05)
        seen.append(job.lease_lost)
        job.check_lease()

    Worker(runtime, registry, name="slow", lease_seconds=1.5).run_once()
    assert seen == [True]
    [job] = runtime.queries.jobs()
    assert job.lock_owner == "other"


def test_a_chain_of_jobs_keeps_one_heartbeat_that_renews_each_jobs_lease(
        sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Three chained jobs of 1.2 s under a 1.5 s lease: each lease is renewed while its handler runs, by the one
    heartbeat thread of the worker (a chained job does not wake it, nor start another)."""
    runtime = Runtime(sqlite_url)
    runtime.deploy(THREE_STEPS, "three-steps.bpmn")
    instance_id = runtime.start("three-steps")
    heartbeats: list[str] = []
    thread_class = threading.Thread

    def counted(*args: object, **kwargs: object) -> threading.Thread:
        if str(kwargs.get("name", "")).startswith("heartbeat"):
            heartbeats.append(str(kwargs["name"]))
        return thread_class(*args, **kwargs)  # type: ignore[arg-type]
    monkeypatch.setattr(threading, "Thread", counted)
    leases: list[tuple[str, object, object]] = []
    registry = HandlerRegistry()

    def slow(job: JobContext) -> None:
        def expiry() -> object:
            [row] = [j for j in runtime.queries.jobs(instance_id=instance_id) if j.id == job.job_id]
            return row.lock_expires_at
        before = expiry()
        time.sleep(1.2)
        leases.append((job.topic, before, expiry()))
        job.check_lease()
    for topic in ("reserve", "charge", "ship"):
        registry.register(topic, slow)
    assert Worker(runtime, registry, name="w", lease_seconds=1.5).run_once() == 3
    assert [topic for topic, _, _ in leases] == ["reserve", "charge", "ship"]
    assert all(after > before for _, before, after in leases), leases  # type: ignore[operator]
    assert len(heartbeats) == 1
    assert runtime.queries.instance(instance_id).summary.status == "completed"
    runtime.close()
