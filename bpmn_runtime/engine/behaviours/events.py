"""End events and intermediate events. Start events are in `event_subprocesses`, boundary events in
`boundaries`; what catching events wait for is subscribed through `subscriptions`."""
from __future__ import annotations

from typing import Any, Mapping

from bpmn_runtime.engine import message_payloads, spiff_correlation
from bpmn_runtime.engine.behaviours import compensation, job_listeners, listeners
from bpmn_runtime.engine.behaviours.base import Incident, StepContext
from bpmn_runtime.engine.behaviours import timer_events
from bpmn_runtime.engine.behaviours.mappings import map_inputs, map_outputs, set_results, take_event_results
from bpmn_runtime.engine.behaviours.tasks import create_job
from bpmn_runtime.engine.behaviours.subscriptions import event_name, subscribe_all
from bpmn_runtime.engine.state import ActivityInstance, ConditionalWait, MessageWait, SignalWait, TimerWait, Wait
from bpmn_runtime.model import EventDefinition

WAITING = (TimerWait, MessageWait, SignalWait, ConditionalWait)


def throw(ctx: StepContext, ai: ActivityInstance, definition: EventDefinition) -> bool:
    """Throw a message, signal, escalation or compensation from `ai`; True when `ai` must wait (for the
    compensation handlers it started) or was interrupted by what it threw. A message that a job worker sends
    never comes here (`sent_by_job`)."""
    if definition.kind == "message" and ctx.element(ai.element).extensions.sends_no_message:
        pass  # Camunda 7 runs a message throw without an implementation as a none event
    elif definition.kind == "message":
        message = event_name(ctx, ai, definition) or ""
        payload = message_payloads.thrown(ctx, ai, definition)
        ctx.throw_message(message, payload, spiff_correlation.thrown(ctx, definition, payload))
        ctx.history("message_thrown", ai.element, ai.id, {"message": message})
    elif definition.kind == "signal":
        signal = event_name(ctx, ai, definition) or ""
        ctx.throw_signal(signal, ai)
        ctx.history("signal_thrown", ai.element, ai.id, {"signal": signal})
    elif definition.kind == "escalation":
        ctx.throw_escalation(ai, thrown_code(ctx, ai, definition), _payload(ctx, ai, definition))
    elif definition.kind == "compensate" and compensation.throw(ctx, ai, definition):
        return True  # the event ends its path when the compensation is done
    return ai.id not in ctx.state.instances


def _payload(ctx: StepContext, ai: ActivityInstance, definition: EventDefinition) -> Any:
    """What a SpiffWorkflow error or escalation carries: its payloadExpression's value where it is thrown."""
    return ctx.evaluate(ai, definition.payload) if definition.payload else None


def thrown_code(ctx: StepContext, ai: ActivityInstance, definition: EventDefinition) -> str | None:
    """The code of the error or escalation an event throws: as declared, or what it gives when Camunda 8 FEEL
    (`errorCode="=reason"`), evaluated as the event is reached; it must give text."""
    code = definition.name
    if code is None or not code.lstrip().startswith("="):
        return code
    value = ctx.evaluate(ai, code)
    if not isinstance(value, str) or not value:
        raise Incident(f"the {definition.kind} code \"{code}\" of {ctx.element(ai.element).label} gives "
                       f"{value!r}, not the text of a code")
    return value


def sent_by_job(ctx: StepContext, ai: ActivityInstance) -> bool:
    """A message throw event with a job type (Camunda 8's `zeebe:taskDefinition`) leaves sending the message to
    the job workers of that type: True when `ai` now waits for that job, and is triggered when it completes."""
    element = ctx.element(ai.element)
    if element.extensions.topic is None or not any(d.kind == "message" for d in element.events):
        return False
    create_job(ctx, ai)
    return True


class ListenedEvent(job_listeners.EndListened):
    """An event that may have Camunda 8 execution listeners (`job_listeners`): start listeners after its input
    mappings, before it does its work (`perform`); end listeners after its output mappings, before it goes on
    (`depart`)."""

    def activate(self, ctx: StepContext, ai: ActivityInstance) -> None:
        map_inputs(ctx, ai)
        listeners.notify_start(ctx, ai)
        if not job_listeners.wait_for(ctx, ai, "start", 0):
            self.perform(ctx, ai)

    def perform(self, ctx: StepContext, ai: ActivityInstance) -> None:
        """The event's own work, once its start listeners are done."""
        ctx.complete(ai)


class EndEvent(ListenedEvent):
    """Ends a path; its event definition decides what else happens."""

    def perform(self, ctx: StepContext, ai: ActivityInstance) -> None:
        if not sent_by_job(ctx, ai):
            self.end(ctx, ai, sent=False)

    def triggered(self, ctx: StepContext, ai: ActivityInstance, wait: Wait, payload: Mapping[str, Any]) -> None:
        ctx.remove_wait(wait)  # the job that sent the message is done
        set_results(ctx, ai, payload)
        self.end(ctx, ai, sent=True)

    def end(self, ctx: StepContext, ai: ActivityInstance, sent: bool) -> None:
        """Map the outputs, then do what the event definitions say (a message a job `sent` is not thrown again)."""
        element = ctx.element(ai.element)
        scope_ai = ctx.state.parent_of(ai)
        map_outputs(ctx, ai)
        for definition in element.events:
            if sent and definition.kind == "message":
                continue
            if definition.kind == "terminate":
                ctx.terminate_children(scope_ai.id)
                ctx.behaviour_of(scope_ai).scope_terminated(ctx, scope_ai, element)
                return
            if definition.kind == "error":
                text = definition.error_message
                ctx.throw_error(ai, thrown_code(ctx, ai, definition) or "",
                                message=str(ctx.render(ai, text)) if text else None, payload=_payload(ctx, ai, definition))
                return
            if definition.kind == "cancel":
                ctx.behaviour_of(scope_ai).cancel(ctx, scope_ai)
                return
            if throw(ctx, ai, definition):
                return
        self.leave(ctx, ai)

    def depart(self, ctx: StepContext, ai: ActivityInstance) -> None:
        self.leave_along_flows(ctx, ai)  # an end event has no outgoing flows: the path ends


class IntermediateThrowEvent(ListenedEvent):
    """Throws each of its event definitions, then continues (a link jumps to its catching twin)."""

    def perform(self, ctx: StepContext, ai: ActivityInstance) -> None:
        element = ctx.element(ai.element)
        if sent_by_job(ctx, ai):
            return
        map_outputs(ctx, ai)
        for definition in element.events:
            if definition.kind == "link":
                target = ctx.facts.link_targets.get((element.scope, definition.name or ""))
                if target is None:
                    raise Incident(f"no link catch event named '{definition.name}' in the scope of {element.label}")
                listeners.notify_end(ctx, ai)
                ctx.end_instance(ai, "completed")
                ctx.enter(target, ctx.state.parent_of(ai), None)
                return
            if throw(ctx, ai, definition):
                return
        ctx.complete(ai)

    def triggered(self, ctx: StepContext, ai: ActivityInstance, wait: Wait, payload: Mapping[str, Any]) -> None:
        ctx.remove_wait(wait)  # the job that sent the message is done
        take_event_results(ctx, ai, payload)
        ctx.complete(ai)


class IntermediateCatchEvent(ListenedEvent):
    """Waits for any of its events (all of them when parallel multiple); a link catch passes at once.

    A time cycle fires repeatedly: each firing passes a token on, and the event ends with the last one.
    """

    def perform(self, ctx: StepContext, ai: ActivityInstance) -> None:
        element = ctx.element(ai.element)
        if all(d.kind == "link" for d in element.events) or not element.events:
            map_outputs(ctx, ai)
            ctx.complete(ai)
            return
        subscribe_all(ctx, ai, element)

    def triggered(self, ctx: StepContext, ai: ActivityInstance, wait: Wait, payload: Mapping[str, Any]) -> None:
        element = ctx.element(ai.element)
        take_event_results(ctx, ai, payload)
        if isinstance(wait, TimerWait) and not element.parallel_multiple and timer_events.rearm(ctx, wait):
            ctx.fork(ai)  # each firing of a time cycle but the last passes a token on
            return
        ctx.remove_wait(wait)
        if element.parallel_multiple and any(isinstance(w, WAITING) for w in ctx.state.waits_of(ai.id)):
            return
        ctx.remove_waits(ai)
        ctx.complete(ai)
