"""Gateways: exclusive, parallel, inclusive, complex and event-based; splits and joins."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bpmn_runtime.engine.behaviours.base import Behaviour, record_arrival
from bpmn_runtime.engine.analysis import facts
from bpmn_runtime.engine.behaviours.events import subscribe
from bpmn_runtime.engine.state import ActivityInstance, Wait
from bpmn_runtime.model import Element, Flow

if TYPE_CHECKING:
    from bpmn_runtime.engine.step import Step


class ExclusiveGateway(Behaviour):
    """Takes the first outgoing flow whose condition holds, else the default flow."""

    def leave(self, step: "Step", ai: ActivityInstance) -> None:
        step.take_outgoing(ai, step.select_flows(ai, step.element(ai.element), exclusive=True))


def _consume_one_each(ai: ActivityInstance) -> None:
    arrived = ai.data["arrived"]
    for key in list(arrived):
        arrived[key] -= 1
        if arrived[key] == 0:
            del arrived[key]


def _pass_join(step: "Step", ai: ActivityInstance) -> None:
    """The join fires: the consumed tokens leave as one; tokens left over wait in a fresh join."""
    leftover = ai.data["arrived"]
    ai.data = {}
    if leftover:
        element = step.element(ai.element)
        rest = step.create(element, step.state.instances[ai.parent], data={"arrived": leftover})
        step.history("element_activated", element.id, rest.id, None)
    step.activate(ai)


class ParallelGateway(Behaviour):
    """Waits for a token on every incoming flow, then sends one down every outgoing flow.

    Conditions on its outgoing flows are not evaluated: a parallel gateway "creates parallel paths
    without checking any conditions" (BPMN 10.5.4).
    """

    def arrive(self, step: "Step", element: Element, scope_ai: ActivityInstance, via: Flow | None) -> None:
        if len(element.incoming) <= 1:
            super().arrive(step, element, scope_ai, via)
            return
        ai = record_arrival(step, element, scope_ai, via)
        if all(ai.data["arrived"].get(flow, 0) > 0 for flow in element.incoming):
            _consume_one_each(ai)
            _pass_join(step, ai)

    def leave(self, step: "Step", ai: ActivityInstance) -> None:
        element = step.element(ai.element)
        step.take_outgoing(ai, [step.process.flows[f] for f in element.outgoing])


class InclusiveGateway(Behaviour):
    """Takes every flow whose condition holds; joins the tokens that arrived once no other can arrive."""

    def arrive(self, step: "Step", element: Element, scope_ai: ActivityInstance, via: Flow | None) -> None:
        if len(element.incoming) <= 1:
            super().arrive(step, element, scope_ai, via)
            return
        ai = record_arrival(step, element, scope_ai, via)
        ai.data["waiting_join"] = True
        if _inclusive_join_ready(step, ai):
            _fire_inclusive(step, ai)


def _fire_inclusive(step: "Step", ai: ActivityInstance) -> None:
    ai.data.pop("waiting_join", None)
    _consume_one_each(ai)
    _pass_join(step, ai)


def _inclusive_join_ready(step: "Step", join: ActivityInstance) -> bool:
    """Ready when no live token elsewhere in the scope can still reach the gateway, nor is on its way to it."""
    element = step.element(join.element)
    upstream = facts(step.process).upstream[element.id]
    for other in step.state.children(join.parent):
        if other.id == join.id:
            continue
        if other.element in upstream:
            return False
    return not step.has_tokens_in_flight(join.parent, upstream | {element.id})


def fire_ready_inclusive_joins(step: "Step") -> bool:
    fired = False
    for ai in [a for a in step.state.instances.values() if a.data.get("waiting_join")]:
        if ai.id in step.state.instances and _inclusive_join_ready(step, ai):
            _fire_inclusive(step, ai)
            fired = True
    return fired


class ComplexGateway(Behaviour):
    """Joins when its activation condition holds (or all incoming flows have a token), then splits like
    an inclusive gateway."""

    def arrive(self, step: "Step", element: Element, scope_ai: ActivityInstance, via: Flow | None) -> None:
        if len(element.incoming) <= 1:
            super().arrive(step, element, scope_ai, via)
            return
        ai = record_arrival(step, element, scope_ai, via)
        if ai.data.get("fired"):
            if all(ai.data["arrived"].get(f, 0) > 0 for f in element.incoming):
                ai.data["arrived"] = {}
                ai.data.pop("fired")
            return
        ready = all(ai.data["arrived"].get(f, 0) > 0 for f in element.incoming)
        if element.activation_condition:
            ready = step.condition(ai, element.activation_condition)
        if ready:
            ai.data["fired"] = True
            scope = step.state.instances[ai.parent]
            flows = step.select_flows(ai, element, exclusive=False)
            for flow in flows:
                step.enter(flow.target, scope, flow)


class EventBasedGateway(Behaviour):
    """Waits for the first of the events that follow it; that event's path is taken, the others dropped."""

    def activate(self, step: "Step", ai: ActivityInstance) -> None:
        element = step.element(ai.element)
        for flow_id in element.outgoing:
            target = step.element(step.process.flows[flow_id].target)
            for definition in target.events:
                subscribe(step, ai, target, definition)

    def triggered(self, step: "Step", ai: ActivityInstance, wait: Wait, payload: dict[str, Any]) -> None:
        scope_ai = step.state.instances[ai.parent]
        step.end_instance(ai, "completed")
        target = step.element(wait.element)
        event_ai = step.create(target, scope_ai)
        step.history("element_activated", target.id, event_ai.id, None)
        step.set_variables(event_ai, payload)
        step.complete(event_ai)
