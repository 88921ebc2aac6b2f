"""Scopes: the process itself, subprocesses (embedded, event, transaction, ad-hoc) and call activities."""
from __future__ import annotations

from typing import Any, Mapping

from bpmn_runtime.engine.behaviours import compensation, event_subprocesses, variable_passing
from bpmn_runtime.engine.behaviours.activities import ActivityBehaviour
from bpmn_runtime.engine.behaviours.base import Behaviour, Catcher, Incident, StepContext
from bpmn_runtime.engine.behaviours.boundaries import boundary_events
from bpmn_runtime.engine.state import ActivityInstance, CallWait
from bpmn_runtime.model import Element


class ProcessBehaviour(Behaviour):
    """The process instance's own activity instance: the outermost scope."""

    def open(self, ctx: StepContext, root: ActivityInstance, start_event: str) -> None:
        event_subprocesses.open_scope(ctx, root, start_event)

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
        self._start_without_start_event(ctx, ai)

    def _start_without_start_event(self, ctx: StepContext, ai: ActivityInstance) -> None:
        """No start event: every element without incoming flows starts (BPMN 10.5.1)."""
        entries = ctx.facts.entries[ai.element]
        if not entries:
            ctx.complete(ai)
            return
        event_subprocesses.subscribe_event_subprocesses(ctx, ai)
        for entry in entries:
            ctx.enter(entry, ai, None)

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
        self._start_without_start_event(ctx, ai)


class Transaction(SubProcess):
    """A subprocess that a cancel end event cancels: its completed work is compensated, then it is left by
    its cancel boundary event (deployment makes sure it has one)."""

    def cancel(self, ctx: StepContext, ai: ActivityInstance) -> None:
        ctx.terminate_children(ai.id)
        compensation.compensate_inside(ctx, ai)

    def compensation_done(self, ctx: StepContext, ai: ActivityInstance) -> None:
        boundary = next(b for b in boundary_events(ctx, ctx.element(ai.element))
                        if any(d.kind == "cancel" for d in b.events))
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
