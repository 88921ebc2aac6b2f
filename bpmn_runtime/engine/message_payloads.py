"""What a message carries, thrown and caught. A message takes the thrower's variables and gives them to the
catcher's scope, except in a SpiffWorkflow file (`EventDefinition.payload_only`), where it carries only its
payload, as SpiffWorkflow's messages do: the value of spiffworkflow:messagePayload (an empty one without it),
caught into the variable spiffworkflow:messageVariable names (without one, the payload goes nowhere)."""
from __future__ import annotations

import reprlib
from typing import Any, Mapping

from bpmn_runtime.engine.behaviours.base import Incident, StepContext
from bpmn_runtime.engine.state import ActivityInstance
from bpmn_runtime.model import Element, EventDefinition


def thrown(ctx: StepContext, ai: ActivityInstance, definition: EventDefinition) -> Mapping[str, Any]:
    """The variables the message of `definition`, thrown from `ai`, carries."""
    if not definition.payload_only:
        return ctx.variables(ai)
    if definition.payload is None:
        return {}
    value = ctx.evaluate(ai, definition.payload)
    if not isinstance(value, Mapping) or not all(isinstance(name, str) for name in value):
        raise Incident(f"the payload of message '{definition.name}' gives {reprlib.repr(value)}; a message carries "
                       f"variables here, so its payload must give a dict of names to values")
    return value


def caught(element: Element, payload: Mapping[str, Any]) -> Mapping[str, Any]:
    """The variables a message `element` caught gives its scope."""
    definition = next((d for d in element.events if d.kind == "message"), None)
    if definition is None or not definition.payload_only:
        return payload
    return {definition.payload_variable: dict(payload)} if definition.payload_variable else {}
