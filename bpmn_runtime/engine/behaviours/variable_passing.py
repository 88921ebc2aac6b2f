"""What a call activity gives the instance it starts, and what it takes back when that instance ends.

One implementation for both Camunda flavours (see `model.VariablePassing`): Camunda 7's camunda:in and
camunda:out, and Camunda 8's propagateAllParentVariables and propagateAllChildVariables, which the parser
writes as the same mappings (pass all; pass the call activity's own variables; pass nothing).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Iterator, Mapping

from bpmn_runtime.engine.behaviours.base import StepContext
from bpmn_runtime.engine.state import ActivityInstance
from bpmn_runtime.expressions import evaluate
from bpmn_runtime.model import CallMapping, Element


def passed_in(ctx: StepContext, ai: ActivityInstance, element: Element) -> dict[str, Any]:
    """The variables the called instance starts with, read where the call activity runs."""
    visible, local = ctx.variables(ai), ai.variables or {}
    passed: dict[str, Any] = {}
    for _, values in _mapped(element.extensions.passing.ins, lambda mapping: local if mapping.local else visible,
                             lambda text: ctx.evaluate(ai, text)):
        passed.update(values)
    return passed


def business_key(ctx: StepContext, ai: ActivityInstance, element: Element) -> str | None:
    """The business key `camunda:in businessKey` gives the called instance (None when it declares none)."""
    expression = element.extensions.passing.business_key
    value = ctx.render(ai, expression) if expression is not None else None
    return None if value is None else str(value)


def passed_back(ctx: StepContext, ai: ActivityInstance, element: Element,
                returned: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """What comes back from the ended instance's `returned` variables: (set where they live, set on the call
    activity itself). A `sourceExpression` is evaluated against the called instance's variables, which its
    `execution.getVariable(...)` reads too, as Camunda 7 evaluates it in the called instance."""
    shared: dict[str, Any] = {}
    local: dict[str, Any] = {}
    view = replace(ctx.execution_view(ai), local_variables=returned)
    for mapping, values in _mapped(element.extensions.passing.outs, lambda _: returned,
                                   lambda text: evaluate(text, returned, view)):
        (local if mapping.local else shared).update(values)
    return shared, local


def _mapped(mappings: tuple[CallMapping, ...], read: Callable[[CallMapping], Mapping[str, Any]],
            evaluate_text: Callable[[str], Any]) -> Iterator[tuple[CallMapping, dict[str, Any]]]:
    """Each mapping with the variables it passes: all those `read` gives it, or its target set to its expression's
    value or its source variable's (null when that is not set, as Camunda 7 passes it)."""
    for mapping in mappings:
        variables = read(mapping)
        if mapping.all:
            yield mapping, dict(variables)
        elif mapping.expression is not None:
            yield mapping, {mapping.target: evaluate_text(mapping.expression)}
        else:
            yield mapping, {mapping.target: variables.get(mapping.source or mapping.target)}
