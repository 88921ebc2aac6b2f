"""The order-fulfilment example from deploy to completion, both ways through the gateway, through the
real CLI in a subprocess on a SQLite file, and through the runtime on PostgreSQL."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from bpmn_runtime.handlers import HandlerRegistry
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.runtime.task_rules import Actor
from bpmn_runtime.worker import Worker
from tests.conftest import PROCESSES, cli_path


def run_cli(cwd: Path, db: Path, *args: str, expect: int = 0) -> str:
    result = subprocess.run([cli_path(), "--db", str(db), *args], cwd=cwd, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == expect, f"{args}: exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def test_large_order_waits_for_approval_then_ships(example_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "orders.db"
    out = run_cli(example_dir, db, "deploy", "processes/order_fulfilment.bpmn")
    assert "deployed: order-fulfilment version 1" in out
    started = json.loads(run_cli(example_dir, db, "start", "order-fulfilment", "--var", "amount=2500",
                                 "--business-key", "order-7", "--json"))
    instance_id = started["id"]
    assert [t["element_id"] for t in started["waiting_at"]] == ["Activity_CheckStock"]
    run_cli(example_dir, db, "worker", "--until-idle")
    tasks = json.loads(run_cli(example_dir, db, "tasks", "--json"))["tasks"]
    assert [(t["name"], t["instance_id"], t["candidate_groups"]) for t in tasks] == \
        [("Approve order", instance_id, ["managers"])]
    refused = run_cli(example_dir, db, "complete", str(tasks[0]["id"]), "--var", "approved=perhaps", expect=1)
    assert "approved: choose yes or no" in refused
    assert json.loads(run_cli(example_dir, db, "tasks", "--json"))["total"] == 1, "a refused form changes nothing"
    run_cli(example_dir, db, "complete", str(tasks[0]["id"]), "--var", "approved=true", "--var", "comment=ok")
    run_cli(example_dir, db, "worker", "--until-idle")
    detail = json.loads(run_cli(example_dir, db, "instance", str(instance_id), "--json"))
    assert detail["summary"]["status"] == "completed"
    assert detail["summary"]["business_key"] == "order-7"
    assert detail["variables"]["approved"] is True
    assert detail["variables"]["tracking_number"].startswith("TRK-")
    completed = [h["element_id"] for h in detail["history"] if h["kind"] == "element_completed"]
    assert completed[-3:] == ["Activity_ChargePayment", "Activity_ShipOrder", "EndEvent_OrderShipped"]


def test_small_order_skips_approval(example_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "orders.db"
    run_cli(example_dir, db, "deploy", "processes/order_fulfilment.bpmn")
    run_cli(example_dir, db, "start", "order-fulfilment", "--var", "amount=80")
    assert "nothing more is due" in run_cli(example_dir, db, "worker", "--until-idle")
    listing = json.loads(run_cli(example_dir, db, "instances", "--json"))
    assert [i["status"] for i in listing["instances"]] == ["completed"]
    detail = json.loads(run_cli(example_dir, db, "instance", str(listing["instances"][0]["id"]), "--json"))
    activated = [h["element_id"] for h in detail["history"] if h["kind"] == "element_activated"]
    assert "Activity_ApproveOrder" not in activated
    assert json.loads(run_cli(example_dir, db, "tasks", "--json"))["total"] == 0


def test_rejected_order_ends_without_payment(example_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "orders.db"
    run_cli(example_dir, db, "deploy", "processes/order_fulfilment.bpmn")
    instance_id = json.loads(run_cli(example_dir, db, "start", "order-fulfilment", "--var", "amount=9000",
                                     "--json"))["id"]
    run_cli(example_dir, db, "worker", "--until-idle")
    task = json.loads(run_cli(example_dir, db, "tasks", "--json"))["tasks"][0]
    run_cli(example_dir, db, "complete", str(task["id"]), "--var", "approved=false")
    detail = json.loads(run_cli(example_dir, db, "instance", str(instance_id), "--json"))
    assert detail["summary"]["status"] == "completed"
    assert "payment_id" not in detail["variables"]
    assert detail["history"][-2]["element_id"] == "EndEvent_OrderRejected"


def test_cli_errors_say_what_to_do(example_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "orders.db"
    out = run_cli(example_dir, db, "start", "order-fulfilment", expect=1)
    assert "no deployed process 'order-fulfilment'" in out and "nothing is deployed yet" in out
    out = run_cli(example_dir, db, "deploy", "missing.bpmn", expect=1)
    assert "missing.bpmn" in out
    out = run_cli(example_dir, db, "complete", "99", expect=1)
    assert "no open task 99" in out
    out = run_cli(example_dir, db, "instance", "5", expect=1)
    assert "no process instance 5" in out


@pytest.mark.postgres
def test_order_example_on_postgres(postgres_url: str) -> None:
    runtime = Runtime(postgres_url)
    try:
        runtime.deploy(PROCESSES / "order_fulfilment.bpmn")
        registry = HandlerRegistry()
        registry.load(PROCESSES / "order_fulfilment.py")
        worker = Worker(runtime, registry)
        large = runtime.start("order-fulfilment", {"amount": 5000}, business_key="pg-1")
        small = runtime.start("order-fulfilment", {"amount": 5})
        worker.run_until_idle()
        tasks, total = runtime.queries.tasks(user="mia", groups=["managers"])
        assert total == 1 and tasks[0].instance_id == large
        runtime.claim(tasks[0].id, "mia")
        runtime.complete_task(tasks[0].id, {"approved": True}, actor=Actor.person("mia", ["managers"]))
        worker.run_until_idle()
        assert runtime.queries.instance(large).summary.status == "completed"
        assert runtime.queries.instance(small).summary.status == "completed"
    finally:
        runtime.close()
