"""Gateways: exclusive, parallel, inclusive, complex and event-based; splits and joins."""
from __future__ import annotations

from typing import Any, Mapping

from bpmn_runtime.engine.behaviours import job_listeners, listeners
from bpmn_runtime.engine.behaviours.base import Behaviour, StepContext
from bpmn_runtime.engine.behaviours.joins import collector, consume_one_each, has_all, record_arrival
from bpmn_runtime.engine.behaviours.subscriptions import subscribe_all
from bpmn_runtime.engine.state import ActivityInstance, Run, Wait
from bpmn_runtime.model import Element, Flow


class Gateway(Behaviour):
    """A gateway takes its default flow only when it takes no other flow (an activity takes it when none of
    its conditional flows is taken)."""

    def activate(self, ctx: StepContext, ai: ActivityInstance) -> None:
        """A token passes (a joining gateway: the tokens it joins pass as one): its start listeners run (Camunda 8's
        as jobs it waits for)."""
        listeners.notify_start(ctx, ai)
        if not job_listeners.wait_for(ctx, ai, "start", 0):
            self.perform(ctx, ai)

    def perform(self, ctx: StepContext, ai: ActivityInstance) -> None:
        """Once the start listeners are done: choose the flows to take."""
        ctx.complete(ai)

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
    for ai in [a for a in ctx.state.keepers() if a.join is not None and a.join.waiting]:
        if ai.id in ctx.state.instances and _inclusive_join_ready(ctx, ai):
            _fire_inclusive(ctx, ai)
            fired = True
    return fired


class ComplexGateway(Gateway):
    """BPMN 13.4.3. Splitting, it is an inclusive gateway. Joining, it waits for its start: its activation
    condition (all incoming flows with a token, when it has none) is evaluated as each token arrives, with
    `activationCount`, the tokens there, and `waitingForStart` true. When it holds, one token is taken from each
    incoming flow that has one and the outgoing flows whose conditions hold get a token. Then it waits for its
    reset: for a token on each other incoming flow that can still get one. Resetting takes those tokens and sends
    one down each outgoing flow whose condition holds with `waitingForStart` false (an outgoing flow without a
    condition belongs to the activation, and none need hold); tokens left over start the next round."""

    def arrive(self, ctx: StepContext, element: Element, scope_ai: ActivityInstance, via: Flow | None) -> None:
        if len(element.incoming) <= 1:
            super().arrive(ctx, element, scope_ai, via)
            return
        waiting = collector(ctx, element, scope_ai)
        if waiting is not None and waiting.join is not None and waiting.join.fired:
            record_arrival(ctx, element, scope_ai, via)
            ctx.run_phase(waiting, "activate")
            return
        # decided before the token is counted, so that a failing condition leaves the token where it was
        arrived = dict(waiting.join.arrived) if waiting is not None and waiting.join is not None else {}
        key = via.id if via is not None else ""
        arrived[key] = arrived.get(key, 0) + 1
        flows = _activation_flows(ctx, element, scope_ai, arrived)
        ai = record_arrival(ctx, element, scope_ai, via)
        if flows is not None:
            _start(ctx, ai, flows)

    def activate(self, ctx: StepContext, ai: ActivityInstance) -> None:
        """A splitting gateway goes on; a joining one resets when it can, then starts the next round with the
        tokens left."""
        join = ai.join
        if join is None:
            ctx.complete(ai)
            return
        element, scope_ai = ctx.element(ai.element), ctx.state.parent_of(ai)
        if join.fired:
            if not _reset_ready(ctx, ai):
                return
            names = {"activationCount": join.count(), "waitingForStart": False}
            flows = [ctx.process.flows[f] for f in element.outgoing if f != element.default_flow
                     and ctx.process.flows[f].condition is not None
                     and ctx.condition(scope_ai, ctx.process.flows[f].condition or "", names)]
            for key in [k for k in element.incoming if k not in join.consumed and join.arrived.get(k)]:
                join.arrived[key] -= 1
                if not join.arrived[key]:
                    del join.arrived[key]
            join.fired, join.consumed = False, []
            ctx.history("complex_gateway_reset", element.id, ai.id, None)
            _send(ctx, ai, flows)
        if not join.arrived:
            ctx.end_instance(ai, "completed")
            ctx.token_consumed(scope_ai)
            return
        started = _activation_flows(ctx, element, scope_ai, join.arrived)
        if started is not None:
            _start(ctx, ai, started)


def _activation_flows(ctx: StepContext, element: Element, scope_ai: ActivityInstance,
                      arrived: dict[str, int]) -> list[Flow] | None:
    """The flows a complex gateway waiting for its start sends tokens down with the tokens `arrived`; None while
    its activation condition does not hold."""
    names = {"activationCount": sum(arrived.values()), "waitingForStart": True}
    if element.activation_condition:
        activated = ctx.condition(scope_ai, element.activation_condition, names)
    else:
        activated = all(arrived.get(flow, 0) > 0 for flow in element.incoming)
    return ctx.select_flows(scope_ai, element, exclusive=False, gateway=True, names=names) if activated else None


def _start(ctx: StepContext, ai: ActivityInstance, flows: list[Flow]) -> None:
    """The activation: a token from each incoming flow that has one, tokens down `flows`; then wait for the reset."""
    join = ai.join
    assert join is not None
    join.consumed = [key for key in join.arrived if join.arrived[key] > 0]
    consume_one_each(join)
    join.fired = True
    ctx.history("complex_gateway_activated", ai.element, ai.id, {"flows": join.consumed})
    _send(ctx, ai, flows)
    if _reset_ready(ctx, ai):
        ctx.run_phase(ai, "activate")


def _send(ctx: StepContext, ai: ActivityInstance, flows: list[Flow]) -> None:
    scope_ai = ctx.state.parent_of(ai)
    listeners.notify_take(ctx, ai, flows)
    for flow in flows:
        ctx.history("flow_taken", flow.id, None, None)
        ctx.enter(flow.target, scope_ai, flow)


def _reset_ready(ctx: StepContext, ai: ActivityInstance) -> bool:
    """A complex gateway waiting for its reset can reset: each incoming flow its activation took no token from has
    a token, or none can reach it any more (no live token upstream of it, nor on its way there, nor parked on its
    way to the gateway)."""
    join = ai.join
    assert join is not None and ai.parent is not None
    for flow_id in ctx.element(ai.element).incoming:
        if flow_id in join.consumed or join.arrived.get(flow_id, 0) > 0:
            continue
        upstream = ctx.facts.flow_upstream[flow_id] | {ai.element}
        if ctx.has_tokens_in_flight(ai.parent, upstream):
            return False
        if any(other.id != ai.id and other.element in upstream for other in ctx.state.children(ai.parent)):
            return False
    return True


def reset_ready_complex_gateways(ctx: StepContext) -> bool:
    """With nothing else to do: reset the complex gateways no token can reach any more; True when any will."""
    ready = [ai for ai in ctx.state.keepers() if ai.join is not None and ai.join.fired
             and ai.incident is None and _reset_ready(ctx, ai)]
    for ai in ready:
        ctx.later(Run(ai.id, "activate"))
    return bool(ready)


class EventBasedGateway(Behaviour):
    """Waits for the first of the events that follow it; that event's path is taken, the others dropped."""

    def activate(self, ctx: StepContext, ai: ActivityInstance) -> None:
        if not job_listeners.wait_for(ctx, ai, "start", 0):
            self.perform(ctx, ai)

    def perform(self, ctx: StepContext, ai: ActivityInstance) -> None:
        """Once the Camunda 8 start listeners are done: wait for the events."""
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
