"""Job chaining: completing a job hands the next job of the same instance, made by that completion, to the
same worker in the same transaction, locked with a lease, so the worker runs it without a new acquisition.
Only topics the worker handles are handed over; everything else waits for an acquisition as before."""
from __future__ import annotations

import pytest

from bpmn_runtime.handlers import HandlerRegistry, JobContext
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.worker import Worker
from tests.durability.processes import THREE_STEPS


def _database(request: pytest.FixtureRequest, kind: str) -> str:
    return str(request.getfixturevalue("postgres_url" if kind == "postgres" else "sqlite_url"))


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_completing_a_job_hands_over_the_next_one_locked_to_the_same_worker(
        kind: str, request: pytest.FixtureRequest) -> None:
    runtime = Runtime(_database(request, kind))
    runtime.deploy(THREE_STEPS, "three-steps.bpmn")
    instance_id = runtime.start("three-steps", {"n": 7}, business_key="order-7")
    [first] = runtime.acquire_jobs("w1", ["reserve", "charge", "ship"])
    following = runtime.complete_job(first.job_id, "w1", {"reserved": True}, next_topics=["reserve", "charge", "ship"],
                                     lease_seconds=30.0)
    assert following is not None
    assert (following.topic, following.activity_id, following.instance_id) == ("charge", "charge", instance_id)
    assert following.business_key == "order-7" and following.process_key == "three-steps"
    assert following.variables == {"n": 7, "reserved": True}  # what the handler of the first job returned
    assert following.attempt == 1 and following.lease_seconds == 30.0
    [row] = [j for j in runtime.queries.jobs(instance_id=instance_id) if j.id == following.job_id]
    assert row.lock_owner == "w1" and row.attempts == 1 and row.lock_expires_at is not None
    assert following.idempotency_key.startswith(f"{instance_id}-")
    assert runtime.acquire_jobs("w2", ["charge"]) == []  # held by w1: no other worker takes it
    last = runtime.complete_job(following.job_id, "w1", {}, next_topics=["ship"])
    assert last is not None and last.topic == "ship"
    assert runtime.complete_job(last.job_id, "w1", {}, next_topics=["ship"]) is None  # the instance ended
    assert runtime.queries.instance(instance_id).summary.status == "completed"
    runtime.close()


def test_a_topic_the_worker_does_not_handle_is_left_for_acquisition(sqlite_url: str) -> None:
    runtime = Runtime(sqlite_url)
    runtime.deploy(THREE_STEPS, "three-steps.bpmn")
    runtime.start("three-steps")
    [first] = runtime.acquire_jobs("w1", ["reserve"])
    assert runtime.complete_job(first.job_id, "w1", {}, next_topics=["reserve", "ship"]) is None
    [charge] = runtime.acquire_jobs("w2", ["charge"])
    assert charge.attempt == 1 and charge.topic == "charge"
    runtime.close()


def test_a_worker_runs_an_instance_through_in_one_round(sqlite_url: str) -> None:
    """One acquisition per instance: the worker runs the three jobs of each instance one after the other."""
    runtime = Runtime(sqlite_url)
    runtime.deploy(THREE_STEPS, "three-steps.bpmn")
    ids = [runtime.start("three-steps", {"n": n}) for n in range(4)]
    seen: list[tuple[int, str, int]] = []
    registry = HandlerRegistry()

    def record(job: JobContext) -> dict[str, int]:
        seen.append((job.instance_id, job.topic, job.attempt))
        return {job.topic: len(seen)}
    for topic in ("reserve", "charge", "ship"):
        registry.register(topic, record)
    worker = Worker(runtime, registry, batch=2)
    assert worker.run_once() == 6  # two instances acquired, each run to its end
    assert seen == [(ids[0], "reserve", 1), (ids[0], "charge", 1), (ids[0], "ship", 1),
                    (ids[1], "reserve", 1), (ids[1], "charge", 1), (ids[1], "ship", 1)]
    assert [runtime.queries.instance(i).summary.status for i in ids] == ["completed", "completed", "active", "active"]
    assert runtime.queries.instance(ids[0]).variables == {"n": 0, "reserve": 1, "charge": 2, "ship": 3}
    assert worker.run_until_idle() == 6
    assert all(runtime.queries.instance(i).summary.status == "completed" for i in ids)
    runtime.close()


def test_a_worker_with_a_catch_all_handler_chains_every_topic(sqlite_url: str) -> None:
    """A catch-all worker handles every topic, so it is handed the instance's next job whatever its topic."""
    runtime = Runtime(sqlite_url)
    runtime.deploy(THREE_STEPS, "three-steps.bpmn")
    instance_id = runtime.start("three-steps")
    [first] = runtime.acquire_jobs("w1", None)
    following = runtime.complete_job(first.job_id, "w1", {}, next_topics=None)
    assert following is not None and following.topic == "charge" and following.instance_id == instance_id
    seen: list[str] = []
    registry = HandlerRegistry()
    registry.register("*", lambda job: seen.append(job.topic) or {})
    runtime.start("three-steps")
    assert Worker(runtime, registry, batch=1).run_once() == 3  # one acquisition: the new instance's three jobs
    assert seen == ["reserve", "charge", "ship"]
    runtime.close()


def test_a_stopping_worker_hands_the_chained_job_back(sqlite_url: str) -> None:
    runtime = Runtime(sqlite_url)
    runtime.deploy(THREE_STEPS, "three-steps.bpmn")
    instance_id = runtime.start("three-steps")
    registry = HandlerRegistry()
    worker = Worker(runtime, registry, name="w1")

    def reserve_then_stop(job: JobContext) -> dict[str, bool]:
        worker.stopping.set()
        return {"reserved": True}
    registry.register("reserve", reserve_then_stop)
    registry.register("charge", lambda job: {})
    assert worker.run_once() == 1
    [charge] = runtime.queries.jobs(instance_id=instance_id)
    assert (charge.topic, charge.lock_owner, charge.attempts) == ("charge", None, 0)  # handed back, not spent
    [taken] = runtime.acquire_jobs("w2", ["charge"])
    assert taken.attempt == 1
    runtime.close()
