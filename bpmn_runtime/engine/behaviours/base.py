"""The lifecycle every element behaviour shares: arrive, activate, triggered, leave, terminate.

A behaviour is a stateless object; everything it remembers lives in the activity instance's `data`.
`Behaviour` is for events and gateways; `ActivityBehaviour` adds what all activities have in common
(asynchronous continuations, I/O mappings, boundary events, loops).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bpmn_runtime.engine.state import ActivityInstance, Wait
from bpmn_runtime.model import Element, Flow

if TYPE_CHECKING:
    from bpmn_runtime.engine.step import Step


class Behaviour:
    """Default lifecycle: create an activity instance, do nothing, leave along the outgoing flows."""

    def arrive(self, step: "Step", element: Element, scope_ai: ActivityInstance, via: Flow | None) -> None:
        """A token reached the element in `scope_ai`."""
        ai = step.create(element, scope_ai)
        step.history("element_activated", element.id, ai.id, None)
        step.activate(ai)

    def activate(self, step: "Step", ai: ActivityInstance) -> None:
        """Do the element's work; call `step.complete(ai)` when done, or add a wait."""
        step.complete(ai)

    def triggered(self, step: "Step", ai: ActivityInstance, wait: Wait, payload: dict[str, Any]) -> None:
        """Something `ai` waited for happened."""
        step.remove_wait(wait)
        step.set_variables(ai, payload)
        step.complete(ai)

    def continue_after_wait(self, step: "Step", ai: ActivityInstance, wait: Wait) -> None:
        """An asynchronous continuation was picked up by a worker."""
        step.complete(ai)

    def leave(self, step: "Step", ai: ActivityInstance) -> None:
        """Leave along the outgoing flows whose conditions hold."""
        step.take_outgoing(ai)

    def terminate(self, step: "Step", ai: ActivityInstance) -> None:
        """The instance is stopped from outside (interrupting event, terminate end, cancel)."""

    def scope_completed(self, step: "Step", ai: ActivityInstance) -> None:
        """Everything inside this scope element has ended."""
        step.complete(ai)


def record_arrival(step: "Step", element: Element, scope_ai: ActivityInstance, via: Flow | None) -> ActivityInstance:
    """Count a token arriving at a joining element, in the one activity instance per scope that collects them."""
    for ai in step.state.children(scope_ai.id):
        if ai.element == element.id and "arrived" in ai.data:
            break
    else:
        ai = step.create(element, scope_ai, data={"arrived": {}})
        step.history("element_activated", element.id, ai.id, None)
    key = via.id if via is not None else ""
    ai.data["arrived"][key] = ai.data["arrived"].get(key, 0) + 1
    return ai


class ActivityBehaviour(Behaviour):
    """Activities: async before/after, input/output mappings, boundary events and loops around `execute`."""

    def arrive(self, step: "Step", element: Element, scope_ai: ActivityInstance, via: Flow | None) -> None:
        if element.start_quantity > 1:  # BPMN 13.3.2: the activity starts once startQuantity tokens are there
            collecting = record_arrival(step, element, scope_ai, via)
            if sum(collecting.data["arrived"].values()) < element.start_quantity:
                return
            step.end_instance(collecting, "joined")
        if element.loop is not None and element.loop.multi_instance:
            loops.start_multi_instance(step, element, scope_ai)
            return
        ai = step.create(element, scope_ai)
        step.history("element_activated", element.id, ai.id, None)
        if element.extensions.async_before:
            step.add_wait(ai, "continuation", element.id, "before")
            return
        self.begin(step, ai)

    def begin(self, step: "Step", ai: ActivityInstance) -> None:
        """Subscribe boundary events, map inputs, then run the activity (or its standard loop)."""
        element = step.element(ai.element)
        if not ai.data.get("mi_inner"):
            events.subscribe_boundary_events(step, ai, element)
        if element.extensions.inputs:  # added to what the instance already holds (loop counter, compensated data)
            visible = step.variables(ai)
            ai.variables = {**(ai.variables or {}), **{
                m.target: step.evaluate(ai, m.source) if m.source else visible.get(m.target)
                for m in element.extensions.inputs}}
        if element.loop is not None and not element.loop.multi_instance and not loops.loop_may_start(step, ai):
            step.complete(ai)
            return
        step.activate(ai)

    def triggered(self, step: "Step", ai: ActivityInstance, wait: Wait, payload: dict[str, Any]) -> None:
        step.remove_wait(wait)
        self.set_results(step, ai, payload)
        step.complete(ai)

    def continue_after_wait(self, step: "Step", ai: ActivityInstance, wait: Wait) -> None:
        if wait.name == "before":
            self.begin(step, ai)
        else:
            step.take_outgoing(ai)

    def leave(self, step: "Step", ai: ActivityInstance) -> None:
        element = step.element(ai.element)
        if not ai.data.get("outputs_done"):
            self.map_outputs(step, ai, element)
        if element.loop is not None and not element.loop.multi_instance and loops.loop_again(step, ai):
            ai.data.pop("outputs_done", None)
            step.history("loop_iteration", element.id, ai.id, {"loopCounter": ai.data["loopCounter"]})
            step.activate(ai)
            return
        if ai.data.get("mi_inner"):
            loops.inner_instance_done(step, ai)
            return
        if "compensation_of" in ai.data:
            from bpmn_runtime.engine.behaviours.compensation import handler_done
            handler_done(step, ai)
            return
        if element.extensions.async_after and not ai.data.get("async_after_done"):
            ai.data["async_after_done"] = True
            step.add_wait(ai, "continuation", element.id, "after")
            return
        step.take_outgoing(ai)

    def map_outputs(self, step: "Step", ai: ActivityInstance, element: Element) -> None:
        ai.data["outputs_done"] = True
        if not element.extensions.outputs:
            return
        values = {m.target: step.evaluate(ai, m.source) for m in element.extensions.outputs}
        parent = step.state.instances[ai.parent]
        step.set_variables(parent, values)

    def set_results(self, step: "Step", ai: ActivityInstance, values: dict[str, Any]) -> None:
        """Results of the work (a job's outputs, a form): local when output mappings pick from them."""
        element = step.element(ai.element)
        if element.extensions.outputs:
            ai.variables = {**(ai.variables or {}), **values}
        else:
            step.set_variables(ai, values)


# Imported last: these modules import this one (every activity asks them, so not inside the methods).
from bpmn_runtime.engine.behaviours import events, loops  # noqa: E402
