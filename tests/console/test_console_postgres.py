"""Where the console's SQL differs on PostgreSQL: job acquisition that skips suspended instances under FOR
UPDATE SKIP LOCKED, the business key's beginning looked up as a range, capped counts and keyset cursors,
the inbox's due-date filter (a hint only SQLite reads), history cleanup and linked forms."""
from __future__ import annotations

from pathlib import Path

from bpmn_runtime.clock import VirtualClock
from bpmn_runtime.runtime import Runtime

MODEL = Path(__file__).parent / "suspend.bpmn"
WEB = Path(__file__).parents[1] / "web" / "processes"


def test_the_console_on_postgresql(postgres_url: str) -> None:
    clock = VirtualClock()
    runtime = Runtime(postgres_url, clock=clock)
    runtime.deploy(MODEL)
    runtime.deploy(WEB / "parcel.bpmn")
    ids = [runtime.start("parcel", business_key=f"parcel-{n}") for n in range(5)]
    runtime.suspend(ids[:2])
    acquired = runtime.acquire_jobs("w", ["print-label"], limit=10)
    assert sorted(job.instance_id for job in acquired) == ids[2:], "suspended instances' jobs stay"
    rows, total = runtime.queries.instances(key_start="parcel-", limit=2, count_limit=3)
    assert [r.id for r in rows] == ids[:-3:-1] and total == 4, "counted up to the limit and one more"
    assert [r.id for r in runtime.queries.instances(key_start="parcel-", before=ids[3], limit=2)[0]] == ids[2:0:-1]
    assert runtime.queries.instances(key_start="parcel_", limit=2)[1] == 0, "'_' is no wildcard"

    task_instance = runtime.start("suspendable")
    task_id = runtime.queries.instance(task_instance).tasks[0].id
    assert runtime.queries.tasks(everyone=True, due="overdue")[1] == 0
    assert runtime.queries.tasks(everyone=True, due="none")[0][0].id == task_id

    runtime.cancel(task_instance, "test")
    clock.advance(31 * 86400)
    assert runtime.clean_up_history() == 1

    runtime.deploy(WEB / "invoice.form")
    [linked] = runtime.deploy(WEB / "linked_c8.bpmn")
    instance_id = runtime.start(linked.key)
    task = runtime.queries.instance(instance_id).tasks[0].id
    runtime.complete_task(task, {"invoice_total": 5, "matches": True})
    assert runtime.queries.instance(instance_id).summary.status == "completed"
    runtime.close()
