"""Loops around an activity: standard loops (loopCondition, loopMaximum, testBefore) and multi-instance
bodies (parallel or sequential; cardinality or collection; completion condition)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bpmn_runtime.engine.state import ActivityInstance
from bpmn_runtime.engine.step import Incident
from bpmn_runtime.model import Element, EventDefinition, LoopSpec

if TYPE_CHECKING:
    from bpmn_runtime.engine.step import Step


def loop_may_start(step: "Step", ai: ActivityInstance) -> bool:
    """Standard loop, first pass: with testBefore the condition is checked before the first iteration."""
    loop = step.element(ai.element).loop
    ai.data["loopCounter"] = 0
    if loop.loop_maximum is not None and loop.loop_maximum < 0:
        raise Incident(f"loopMaximum of {step.element(ai.element).label} is negative")
    if loop.test_before:
        return _condition_holds(step, ai) and (loop.loop_maximum is None or loop.loop_maximum > 0)
    return True


def loop_again(step: "Step", ai: ActivityInstance) -> bool:
    """Standard loop, after an iteration: go round again while the condition holds and the maximum allows."""
    loop = step.element(ai.element).loop
    if ai.data.get("loopCounter") is None:
        return False
    ai.data["loopCounter"] += 1
    if loop.loop_maximum is not None and ai.data["loopCounter"] >= loop.loop_maximum:
        return False
    return _condition_holds(step, ai)


def _condition_holds(step: "Step", ai: ActivityInstance) -> bool:
    loop = step.element(ai.element).loop
    if not loop.loop_condition:
        return False
    return step.condition(ai, loop.loop_condition)


def start_multi_instance(step: "Step", element: Element, scope_ai: ActivityInstance) -> None:
    """Create the multi-instance body and its first inner instance(s)."""
    from bpmn_runtime.engine.behaviours import events
    body = step.create(element, scope_ai, variables={}, data={"mi_body": True})
    step.history("element_activated", element.id, body.id, {"multi_instance": True})
    try:
        items = _items(step, body, element)
    except Incident as error:
        step.raise_incident(body, "activate", str(error))
        return
    body.data["items"] = items if isinstance(items, list) else None
    total = len(items) if isinstance(items, list) else items
    body.variables.update(nrOfInstances=total, nrOfCompletedInstances=0, nrOfActiveInstances=0)
    events.subscribe_boundary_events(step, body, element)
    if total == 0:
        step.take_outgoing(body)
        return
    body.data["next"] = 0
    for _ in range(1 if element.loop.sequential else total):
        _start_inner(step, body, element)


def _items(step: "Step", body: ActivityInstance, element: Element) -> list[Any] | int:
    loop = element.loop
    if loop.collection:
        value = step.evaluate(body, loop.collection) if not loop.collection.isidentifier() \
            else step.variables(body).get(loop.collection)
        if value is None:
            raise Incident(f"the collection '{loop.collection}' of {element.label} is not set")
        if not isinstance(value, (list, tuple)):
            raise Incident(f"the collection '{loop.collection}' of {element.label} is a "
                           f"{type(value).__name__}, not a list")
        return list(value)
    if loop.cardinality:
        count = step.evaluate(body, loop.cardinality)
        if isinstance(count, str) and count.strip().lstrip("-").isdigit():
            count = int(count)
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise Incident(f"the loop cardinality of {element.label} is {count!r}, not a whole number >= 0")
        return count
    raise Incident(f"multi-instance {element.label} has neither a loop cardinality nor a collection")


def _start_inner(step: "Step", body: ActivityInstance, element: Element) -> None:
    index = body.data["next"]
    body.data["next"] = index + 1
    variables: dict[str, Any] = {"loopCounter": index + 1}
    items = body.data.get("items")
    if items is not None and element.loop.element_variable:
        variables[element.loop.element_variable] = items[index]
    inner = step.create(element, body, variables=variables, data={"mi_inner": True})
    body.variables["nrOfActiveInstances"] += 1
    step.history("element_activated", element.id, inner.id, {"loopCounter": index + 1})
    behaviour = step.behaviour(element)
    step.later(lambda: behaviour.begin(step, inner))


def inner_instance_done(step: "Step", inner: ActivityInstance) -> None:
    """One inner instance completed: start the next, or complete the body when all (or enough) are done."""
    body = step.state.instances[inner.parent]
    element = step.element(body.element)
    loop = element.loop
    if loop.output_collection and loop.output_element:
        results = body.data.setdefault("results", {})
        results[str(inner.variables["loopCounter"])] = step.variables(inner).get(loop.output_element)
    step.end_instance(inner, "completed")
    body.variables["nrOfActiveInstances"] -= 1
    body.variables["nrOfCompletedInstances"] += 1
    done = _throw_behavior_events(step, body, loop)
    done = done or body.variables["nrOfCompletedInstances"] >= body.variables["nrOfInstances"]
    if not done and loop.completion_condition:
        done = step.condition(body, loop.completion_condition)
    if done:
        step.terminate_children(body.id)
        if loop.output_collection:
            results = body.data.pop("results", {})
            step.set_variable(step.state.instances[body.parent], loop.output_collection,
                              [results.get(str(i + 1)) for i in range(body.variables["nrOfInstances"])])
        step.take_outgoing(body)
    elif loop.sequential:
        _start_inner(step, body, element)


def _throw_behavior_events(step: "Step", body: ActivityInstance, loop: LoopSpec) -> bool:
    """Throw the events the multi-instance behavior asks for now that one more instance completed;
    True when a complex behavior's condition holds, which cancels the remaining instances (BPMN 10.2.8)."""
    from bpmn_runtime.engine.behaviours.events import catch_own_event
    thrown: list[EventDefinition | None] = []
    cancel = False
    if loop.behavior == "None":
        thrown.append(loop.none_event)
    elif loop.behavior == "One" and body.variables["nrOfCompletedInstances"] == 1:
        thrown.append(loop.one_event)
    elif loop.behavior == "Complex":
        for behavior in loop.complex_behaviors:
            if behavior.condition and step.condition(body, behavior.condition):
                cancel = True
                thrown.append(behavior.event)
    for definition in thrown:
        if definition is not None:
            catch_own_event(step, body, definition)
    return cancel
