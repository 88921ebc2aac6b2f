"""Deploying one process never touches another's start subscriptions, timers or versions."""
from __future__ import annotations

import pytest

from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.runtime import Runtime
from tests.integrity.models import message_started


def test_deploying_a_process_keeps_the_message_start_of_another_with_the_same_start_event_id(
        sqlite_url: str) -> None:
    runtime = Runtime(sqlite_url)
    runtime.deploy(message_started("orders", "order placed"), "orders.bpmn")
    runtime.deploy(message_started("returns", "return requested"), "returns.bpmn")
    runtime.deploy(message_started("returns", "return requested").replace(b"Look at it", b"Check it"),
                   "returns.bpmn")  # a new version of the other process
    started = runtime.correlate_message("order placed")
    assert runtime.queries.instance(started).summary.process_key == "orders"
    assert runtime.queries.instance(runtime.correlate_message("return requested")).summary.version == 2


def test_a_message_that_already_starts_another_process_is_refused_with_its_name(sqlite_url: str) -> None:
    runtime = Runtime(sqlite_url)
    runtime.deploy(message_started("orders", "order placed"), "orders.bpmn")
    with pytest.raises(DeploymentError) as refused:
        runtime.deploy(message_started("webshop-orders", "order placed"), "webshop.bpmn")
    assert "message 'order placed' already starts process 'orders'" in str(refused.value)
    assert [d["key"] for d in runtime.queries.definitions()] == ["orders"]
    assert runtime.queries.instance(runtime.correlate_message("order placed")).summary.process_key == "orders"
