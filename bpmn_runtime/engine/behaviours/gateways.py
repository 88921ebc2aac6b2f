"""Gateways: exclusive, parallel, inclusive, complex and event-based; splits and joins."""
from __future__ import annotations

from typing import Any, Mapping

from bpmn_runtime.engine.behaviours.base import Behaviour, StepContext
from bpmn_runtime.engine.behaviours.joins import collector, consume_one_each, has_all, record_arrival
from bpmn_runtime.engine.behaviours.subscriptions import subscribe_all
from bpmn_runtime.engine.state import ActivityInstance, Wait
from bpmn_runtime.model import Element, Flow


class Gateway(Behaviour):
    """A gateway takes its default flow only when it takes no other flow (an activity takes it when none of
    its conditional flows is taken)."""

    def leave(self, ctx: StepContext, ai: ActivityInstance) -> None:
        ctx.take_outgoing(ai, ctx.select_flows(ai, ctx.element(ai.element), exclusive=False, gateway=True))


class ExclusiveGateway(Gateway):
    """Takes the first outgoing flow whose condition holds, else the default flow."""

    def leave(self, ctx: StepContext, ai: ActivityInstance) -> None:
        ctx.take_outgoing(ai, ctx.select_flows(ai, ctx.element(ai.element), exclusive=True, gateway=True))


def _pass_join(ctx: StepContext, ai: ActivityInstance) -> None:
    """The join fires: the consumed tokens leave as one; tokens left over wait in a fresh join."""
    assert ai.join is not None
    leftover = ai.join
    ai.join = None
    if leftover.arrived:
        element = ctx.element(ai.element)
        rest = ctx.create(element, ctx.state.parent_of(ai), join=leftover)
        leftover.waiting = leftover.fired = False
        ctx.history("element_activated", element.id, rest.id, None)
    ctx.run_phase(ai, "activate")


class ParallelGateway(Gateway):
    """Waits for a token on every incoming flow, then sends one down every outgoing flow.

    Conditions on its outgoing flows are not evaluated: a parallel gateway "creates parallel paths
    without checking any conditions" (BPMN 10.5.4).
    """

    def arrive(self, ctx: StepContext, element: Element, scope_ai: ActivityInstance, via: Flow | None) -> None:
        if len(element.incoming) <= 1:
            super().arrive(ctx, element, scope_ai, via)
            return
        ai = record_arrival(ctx, element, scope_ai, via)
        assert ai.join is not None
        if has_all(ai.join, element):
            consume_one_each(ai.join)
            _pass_join(ctx, ai)

    def leave(self, ctx: StepContext, ai: ActivityInstance) -> None:
        ctx.take_outgoing(ai, [ctx.process.flows[f] for f in ctx.element(ai.element).outgoing])


class InclusiveGateway(Gateway):
    """Takes every flow whose condition holds; joins the tokens that arrived once no other can arrive."""

    def arrive(self, ctx: StepContext, element: Element, scope_ai: ActivityInstance, via: Flow | None) -> None:
        if len(element.incoming) <= 1:
            super().arrive(ctx, element, scope_ai, via)
            return
        ai = record_arrival(ctx, element, scope_ai, via)
        assert ai.join is not None
        ai.join.waiting = True
        if _inclusive_join_ready(ctx, ai):
            _fire_inclusive(ctx, ai)


def _fire_inclusive(ctx: StepContext, ai: ActivityInstance) -> None:
    assert ai.join is not None
    ai.join.waiting = False
    consume_one_each(ai.join)
    _pass_join(ctx, ai)


def _inclusive_join_ready(ctx: StepContext, join: ActivityInstance) -> bool:
    """Ready when no live token elsewhere in the scope can still reach the gateway, nor is on its way to it."""
    assert join.parent is not None
    upstream = ctx.facts.upstream[join.element]
    for other in ctx.state.children(join.parent):
        if other.id != join.id and other.element in upstream:
            return False
    return not ctx.has_tokens_in_flight(join.parent, upstream | {join.element})


def fire_ready_inclusive_joins(ctx: StepContext) -> bool:
    """With nothing else to do: fire the inclusive joins no token can reach any more; True when any fired."""
    fired = False
    for ai in [a for a in ctx.state.instances.values() if a.join is not None and a.join.waiting]:
        if ai.id in ctx.state.instances and _inclusive_join_ready(ctx, ai):
            _fire_inclusive(ctx, ai)
            fired = True
    return fired


class ComplexGateway(Gateway):
    """Joins when its activation condition holds (or all incoming flows have a token), then splits like
    an inclusive gateway."""

    def arrive(self, ctx: StepContext, element: Element, scope_ai: ActivityInstance, via: Flow | None) -> None:
        if len(element.incoming) <= 1:
            super().arrive(ctx, element, scope_ai, via)
            return
        waiting = collector(ctx, element, scope_ai)
        fired = waiting is not None and waiting.join is not None and waiting.join.fired
        # evaluated before the token is counted, so that a failing condition leaves the token where it was
        activated = ctx.condition(scope_ai, element.activation_condition) \
            if element.activation_condition and not fired else None
        ai = record_arrival(ctx, element, scope_ai, via)
        join = ai.join
        assert join is not None
        if join.fired:
            if has_all(join, element):
                join.arrived = {}
                join.fired = False
            return
        if activated if activated is not None else has_all(join, element):
            join.fired = True
            scope = ctx.state.parent_of(ai)
            for flow in ctx.select_flows(ai, element, exclusive=False, gateway=True):
                ctx.enter(flow.target, scope, flow)


class EventBasedGateway(Behaviour):
    """Waits for the first of the events that follow it; that event's path is taken, the others dropped."""

    def activate(self, ctx: StepContext, ai: ActivityInstance) -> None:
        element = ctx.element(ai.element)
        for flow_id in element.outgoing:
            subscribe_all(ctx, ai, ctx.element(ctx.process.flows[flow_id].target))

    def triggered(self, ctx: StepContext, ai: ActivityInstance, wait: Wait, payload: Mapping[str, Any]) -> None:
        scope_ai = ctx.state.parent_of(ai)
        ctx.end_instance(ai, "completed")
        target = ctx.element(wait.element)
        event_ai = ctx.create(target, scope_ai)
        ctx.history("element_activated", target.id, event_ai.id, None)
        ctx.set_variables(event_ai, payload)
        ctx.complete(event_ai)
