"""A decision's value as Camunda 7 hands it to `mapDecisionResult`: a list of rule results, each a map
from output name to value.

A decision table gives one map per rule that made its result (a context for several outputs, else the
output's name, or the decision's name when the output has none, with the value); an aggregated COLLECT
gives one map of the aggregate; any other decision logic gives one map: the decision's name and value.
"""
from __future__ import annotations

from typing import Any

from bpmn_runtime.dmn.evaluation import DecisionResult
from bpmn_runtime.dmn.model import Decision, DecisionTable

LIST_POLICIES = ("RULE ORDER", "OUTPUT ORDER", "COLLECT")


def rule_results(decision: Decision, result: DecisionResult) -> list[dict[str, Any]]:
    table, value = decision.logic, result.value
    if not isinstance(table, DecisionTable):
        return [{decision.name: value}]
    single_name = (table.outputs[0].name or decision.name) if len(table.outputs) == 1 else None
    if table.hit_policy in LIST_POLICIES and table.aggregation is None:
        results = value if isinstance(value, list) else []
    else:
        matched = any(match.rules for match in result.matched_rules)
        results = [value] if matched or value is not None else []
    if single_name is not None:
        return [{single_name: result} for result in results]
    return [dict(result) if isinstance(result, dict) else {decision.name: result} for result in results]


def matches_text(matches: list[dict[str, Any]]) -> str:
    """The matched rules of an evaluation's tables (`RuleMatches.to_json` each) as a person reads them:
    `Dish: rule 2 (r2); Drinks: rules 1 (r1) and 3 (r7); Other: no rule`."""
    parts = []
    for match in matches:
        rules = [f"{rule['index']} ({rule['id']})" if rule.get("id") else str(rule["index"]) for rule in match["rules"]]
        if not rules:
            parts.append(f"{match['name']}: no rule")
        else:
            listed = ", ".join(rules[:-1]) + " and " + rules[-1] if len(rules) > 1 else rules[0]
            parts.append(f"{match['name']}: rule{'s' if len(rules) > 1 else ''} {listed}")
    return "; ".join(parts)
