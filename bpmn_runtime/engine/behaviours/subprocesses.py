"""Scopes: the process itself, subprocesses (embedded, event, transaction, ad-hoc) and call activities."""
from __future__ import annotations

from typing import Any, Mapping

from bpmn_runtime.engine.behaviours import compensation, event_subprocesses, variable_passing
from bpmn_runtime.engine.behaviours.activities import ActivityBehaviour
from bpmn_runtime.engine.behaviours.base import Behaviour, Catcher, Incident, StepContext
from bpmn_runtime.engine.behaviours.boundaries import boundary_events
from bpmn_runtime.engine.start_events import instantiating_gateway
from bpmn_runtime.engine.state import ActivityInstance, CallWait
from bpmn_runtime.model import Element


def start_without_start_event(ctx: StepContext, ai: ActivityInstance) -> None:
    """A scope without start events: every element without incoming flows starts (BPMN 10.4.2, 10.5.1); with
    none, the scope is done at once."""
    entries = ctx.facts.entries[ai.element]
    if not entries:
        if ai.parent is None:
            ctx.token_consumed(ai)
        else:
            ctx.complete(ai)
        return
    event_subprocesses.subscribe_event_subprocesses(ctx, ai)
    for entry in entries:
        ctx.enter(entry, ai, None)


class ProcessBehaviour(Behaviour):
    """The process instance's own activity instance: the outermost scope."""

    def open(self, ctx: StepContext, root: ActivityInstance, start_event: str) -> None:
        """Enter the start event; an instantiating receive task, or an event after an instantiating event-based
        gateway, has already occurred (its message started the instance) and is left at once (BPMN 10.6.6). A
        process without start events starts at every node without incoming flows (BPMN 10.4.2)."""
        if not start_event:
            start_without_start_event(ctx, root)
            return
        element = ctx.element(start_event)
        if element.kind == "startEvent":
            event_subprocesses.open_scope(ctx, root, start_event)
            return
        event_subprocesses.subscribe_event_subprocesses(ctx, root)
        gateway = instantiating_gateway(ctx.process, element)
        if gateway is not None:
            ctx.history("element_activated", gateway.id, None, None)
            ctx.history("element_completed", gateway.id, None, None)
        occurred = ctx.create(element, root)
        ctx.history("element_activated", element.id, occurred.id, None)
        ctx.complete(occurred)

    def scope_completed(self, ctx: StepContext, ai: ActivityInstance) -> None:
        ctx.finish("completed", None)

    def scope_terminated(self, ctx: StepContext, ai: ActivityInstance, end_event: Element) -> None:
        ctx.finish("terminated", f"terminate end event {end_event.label} was reached")

    def catch_inside(self, ctx: StepContext, scope_ai: ActivityInstance, child: ActivityInstance, kind: str,
                     code: str | None) -> Catcher | None:
        return event_subprocesses.catcher(ctx, scope_ai, child, kind, code)


class SubProcess(ActivityBehaviour):
    """Opens its own scope (with its own variables) at its none start event."""

    def activate(self, ctx: StepContext, ai: ActivityInstance) -> None:
        element = ctx.element(ai.element)
        if ai.variables is None:
            ai.variables = {}
        scope = ctx.process.scope(element.id)
        starts = [s for s in scope.start_events if not ctx.element(s).events]
        if len(starts) == 1:
            event_subprocesses.open_scope(ctx, ai, starts[0])
            return
        if starts:
            raise Incident(f"{element.label} has more than one none start event")
        start_without_start_event(ctx, ai)

    def catch_inside(self, ctx: StepContext, scope_ai: ActivityInstance, child: ActivityInstance, kind: str,
                     code: str | None) -> Catcher | None:
        return event_subprocesses.catcher(ctx, scope_ai, child, kind, code)


class EventSubProcess(SubProcess):
    """An instance of an event subprocess, started by its start event in the scope that contains it."""

    def activate(self, ctx: StepContext, ai: ActivityInstance) -> None:
        event_subprocesses.subscribe_event_subprocesses(ctx, ai)
        start = ctx.element(ctx.process.scope(ai.element).start_events[0])
        start_ai = ctx.create(start, ai)
        ctx.history("element_activated", start.id, start_ai.id, None)
        ctx.complete(start_ai)

    def scope_completed(self, ctx: StepContext, ai: ActivityInstance) -> None:
        scope_ai = ctx.state.parent_of(ai)
        ctx.end_instance(ai, "completed")
        ctx.token_consumed(scope_ai)


class AdHocSubProcess(SubProcess):
    """Runs all its inner activities that have no incoming flow (in parallel), then completes."""

    def activate(self, ctx: StepContext, ai: ActivityInstance) -> None:
        if ai.variables is None:
            ai.variables = {}
        start_without_start_event(ctx, ai)


class Transaction(SubProcess):
    """A subprocess that a cancel end event cancels: its completed work is compensated, then it is left by
    its cancel boundary event; without one, the path that entered it ends there (BPMN 10.2.2: the boundary
    event is what directs the flow after the rollback)."""

    def cancel(self, ctx: StepContext, ai: ActivityInstance) -> None:
        ctx.terminate_children(ai.id)
        compensation.compensate_inside(ctx, ai)

    def compensation_done(self, ctx: StepContext, ai: ActivityInstance) -> None:
        boundary = next((b for b in boundary_events(ctx, ctx.element(ai.element))
                         if any(d.kind == "cancel" for d in b.events)), None)
        if boundary is None:
            scope_ai = ctx.state.parent_of(ai)
            ctx.end_instance(ai, "terminated")
            ctx.token_consumed(scope_ai)
            return
        ctx.behaviour_for(boundary).event_occurred(ctx, boundary, ai, None, {})


class CallActivity(ActivityBehaviour):
    """Starts an instance of the called process and waits for it to end; a called global task runs in place."""

    def activate(self, ctx: StepContext, ai: ActivityInstance) -> None:
        element = ctx.element(ai.element)
        if element.called_task:
            ctx.behaviour_for_kind(element.called_task).activate(ctx, ai)
            return
        if not element.called_element:
            raise Incident(f"{element.label} does not name the process to call (calledElement)")
        key = variable_passing.business_key(ctx, ai, element)
        ctx.add_wait(CallWait(ctx.state.next_id(), ai.id, element.id, element.called_element,
                              variable_passing.passed_in(ctx, ai, element), business_key=key,
                              inherit_business_key=element.extensions.passing.inherit_business_key))

    def set_results(self, ctx: StepContext, ai: ActivityInstance, values: Mapping[str, Any]) -> None:
        """The called instance ended with `values`: only what the call activity passes back is kept."""
        element = ctx.element(ai.element)
        if element.called_task:
            super().set_results(ctx, ai, values)
            return
        shared, local = variable_passing.passed_back(element, values)
        super().set_results(ctx, ai, shared)
        if local:
            ctx.set_local_variables(ai, local)
