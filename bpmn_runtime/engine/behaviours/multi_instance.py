"""Multi-instance activities (parallel or sequential; cardinality or collection; completion condition;
behavior events): a body enters the activity and holds its boundary events, its inner instances run the
activity's own behaviour. The activity's asynchronous continuations (Camunda 7) come before and after the body.
"""
from __future__ import annotations

from typing import Any

from bpmn_runtime.engine.behaviours import boundaries, compensation, joins
from bpmn_runtime.engine.behaviours.activities import run_spiff_script
from bpmn_runtime.engine.behaviours.base import Behaviour, Catcher, Incident, StepContext
from bpmn_runtime.engine.state import ActivityInstance, ContinuationWait, MultiInstanceBody, Run
from bpmn_runtime.model import Element, EventDefinition, Flow, LoopSpec


def _record(body: ActivityInstance) -> MultiInstanceBody:
    assert isinstance(body.body, MultiInstanceBody)
    return body.body


def _loop(element: Element) -> LoopSpec:
    assert element.loop is not None
    return element.loop


class MultiInstanceBodyBehaviour(Behaviour):
    """The body of a multi-instance activity: starts the inner instances, completes when all (or enough)
    have, and throws the behavior events as they do."""

    def arrive(self, ctx: StepContext, element: Element, scope_ai: ActivityInstance, via: Flow | None) -> None:
        if not joins.start_quantity_reached(ctx, element, scope_ai, via):
            return
        body = ctx.create(element, scope_ai, variables={}, body=MultiInstanceBody())
        ctx.history("element_activated", element.id, body.id, {"multi_instance": True})
        if element.extensions.async_before:  # Camunda 7: before the body, once for all its instances
            ctx.add_wait(ContinuationWait(ctx.state.next_id(), body.id, element.id, after=False))
            return
        ctx.run_phase(body, "activate")

    def activate(self, ctx: StepContext, body: ActivityInstance) -> None:
        """Work out the inner instances (refusing more than an instance may hold), then start them."""
        element = ctx.element(body.element)
        if element.extensions.scripts_around_loop:  # SpiffWorkflow: before the collection is read
            run_spiff_script(ctx, body, element.extensions.pre_script)
        items = _items(ctx, body, element)
        total = len(items) if isinstance(items, list) else items
        if total > ctx.limits.max_activity_instances:
            raise Incident(f"multi-instance {element.label} would run {total:,} instances; an instance may hold "
                           f"at most {ctx.limits.max_activity_instances:,} activity instances")
        record = _record(body)
        record.items = items if isinstance(items, list) else None
        assert body.variables is not None
        body.variables.update(nrOfInstances=total, nrOfCompletedInstances=0, nrOfActiveInstances=0)
        boundaries.subscribe_boundary_events(ctx, body, element)
        if total == 0:
            _leave(ctx, body, element)
            return
        record.started = 0
        for _ in range(1 if _loop(element).sequential or _ends_early(element) else total):
            _start_inner(ctx, body, element)

    def child_completed(self, ctx: StepContext, scope_ai: ActivityInstance, child: ActivityInstance) -> None:
        """One inner instance completed: start the next, or complete the body when all (or enough) are done."""
        body, inner = scope_ai, child
        element = ctx.element(body.element)
        loop, record = _loop(element), _record(body)
        assert body.variables is not None and inner.variables is not None
        if loop.output_collection and loop.output_element:
            record.results[inner.variables["loopCounter"]] = _named_or_evaluated(ctx, inner, loop.output_element)
        if inner.held is not None:  # what it wrote for the process reaches it now that it completed
            ctx.set_variables(body, {name: inner.variables[name] for name in inner.held})
        ctx.end_instance(inner, "completed")
        body.variables["nrOfActiveInstances"] -= 1
        body.variables["nrOfCompletedInstances"] += 1
        done = _throw_behavior_events(ctx, body, loop)
        done = done or body.variables["nrOfCompletedInstances"] >= body.variables["nrOfInstances"]
        if not done and loop.completion_condition:
            done = ctx.condition(body, loop.completion_condition)
        if done:
            ctx.terminate_children(body.id)
            if loop.output_collection:
                results, record.results = record.results, {}
                ctx.set_variable(ctx.state.parent_of(body), loop.output_collection,
                                 [results.get(i + ctx.process.loop_counter_from)
                                  for i in range(body.variables["nrOfInstances"])])
            _leave(ctx, body, element)
        elif loop.sequential:
            _start_inner(ctx, body, element)

    def ended(self, ctx: StepContext, ai: ActivityInstance, how: str) -> None:
        super().ended(ctx, ai, how)
        compensation.activity_ended(ctx, ai, how, None)  # what its inner instances left, as one record

    def boundary_catcher(self, ctx: StepContext, ai: ActivityInstance, kind: str, code: str | None) -> Catcher | None:
        return boundaries.catcher(ctx, ai, kind, code)

    def catch_child_at_boundary(self, ctx: StepContext, scope_ai: ActivityInstance, child: ActivityInstance,
                                kind: str, code: str | None) -> Catcher | None:
        """The boundary events of an inner instance are the body's: they catch at the body."""
        return None


def _leave(ctx: StepContext, body: ActivityInstance, element: Element) -> None:
    """All (or enough) inner instances are done: the post-script SpiffWorkflow runs around them, then on, after
    an asynchronous continuation when the activity has one (Camunda 7: after the body, once for all its
    instances)."""
    if element.extensions.scripts_around_loop:
        run_spiff_script(ctx, body, element.extensions.post_script)
    if element.extensions.async_after:
        ctx.add_wait(ContinuationWait(ctx.state.next_id(), body.id, element.id, after=True))
        return
    ctx.take_outgoing(body)


def _ends_early(element: Element) -> bool:
    """A parallel multi-instance activity that may end before all its instances have: its instances start one at
    a time, each once the one before waits or has completed (as Camunda 7 starts them), and keep what they write
    until they complete, so that those it cancels leave no trace in the process."""
    loop = _loop(element)
    return not loop.sequential and (loop.completion_condition is not None or loop.behavior == "Complex")


def start_waiting_inner_instances(ctx: StepContext) -> bool:
    """With nothing else to do: start the next instance of each parallel multi-instance activity that starts them
    one at a time; True when any started."""
    bodies = [ai for ai in ctx.state.keepers() if isinstance(ai.body, MultiInstanceBody)
              and ai.incident is None and ai.variables is not None
              and ai.body.started < ai.variables.get("nrOfInstances", 0) and _ends_early(ctx.element(ai.element))]
    for body in bodies:
        _start_inner(ctx, body, ctx.element(body.element))
    return bool(bodies)


def _named_or_evaluated(ctx: StepContext, ai: ActivityInstance, text: str) -> Any:
    """A collection or output element as `ai` sees it: a variable when the text names one (Camunda 7, BPMN data
    items), else the expression's value (Camunda 8's `=...`, evaluated where each instance runs)."""
    return ctx.variables(ai).get(text) if text.isidentifier() else ctx.evaluate(ai, text)


def _items(ctx: StepContext, body: ActivityInstance, element: Element) -> list[Any] | int:
    loop = _loop(element)
    if loop.collection:
        value = _named_or_evaluated(ctx, body, loop.collection)
        if value is None:
            raise Incident(f"the collection '{loop.collection}' of {element.label} is not set")
        if not isinstance(value, (list, tuple)):
            raise Incident(f"the collection '{loop.collection}' of {element.label} is a "
                           f"{type(value).__name__}, not a list")
        return list(value)
    if loop.cardinality:
        count = ctx.evaluate(body, loop.cardinality)
        if isinstance(count, str) and count.strip().lstrip("-").isdigit():
            count = int(count)
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise Incident(f"the loop cardinality of {element.label} is {count!r}, not a whole number >= 0")
        return count
    raise Incident(f"multi-instance {element.label} has neither a loop cardinality nor a collection")


def _start_inner(ctx: StepContext, body: ActivityInstance, element: Element) -> None:
    record = _record(body)
    index = record.started
    record.started = index + 1
    counter = index + ctx.process.loop_counter_from
    variables: dict[str, Any] = {"loopCounter": counter}
    element_variable = _loop(element).element_variable
    if element_variable:  # counted by a cardinality, the item is the index (0, 1, ...), as SpiffWorkflow gives it
        variables[element_variable] = record.items[index] if record.items is not None else index
    inner = ctx.create(element, body, variables=variables)
    if _ends_early(element):
        inner.held = []
    assert body.variables is not None
    body.variables["nrOfActiveInstances"] += 1
    ctx.history("element_activated", element.id, inner.id, {"loopCounter": counter})
    ctx.later(Run(inner.id, "execute"))


def _throw_behavior_events(ctx: StepContext, body: ActivityInstance, loop: LoopSpec) -> bool:
    """Throw the events the multi-instance behavior asks for now that one more instance completed;
    True when a complex behavior's condition holds, which cancels the remaining instances (BPMN 10.2.8)."""
    assert body.variables is not None
    thrown: list[EventDefinition | None] = []
    cancel = False
    if loop.behavior == "None":
        thrown.append(loop.none_event)
    elif loop.behavior == "One" and body.variables["nrOfCompletedInstances"] == 1:
        thrown.append(loop.one_event)
    elif loop.behavior == "Complex":
        for behavior in loop.complex_behaviors:
            if behavior.condition and ctx.condition(body, behavior.condition):
                cancel = True
                thrown.append(behavior.event)
    for definition in thrown:
        if definition is not None:
            boundaries.catch_own_event(ctx, body, definition)
    return cancel
