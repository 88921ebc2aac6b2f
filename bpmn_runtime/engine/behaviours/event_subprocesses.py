"""Event subprocesses: the scope that contains one waits for its start event while the scope runs; when it
occurs, an interrupting one ends everything else in the scope, and an instance of the event subprocess
runs in it. A thrown error or escalation is caught by the event subprocesses of the scopes it passes.
"""
from __future__ import annotations

from typing import Any, Mapping

from bpmn_runtime.engine.behaviours import job_listeners, listeners
from bpmn_runtime.engine.behaviours.base import Catcher, StepContext, best_catcher
from bpmn_runtime.engine.behaviours.mappings import map_outputs
from bpmn_runtime.engine.behaviours.subscriptions import rearm_or_remove, subscribe_all
from bpmn_runtime.engine.state import ActivityInstance, Wait
from bpmn_runtime.model import Element


def subscribe_event_subprocesses(ctx: StepContext, scope_ai: ActivityInstance) -> None:
    """Wait on `scope_ai` for the start events of the event subprocesses its element contains."""
    for sub_id in ctx.process.scope(scope_ai.element).event_subprocesses:
        for start_id in ctx.process.scope(sub_id).start_events:
            subscribe_all(ctx, scope_ai, ctx.element(start_id))


def open_scope(ctx: StepContext, scope_ai: ActivityInstance, start_event: str) -> None:
    """Begin a scope: subscribe its event subprocesses, then enter its start event."""
    subscribe_event_subprocesses(ctx, scope_ai)
    ctx.enter(start_event, scope_ai, None)


def catcher(ctx: StepContext, scope_ai: ActivityInstance, child: ActivityInstance, kind: str,
            code: str | None) -> Catcher | None:
    """The start event of an event subprocess of `scope_ai` that catches error or escalation `code` thrown in
    `child` (not the start of the event subprocess `child` itself is an instance of)."""
    candidates = [(ctx.element(s), d.name) for sub in ctx.process.scope(scope_ai.element).event_subprocesses
                  if sub != child.element for s in ctx.process.scope(sub).start_events
                  for d in ctx.element(s).events if d.kind == kind]
    found = best_catcher(candidates, code)
    return Catcher(found, scope_ai, found.interrupting) if found else None


class StartEvent(job_listeners.EndListened):
    """Passes the token on. The start event of an event subprocess occurs in the scope that contains it and
    starts an instance of the event subprocess there; message, signal and timer starts of the process
    itself are matched by the runtime, which starts the instance at them. Its output mappings are applied as it
    passes the token on (see `validation.camunda8` for those of message starts)."""

    def activate(self, ctx: StepContext, ai: ActivityInstance) -> None:
        listeners.notify_start(ctx, ai)
        map_outputs(ctx, ai)
        ctx.complete(ai)

    def event_occurred(self, ctx: StepContext, event: Element, ai: ActivityInstance, wait: Wait | None,
                       payload: Mapping[str, Any]) -> None:
        if event.interrupting:
            ctx.terminate_children(ai.id)
            own_starts = {s for sub in ctx.process.scope(ai.element).event_subprocesses
                          for s in ctx.process.scope(sub).start_events}
            for other in ctx.state.waits_of(ai.id):
                if other.element in own_starts:
                    ctx.remove_wait(other)
        else:
            rearm_or_remove(ctx, wait)
        subprocess = ctx.element(event.scope)
        sub_ai = ctx.create(subprocess, ai, variables={})
        ctx.history("element_activated", subprocess.id, sub_ai.id, None)
        ctx.run_phase(sub_ai, "activate")
        ctx.set_variables(sub_ai, payload)
