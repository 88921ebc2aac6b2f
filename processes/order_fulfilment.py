"""Handlers of the example process `order-fulfilment` (processes/order_fulfilment.bpmn).

They are deterministic and do no I/O: every output is derived from the job's variables and its
idempotency key, so a retried job produces the same result.
"""
from __future__ import annotations

import hashlib
from typing import Any

from bpmn_runtime.handlers import JobContext, handler


@handler("check-stock")
def check_stock(job: JobContext) -> dict[str, Any]:
    """Report the ordered item as in stock (the example has no warehouse to ask)."""
    return {"in_stock": True}


@handler("charge-payment")
def charge_payment(job: JobContext) -> dict[str, Any]:
    """Charge the customer; the payment id comes from the idempotency key, so a retry charges nothing twice."""
    return {"payment_id": "PAY-" + job.idempotency_key[:8]}


@handler("ship-order")
def ship_order(job: JobContext) -> dict[str, Any]:
    """Hand the parcel to the carrier and return its tracking number, stable across retries."""
    digest = hashlib.sha256(job.idempotency_key.encode("utf-8")).hexdigest()
    return {"tracking_number": "TRK-" + digest[:12].upper()}
