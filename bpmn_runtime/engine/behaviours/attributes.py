"""The value of an attribute the modeler wrote on an element (an assignee, a due date, a job type): FEEL
(`=...`), text embedding JUEL (`${...}`, `kermit_${loopCounter}`), or text, evaluated where the element runs."""
from __future__ import annotations

from typing import Any

from bpmn_runtime import juel
from bpmn_runtime.engine.behaviours.base import Incident, StepContext
from bpmn_runtime.engine.state import ActivityInstance


def value(ctx: StepContext, ai: ActivityInstance, written: str | None) -> Any:
    """What the attribute gives: FEEL evaluated, embedded JUEL rendered, text as it is."""
    if not written:
        return None
    if written.startswith("="):
        return ctx.evaluate(ai, written)
    return ctx.render(ai, written)


def as_text(attribute: str, result: Any) -> str | None:
    """An attribute's value as text: true, 3 and 1.5 as Java writes them."""
    if result is None or isinstance(result, str):
        return result
    try:
        return juel.coerce_to_string(result)
    except TypeError as error:
        raise Incident(f"'{attribute}' gives a value that is not text: {error}") from None


def text(ctx: StepContext, ai: ActivityInstance, written: str | None) -> str | None:
    return as_text(written, value(ctx, ai, written)) if written else None
