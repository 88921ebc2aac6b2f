"""SpiffWorkflow correlates a message by its correlation properties: Python expressions that retrieve values
from the message's payload. An instance keeps the values of the first message it throws or catches that carries
them; afterwards a message reaches it only when its values are equal. An instance without values takes any."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.runtime import Runtime
from tests.spiff.models import SPIFF, extensions

HEAD = (f'<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions '
        f'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" {SPIFF} id="d" targetNamespace="t">')


def messages(keys: str = '<bpmn:correlationPropertyRef>order_id</bpmn:correlationPropertyRef>') -> str:
    """Messages order_placed and order_delayed, both correlated by the property order_id of the key 'order'."""
    def message(ident: str, payload: str) -> str:
        return (f'<bpmn:message id="{ident}" name="order_{ident}">'
                f'{extensions(f"<spiffworkflow:messagePayload>{payload}</spiffworkflow:messagePayload>", "<spiffworkflow:messageVariable>news</spiffworkflow:messageVariable>")}'
                f'</bpmn:message>')
    retrieval = ''.join(f'<bpmn:correlationPropertyRetrievalExpression messageRef="{m}"><bpmn:formalExpression>'
                        f'order_id</bpmn:formalExpression></bpmn:correlationPropertyRetrievalExpression>'
                        for m in ("placed", "delayed"))
    return (f'<bpmn:collaboration id="c"><bpmn:participant id="part" processRef="p"/>'
            f'<bpmn:correlationKey name="order">{keys}</bpmn:correlationKey></bpmn:collaboration>'
            f'<bpmn:correlationProperty id="order_id" name="Order id">{retrieval}</bpmn:correlationProperty>'
            + message("placed", "{'order_id': order}") + message("delayed", "{'order_id': order, 'days': days}"))


def process(process_id: str, *nodes: tuple[str, str]) -> bytes:
    """Process `process_id` runs the nodes (id, XML) in sequence, then waits in user task `look`."""
    ids = ["s", *(ident for ident, _ in nodes), "look"]
    flows = "".join(f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>'
                    for i, (a, b) in enumerate(zip(ids, ids[1:])))
    body = "".join(xml for _, xml in nodes)
    return (HEAD + messages().replace('processRef="p"', f'processRef="{process_id}"') +
            f'<bpmn:process id="{process_id}" isExecutable="true"><bpmn:startEvent id="s"/>{body}'
            '<bpmn:userTask id="look"/>' + flows + '</bpmn:process></bpmn:definitions>').encode()


def throw(ident: str, message: str) -> tuple[str, str]:
    return ident, (f'<bpmn:intermediateThrowEvent id="{ident}"><bpmn:messageEventDefinition messageRef="{message}"/>'
                   '</bpmn:intermediateThrowEvent>')


def catch(ident: str, message: str) -> tuple[str, str]:
    return ident, (f'<bpmn:intermediateCatchEvent id="{ident}"><bpmn:messageEventDefinition messageRef="{message}"/>'
                   '</bpmn:intermediateCatchEvent>')


def waiting_at(runtime: Runtime, instance: int) -> list[str]:
    return sorted(token.element_id for token in runtime.queries.instance(instance).tokens)


def deploy_shop_and_carrier(runtime: Runtime) -> Runtime:
    runtime.deploy(process("shop", throw("place", "placed"), catch("wait", "delayed")), "shop.bpmn")
    runtime.deploy(process("carrier", throw("tell", "delayed")), "carrier.bpmn")
    return runtime


@pytest.fixture
def deployed(runtime: Runtime) -> Runtime:
    return deploy_shop_and_carrier(runtime)


@pytest.fixture
def deployed_on_postgresql(postgres_url: str) -> Iterator[Runtime]:
    runtime = Runtime(postgres_url)
    yield deploy_shop_and_carrier(runtime)
    runtime.close()


@pytest.mark.parametrize("database", ["deployed", "deployed_on_postgresql"])
def test_a_message_reaches_only_the_instance_whose_correlation_values_match(
        database: str, request: pytest.FixtureRequest) -> None:
    deployed: Runtime = request.getfixturevalue(database)
    first, second = deployed.start("shop", {"order": 7}), deployed.start("shop", {"order": 8})
    deployed.start("carrier", {"order": 8, "days": 2})
    assert (waiting_at(deployed, first), waiting_at(deployed, second)) == (["wait"], ["look"])
    assert deployed.queries.instance(second).variables["news"] == {"order_id": 8, "days": 2}
    deployed.start("carrier", {"order": 7, "days": 5})
    assert waiting_at(deployed, first) == ["look"]
    assert deployed.queries.instance(first).variables["news"] == {"order_id": 7, "days": 5}


def test_a_message_whose_values_no_instance_has_reaches_none(deployed: Runtime) -> None:
    waiting = deployed.start("shop", {"order": 7})
    deployed.start("carrier", {"order": "7", "days": 1})  # a text, not the number 7
    assert waiting_at(deployed, waiting) == ["wait"]


def test_an_instance_without_values_takes_the_first_message_and_keeps_its_values(runtime: Runtime) -> None:
    runtime.deploy(process("tracker", catch("first", "delayed"), catch("second", "delayed")), "tracker.bpmn")
    runtime.deploy(process("carrier", throw("tell", "delayed")), "carrier.bpmn")
    tracker = runtime.start("tracker", {})
    runtime.start("carrier", {"order": 7, "days": 1})
    assert waiting_at(runtime, tracker) == ["second"]
    runtime.start("carrier", {"order": 8, "days": 2})
    assert waiting_at(runtime, tracker) == ["second"]
    runtime.start("carrier", {"order": 7, "days": 3})
    assert waiting_at(runtime, tracker) == ["look"]
    assert runtime.queries.instance(tracker).variables["news"] == {"order_id": 7, "days": 3}


def test_a_retrieval_that_fails_on_the_payload_is_an_incident(runtime: Runtime) -> None:
    model = process("carrier", throw("tell", "delayed")).replace(b"'order_id': order, ", b"")
    runtime.deploy(model, "carrier.bpmn")
    detail = runtime.queries.instance(runtime.start("carrier", {"days": 1}))
    assert [i.message[:74] for i in detail.incidents] == [
        "the correlation property 'order_id' of message 'order_delayed' cannot be r"]


def test_properties_under_two_correlation_keys_are_refused(runtime: Runtime) -> None:
    model = process("shop", throw("place", "placed")).replace(
        b'</bpmn:correlationKey>', b'</bpmn:correlationKey><bpmn:correlationKey name="parcel">'
                                   b'<bpmn:correlationPropertyRef>order_id</bpmn:correlationPropertyRef>'
                                   b'</bpmn:correlationKey>')
    with pytest.raises(DeploymentError) as refused:
        runtime.deploy(model, "shop.bpmn")
    assert [(p.element_id, p.message) for p in refused.value.problems] == [("place", (
        "the correlation properties of message 'order_placed' belong to the correlation keys 'order', 'parcel'; "
        "SpiffWorkflow lets a message in when any one key agrees, which this engine does not do; put them in one "
        "correlation key"))]


def test_a_retrieval_the_sandbox_cannot_run_is_refused(runtime: Runtime) -> None:
    model = process("shop", throw("place", "placed")).replace(
        b"<bpmn:formalExpression>order_id</bpmn:formalExpression>",
        b"<bpmn:formalExpression>open('x')</bpmn:formalExpression>", 1)
    with pytest.raises(DeploymentError) as refused:
        runtime.deploy(model, "shop.bpmn")
    assert [(p.element_id, p.message) for p in refused.value.problems] == [(
        "place", "the correlation property 'order_id' of message 'order_placed' "
                 "(correlationPropertyRetrievalExpression): refused \"open('x')\": the function 'open' is not allowed")]


def test_a_waiting_instance_expects_the_values_it_gets_meanwhile(runtime: Runtime) -> None:
    """SpiffWorkflow compares a message with the values the instance has when the message comes: here one
    branch waits for order_delayed before the other throws order_placed."""
    model = process("shop").replace(
        b'<bpmn:startEvent id="s"/>',
        b'<bpmn:startEvent id="s"/><bpmn:parallelGateway id="split"/>'
        b'<bpmn:intermediateCatchEvent id="wait"><bpmn:messageEventDefinition messageRef="delayed"/>'
        b'</bpmn:intermediateCatchEvent><bpmn:userTask id="confirm"/>'
        b'<bpmn:intermediateThrowEvent id="place"><bpmn:messageEventDefinition messageRef="placed"/>'
        b'</bpmn:intermediateThrowEvent><bpmn:endEvent id="placed_end"/>').replace(
        b'<bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="look"/>',
        b'<bpmn:sequenceFlow id="pa" sourceRef="s" targetRef="split"/>'
        b'<bpmn:sequenceFlow id="pb" sourceRef="split" targetRef="wait"/>'
        b'<bpmn:sequenceFlow id="pc" sourceRef="wait" targetRef="look"/>'
        b'<bpmn:sequenceFlow id="pd" sourceRef="split" targetRef="confirm"/>'
        b'<bpmn:sequenceFlow id="pe" sourceRef="confirm" targetRef="place"/>'
        b'<bpmn:sequenceFlow id="pg" sourceRef="place" targetRef="placed_end"/>')
    runtime.deploy(model, "shop.bpmn")
    runtime.deploy(process("carrier", throw("tell", "delayed")), "carrier.bpmn")
    shop = runtime.start("shop", {})
    confirm = next(t.id for t in runtime.queries.tasks(everyone=True)[0] if t.element_id == "confirm")
    runtime.complete_task(confirm, {"order": 8})
    runtime.start("carrier", {"order": 7, "days": 1})
    assert waiting_at(runtime, shop) == ["wait"]
    runtime.start("carrier", {"order": 8, "days": 1})
    assert waiting_at(runtime, shop) == ["look"]


def test_an_instance_started_by_a_message_keeps_its_values(runtime: Runtime) -> None:
    model = process("tracker", catch("wait", "delayed")).replace(
        b'<bpmn:startEvent id="s"/>',
        b'<bpmn:startEvent id="s"><bpmn:messageEventDefinition messageRef="delayed"/></bpmn:startEvent>')
    runtime.deploy(model, "tracker.bpmn")
    runtime.deploy(process("carrier", throw("tell", "delayed")), "carrier.bpmn")
    for order in (7, 8, 7):
        runtime.start("carrier", {"order": order, "days": 1})
    trackers = sorted(i.id for i in runtime.queries.instances()[0] if i.process_key == "tracker")
    assert [(waiting_at(runtime, t), runtime.queries.instance(t).summary.business_key) for t in trackers] == [
        (["look"], None), (["wait"], None)]
    assert runtime.queries.instance(trackers[1]).variables["news"] == {"order_id": 8, "days": 1}


def test_the_values_outlast_a_restart(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'restart.db'}"
    first = Runtime(database)
    first.deploy(process("shop", throw("place", "placed"), catch("wait", "delayed")), "shop.bpmn")
    first.deploy(process("carrier", throw("tell", "delayed")), "carrier.bpmn")
    shop = first.start("shop", {"order": 7})
    first.close()
    again = Runtime(database)
    try:
        again.start("carrier", {"order": 8, "days": 1})
        assert waiting_at(again, shop) == ["wait"]
        again.start("carrier", {"order": 7, "days": 1})
        assert waiting_at(again, shop) == ["look"]
    finally:
        again.close()


def test_send_and_receive_tasks_correlate_alike(runtime: Runtime) -> None:
    runtime.deploy(process("shop", ("place", '<bpmn:sendTask id="place" messageRef="placed"/>'),
                           ("wait", '<bpmn:receiveTask id="wait" messageRef="delayed"/>')), "shop.bpmn")
    runtime.deploy(process("carrier", ("tell", '<bpmn:sendTask id="tell" messageRef="delayed"/>')), "carrier.bpmn")
    first, second = runtime.start("shop", {"order": 7}), runtime.start("shop", {"order": 8})
    runtime.start("carrier", {"order": 8, "days": 2})
    assert (waiting_at(runtime, first), waiting_at(runtime, second)) == (["wait"], ["look"])
