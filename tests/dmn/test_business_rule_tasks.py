"""Business rule tasks evaluate deployed decisions in their activation: Camunda 7's decisionRef with each
mapDecisionResult, Camunda 8's calledDecision, the incident for a decision not deployed, the history of
matched rules, and a business rule task that is a job staying one."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.runtime import Runtime
from tests.dmn.models import decision, model, table

DISHES = model(decision("dish", table(["season", "guests"], ["dish", "drink"], [
    (['"Fall"', "<= 8"], ['"Spareribs"', '"Beer"']),
    (['"Winter"', "<= 8"], ['"Roastbeef"', '"Wine"']),
    (['"Winter"', "-"], ['"Stew"', '"Water"'])], hit_policy="RULE ORDER"), name="Dish"))
SEASON = model(decision("season", table(["month"], ["season"], [(["[3..5]"], ['"Spring"']), (["-"], ['"Other"'])],
                                        hit_policy="FIRST"), name="Season"), namespace="urn:season")
C7 = 'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"'
C8 = 'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"'


def process(task: str, namespaces: str = C7) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" {namespaces} id="d" targetNamespace="t">
<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s"/>{task}<bpmn:userTask id="after"/><bpmn:endEvent id="e"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="rule"/><bpmn:sequenceFlow id="f2" sourceRef="rule" targetRef="after"/>
<bpmn:sequenceFlow id="f3" sourceRef="after" targetRef="e"/></bpmn:process></bpmn:definitions>""".encode()


def camunda7(mapping: str, decision_id: str = "dish", extra: str = "") -> bytes:
    return process(f'<bpmn:businessRuleTask id="rule" name="Choose dish" camunda:decisionRef="{decision_id}" '
                   f'camunda:resultVariable="result" camunda:mapDecisionResult="{mapping}" {extra}/>')


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    runtime = Runtime(f"sqlite:///{tmp_path / 'rules.db'}")
    runtime.deploy(DISHES, "dishes.dmn")
    yield runtime
    runtime.close()


def run(runtime: Runtime, bpmn: bytes, **variables: Any) -> tuple[dict[str, Any], list[str]]:
    """The variables after the business rule task, and the messages of the open incidents."""
    runtime.deploy(bpmn, "p.bpmn")
    detail = runtime.queries.instance(runtime.start("p", variables))
    return detail.variables, [incident.message for incident in detail.incidents]


@pytest.mark.parametrize(("mapping", "variables", "expected"), [
    ("resultList", {"season": "Winter", "guests": 4},
     [{"dish": "Roastbeef", "drink": "Wine"}, {"dish": "Stew", "drink": "Water"}]),
    ("singleResult", {"season": "Fall", "guests": 4}, {"dish": "Spareribs", "drink": "Beer"}),
    ("singleResult", {"season": "Spring", "guests": 4}, None),
])
def test_camunda_7_maps_the_rule_results(runtime: Runtime, mapping: str, variables: dict[str, Any],
                                         expected: Any) -> None:
    values, incidents = run(runtime, camunda7(mapping), **variables)
    assert (values["result"], incidents) == (expected, [])


def test_single_entry_and_collect_entries_read_one_output(runtime: Runtime) -> None:
    runtime.deploy(SEASON, "season.dmn")
    assert run(runtime, camunda7("singleEntry", "season"), month=4)[0]["result"] == "Spring"
    assert run(runtime, camunda7("collectEntries", "season"), month=4)[0]["result"] == ["Spring"]


def test_a_mapping_the_result_does_not_fit_is_an_incident(runtime: Runtime) -> None:
    values, incidents = run(runtime, camunda7("singleResult"), season="Winter", guests=4)
    assert "result" not in values
    assert incidents == ["'Choose dish' (rule) maps the result of decision 'Dish' with singleResult, but 2 rules "
                         "matched; use collectEntries or resultList, or a hit policy that gives one result"]
    _, incidents = run(runtime, camunda7("singleEntry"), season="Fall", guests=1)
    assert "with singleEntry, but the matching rule gives several outputs: dish, drink" in incidents[0]


def test_a_decision_that_is_not_deployed_is_an_incident_naming_it(runtime: Runtime) -> None:
    _, incidents = run(runtime, camunda7("resultList", "menu"), season="Fall", guests=1)
    assert incidents == ["'Choose dish' (rule) calls decision 'menu': there is no deployed decision 'menu'; "
                         "deployed decisions: dish"]


def test_camunda_8_puts_the_decisions_value_in_the_result_variable(runtime: Runtime) -> None:
    task = ('<bpmn:businessRuleTask id="rule"><bpmn:extensionElements><zeebe:calledDecision decisionId="dish" '
            'resultVariable="menu"/></bpmn:extensionElements></bpmn:businessRuleTask>')
    values, _ = run(runtime, process(task, C8), season="Fall", guests=2)
    assert values["menu"] == [{"dish": "Spareribs", "drink": "Beer"}]


def test_the_history_records_the_decision_version_and_matched_rules(runtime: Runtime) -> None:
    runtime.deploy(camunda7("resultList"), "p.bpmn")
    detail = runtime.queries.instance(runtime.start("p", {"season": "Winter", "guests": 2}))
    [entry] = [entry for entry in detail.history if entry.kind == "decision_evaluated"]
    assert entry.element_id == "rule"
    assert entry.data == {"decision": "dish", "name": "Dish", "version": 1,
                          "matched": [{"decision": "dish", "name": "Dish",
                                       "rules": [{"index": 2, "id": "rule2"}, {"index": 3, "id": "rule3"}]}],
                          "result": [{"dish": "Roastbeef", "drink": "Wine"}, {"dish": "Stew", "drink": "Water"}]}


def test_a_version_binding_evaluates_that_version(runtime: Runtime) -> None:
    runtime.deploy(DISHES.replace(b'"Spareribs"', b'"Ribs"'), "dishes.dmn")
    pinned = camunda7("singleEntry", "season", 'camunda:decisionRefBinding="version" camunda:decisionRefVersion="1"')
    runtime.deploy(SEASON, "season.dmn")
    runtime.deploy(SEASON.replace(b'"Spring"', b'"Printemps"'), "season.dmn")
    assert run(runtime, pinned, month=4)[0]["result"] == "Spring"
    assert run(runtime, camunda7("singleEntry", "season"), month=4)[0]["result"] == "Printemps"


@pytest.mark.parametrize(("attributes", "message"), [
    ('camunda:decisionRefBinding="deployment"', "camunda:decisionRefBinding 'deployment' is not supported"),
    ('camunda:decisionRefBinding="version" camunda:decisionRefVersion="${v}"', "is not a version number"),
])
def test_bindings_that_cannot_be_honoured_are_refused(runtime: Runtime, attributes: str, message: str) -> None:
    with pytest.raises(DeploymentError, match=message):
        runtime.deploy(camunda7("resultList", extra=attributes), "p.bpmn")


def test_a_business_rule_task_that_is_a_job_stays_one(runtime: Runtime) -> None:
    task = '<bpmn:businessRuleTask id="rule" camunda:type="external" camunda:topic="rules"/>'
    runtime.deploy(process(task), "p.bpmn")
    runtime.start("p", {})
    [job] = runtime.acquire_jobs("w", ["rules"])
    assert job.topic == "rules"


@pytest.mark.parametrize("decision_id", ["", "  "])
def test_an_empty_decision_reference_is_refused_not_run_as_a_job(runtime: Runtime, decision_id: str) -> None:
    """Camunda Modeler writes camunda:decisionRef="" once DMN is chosen as the implementation; the task is meant
    to call a decision, so it must not quietly become a job of a topic named after its id."""
    with pytest.raises(DeploymentError, match=r"names no decision.*\(Implementation, Decision reference\)"):
        runtime.deploy(camunda7("resultList", decision_id), "p.bpmn")
