"""Joining: an element that waits for several tokens collects them in one activity instance per scope."""
from __future__ import annotations

from bpmn_runtime.engine.behaviours.base import StepContext
from bpmn_runtime.engine.state import ActivityInstance, Join
from bpmn_runtime.model import Element, Flow


def collector(ctx: StepContext, element: Element, scope_ai: ActivityInstance) -> ActivityInstance | None:
    """The activity instance that collects the tokens arriving at `element` in `scope_ai`, if there is one."""
    return next((ai for ai in ctx.state.children(scope_ai.id) if ai.element == element.id and ai.join is not None),
                None)


def record_arrival(ctx: StepContext, element: Element, scope_ai: ActivityInstance, via: Flow | None) -> ActivityInstance:
    """Count a token arriving at a joining element, in the one activity instance per scope that collects them."""
    ai = collector(ctx, element, scope_ai)
    if ai is None:
        ai = ctx.create(element, scope_ai, join=Join())
        ctx.history("element_activated", element.id, ai.id, None)
    assert ai.join is not None
    key = via.id if via is not None else ""
    ai.join.arrived[key] = ai.join.arrived.get(key, 0) + 1
    return ai


def start_quantity_reached(ctx: StepContext, element: Element, scope_ai: ActivityInstance, via: Flow | None) -> bool:
    """BPMN 13.3.2: an activity starts once startQuantity tokens are there (the collected ones are consumed)."""
    if element.start_quantity <= 1:
        return True
    collecting = record_arrival(ctx, element, scope_ai, via)
    assert collecting.join is not None
    if collecting.join.count() < element.start_quantity:
        return False
    ctx.end_instance(collecting, "joined")
    return True


def consume_one_each(join: Join) -> None:
    """Take one token off each incoming flow that has one."""
    for key in list(join.arrived):
        join.arrived[key] -= 1
        if join.arrived[key] == 0:
            del join.arrived[key]


def has_all(join: Join, element: Element) -> bool:
    """A token waits on every incoming flow."""
    return all(join.arrived.get(flow, 0) > 0 for flow in element.incoming)
