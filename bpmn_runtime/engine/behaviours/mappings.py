"""Input and output mappings of activities and events, as Zeebe applies them.

Input mappings are local variables of the element, computed as it is entered (on a catch event, before its
correlation key). Output mappings are evaluated in the element's own variables as it completes, and set in its
scope. What an event brings (a message's variables) is local to the event when the event has output mappings,
which alone then decide what reaches its scope; without them it reaches the scope as it is.
"""
from __future__ import annotations

from typing import Any, Mapping

from bpmn_runtime.engine.behaviours.base import StepContext
from bpmn_runtime.engine.state import ActivityInstance


def map_inputs(ctx: StepContext, ai: ActivityInstance) -> None:
    """Set `ai`'s input mappings as its local variables (added to what it already holds: a loop counter,
    compensated data); a mapping without a source copies the variable its target names."""
    inputs = ctx.element(ai.element).extensions.inputs
    if inputs:
        visible = ctx.variables(ai)
        values: dict[str, Any] = {}
        for m in inputs:
            value = ctx.evaluate(ai, m.source) if m.source else visible.get(m.target)
            if m.nested:
                _put(values, m.target.split("."), value)
            else:
                values[m.target] = value
        ctx.set_local_variables(ai, values)


def _put(values: dict[str, Any], path: list[str], value: Any) -> None:
    """Set `value` at `path` inside `values`, as Zeebe sets a nested input target: each name on the way holds a
    context, made (or made anew over another value) by the mappings of the element."""
    for name in path[:-1]:
        inner = values.get(name)
        if not isinstance(inner, dict):
            inner = values[name] = {}
        values = inner
    values[path[-1]] = value


def map_outputs(ctx: StepContext, ai: ActivityInstance) -> None:
    """Set the values of `ai`'s output mappings in the scope that contains it."""
    outputs = ctx.element(ai.element).extensions.outputs
    if outputs:
        ctx.set_variables(ctx.state.parent_of(ai), {m.target: ctx.evaluate(ai, m.source) for m in outputs})


def set_results(ctx: StepContext, ai: ActivityInstance, values: Mapping[str, Any]) -> None:
    """Results of `ai`'s work (a job's outputs, a form): local when output mappings pick from them."""
    if ctx.element(ai.element).extensions.outputs:
        ctx.set_local_variables(ai, values)
    else:
        ctx.set_variables(ai, values)


def take_event_results(ctx: StepContext, ai: ActivityInstance, payload: Mapping[str, Any]) -> None:
    """An event occurred on `ai`, bringing `payload`: through its output mappings when it has them."""
    set_results(ctx, ai, payload)
    map_outputs(ctx, ai)
