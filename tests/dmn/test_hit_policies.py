"""Decision tables: every hit policy, aggregations, output values as priorities, defaults, several outputs,
and the rules each evaluation records as matched."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from bpmn_runtime.dmn import DecisionModel, parse_dmn
from bpmn_runtime.feel import to_python
from tests.dmn.models import decision, input_data, model, requires, table

# Scores of 10, 20 and 30 match the rules with these lower bounds: 0 (all), 15 (20 and 30), 25 (30).
RULES = [([">= 0"], ['"low"']), ([">= 15"], ['"medium"']), ([">= 25"], ['"high"'])]


def evaluate(logic: str, inputs: dict[str, Any]) -> tuple[Any, list[int], tuple[str, ...]]:
    """The JSON result of decision 'd' over input 'score', the rules that gave it, and the notes."""
    dmn = model(input_data("score", "number") + decision("d", logic, needs=requires("score")))
    result = DecisionModel(parse_dmn(dmn, "t.dmn")).evaluate("d", inputs)
    return to_python(result.value), [index for match in result.matches for index, _ in match.rules], result.notes


@pytest.mark.parametrize(("policy", "score", "expected", "rules"), [
    ("UNIQUE", 10, "low", [1]),
    ("FIRST", 30, "low", [1]),
    ("RULE ORDER", 30, ["low", "medium", "high"], [1, 2, 3]),
    ("COLLECT", 20, ["low", "medium"], [1, 2]),
])
def test_hit_policies_choose_among_the_matching_rules(policy: str, score: int, expected: Any, rules: list[int]) -> None:
    assert evaluate(table(["score"], ["level"], RULES, hit_policy=policy), {"score": score})[:2] == (expected, rules)


def test_unique_with_two_matches_gives_null_and_says_which_rules() -> None:
    value, rules, notes = evaluate(table(["score"], ["level"], RULES), {"score": 20})
    assert (value, rules) == (None, [1, 2])
    assert notes == ("rules 1 and 2 all match, but the hit policy UNIQUE lets only one match",)


def test_any_needs_the_matching_rules_to_agree() -> None:
    agreeing = [([">= 0"], ['"ok"']), ([">= 15"], ['"ok"']), ([">= 25"], ['"no"'])]
    assert evaluate(table(["score"], ["level"], agreeing, hit_policy="ANY"), {"score": 20})[:2] == ("ok", [1, 2])
    value, _, notes = evaluate(table(["score"], ["level"], agreeing, hit_policy="ANY"), {"score": 30})
    assert value is None and "hit policy ANY" in notes[0]


def test_priority_and_output_order_follow_the_output_values() -> None:
    order = ['"high","medium","low"']
    priority = table(["score"], ["level"], RULES, hit_policy="PRIORITY", output_values=order)
    assert evaluate(priority, {"score": 20})[:2] == ("medium", [2])
    ordered = table(["score"], ["level"], RULES, hit_policy="OUTPUT ORDER", output_values=order)
    assert evaluate(ordered, {"score": 30})[:2] == (["high", "medium", "low"], [3, 2, 1])


@pytest.mark.parametrize(("aggregation", "score", "expected"), [
    ("SUM", 30, 60), ("MIN", 30, 10), ("MAX", 20, 20), ("COUNT", 30, 3), ("COUNT", -5, None), ("SUM", -5, None),
])
def test_collect_aggregates_with_feel_list_functions(aggregation: str, score: int, expected: Any) -> None:
    numbers = [(entries, [str(10 * (n + 1))]) for n, (entries, _) in enumerate(RULES)]
    logic = table(["score"], ["points"], numbers, hit_policy="COLLECT", aggregation=aggregation)
    assert evaluate(logic, {"score": score})[0] == expected


def test_no_match_gives_the_default_output_or_null() -> None:
    assert evaluate(table(["score"], ["level"], RULES), {"score": -1})[:2] == (None, [])
    with_default = table(["score"], ["level"], RULES, defaults=['"none"'])
    assert evaluate(with_default, {"score": -1})[0] == "none"


def test_several_outputs_give_a_context_per_rule() -> None:
    rules = [([">= 0"], ['"low"', "1"]), ([">= 15"], ['"medium"', "2"])]
    logic = table(["score"], ["level", "rank"], rules, hit_policy="RULE ORDER")
    assert evaluate(logic, {"score": 20})[0] == [{"level": "low", "rank": 1}, {"level": "medium", "rank": 2}]


def test_an_output_outside_its_output_values_becomes_null_with_a_note() -> None:
    logic = table(["score"], ["level"], [(["-"], ['"extreme"'])], output_values=['"low","high"'])
    value, _, notes = evaluate(logic, {"score": 1})
    assert value is None and notes == ('the output \'level\' of rule 1 is "extreme", which is not among its output '
                                       "values: it becomes null",)


def test_input_entries_are_feel_unary_tests_over_several_inputs() -> None:
    dmn = model(input_data("age", "number") + input_data("city", "string") + decision(
        "d", table(["age", "city"], ["offer"], [(["[18..30]", '"Paris","Lyon"'], ['"young city"']),
                                                (["> 30", 'not("Paris")'], ['"elsewhere"']),
                                                (["-", "? = upper case(?)"], ['"shouting"'])], hit_policy="FIRST"),
        needs=requires("age", "city")))
    compiled = DecisionModel(parse_dmn(dmn, "t.dmn"))
    assert compiled.evaluate("d", {"age": 20, "city": "Lyon"}).value == "young city"
    assert compiled.evaluate("d", {"age": 40, "city": "Nice"}).value == "elsewhere"
    assert compiled.evaluate("d", {"age": 10, "city": "PARIS"}).value == "shouting"
    assert compiled.evaluate("d", {"age": None, "city": "Paris"}).value is None
    assert compiled.evaluate("d", {"age": Decimal("30.5"), "city": "Paris"}).value is None
