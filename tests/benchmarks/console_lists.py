"""The inbox's and the console's list pages at size, on SQLite:

    python tests/benchmarks/console_lists.py                  # 1,000,000 instances, 100,000 open tasks
    python tests/benchmarks/console_lists.py --instances 100000 --tasks 10000   # a quicker look

Targets: the inbox's first page under 50 ms with 100,000 open tasks, the instance list under 100 ms with
1,000,000 instances. Rows are written straight into a fresh database (the engine would take hours to make a
million instances); each page is then asked for through the web app, as a logged-in person's browser asks,
and each figure is the median of several requests. It prints "met" or "missed" and asserts nothing: the
figures depend on the machine.
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import insert  # noqa: E402

from bpmn_runtime.accounts import Accounts  # noqa: E402
from bpmn_runtime.runtime import Runtime  # noqa: E402
from bpmn_runtime.store.tables import Instance, UserTask  # noqa: E402
from bpmn_runtime.web import create_app  # noqa: E402

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
PASSWORD = "benchmark-secret-1"
CHUNK = 20_000


def fill(runtime: Runtime, instances: int, tasks: int) -> None:
    """`instances` instances, one in ten running; `tasks` open tasks, half offered to managers."""
    [deployed] = [d for d in runtime.deploy(PROCESSES / "order_fulfilment.bpmn")]
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    with runtime.database.engine.begin() as connection:
        for first in range(1, instances + 1, CHUNK):
            rows = [{"id": n, "definition_id": deployed.definition_id, "process_key": deployed.key,
                     "business_key": f"order-{n}" if n % 3 == 0 else None, "request_key": None,
                     "status": "active" if n % 10 == 0 else "completed", "version": 1, "state": "{}",
                     "started_at": start + timedelta(seconds=n), "updated_at": start + timedelta(seconds=n),
                     "ended_at": None if n % 10 == 0 else start + timedelta(seconds=n + 60)}
                    for n in range(first, min(first + CHUNK, instances + 1))]
            connection.execute(insert(Instance), rows)
        for first in range(1, tasks + 1, CHUNK):
            rows = [{"instance_id": 10 * (1 + n % (instances // 10)), "wait_key": n, "process_key": deployed.key,
                     "business_key": f"order-{10 * (1 + n % (instances // 10))}", "element_id": "Activity_ApproveOrder", "name": "Approve order",
                     "assignee": "max" if n % 7 == 0 else None, "candidate_users": "",
                     "candidate_groups": "managers" if n % 2 == 0 else "sales",
                     "due": (start + timedelta(days=n % 400)).isoformat(timespec="seconds") if n % 5 == 0 else None,
                     "priority": 50,
                     "created_at": start + timedelta(seconds=n)}
                    for n in range(first, min(first + CHUNK, tasks + 1))]
            connection.execute(insert(UserTask), rows)


def timed(get: object, path: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        answer = get(path)  # type: ignore[operator]
        times.append((time.perf_counter() - began) * 1000)
        assert answer.status_code == 200, (path, answer.status_code)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", type=int, default=1_000_000)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        runtime = Runtime(f"sqlite:///{Path(folder) / 'lists.db'}")
        began = time.perf_counter()
        fill(runtime, options.instances, options.tasks)
        print(f"{options.instances:,} instances and {options.tasks:,} open tasks written in "
              f"{time.perf_counter() - began:.0f} s")
        accounts = Accounts(runtime.database)
        accounts.add("mia", PASSWORD, groups=("managers",))
        accounts.add("olga", PASSWORD, role="operator")
        app = create_app(runtime, testing=True)
        figures = []
        for name, paths, target in (
                ("mia", [("inbox, first page", "/tasks"), ("inbox, oldest first", "/tasks?sort=oldest"),
                         ("inbox, overdue", "/tasks?due=overdue")], 50),
                ("olga", [("inbox of an operator (every task)", "/tasks"),
                          ("instances, first page", "/console/instances"),
                          ("instances, running", "/console/instances?status=active"),
                          ("instances, by business key", "/console/instances?business_key=order-99"),
                          ("instances, by a key none has", "/console/instances?business_key=invoice-1"),
                          ("instances, a later page", "/console/instances?page=40")], 100)):
            client = app.test_client()
            form = client.get("/login").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', form)
            assert token
            client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token.group(1)})
            for label, path in paths:
                target_ms = 50 if path.startswith("/tasks") else target
                median = timed(client.get, path, options.runs)
                figures.append((label, median, target_ms))
        runtime.close()
    for label, median, target_ms in figures:
        print(f"{label:<40} {median:7.1f} ms   target {target_ms} ms: {'met' if median < target_ms else 'missed'}")


if __name__ == "__main__":
    main()
