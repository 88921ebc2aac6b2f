"""An inclusive gateway as Zeebe runs it: the split takes every flow whose FEEL condition holds (the default flow
only when none does), the join waits for the branches taken, and a split that can take no flow, or a condition
that gives no true or false, is an incident at the gateway."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.camunda8.models import flows, model, runtime_on


def conditional(flow_id: str, source: str, target: str, condition: str) -> str:
    return (f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}"><bpmn:conditionExpression>'
            f'{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>')


BODY = ('<bpmn:startEvent id="s"/><bpmn:inclusiveGateway id="split"/>'
        '<bpmn:scriptTask id="small">{script_small}</bpmn:scriptTask>'
        '<bpmn:scriptTask id="large">{script_large}</bpmn:scriptTask>'
        '<bpmn:inclusiveGateway id="join"/><bpmn:endEvent id="e"/>'
        + flows("s", "split") + conditional("to_small", "split", "small", "=amount &gt; 1")
        + conditional("to_large", "split", "large", "=amount &gt; 5") + flows("small", "join") + flows("large", "join")
        + flows("join", "e"))


def script(variable: str) -> str:
    return (f'<bpmn:extensionElements><zeebe:script expression="=true" resultVariable="{variable}"/>'
            f'</bpmn:extensionElements>')


@pytest.mark.parametrize("amount, taken", [(3, {"small"}), (7, {"small", "large"})])
def test_the_split_takes_every_flow_whose_condition_holds_and_the_join_waits_for_them(
        tmp_path: Path, amount: int, taken: set[str]) -> None:
    runtime = runtime_on(tmp_path)
    runtime.deploy(model(BODY.format(script_small=script("small"), script_large=script("large"))), "p.bpmn")
    instance = runtime.start("p", {"amount": amount})
    detail = runtime.queries.instance(instance)
    assert detail.summary.status == "completed"
    assert {name for name in ("small", "large") if detail.variables.get(name)} == taken
    assert [h.element_id for h in detail.history if h.kind == "element_completed"].count("join") == 1


@pytest.mark.parametrize("variables, reason", [
    ({"amount": 0}, "no outgoing flow of split can be taken"),
    ({}, "must give true or false, not null"),
])
def test_a_split_that_can_take_no_flow_is_an_incident_at_the_gateway(tmp_path: Path, variables: dict[str, int],
                                                                     reason: str) -> None:
    runtime = runtime_on(tmp_path)
    runtime.deploy(model(BODY.format(script_small=script("small"), script_large=script("large"))), "p.bpmn")
    instance = runtime.start("p", variables)
    detail = runtime.queries.instance(instance)
    [incident] = detail.incidents
    assert detail.summary.status == "active" and incident.element_id == "split" and reason in incident.message
