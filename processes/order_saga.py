"""Handlers of the example process `order-saga` (processes/order_saga.bpmn), a saga with compensation.

Each handler records its effect in a ledger, a JSON-lines file at `$ORDER_SAGA_LEDGER` (default
`order-saga-ledger.jsonl` in the current directory), so the steps and their undoing can be seen.
An effect is written once per idempotency key, so a retried job leaves a single line.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from bpmn_runtime.errors import BpmnError
from bpmn_runtime.handlers import JobContext, handler

LEDGER_VARIABLE = "ORDER_SAGA_LEDGER"
DEFAULT_LEDGER = "order-saga-ledger.jsonl"


def ledger_path() -> Path:
    """The ledger file named by `$ORDER_SAGA_LEDGER`, or `order-saga-ledger.jsonl` in the current directory."""
    return Path(os.environ.get(LEDGER_VARIABLE) or DEFAULT_LEDGER)


def read_ledger(path: Path | None = None) -> list[dict[str, Any]]:
    """Every entry of the ledger, oldest first; an absent ledger is empty."""
    path = path or ledger_path()
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as file:
        return [json.loads(line) for line in file if line.strip()]


def record_effect(job: JobContext, effect: str) -> None:
    """Append `effect` for this job unless the ledger already holds it under the same idempotency key."""
    path = ledger_path()
    if any(entry.get("effect") == effect and entry.get("idempotency_key") == job.idempotency_key
           for entry in read_ledger(path)):
        return
    entry = {"effect": effect, "order_id": job.variables.get("order_id"), "idempotency_key": job.idempotency_key}
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as file:
        file.write(json.dumps(entry) + "\n")


@handler("reserve-inventory")
def reserve_inventory(job: JobContext) -> None:
    """Reserve the ordered items."""
    record_effect(job, "reserve-inventory")


@handler("charge-payment-saga")
def charge_payment(job: JobContext) -> None:
    """Charge the customer."""
    record_effect(job, "charge-payment-saga")


@handler("create-shipment")
def create_shipment(job: JobContext) -> None:
    """Book the shipment; an order shipped to "nowhere" fails with the business error SHIPPING_FAILED."""
    if job.variables.get("ship_to") == "nowhere":
        raise BpmnError("SHIPPING_FAILED", "the carrier refused the shipment")
    record_effect(job, "create-shipment")


@handler("release-inventory")
def release_inventory(job: JobContext) -> None:
    """Compensation of "Reserve inventory": give the reserved items back."""
    record_effect(job, "release-inventory")


@handler("refund-payment")
def refund_payment(job: JobContext) -> None:
    """Compensation of "Charge payment": refund the customer; fails when `refund_fails` is true, to show incidents."""
    if job.variables.get("refund_fails") is True:
        raise RuntimeError("payment provider unavailable")
    record_effect(job, "refund-payment")
