"""A worker and its callers across lost connections and database outages (through a proxy that the test
cuts, never the shared server): the heartbeat survives, a lease that runs out is told to the handler,
unstarted jobs are handed back when the database returns, and callers get the engine's own error."""
from __future__ import annotations

import logging
import threading
import time
from typing import Iterator

import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url

from bpmn_runtime.errors import DatabaseUnavailable
from bpmn_runtime.handlers import HandlerRegistry, JobContext
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.store.database import IDLE_PING_SECONDS
from bpmn_runtime.worker import Worker
from tests.durability.processes import ONE_STEP, USER_TASK
from tests.durability.proxy import Proxy

pytestmark = pytest.mark.postgres


@pytest.fixture
def proxy(postgres_url: str) -> Iterator[Proxy]:
    url = make_url(postgres_url)
    running = Proxy((url.host or "127.0.0.1", url.port or 5432))
    yield running
    running.close()


def _wait(condition: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def test_the_heartbeat_outlives_a_lost_connection(postgres_url: str, proxy: Proxy,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    """A 1.5 s outage in the middle of a 4 s handler under a 3 s lease: the lease is renewed after it, no
    other worker takes the job, the handler runs once."""
    direct = Runtime(postgres_url)
    direct.deploy(ONE_STEP, "one-step.bpmn")
    instance_id = direct.start("one-step", business_key="order-1")
    behind = Runtime(proxy.url_for(postgres_url), run_migrations=False, reconnect_seconds=0.5)
    runs: list[str] = []
    registry = HandlerRegistry()

    taken: list[object] = []
    stop = threading.Event()

    def rival() -> None:  # another worker, on a connection of its own, ready to take the job over
        while not stop.is_set():
            taken.extend(direct.acquire_jobs("rival", ["work"], lease_seconds=3))
            time.sleep(0.1)
    thread = threading.Thread(target=rival)

    @registry.handler("work")
    def work(job: JobContext) -> dict[str, bool]:
        runs.append(job.idempotency_key)
        thread.start()
        time.sleep(0.5)
        proxy.down()
        time.sleep(1.5)
        proxy.up()
        time.sleep(2.0)
        return {"lease_lost": job.lease_lost}

    with caplog.at_level(logging.INFO, logger="bpmn_runtime"):
        Worker(behind, registry, name="near", lease_seconds=3).run_once()
    stop.set()
    thread.join()
    assert taken == [] and len(runs) == 1
    detail = direct.queries.instance(instance_id)
    assert detail.summary.status == "completed" and detail.variables["lease_lost"] is False
    messages = [r.getMessage() for r in caplog.records]
    assert sum("the database is unreachable" in m for m in messages) == 1, messages
    assert sum("the database is reachable again after" in m for m in messages) == 1, messages
    assert not any(r.exc_info for r in caplog.records), "an outage is no traceback"
    behind.close()
    direct.close()


def test_a_handler_is_told_when_its_lease_runs_out_in_an_outage(postgres_url: str, proxy: Proxy) -> None:
    direct = Runtime(postgres_url)
    direct.deploy(ONE_STEP, "one-step.bpmn")
    instance_id = direct.start("one-step")
    behind = Runtime(proxy.url_for(postgres_url), run_migrations=False, reconnect_seconds=0.5)
    told: list[float] = []
    registry = HandlerRegistry()

    @registry.handler("work")
    def work(job: JobContext) -> dict[str, str]:
        began = time.monotonic()
        proxy.down()
        while not job.lease_lost and time.monotonic() - began < 8:
            time.sleep(0.05)
        told.append(time.monotonic() - began)
        proxy.up()
        job.check_lease()  # raises LeaseLost: the handler stops, nothing is reported
        return {"by": "near"}

    Worker(behind, registry, name="near", lease_seconds=2).run_once()
    assert told and told[0] < 2.0, "told before the lease ends"
    taken: list[JobContext] = []

    def acquired() -> bool:
        taken.extend(direct.acquire_jobs("far", ["work"], lease_seconds=30))
        return bool(taken)
    assert _wait(acquired, 5), "the job is free for another worker once the lease ended"
    direct.complete_job(taken[0].job_id, "far", {"by": "far"})
    assert direct.queries.instance(instance_id).variables["by"] == "far"
    behind.close()
    direct.close()


def test_unstarted_jobs_are_handed_back_when_the_database_returns(postgres_url: str, proxy: Proxy) -> None:
    direct = Runtime(postgres_url)
    direct.deploy(ONE_STEP, "one-step.bpmn")
    for n in range(3):
        direct.start("one-step", business_key=f"order-{n}")
    behind = Runtime(proxy.url_for(postgres_url), run_migrations=False, reconnect_seconds=0.3)
    registry = HandlerRegistry()

    @registry.handler("work")
    def work(job: JobContext) -> None:
        if not proxy.accepting.is_set():
            return
        proxy.down()  # the first handler's result cannot be reported: the database is away for 1 s
        threading.Timer(1.0, proxy.up).start()

    worker = Worker(behind, registry, name="near", lease_seconds=60, batch=3)
    thread = threading.Thread(target=worker.run_forever, args=(0.1,))
    thread.start()
    try:
        assert _wait(lambda: not proxy.accepting.is_set(), 10)
        assert _wait(lambda: proxy.accepting.is_set(), 5)
        returned = time.monotonic()
        assert _wait(lambda: direct.queries.instances(status="completed", limit=1)[1] == 3, 15), \
            "the two unstarted jobs were run again long before their 60 s lease ended"
        assert time.monotonic() - returned < 10
    finally:
        worker.stopping.set()
        thread.join()
    behind.close()
    direct.close()


def test_callers_get_the_engines_error_not_the_drivers(postgres_url: str, proxy: Proxy) -> None:
    direct = Runtime(postgres_url)
    direct.deploy(USER_TASK, "approve.bpmn")
    behind = Runtime(proxy.url_for(postgres_url), run_migrations=False, reconnect_seconds=0.5)
    proxy.down()
    with pytest.raises(DatabaseUnavailable, match="the database is unreachable; nothing was changed") as refused:
        behind.start("approve")
    assert refused.value.may_have_changed is False
    proxy.up()
    cuts = {"left": 1}

    def lose_the_commit(_connection: object) -> None:
        if cuts["left"]:
            cuts["left"] -= 1
            proxy.cut()
    event.listen(behind.database.engine, "commit", lose_the_commit)
    with pytest.raises(DatabaseUnavailable, match="may have been made: repeat the call with the same request key"):
        behind.start("approve", business_key="order-9")
    cuts["left"] = 1
    first = behind.start("approve", business_key="order-10", request_key="checkout-10")  # repeated for the caller
    assert behind.start("approve", request_key="checkout-10") == first
    assert direct.queries.instances(business_key="order-10")[1] == 1
    behind.close()
    direct.close()


def test_pooled_connections_dropped_while_idle_are_replaced_before_use(postgres_url: str, proxy: Proxy) -> None:
    """A connection that sat in the pool while the server side went away is pinged and replaced when it is
    next handed out: even a read, which no retry covers, gets its answer."""
    direct = Runtime(postgres_url)
    direct.deploy(USER_TASK, "approve.bpmn")
    behind = Runtime(proxy.url_for(postgres_url), run_migrations=False, reconnect_seconds=0.5)
    behind.start("approve")
    assert proxy.cut() > 0
    time.sleep(IDLE_PING_SECONDS + 0.2)
    assert behind.queries.instances(process="approve")[1] == 1
    behind.close()
    direct.close()


def test_a_connection_dropped_while_in_steady_use_costs_the_call_a_retry_not_a_failure(
        postgres_url: str, proxy: Proxy) -> None:
    """A connection in steady use is not pinged (that would be a round trip per call); when it was dropped, the
    call's first statement finds out, every older connection of the pool is discarded with it, and the call
    is tried again on a new connection."""
    direct = Runtime(postgres_url)
    direct.deploy(USER_TASK, "approve.bpmn")
    behind = Runtime(proxy.url_for(postgres_url), run_migrations=False, reconnect_seconds=2.0)
    behind.start("approve")
    behind.start("approve")
    assert proxy.cut() > 0
    behind.start("approve", business_key="after-the-cut")
    assert direct.queries.instances(business_key="after-the-cut")[1] == 1
    assert direct.queries.instances(process="approve")[1] == 3
    behind.close()
    direct.close()
