"""Business rule tasks that call a DMN decision: evaluated inside the task's activation, as Camunda 7
(`camunda:decisionRef`) and Camunda 8 (`zeebe:calledDecision`) do. One without a decision reference is a
job for a handler, like a service task.

The decision is found and evaluated by the embedding runtime through the step's decision lookup (the engine
does no I/O); a decision that is not deployed raises an incident naming it. Camunda 7's `mapDecisionResult` maps
the rule results (see `dmn.results`): singleEntry (one rule, one output: its value), singleResult (one
rule: its outputs), collectEntries (one output: the list of its values), resultList (the default: every
rule's outputs). Camunda 8's `resultVariable` gets the decision's value. SpiffWorkflow's
`spiffworkflow:calledDecisionId` merges the outputs into the variables (see `_merged_outputs`). The history
records which rules of which decision tables matched.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bpmn_runtime.engine.behaviours.base import Incident, StepContext
from bpmn_runtime.engine.decision_calls import DecisionCall, DecisionOutcome
from bpmn_runtime.engine.behaviours.tasks import JobTask
from bpmn_runtime.engine.state import ActivityInstance

class BusinessRuleTask(JobTask):
    """Calls its decision and completes, or is a job for a handler when it names no decision."""

    def activate(self, ctx: StepContext, ai: ActivityInstance) -> None:
        element = ctx.element(ai.element)
        reference = element.extensions.decision_ref
        if reference is None:
            super().activate(ctx, ai)
            return
        key = ctx.evaluate(ai, reference) if reference.startswith("=") else ctx.render(ai, reference)
        if not isinstance(key, str) or not key:
            raise Incident(f"the decision reference of {element.label} gives {key!r}, not a decision id")
        version = element.extensions.decision_version
        try:
            outcome = ctx.call_decision(DecisionCall(key, int(version) if version else None, ctx.variables(ai),
                                                     ctx.now))
        except Incident as error:
            raise Incident(f"{element.label} calls decision '{key}': {error}") from None
        ctx.history("decision_evaluated", element.id, ai.id, {
            "decision": outcome.key, "name": outcome.name, "version": outcome.version, "matched": outcome.matches,
            "result": outcome.value})
        variable = element.extensions.result_variable
        if element.extensions.merge_decision_outputs:
            self.set_results(ctx, ai, _merged_outputs(outcome, ctx.variables(ai), element.label))
        elif variable:
            mapping = element.extensions.map_decision_result
            value = outcome.value if mapping is None else _mapped(mapping, outcome, element.label)
            self.set_results(ctx, ai, {variable: value})
        ctx.complete(ai)


def _mapped(mapping: str, outcome: DecisionOutcome, label: str) -> Any:
    """Camunda 7's mapDecisionResult; a result that does not fit the mapping is an incident, as there."""
    results = outcome.rule_results
    if mapping == "resultList":
        return results
    if mapping == "collectEntries":
        if any(len(result) > 1 for result in results):
            raise Incident(f"{label} maps the result of decision '{outcome.name}' with collectEntries, but its "
                           f"rules give several outputs: {', '.join(results[0])}; use resultList")
        return [next(iter(result.values())) for result in results]
    if len(results) > 1:
        raise Incident(f"{label} maps the result of decision '{outcome.name}' with {mapping}, but "
                       f"{len(results)} rules matched; use collectEntries or resultList, or a hit policy that "
                       f"gives one result")
    if not results:
        return None
    if mapping == "singleResult":
        return results[0]
    if len(results[0]) > 1:
        raise Incident(f"{label} maps the result of decision '{outcome.name}' with singleEntry, but the "
                       f"matching rule gives several outputs: {', '.join(results[0])}; use singleResult")
    return next(iter(results[0].values()))


# Hit policies whose first matching rule (in table order) is the rule SpiffWorkflow takes; COLLECT gives lists.
FIRST_RULE_POLICIES = ("UNIQUE", "FIRST", "ANY", "RULE ORDER")


def _merged_outputs(outcome: DecisionOutcome, variables: Mapping[str, Any], label: str) -> dict[str, Any]:
    """The variables SpiffWorkflow sets from a decision: the first matching rule's outputs (COLLECT: each output's
    list of values over the matching rules; none matching: nothing), an output named `a.b` as key `b` of
    variable `a`, and a dict merged into the dict a variable already holds, key by key.

    PRIORITY, OUTPUT ORDER and an aggregating COLLECT give here what DMN says (the rule of highest priority, an
    ordered list, a sum), where SpiffWorkflow takes the first matching rule or a list: an incident, not a
    different value."""
    policy = outcome.hit_policy
    results = outcome.rule_results
    if policy == "COLLECT":
        outputs: dict[str, Any] = {}
        for result in results:
            for name, value in result.items():
                outputs.setdefault(name, []).append(value)
    elif policy is None or policy in FIRST_RULE_POLICIES:
        outputs = dict(results[0]) if results else {}
    else:
        raise Incident(f"{label} calls decision '{outcome.name}', whose hit policy {policy} SpiffWorkflow does not "
                       f"apply (it takes the first matching rule, or with COLLECT a list of each output); use "
                       f"UNIQUE, FIRST, ANY, RULE ORDER or COLLECT without aggregation")
    merged: dict[str, Any] = {}
    for name, value in outputs.items():
        head, *rest = name.split(".")
        for key in reversed(rest):
            value = {key: value}
        merged[head] = _merge(merged[head] if head in merged else variables.get(head), value)
    return merged


def _merge(old: Any, new: Any) -> Any:
    """`new` merged into a copy of `old`: dicts key by key, any other value replaced."""
    if not isinstance(old, Mapping) or not isinstance(new, Mapping):
        return new
    merged = dict(old)
    for key, value in new.items():
        merged[key] = _merge(merged.get(key), value)
    return merged
