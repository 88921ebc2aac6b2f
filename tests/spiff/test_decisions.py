"""spiffworkflow:calledDecisionId: a business rule task evaluates the deployed decision and merges the outputs
into the variables as SpiffWorkflow does (first matching rule; COLLECT: a list per output; `a.b` outputs into
dict `a`); hit policies SpiffWorkflow reads otherwise are incidents."""
from __future__ import annotations

from typing import Any

import pytest

from bpmn_runtime.runtime import Runtime
from tests.dmn.models import decision, model, table
from tests.spiff.models import extensions, process

RULES = [(['"Fall"'], ['"Spareribs"', '"Beer"']), (['"Fall"'], ['"Stew"', '"Water"']),
         (['"Winter"'], ['"Roastbeef"', '"Wine"'])]


def dishes(hit_policy: str, outputs: tuple[str, str] = ("dish", "drink"), aggregation: str = "") -> bytes:
    return model(decision("dish", table(["season"], list(outputs), RULES, hit_policy=hit_policy,
                                        aggregation=aggregation), name="Dish"))


RULE_TASK = process('<bpmn:businessRuleTask id="work" name="Choose dish">'
                    + extensions("<spiffworkflow:calledDecisionId>dish</spiffworkflow:calledDecisionId>")
                    + "</bpmn:businessRuleTask>")


def run(runtime: Runtime, dmn: bytes, **variables: Any) -> tuple[dict[str, Any], list[str]]:
    runtime.deploy(dmn, "dish.dmn")
    runtime.deploy(RULE_TASK, "p.bpmn")
    detail = runtime.queries.instance(runtime.start("p", variables))
    return detail.variables, [incident.message for incident in detail.incidents]


@pytest.mark.parametrize("hit_policy", ["FIRST", "RULE ORDER"])
def test_the_first_matching_rules_outputs_become_variables(runtime: Runtime, hit_policy: str) -> None:
    values, incidents = run(runtime, dishes(hit_policy), season="Fall")
    assert (values, incidents) == ({"season": "Fall", "dish": "Spareribs", "drink": "Beer"}, [])


def test_collect_gives_each_output_the_list_of_its_values(runtime: Runtime) -> None:
    values, _ = run(runtime, dishes("COLLECT"), season="Fall")
    assert values == {"season": "Fall", "dish": ["Spareribs", "Stew"], "drink": ["Beer", "Water"]}


def test_no_matching_rule_changes_nothing(runtime: Runtime) -> None:
    values, incidents = run(runtime, dishes("FIRST"), season="Spring", dish="Soup")
    assert (values, incidents) == ({"season": "Spring", "dish": "Soup"}, [])


def test_a_dotted_output_is_merged_into_the_dict_a_variable_holds(runtime: Runtime) -> None:
    values, _ = run(runtime, dishes("UNIQUE", ("menu.dish", "menu.drink")), season="Winter",
                    menu={"dish": "Soup", "dessert": "Pie"})
    assert values["menu"] == {"dish": "Roastbeef", "drink": "Wine", "dessert": "Pie"}


@pytest.mark.parametrize(("hit_policy", "aggregation"), [("PRIORITY", ""), ("OUTPUT ORDER", ""), ("COLLECT", "COUNT")])
def test_a_hit_policy_spiff_applies_otherwise_is_an_incident(runtime: Runtime, hit_policy: str,
                                                             aggregation: str) -> None:
    outputs = ("dish",) if aggregation else ("dish", "drink")
    rules = [(entries, results[:len(outputs)]) for entries, results in RULES]
    dmn = model(decision("dish", table(["season"], list(outputs), rules, hit_policy=hit_policy,
                                       aggregation=aggregation,
                                       output_values=['"Spareribs","Stew","Roastbeef"', '"Beer","Water","Wine"']
                                       [:len(outputs)] if hit_policy != "COLLECT" else None), name="Dish"))
    values, incidents = run(runtime, dmn, season="Fall")
    assert "dish" not in values
    shown = f"{hit_policy} {aggregation}".strip()
    assert incidents == [f"'Choose dish' (work) calls decision 'Dish', whose hit policy {shown} SpiffWorkflow does "
                         f"not apply (it takes the first matching rule, or with COLLECT a list of each output); use "
                         f"UNIQUE, FIRST, ANY, RULE ORDER or COLLECT without aggregation"]


def test_a_decision_not_deployed_is_an_incident_naming_it(runtime: Runtime) -> None:
    runtime.deploy(RULE_TASK, "p.bpmn")
    detail = runtime.queries.instance(runtime.start("p", {"season": "Fall"}))
    assert [i.message for i in detail.incidents] == [
        "'Choose dish' (work) calls decision 'dish': there is no deployed decision 'dish'; no decision is deployed"]
