"""Input and output mappings of activities and events, as Zeebe applies them.

Input mappings are local variables of the element, computed as it is entered (on a catch event, before its
correlation key). Output mappings are evaluated in the element's own variables as it completes, and set in its
scope. What an event brings (a message's variables) is local to the event when the event has output mappings,
which alone then decide what reaches its scope; without them it reaches the scope as it is.
"""
from __future__ import annotations

from typing import Any, Mapping

from bpmn_runtime import juel
from bpmn_runtime.engine.behaviours.base import Incident, StepContext
from bpmn_runtime.engine.state import ActivityInstance
from bpmn_runtime.model import ListValue, MapValue, ParameterValue


def map_inputs(ctx: StepContext, ai: ActivityInstance) -> None:
    """Set `ai`'s input mappings as its local variables (added to what it already holds: a loop counter,
    compensated data); a mapping without a source copies the variable its target names."""
    inputs = ctx.element(ai.element).extensions.inputs
    if inputs:
        visible = ctx.variables(ai)
        values: dict[str, Any] = {}
        for m in inputs:
            value = value_of(ctx, ai, m.source) if m.source else visible.get(m.target)
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
        ctx.set_variables(ctx.state.parent_of(ai), {m.target: value_of(ctx, ai, m.source) for m in outputs})


def value_of(ctx: StepContext, ai: ActivityInstance, source: ParameterValue) -> Any:
    """A mapping's value where `ai` runs: its expression's, or Camunda 7's list, map (keys as text, sorted as
    its TreeMap sorts them) or script (what the script assigns to `result`)."""
    if isinstance(source, str):
        return ctx.evaluate(ai, source)
    if isinstance(source, ListValue):
        return [value_of(ctx, ai, item) for item in source.items]
    if isinstance(source, MapValue):
        entries = {_key(ctx.evaluate(ai, key)): value_of(ctx, ai, item) for key, item in source.entries}
        return dict(sorted(entries.items()))
    assigned = ctx.run_code(ai, source.script, source.format, ctx.element(ai.element).label)
    if "result" not in assigned:
        raise Incident(f"a parameter's script of {ctx.element(ai.element).label} assigns no 'result', which is "
                       f"the parameter's value")
    return assigned["result"]


def _key(value: Any) -> str:
    try:
        return value if isinstance(value, str) else juel.coerce_to_string(value)
    except TypeError as error:
        raise Incident(f"a map entry's key is not text: {error}") from None


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
