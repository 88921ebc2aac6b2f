"""Which waiting instance a message reaches: a keyed message only an equal key, or (for a subscription
without a key) the instance with that business key; a message without a key only subscriptions without
one. Never a silent delivery to another order's instance."""
from __future__ import annotations

import pytest

from bpmn_runtime.errors import Conflict, NotFound
from bpmn_runtime.runtime import Runtime
from tests.durability.processes import HEADER, RECEIVE

KEYED = f"""{HEADER.replace('id="d"', 'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d"')}
  <bpmn:message id="m" name="paid"/>
  <bpmn:process id="keyed" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
    <bpmn:intermediateCatchEvent id="wait"><bpmn:messageEventDefinition messageRef="m">
      <bpmn:extensionElements><zeebe:subscription correlationKey="= orderId"/></bpmn:extensionElements>
    </bpmn:messageEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>""".encode()

STARTED_BY_MESSAGE = f"""{HEADER}
  <bpmn:message id="m" name="order-placed"/>
  <bpmn:process id="orders" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:messageEventDefinition messageRef="m"/></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task"/>
    <bpmn:userTask id="task" name="Pack"/>
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


def _status(runtime: Runtime, instance_id: int) -> str:
    return runtime.queries.instance(instance_id).summary.status


def test_a_keyed_message_reaches_the_instance_with_that_business_key(sqlite_url: str) -> None:
    runtime = Runtime(sqlite_url)
    runtime.deploy(RECEIVE, "receive.bpmn")
    order_a = runtime.start("receive", business_key="order-A")
    order_b = runtime.start("receive", business_key="order-B")
    assert runtime.correlate_message("paid", "order-B") == order_b
    assert (_status(runtime, order_a), _status(runtime, order_b)) == ("active", "completed")
    with pytest.raises(NotFound, match="with correlation key 'order-C'"):
        runtime.correlate_message("paid", "order-C")
    assert _status(runtime, order_a) == "active"
    assert runtime.correlate_message("paid") == order_a, "a message without a key reaches one without a key"


def test_a_declared_key_takes_only_messages_with_an_equal_key(sqlite_url: str) -> None:
    runtime = Runtime(sqlite_url)
    runtime.deploy(KEYED, "keyed.bpmn")
    first = runtime.start("keyed", {"orderId": "7"}, business_key="order-7")
    second = runtime.start("keyed", {"orderId": "8"})
    with pytest.raises(NotFound):
        runtime.correlate_message("paid")
    with pytest.raises(NotFound):
        runtime.correlate_message("paid", "order-7")  # the business key does not stand in for a declared key
    assert runtime.correlate_message("paid", "8") == second
    assert runtime.correlate_message("paid", "7") == first


def test_a_keyed_message_starts_no_second_instance_for_a_running_business_key(sqlite_url: str) -> None:
    runtime = Runtime(sqlite_url)
    runtime.deploy(STARTED_BY_MESSAGE, "orders.bpmn")
    first = runtime.correlate_message("order-placed", "order-1")
    assert runtime.queries.instance(first).summary.business_key == "order-1"
    with pytest.raises(Conflict, match="still running"):
        runtime.correlate_message("order-placed", "order-1")
    [task] = runtime.queries.tasks(everyone=True)[0]
    runtime.complete_task(task.id)
    assert runtime.correlate_message("order-placed", "order-1") != first
