"""The order saga example (processes/order_saga.bpmn) through the real CLI in a subprocess, on a SQLite file,
with the example handlers run by `bpmn-runtime worker` writing their effects to a ledger in tmp_path."""
from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

from tests.conftest import cli_path

FORWARD = ["reserve-inventory", "charge-payment-saga"]


class Saga:
    """The CLI on one database, from a folder holding ./processes, with the ledger at `ledger`."""

    def __init__(self, cwd: Path, tmp_path: Path) -> None:
        self.cwd = cwd
        self.db = tmp_path / "saga.db"
        self.ledger = tmp_path / "ledger.jsonl"
        self.run("deploy", "processes/order_saga.bpmn")

    def _call(self, args: tuple[str, ...], expect: int) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([cli_path(), "--db", str(self.db), *args], cwd=self.cwd, capture_output=True,
                                text=True, timeout=120, env={**os.environ, "ORDER_SAGA_LEDGER": str(self.ledger)})
        assert result.returncode == expect, f"{args}: exit {result.returncode}\n{result.stdout}\n{result.stderr}"
        return result

    def run(self, *args: str, expect: int = 0) -> str:
        """What the command printed, errors included."""
        result = self._call(args, expect)
        return result.stdout + result.stderr

    def json(self, *args: str) -> Any:
        return json.loads(self._call((*args, "--json"), 0).stdout)

    def start(self, *assignments: str) -> int:
        return self.json("start", "order-saga", *(arg for a in assignments for arg in ("--var", a)))["id"]

    def effects(self) -> list[str]:
        if not self.ledger.exists():
            return []
        return [json.loads(line)["effect"] for line in self.ledger.read_text(encoding="utf-8").splitlines()]


def completed_instances(detail: dict[str, Any]) -> dict[str, int]:
    """Element id -> activity instance, of the elements the history shows completed."""
    return {h["element_id"]: h["activity_instance"] for h in detail["history"] if h["kind"] == "element_completed"}


def test_a_shipped_order_leaves_its_three_effects(example_dir: Path, tmp_path: Path) -> None:
    saga = Saga(example_dir, tmp_path)
    instance_id = saga.start("order_id=o-1", "ship_to=Berlin")
    saga.run("worker", "--until-idle")
    assert saga.effects() == [*FORWARD, "create-shipment"]
    detail = saga.json("instance", str(instance_id))
    assert detail["summary"]["status"] == "completed"
    assert "EndEvent_OrderCompleted" in completed_instances(detail)
    assert detail["compensations"] == []


def test_a_shipping_failure_undoes_payment_then_inventory_and_ends_cancelled(example_dir: Path,
                                                                            tmp_path: Path) -> None:
    saga = Saga(example_dir, tmp_path)
    instance_id = saga.start("order_id=o-2", "ship_to=nowhere")
    saga.run("worker", "--until-idle")
    assert saga.effects() == [*FORWARD, "refund-payment", "release-inventory"]
    detail = saga.json("instance", str(instance_id))
    assert detail["summary"]["status"] == "completed"
    completed = completed_instances(detail)
    assert "EndEvent_OrderCancelled" in completed and "EndEvent_OrderCompleted" not in completed
    assert "Activity_CreateShipment" not in completed, "the failed step is not compensated"
    runs = [(c["handler_id"], c["activity_id"], c["activity_instance"], c["result"]) for c in detail["compensations"]]
    assert runs == [
        ("Activity_RefundPayment", "Activity_ChargePayment", completed["Activity_ChargePayment"], "completed"),
        ("Activity_ReleaseInventory", "Activity_ReserveInventory", completed["Activity_ReserveInventory"], "completed"),
    ], "the newest step is undone first, each completed activity instance once"
    kinds = [h["kind"] for h in detail["history"] if h["kind"].startswith("compensation_")]
    assert kinds == ["compensation_thrown"] + ["compensation_started", "compensation_completed"] * 2
    shown = saga.run("instance", str(instance_id))
    assert "Activity_RefundPayment for Activity_ChargePayment (activity instance" in shown


def test_a_failing_refund_raises_an_incident_and_its_retry_completes_the_compensation(example_dir: Path,
                                                                                     tmp_path: Path) -> None:
    saga = Saga(example_dir, tmp_path)
    instance_id = saga.start("order_id=o-3", "ship_to=nowhere", "refund_fails=true")
    incidents: list[dict[str, Any]] = []
    deadline = time.monotonic() + 60
    while not incidents and time.monotonic() < deadline:  # the job is retried with backoff, then gives up
        saga.run("worker", "--until-idle")
        incidents = saga.json("incidents")
        time.sleep(0.2)
    assert [(i["instance_id"], i["element_id"]) for i in incidents] == [(instance_id, "Activity_RefundPayment")]
    assert "payment provider unavailable" in incidents[0]["message"]
    assert saga.effects() == FORWARD, "compensation stops at the failing handler"
    detail = saga.json("instance", str(instance_id))
    assert detail["summary"]["status"] == "active"
    assert [(c["handler_id"], c["result"]) for c in detail["compensations"]] == [("Activity_RefundPayment", "running")]

    saga.run("set-variables", str(instance_id), "--var", "refund_fails=false")
    saga.run("retry", str(incidents[0]["id"]))
    saga.run("worker", "--until-idle")
    assert saga.effects() == [*FORWARD, "refund-payment", "release-inventory"]
    detail = saga.json("instance", str(instance_id))
    assert detail["summary"]["status"] == "completed"
    assert [(c["handler_id"], c["result"]) for c in detail["compensations"]] == \
        [("Activity_RefundPayment", "completed"), ("Activity_ReleaseInventory", "completed")]
    assert saga.json("incidents") == []


def test_set_variables_needs_a_value_and_a_running_instance(example_dir: Path, tmp_path: Path) -> None:
    saga = Saga(example_dir, tmp_path)
    instance_id = saga.start("order_id=o-4", "ship_to=Berlin")
    assert "give at least one --var" in saga.run("set-variables", str(instance_id), expect=2)
    saga.run("worker", "--until-idle")
    assert "has ended (completed)" in saga.run("set-variables", str(instance_id), "--var", "x=1", expect=1)
