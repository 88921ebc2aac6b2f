"""Boundary events: an activity instance waits for them while it runs; when one occurs, an interrupting one
ends the activity, and a token leaves from the event.

The subscriptions belong to the activity instance the events are attached to (for a multi-instance
activity, its body). Errors and escalations are not subscribed to: they are caught (`catcher`) when
thrown inside or at the activity.
"""
from __future__ import annotations

from typing import Any, Mapping

from bpmn_runtime.engine.behaviours import job_listeners, listeners
from bpmn_runtime.engine.behaviours.base import Catcher, StepContext, best_catcher
from bpmn_runtime.engine.behaviours.mappings import take_event_results
from bpmn_runtime.engine.behaviours.subscriptions import rearm_or_remove, subscribe_all
from bpmn_runtime.engine.state import ActivityInstance, Wait
from bpmn_runtime.model import Element, EventDefinition


def boundary_events(ctx: StepContext, element: Element) -> list[Element]:
    return [ctx.element(b) for b in ctx.process.scope(element.scope).boundary_events.get(element.id, ())]


def subscribe_boundary_events(ctx: StepContext, ai: ActivityInstance, element: Element) -> None:
    for boundary in boundary_events(ctx, element):
        subscribe_all(ctx, ai, boundary)


def catcher(ctx: StepContext, ai: ActivityInstance, kind: str, code: str | None) -> Catcher | None:
    """The boundary event of `ai`'s element that catches error or escalation `code`."""
    candidates = [(b, d.name) for b in boundary_events(ctx, ctx.element(ai.element)) for d in b.events
                  if d.kind == kind]
    found = best_catcher(candidates, code)
    return Catcher(found, ai, found.cancel_activity) if found else None


def leave_by(ctx: StepContext, boundary: Element, scope_ai: ActivityInstance, payload: Mapping[str, Any]) -> None:
    """A token leaves from boundary event `boundary` into `scope_ai`, carrying `payload`."""
    ai = ctx.create(boundary, scope_ai)
    ctx.history("element_activated", boundary.id, ai.id, None)
    take_event_results(ctx, ai, payload)
    ctx.run_phase(ai, "activate")


def catch_own_event(ctx: StepContext, activity: ActivityInstance, definition: EventDefinition) -> None:
    """An event an activity throws about itself (a multi-instance behavior event, BPMN 10.2.8) is caught by
    its matching boundary event, which passes a token on without interrupting the activity."""
    found = catcher(ctx, activity, definition.kind, definition.name)
    if found is not None:
        leave_by(ctx, found.event, ctx.state.parent_of(activity), {})


class BoundaryEvent(job_listeners.EndListened):
    """Occurs on the activity instance it is attached to; the token then leaves along its outgoing flows."""

    def activate(self, ctx: StepContext, ai: ActivityInstance) -> None:
        """The event occurred and brought what it carries: its start listeners run, then it leaves."""
        listeners.notify_start(ctx, ai)
        ctx.complete(ai)

    def event_occurred(self, ctx: StepContext, event: Element, ai: ActivityInstance, wait: Wait | None,
                       payload: Mapping[str, Any]) -> None:
        scope_ai = ctx.state.parent_of(ai)
        if event.cancel_activity:
            ctx.terminate(ai)
        else:
            rearm_or_remove(ctx, wait)
        leave_by(ctx, event, scope_ai, payload)
