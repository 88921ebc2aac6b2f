"""History cleanup: ended instances go once their version's time to live (camunda:historyTimeToLive, else the
default) has passed, with their history, in batches; running instances, and ended children of a running
caller, stay."""
from __future__ import annotations

from pathlib import Path

import pytest

from bpmn_runtime.clock import VirtualClock
from bpmn_runtime.errors import NotFound
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.runtime.cleanup import time_to_live
from tests.web.conftest import WEB_PROCESSES, run_cli

MODEL = Path(__file__).parent / "suspend.bpmn"  # camunda:historyTimeToLive="30"


def test_time_to_live_is_read_as_camunda_writes_it() -> None:
    assert [time_to_live(v) for v in ("30", " P7D ", "P1Y", "thirty", "", None, "99999999")] == \
        [30, 7, None, None, None, None, None]


def test_ended_instances_past_their_time_to_live_are_removed_in_batches(sqlite_url: str) -> None:
    clock = VirtualClock()
    runtime = Runtime(sqlite_url, clock=clock)
    runtime.deploy(MODEL)
    runtime.deploy(WEB_PROCESSES / "events.bpmn")  # no time to live in the model
    ended = [runtime.start("suspendable") for _ in range(5)]
    for instance_id in ended:
        runtime.cancel(instance_id, "test")
    running = runtime.start("suspendable")
    other = runtime.start("events")
    runtime.cancel(other, "test")
    clock.advance(29 * 86400)
    assert runtime.clean_up_history(batch=2) == 0, "29 days: not yet"
    clock.advance(2 * 86400)
    assert runtime.clean_up_history(batch=2) == 5, "batches of two until none is left"
    for instance_id in ended:
        with pytest.raises(NotFound):
            runtime.queries.instance(instance_id)
        assert runtime.queries.history(instance_id) == []
    assert runtime.queries.instance(running).summary.status == "active"
    assert runtime.queries.instance(other).summary.status == "cancelled", "no time to live, no default: kept"
    assert runtime.clean_up_history(default_days=40) == 0
    assert runtime.clean_up_history(default_days=30) == 1
    runtime.close()


def test_the_cleanup_command(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    run_cli(tmp_path, db, "deploy", str(MODEL))
    run_cli(tmp_path, db, "start", "suspendable")
    assert run_cli(tmp_path, db, "cleanup") == "removed 0 ended instance(s) past their time to live\n"
    assert "--default-days" in run_cli(tmp_path, db, "cleanup", "--help")


def test_serve_cleans_up_on_a_schedule(sqlite_url: str) -> None:
    """`serve`'s thread removes what is past its time to live every round, until it is told to stop."""
    import threading
    import time

    from bpmn_runtime.web.serve import clean_up_history_every

    clock = VirtualClock()
    runtime = Runtime(sqlite_url, clock=clock)
    runtime.deploy(MODEL)
    runtime.cancel(runtime.start("suspendable"), "test")
    clock.advance(31 * 86400)
    said: list[str] = []
    stopping = threading.Event()
    thread = threading.Thread(target=clean_up_history_every, args=(runtime, 0.001, stopping, said.append))
    thread.start()
    deadline = time.monotonic() + 10
    while not said and time.monotonic() < deadline:
        time.sleep(0.05)
    stopping.set()
    thread.join(timeout=10)
    assert said == ["history cleanup: removed 1 ended instance(s) past their time to live"]
    assert not thread.is_alive()
    runtime.close()
