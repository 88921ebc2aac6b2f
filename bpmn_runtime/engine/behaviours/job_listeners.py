"""Camunda 8 execution listeners, run as Zeebe runs them: each is a job for the workers of its type, and the
element waits for it. Start listeners run after the input mappings and before the element subscribes its boundary
events and does its work; what their jobs complete with becomes the element's local variables. End listeners run
after the output mappings, before the element is left; what their jobs complete with goes to the element's scope,
as output mappings do. Listeners of one event run one after the other, in model order.

Activities (`activities.ActivityBehaviour`), events (`EndListened`, `events.ListenedEvent`), gateways
(`gateways.Gateway`, start listeners only) and the process (`subprocesses.ProcessBehaviour`: before its start event,
once it has completed) run them; deployment refuses them where this engine does not run them so
(`parser.validation.camunda8.listener_problems`)."""
from __future__ import annotations

from typing import Any, Mapping

from bpmn_runtime.engine.behaviours.base import Behaviour, StepContext
from bpmn_runtime.engine.behaviours.jobs import job_headers, job_retries, job_type
from bpmn_runtime.engine.state import ActivityInstance, JobWait, StartProcess
from bpmn_runtime.model import Element, JobListener


def of(element: Element, event: str) -> list[JobListener]:
    """`element`'s listeners of `event`, in model order."""
    return [listener for listener in element.extensions.job_listeners if listener.event == event]


def wait_for(ctx: StepContext, ai: ActivityInstance, event: str, index: int, resume_at: str = "",
             carried: Mapping[str, Any] | None = None, task_headers: Mapping[str, str] | None = None) -> bool:
    """Make `ai` (an element's, or the process's own) wait for the job of its listener number `index` of `event`
    (a task listener's job also tells the task's properties, `task_headers`); False when it has no such
    listener."""
    element = ctx.element(ai.element) if ai.parent is not None else None
    declared = ctx.process.job_listeners if element is None else element.extensions.job_listeners
    if not declared:  # nearly every element: no headers to build
        return False
    listeners = [listener for listener in declared if listener.event == event]
    if index >= len(listeners):
        return False
    listener = listeners[index]
    headers, timeout = job_headers(ctx, element) if element is not None else ({}, None)
    ctx.add_wait(JobWait(ctx.state.next_id(), ai.id, ai.element, job_type(ctx, ai, listener.job_type),
                         retries=job_retries(ctx, ai, listener.retries, listener.retries_expression),
                         headers={**headers, **(task_headers or {})}, timeout=timeout, listener=event, listener_index=index,
                         resume_at=resume_at, carried=dict(carried or {})))
    return True


def completed(ctx: StepContext, ai: ActivityInstance, wait: JobWait, payload: Mapping[str, Any]) -> None:
    """A listener's job completed with `payload`: the next listener of its event, else the element goes on (with its
    work after start listeners, out of the element after end listeners)."""
    ctx.remove_wait(wait)
    if wait.listener == "start":
        ctx.set_local_variables(ai, payload)
    else:
        ctx.set_variables(ctx.state.parent_of(ai) if ai.parent is not None else ai, payload)
    if wait_for(ctx, ai, wait.listener, wait.listener_index + 1, wait.resume_at):
        return
    if ai.parent is None and wait.listener == "start":
        ctx.later(StartProcess(wait.resume_at, listened=True))
    else:
        ctx.run_phase(ai, "perform" if wait.listener == "start" else "depart")


class EndListened(Behaviour):
    """An event whose end listeners run as it leaves, after its output mappings (start and boundary events, which
    Zeebe gives no start listeners; intermediate and end events, `events.ListenedEvent`)."""

    def leave(self, ctx: StepContext, ai: ActivityInstance) -> None:
        if not wait_for(ctx, ai, "end", 0):
            self.depart(ctx, ai)

    def depart(self, ctx: StepContext, ai: ActivityInstance) -> None:
        """Go on, once the end listeners are done (after Camunda 7's asyncAfter, when the event has one)."""
        self.leave_along_flows(ctx, ai)
