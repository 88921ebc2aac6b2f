"""Scopes: the process itself, subprocesses (embedded, event, transaction, ad-hoc) and call activities."""
from __future__ import annotations

from typing import Any, Mapping

from bpmn_runtime.engine.behaviours import boundaries, compensation, event_subprocesses, job_listeners, variable_passing
from bpmn_runtime.engine.behaviours.activities import ActivityBehaviour
from bpmn_runtime.engine.behaviours.base import Behaviour, Catcher, Incident, StepContext
from bpmn_runtime.engine.start_events import instantiating_gateway
from bpmn_runtime.engine.state import ActivityInstance, CallWait, MultiInstanceBody, Run
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

    def open(self, ctx: StepContext, root: ActivityInstance, start_event: str, listened: bool = False) -> None:
        """Enter the start event, once the process's Camunda 8 start listeners are done (`listened`); an
        instantiating receive task, or an event after an instantiating event-based gateway, has already occurred (its
        message started the instance) and is left at once (BPMN 10.6.6). A process without start events starts at
        every node without incoming flows (BPMN 10.4.2)."""
        if not listened and job_listeners.wait_for(ctx, root, "start", 0, resume_at=start_event):
            return
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
        """Everything has ended: the process's Camunda 8 end listeners run, then the instance completes."""
        if not job_listeners.wait_for(ctx, ai, "end", 0):
            self.depart(ctx, ai)

    def depart(self, ctx: StepContext, ai: ActivityInstance) -> None:
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
        ctx.later(Run(start_ai.id, "activate"))  # once what the event brought is set: its listeners, its outputs

    def scope_completed(self, ctx: StepContext, ai: ActivityInstance) -> None:
        scope_ai = ctx.state.parent_of(ai)
        ctx.end_instance(ai, "completed")
        ctx.token_consumed(scope_ai)


class AdHocSubProcess(SubProcess):
    """BPMN 10.3.5: its inner activities without an incoming flow are its work. Ordering Parallel starts them all
    at once; Sequential starts one at a time, in the order the file lists them, each once nothing inside runs
    any more. When an inner activity completes, the completion condition (if any) is evaluated: once it holds no
    more are started, and with cancelRemainingInstances (the default) those still running are cancelled. It
    completes when nothing inside runs and nothing is left to start."""

    def activate(self, ctx: StepContext, ai: ActivityInstance) -> None:
        if ai.variables is None:
            ai.variables = {}
        entries = ctx.facts.entries[ai.element]
        if not entries:
            ctx.complete(ai)
            return
        event_subprocesses.subscribe_event_subprocesses(ctx, ai)
        for _ in range(1 if _sequential(ctx, ai) else len(entries)):
            _start_next(ctx, ai)

    def child_completed(self, ctx: StepContext, scope_ai: ActivityInstance, child: ActivityInstance) -> None:
        element = ctx.element(scope_ai.element)
        # evaluated before the child goes on, so that a failing condition leaves it where a retry finds it
        done = bool(element.completion_condition) and ctx.condition(scope_ai, element.completion_condition or "")
        super().child_completed(ctx, scope_ai, child)
        if done:
            scope_ai.entries_started = len(ctx.facts.entries[element.id])  # nothing more starts
            if element.cancel_remaining_instances:
                ctx.terminate_children(scope_ai.id)
            ctx.token_consumed(scope_ai)
        elif _sequential(ctx, scope_ai) and not ctx.state.has_children(scope_ai.id) and not ctx.has_tokens_in_flight(
                scope_ai.id, frozenset(ctx.process.scope(element.id).children)):
            _start_next(ctx, scope_ai)

    def scope_completed(self, ctx: StepContext, ai: ActivityInstance) -> None:
        """Nothing inside runs: start the next inner activity of a sequential one whose last path did not end in an
        activity (its boundary events and event subprocesses wait again), else complete."""
        if _sequential(ctx, ai) and ai.entries_started < len(ctx.facts.entries[ai.element]):
            element = ctx.element(ai.element)
            boundaries.subscribe_boundary_events(ctx, ai, element)
            event_subprocesses.subscribe_event_subprocesses(ctx, ai)
            _start_next(ctx, ai)
            return
        super().scope_completed(ctx, ai)


def _sequential(ctx: StepContext, ai: ActivityInstance) -> bool:
    return ctx.element(ai.element).ordering == "Sequential"


def _start_next(ctx: StepContext, ai: ActivityInstance) -> None:
    """Start the next inner activity of an ad-hoc subprocess that has one left to start."""
    entries = ctx.facts.entries[ai.element]
    if ai.entries_started < len(entries):
        ai.entries_started += 1
        ctx.enter(entries[ai.entries_started - 1], ai, None)


class Transaction(SubProcess):
    """A subprocess that a cancel end event cancels: its completed work is compensated, then it is left by
    its cancel boundary event; without one, the path that entered it ends there (BPMN 10.2.2: the boundary
    event is what directs the flow after the rollback)."""

    def cancel(self, ctx: StepContext, ai: ActivityInstance) -> None:
        ctx.terminate_children(ai.id)
        compensation.compensate_inside(ctx, ai)

    def compensation_done(self, ctx: StepContext, ai: ActivityInstance) -> None:
        """Leave by the cancel boundary event (an instance of a multi-instance transaction leaves by its body's,
        which ends the other instances with it); without one, the transaction ends where it is."""
        boundary = next((b for b in boundaries.boundary_events(ctx, ctx.element(ai.element))
                         if any(d.kind == "cancel" for d in b.events)), None)
        parent = ctx.state.parent_of(ai)
        if boundary is None:
            ctx.end_instance(ai, "terminated")
            ctx.token_consumed(parent)
            return
        attached = parent if isinstance(parent.body, MultiInstanceBody) else ai
        ctx.behaviour_for(boundary).event_occurred(ctx, boundary, attached, None, {})


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
        ctx.add_wait(CallWait(ctx.state.next_id(), ai.id, element.id, _called(ctx, ai, element),
                              variable_passing.passed_in(ctx, ai, element), business_key=key,
                              inherit_business_key=element.extensions.passing.inherit_business_key,
                              version=_called_version(ctx, ai, element)))

    def set_results(self, ctx: StepContext, ai: ActivityInstance, values: Mapping[str, Any]) -> None:
        """The called instance ended with `values`: only what the call activity passes back is kept."""
        element = ctx.element(ai.element)
        if element.called_task:
            super().set_results(ctx, ai, values)
            return
        shared, local = variable_passing.passed_back(ctx, ai, element, values)
        super().set_results(ctx, ai, shared)
        if local:
            ctx.set_local_variables(ai, local)


def _called_version(ctx: StepContext, ai: ActivityInstance, element: Element) -> int | None:
    """The version a Camunda 7 call activity bound to a version calls (its `${...}` evaluated as it starts)."""
    text = element.extensions.called_version
    if text is None:
        return None
    version = ctx.render(ai, text)
    if isinstance(version, str) and version.strip().isdigit():
        version = int(version)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise Incident(f"the called version \"{text}\" of {element.label} gives {version!r}, not a version number")
    return version


def _called(ctx: StepContext, ai: ActivityInstance, element: Element) -> str:
    """The id of the process to call: Camunda 8 evaluates a processId written as FEEL (`=...`) as the call
    activity starts; any other id is the id itself."""
    process_id = element.called_element or ""
    if not process_id.startswith("="):
        return process_id
    called = ctx.evaluate(ai, process_id)
    if not isinstance(called, str) or not called.strip():
        raise Incident(f"the called process id \"{process_id}\" of {element.label} gives {called!r}, not a process id")
    return called

