"""Flowable's skip expressions (`flowable:skipExpression`, `activiti:skipExpression`): a task is left at once,
its work undone (no user task, no job, no script), when skipping is enabled for the instance and the expression
gives true, as Flowable's SkipExpressionUtil decides.

Skipping is enabled by the process variable `_ACTIVITI_SKIP_EXPRESSION_ENABLED` when it is true or false, else
by `_FLOWABLE_SKIP_EXPRESSION_ENABLED` (unset: not enabled). An enabling variable or an expression that is not
true or false is an incident, where Flowable throws.
"""
from __future__ import annotations

import reprlib

from bpmn_runtime.engine.behaviours.base import Incident, StepContext
from bpmn_runtime.engine.state import ActivityInstance

ACTIVITI_SWITCH = "_ACTIVITI_SKIP_EXPRESSION_ENABLED"
FLOWABLE_SWITCH = "_FLOWABLE_SKIP_EXPRESSION_ENABLED"
SWITCHES = frozenset({ACTIVITI_SWITCH, FLOWABLE_SWITCH})  # variables a program sets, though not named as others


def skipped(ctx: StepContext, ai: ActivityInstance) -> bool:
    """Whether `ai`'s task is skipped now (its element has a skip expression, skipping is enabled and the
    expression gives true)."""
    element = ctx.element(ai.element)
    expression = element.extensions.skip_expression
    if not expression or not _enabled(ctx, ai):
        return False
    value = ctx.render(ai, expression)
    if not isinstance(value, bool):
        raise Incident(f"the skip expression \"{expression}\" of {element.label} gives {reprlib.repr(value)}, "
                       f"not true or false")
    return value


def _enabled(ctx: StepContext, ai: ActivityInstance) -> bool:
    variables = ctx.variables(ai)
    if isinstance(variables.get(ACTIVITI_SWITCH), bool):
        return bool(variables[ACTIVITI_SWITCH])
    switch = variables.get(FLOWABLE_SWITCH)
    if switch is None or isinstance(switch, bool):
        return bool(switch)
    raise Incident(f"the variable {FLOWABLE_SWITCH} is {reprlib.repr(switch)}; it turns skip expressions on "
                   f"or off, so it must be true or false")
