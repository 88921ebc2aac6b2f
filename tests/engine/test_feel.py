"""FEEL (`= ...`) in running processes: conditions, Zeebe mappings, incidents that say why, deployment checks."""
from __future__ import annotations

import pytest

from bpmn_runtime.errors import DeploymentError
from tests.engine.harness import Engine, chain, flow, script

START_END = '<bpmn:startEvent id="start"/><bpmn:endEvent id="end"/>'
ZEEBE = 'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"'


def _routing(engine: Engine, condition: str) -> None:
    engine.deploy(f"""<bpmn:process id="p" isExecutable="true">{START_END}
      <bpmn:exclusiveGateway id="x" default="x__no"/>{script("yes")}{script("no")}
      {flow("start", "x")}{flow("x", "yes", condition)}{flow("x", "no")}
      <bpmn:exclusiveGateway id="merge"/>{chain("yes", "merge")}{chain("no", "merge", "end")}
    </bpmn:process>""")


@pytest.mark.parametrize(
    ("condition", "variables", "expected"),
    [
        ('= amount > 1000 and status = "open"', {"amount": 1500, "status": "open"}, ["yes"]),
        ('= amount > 1000 and status = "open"', {"amount": 500, "status": "open"}, ["no"]),
        ("= some item in items satisfies item.price &gt; 80", {"items": [{"price": 10}, {"price": 90}]}, ["yes"]),
        ("= items[1].price = 10", {"items": [{"price": 10}]}, ["yes"]),  # lists count from 1
        ('= date(due) &lt; date("2030-01-01")', {"due": "2026-05-01"}, ["yes"]),
        ("= 0.1 + 0.2 = 0.3", {}, ["yes"]),
    ],
)
def test_feel_conditions_route_tokens(engine: Engine, condition: str, variables: dict, expected: list[str]) -> None:
    _routing(engine, condition)
    assert engine.run_to_end(**variables) == expected


def test_a_feel_condition_giving_null_is_an_incident_that_says_why(engine: Engine) -> None:
    _routing(engine, "= amount &gt; 1000")
    instance = engine.start()
    assert engine.trace == []
    [incident] = engine.runtime.queries.incidents()
    assert incident.element_id == "x"
    assert "must give true or false, not null (no variable named 'amount')" in incident.message
    assert engine.status(instance) == "active"


def test_a_feel_syntax_error_is_refused_at_deployment_with_its_place(engine: Engine) -> None:
    with pytest.raises(DeploymentError, match=r"line 1, column 11: expected an expression"):
        _routing(engine, "= amount &gt;")


def test_zeebe_output_mappings_store_feel_results_as_json(engine: Engine) -> None:
    engine.deploy(f"""<bpmn:process id="p" isExecutable="true" {ZEEBE}>{START_END}
      <bpmn:task id="t"><bpmn:extensionElements><zeebe:ioMapping>
        <zeebe:output source="= date(start) + duration(&quot;P1M&quot;)" target="due"/>
        <zeebe:output source="= sum(for item in items return item.price * item.count)" target="total"/>
        <zeebe:output source="= {{count: count(items), first: items[1].price}}" target="summary"/>
      </zeebe:ioMapping></bpmn:extensionElements></bpmn:task>
      {chain("start", "t", "end")}
    </bpmn:process>""")
    instance = engine.start(start="2026-01-31", items=[{"price": 2.5, "count": 2}, {"price": 10, "count": 1}])
    assert engine.status(instance) == "completed"
    variables = engine.variables(instance)
    assert variables["due"] == "2026-02-28"
    assert variables["total"] == 15 and isinstance(variables["total"], int)
    assert variables["summary"] == {"count": 2, "first": 2.5}
