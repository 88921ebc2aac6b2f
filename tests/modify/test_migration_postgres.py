"""Migration on PostgreSQL while workers finish the very jobs of the instances being migrated: every instance
ends completed, each either migrated first (and completed in the new version) or completed before its batch
or even before the check (and then left where it ended, its plan saying so); no call fails for the race."""
from __future__ import annotations

import threading
from pathlib import Path

from bpmn_runtime.engine.modification import Instruction
from bpmn_runtime.runtime import Runtime

HERE = Path(__file__).parent
INSTANCES = 40


def test_migration_races_with_workers(postgres_url: str) -> None:
    runtime = Runtime(postgres_url)
    runtime.deploy(HERE / "change.bpmn")
    ids = []
    for _ in range(INSTANCES):
        instance_id = runtime.start("changeable", {"amount": 1})
        runtime.modify(instance_id, [Instruction("cancel", "Review"), Instruction("start_after", "Compute")])
        ids.append(instance_id)
    source = (HERE / "change.bpmn").read_bytes().replace(b'name="Changeable"', b'name="Changeable, again"')
    [deployed] = runtime.deploy(source, file_name="change.bpmn")
    assert deployed.version == 2
    stop, go = threading.Event(), threading.Event()  # workers take the oldest jobs first, the migration the newest
    completed: list[int] = []
    failures: list[BaseException] = []

    def work() -> None:
        worker = Runtime(postgres_url, run_migrations=False)
        go.wait(60)  # the first batch is migrated: the others race with the workers
        try:
            while not stop.is_set() or len(completed) < INSTANCES:
                jobs = worker.acquire_jobs("racer", ["ship"], limit=1)
                if not jobs and stop.is_set():
                    break
                for job in jobs:
                    worker.complete_job(job.job_id, "racer")
                    completed.append(job.instance_id)
        except BaseException as error:  # the test fails below with it
            failures.append(error)
        finally:
            worker.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        plans = runtime.migrate(ids[::-1], 2, batch=2, progress=lambda done, total: go.set())
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)
    assert failures == []
    assert sorted(completed) == ids, "every job was completed exactly once"
    by_id = {p.instance_id: p for p in plans}
    assert all(not by_id[i].left_as_is for i in ids[-2:]), "the first batch ran before any worker"
    for instance_id in ids:
        summary = runtime.queries.instance(instance_id).summary
        assert summary.status == "completed"
        assert by_id[instance_id].problems == []
        if by_id[instance_id].left_as_is:
            assert by_id[instance_id].left_as_is == "it has ended (completed); only running instances are migrated"
            assert summary.version == 1
        else:
            assert summary.version == 2, "migrated while its job waited, then completed in version 2"
    runtime.close()
