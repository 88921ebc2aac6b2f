"""Business rule tasks that call a DMN decision: evaluated inside the task's activation, as Camunda 7
(`camunda:decisionRef`) and Camunda 8 (`zeebe:calledDecision`) do. One without a decision reference is a
job for a handler, like a service task.

The decision is found and evaluated by the embedding runtime through the step's decision lookup (the engine
does no I/O); a decision that is not deployed raises an incident naming it. Camunda 7's `mapDecisionResult` maps
the rule results (see `dmn.results`): singleEntry (one rule, one output: its value), singleResult (one
rule: its outputs), collectEntries (one output: the list of its values), resultList (the default: every
rule's outputs). Camunda 8's `resultVariable` gets the decision's value. The history records which rules
of which decision tables matched.
"""
from __future__ import annotations

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
        if variable:
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
