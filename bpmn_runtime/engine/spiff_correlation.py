"""SpiffWorkflow's message correlation: a message's correlation properties retrieve values from its payload
(Python expressions), and an instance keeps, per correlation key, the values of the first message it threw or
caught that carried them. A message reaches a waiting instance when its values equal the instance's for its key,
or when the instance has no correlation values yet (SpiffWorkflow's `MessageEventDefinition.catches`).

The values travel as the message's correlation key, a text no Camunda or Zeebe key is written as
(`SPIFF_KEY`); a subscription of an instance without values waits with `ANY_KEY`, which takes any such text.
"""
from __future__ import annotations

import json
import reprlib
from typing import Any, Mapping

from bpmn_runtime.engine.behaviours.base import Incident, StepContext
from bpmn_runtime.engine.state import InstanceState, MessageWait
from bpmn_runtime.errors import ExpressionError
from bpmn_runtime.expressions import evaluate
from bpmn_runtime.model import Element, EventDefinition, MessageCorrelation

SPIFF_KEY = "spiffworkflow-correlation:"
ANY_KEY = SPIFF_KEY + "*"
NO_MATCH = SPIFF_KEY + "other-keys"  # the instance has values, but not for this message's correlation key
MAX_KEY_LENGTH = 255  # the subscription's correlation key column


def is_spiff_key(key: str | None) -> bool:
    return key is not None and key.startswith(SPIFF_KEY)


def thrown(ctx: StepContext, definition: EventDefinition, payload: Mapping[str, Any]) -> str | None:
    """The correlation key the message of `definition` carries with `payload` (None: it has no correlation
    properties); the thrower keeps its values, as SpiffWorkflow's thrower does."""
    correlation = definition.correlation
    if correlation is None:
        return None
    values = _values(definition.name or "", correlation, payload)
    _keep(ctx, correlation.key, values)
    return _key_text(definition.name or "", correlation, values)


def expected(state: InstanceState, definition: EventDefinition) -> str | None:
    """The correlation key a message must carry to reach the instance waiting for `definition`'s message."""
    correlation = definition.correlation
    if correlation is None:
        return None
    if not state.correlations:
        return ANY_KEY
    values = state.correlations.get(correlation.key)
    return NO_MATCH if values is None else _key_text(definition.name or "", correlation, values)


def caught(ctx: StepContext, element: Element, payload: Mapping[str, Any]) -> None:
    """The instance keeps the values the correlation properties of the message `element` caught retrieve from
    its payload."""
    definition = _correlated(element)
    if definition is not None and definition.correlation is not None:
        _keep(ctx, definition.correlation.key, _values(definition.name or "", definition.correlation, payload))


def _keep(ctx: StepContext, key: str, values: dict[str, Any]) -> None:
    """The instance's values for `key` are now `values`. SpiffWorkflow compares a message with the values the
    instance has when the message comes, so the instance's subscriptions now expect these."""
    if ctx.state.correlations.get(key) == values:
        return
    ctx.state.correlations[key] = values
    for wait in ctx.state.waits_of_kind("message"):
        definition = _correlated(ctx.element(wait.element))
        if not isinstance(wait, MessageWait) or definition is None:
            continue
        now = expected(ctx.state, definition)
        if now != wait.correlation:
            ctx.remove_wait(wait)
            ctx.add_wait(MessageWait(ctx.state.next_id(), wait.ai, wait.element, wait.message, now))


def _correlated(element: Element) -> EventDefinition | None:
    """The message event definition of `element` that has correlation properties, if it has one."""
    return next((d for d in element.events if d.kind == "message" and d.correlation is not None), None)


def _values(message: str, correlation: MessageCorrelation, payload: Mapping[str, Any]) -> dict[str, Any]:
    values = {}
    for prop, expression in correlation.properties:
        try:
            values[prop] = evaluate(expression, payload)
        except ExpressionError as error:
            raise Incident(f"the correlation property '{prop}' of message '{message}' cannot be retrieved from its "
                           f"payload: {error}") from None
    return values


def _key_text(message: str, correlation: MessageCorrelation, values: dict[str, Any]) -> str:
    try:
        text = SPIFF_KEY + json.dumps({correlation.key: values}, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError):
        raise Incident(f"the correlation values of message '{message}' are {reprlib.repr(values)}; correlate by "
                       f"texts, numbers, true/false, lists and dicts") from None
    if len(text) > MAX_KEY_LENGTH:
        raise Incident(f"the correlation values of message '{message}' take {len(text)} characters written out; "
                       f"at most {MAX_KEY_LENGTH - len(SPIFF_KEY)} can be matched here, so correlate by shorter values")
    return text
