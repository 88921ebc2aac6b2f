"""Processes started by an instantiating receive task or event-based gateway (BPMN 10.6.6, instantiate="true"):
the message starts an instance there, on a real SQLite file; what the engine does not run so is refused."""
from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Callable

import pytest

from bpmn_runtime.errors import BpmnRuntimeError, DeploymentError
from bpmn_runtime.runtime import Runtime
from tests.conftest import cli_path
from tests.rules.models import chain, file_with, flow
from tests.rules.test_accepted import completed, script

RECEIVE = ('<bpmn:receiveTask id="r" name="Order received" messageRef="m" instantiate="true"/>'
           + script("book", "booked = item") + '<bpmn:endEvent id="e"/>' + chain("r", "book", "e"))


def catch(ident: str, definition: str) -> str:
    return f'<bpmn:intermediateCatchEvent id="{ident}">{definition}</bpmn:intermediateCatchEvent>'


def gateway(second: str, attributes: str = "") -> bytes:
    """An instantiating event-based gateway waiting for message 'order' and for `second`, each leading to a script."""
    return file_with(f'<bpmn:eventBasedGateway id="g" name="What comes" instantiate="true" {attributes}/>',
                     catch("c1", '<bpmn:messageEventDefinition messageRef="m"/>'), catch("c2", second),
                     script("first", "path = 'order'"), script("second", "path = 'other'"), '<bpmn:endEvent id="e"/>',
                     chain("g", "c1", "first", "e"), chain("g", "c2", "second"), flow("second", "e"))


def test_a_message_starts_an_instance_at_an_instantiating_receive_task(sqlite_url: str) -> None:
    runtime = Runtime(sqlite_url)
    runtime.deploy(file_with(RECEIVE), "receive.bpmn")
    instance_id = runtime.correlate_message("order", variables={"item": "chair"})
    detail = runtime.queries.instance(instance_id)
    assert detail.summary.status == "completed" and detail.variables["booked"] == "chair"
    assert completed(runtime, instance_id) == ["r", "book", "e"]
    assert runtime.correlate_message("order", variables={"item": "desk"}) != instance_id
    with pytest.raises(BpmnRuntimeError, match="no single none start event"):
        runtime.start("p")


def test_without_start_and_end_events_the_instance_ends_after_the_last_node(sqlite_url: str) -> None:
    """A level without start and end events ends its paths at nodes without outgoing flows (BPMN 10.5.3), also
    when an instantiating receive task starts it: the receive task is no start event that would need an end."""
    runtime = Runtime(sqlite_url)
    runtime.deploy(file_with('<bpmn:receiveTask id="r" messageRef="m" instantiate="true"/>'
                             + script("book", "booked = item") + flow("r", "book")), "receive.bpmn")
    instance_id = runtime.correlate_message("order", variables={"item": "vase"})
    assert runtime.queries.instance(instance_id).summary.status == "completed"
    assert completed(runtime, instance_id) == ["r", "book"]


def test_an_instantiating_receive_task_without_a_message_is_started_by_a_message_of_its_name(
        sqlite_url: str) -> None:
    """As when a flow reaches it: a receive task that names no message waits for one of its name."""
    runtime = Runtime(sqlite_url)
    runtime.deploy(file_with(RECEIVE.replace(' messageRef="m"', "")), "receive.bpmn")
    instance_id = runtime.correlate_message("Order received", variables={"item": "rug"})
    assert runtime.queries.instance(instance_id).variables["booked"] == "rug"


@pytest.mark.parametrize("second, trigger", [
    ('<bpmn:messageEventDefinition messageRef="answer"/>', lambda runtime: runtime.correlate_message("answer")),
    ('<bpmn:signalEventDefinition signalRef="sig"/>', lambda runtime: runtime.broadcast_signal("go")),
], ids=["message", "signal"])
def test_the_first_event_after_an_instantiating_gateway_starts_an_instance_on_its_path(
        sqlite_url: str, second: str, trigger: Callable[[Runtime], object]) -> None:
    runtime = Runtime(sqlite_url)
    runtime.deploy(gateway(second), "gateway.bpmn")
    first = runtime.correlate_message("order")
    assert runtime.queries.instance(first).variables["path"] == "order"
    assert completed(runtime, first) == ["g", "c1", "first", "e"]
    trigger(runtime)
    instances, _ = runtime.queries.instances(process="p")
    other = next(i.id for i in instances if i.id != first)
    assert runtime.queries.instance(other).variables["path"] == "other"
    assert runtime.queries.instance(other).summary.status == "completed"


@pytest.mark.parametrize("model, element, words", [
    (gateway('<bpmn:timerEventDefinition><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">PT1M'
             '</bpmn:timeDuration></bpmn:timerEventDefinition>'),
     "c2", "c2 follows 'What comes' (g), which starts the process (instantiate=\"true\"): only a "
           "message or signal can start an instance there"),
    (gateway('<bpmn:messageEventDefinition messageRef="answer"/>', 'eventGatewayType="Parallel"'),
     "g", "an event-based gateway of type Parallel (eventGatewayType) that starts the process"),
    (file_with('<bpmn:startEvent id="s"/><bpmn:subProcess id="sub" name="Booking">'
               + RECEIVE.replace('"e"', '"se"') + '</bpmn:subProcess><bpmn:endEvent id="e"/>' + chain("s", "sub", "e")),
     "r", "'Order received' (r) has instantiate=\"true\", but only an element of the process itself can start "
          "it, not one inside 'Booking' (sub)"),
], ids=["timer-after-gateway", "parallel-gateway", "inside-subprocess"])
def test_what_the_engine_cannot_start_so_is_refused_at_the_element(model: bytes, element: str, words: str) -> None:
    with pytest.raises(DeploymentError) as refused:
        Runtime("sqlite://").deploy(model, "instantiate.bpmn")
    assert any(p.element_id == element and words in p.message for p in refused.value.problems), \
        "\n".join(map(str, refused.value.problems))


def test_the_command_line_deploys_an_instantiating_process_and_a_message_starts_it(tmp_path: Path) -> None:
    model = tmp_path / "receive.bpmn"
    model.write_bytes(file_with(RECEIVE))
    database = f"sqlite:///{tmp_path / 'cli.db'}"

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([cli_path(), "--db", database, *args], capture_output=True, text=True, timeout=120)

    deployed = cli("deploy", str(model))
    assert deployed.returncode == 0, deployed.stderr
    refused = cli("start", "p")
    assert refused.returncode != 0 and "start it by a message" in refused.stdout + refused.stderr
    sent = cli("message", "order", "--var", "item=lamp")
    assert sent.returncode == 0, sent.stderr
    instance_id = int(sent.stdout.split()[-1])
    detail = Runtime(database).queries.instance(instance_id)
    assert detail.summary.status == "completed" and detail.variables["booked"] == "lamp"
