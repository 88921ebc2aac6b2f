"""What a job an element makes for its workers is: its type (topic), how often it is tried, its headers and how
long a worker may hold it, as the model writes them (static, or evaluated as the job is created)."""
from __future__ import annotations

import reprlib
from decimal import Decimal

from bpmn_runtime.engine.behaviours import attributes
from bpmn_runtime.engine.behaviours.base import Incident, StepContext
from bpmn_runtime.engine.state import ActivityInstance
from bpmn_runtime.engine.timers import duration_seconds
from bpmn_runtime.model import MAX_RETRIES, Element


def job_headers(ctx: StepContext, element: Element) -> tuple[dict[str, str], float | None]:
    """What a job of `element` tells its worker besides its variables, and how long a worker may hold it (the
    `timeout` header, an ISO 8601 duration)."""
    headers = dict(element.extensions.headers)
    return headers, duration_seconds(headers["timeout"], ctx.now) if headers.get("timeout") else None


def job_type(ctx: StepContext, ai: ActivityInstance, written: str) -> str:
    """A job's topic as written, or what its expression gives (evaluated as the job is created)."""
    topic = attributes.text(ctx, ai, written)
    if not topic:
        where = ctx.element(ai.element).label if ai.parent is not None else "the process"
        raise Incident(f"the job type \"{written}\" of {where} gives no text; "
                       f"it must name the topic its workers take")
    return topic


def job_retries(ctx: StepContext, ai: ActivityInstance, retries: int | None, expression: str | None) -> int | None:
    """How often a job is tried: static, or what its Camunda 8 FEEL gives as the job is created."""
    return _retries(ctx, ai, expression) if expression else retries


def _retries(ctx: StepContext, ai: ActivityInstance, expression: str) -> int:
    """Camunda 8 retries written as FEEL, evaluated as the job is created: a whole number of tries."""
    value = ctx.evaluate(ai, expression)
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)) or value != int(value) \
            or not 1 <= value <= MAX_RETRIES:
        raise Incident(f"the retries \"{expression}\" give {reprlib.repr(value)}; they must give a whole number "
                       f"from 1 to {MAX_RETRIES:,}")
    return int(value)
