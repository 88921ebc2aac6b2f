"""Events: start, end, intermediate catch and throw, boundary events and event-subprocess starts.

Catching is done by subscriptions (waits) for timers, messages, signals and conditions; errors and
escalations travel up the scopes to the nearest boundary event or event subprocess that catches them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bpmn_runtime.engine import timer_events
from bpmn_runtime.engine.behaviours.base import Behaviour
from bpmn_runtime.engine.state import ROOT, ActivityInstance, Wait
from bpmn_runtime.engine.step import Incident
from bpmn_runtime.errors import ExpressionError
from bpmn_runtime.model import Element, EventDefinition

if TYPE_CHECKING:
    from bpmn_runtime.engine.step import Step

WAITING_KINDS = ("timer", "message", "signal", "conditional")


def subscribe(step: "Step", owner: ActivityInstance, event: Element, definition: EventDefinition) -> Wait | None:
    """Wait on `owner` for the event `definition` of `event` (nothing to wait for: error, escalation, ...)."""
    if definition.kind == "timer":
        return timer_events.subscribe(step, owner, event, definition.timer)
    if definition.kind == "message":
        key = str(step.evaluate(owner, definition.correlation_key)) if definition.correlation_key else None
        return step.add_wait(owner, "message", event.id, event_name(step, owner, definition), correlation=key)
    if definition.kind == "signal":
        return step.add_wait(owner, "signal", event.id, event_name(step, owner, definition))
    if definition.kind == "conditional":
        wait = step.add_wait(owner, "conditional", event.id, None, condition=definition.condition or "false")
        step.later(lambda: _fire_if_true(step, wait))  # already true: fires as soon as its owner has started
        return wait
    return None


def event_name(step: "Step", ai: ActivityInstance, definition: EventDefinition) -> str | None:
    """A message or signal name; Camunda 7 resolves `${...}` in it where the event is caught or thrown."""
    if definition.name is None:
        return None
    name = step.render(ai, definition.name)
    if not isinstance(name, str):
        raise Incident(f"the name '{definition.name}' gives {name!r}, not text")
    return name


def rearm_or_remove(step: "Step", wait: Wait | None) -> None:
    """After a non-interrupting event: a timer cycle schedules its next firing, a one-off timer goes."""
    if wait is None:
        return
    if wait.kind == "timer":
        timer_events.rearm(step, wait)


def subscribe_boundary_events(step: "Step", ai: ActivityInstance, element: Element) -> None:
    for boundary_id in step.process.scope(element.scope).boundary_events.get(element.id, ()):
        boundary = step.element(boundary_id)
        for definition in boundary.events:
            subscribe(step, ai, boundary, definition)


def subscribe_event_subprocess(step: "Step", scope_ai: ActivityInstance, subprocess: Element) -> None:
    for start_id in step.process.scope(subprocess.id).start_events:
        start = step.element(start_id)
        for definition in start.events:
            subscribe(step, scope_ai, start, definition)


def boundary_occurred(step: "Step", boundary: Element, attached: ActivityInstance, wait: Wait | None,
                      payload: dict[str, Any]) -> None:
    """A boundary event fired: interrupt the activity when it is interrupting, then leave from the event."""
    scope_ai = step.state.instances[attached.parent]
    if boundary.cancel_activity:
        step.terminate(attached)
    else:
        rearm_or_remove(step, wait)
    _leave_by_boundary(step, boundary, scope_ai, payload)


def _leave_by_boundary(step: "Step", boundary: Element, scope_ai: ActivityInstance, payload: dict[str, Any]) -> None:
    ai = step.create(boundary, scope_ai)
    step.history("element_activated", boundary.id, ai.id, None)
    step.set_variables(ai, payload)
    step.complete(ai)


def catch_own_event(step: "Step", activity: ActivityInstance, definition: EventDefinition) -> None:
    """An event an activity throws about itself (a multi-instance behavior event, BPMN 10.2.8) is caught by
    its matching boundary event, which passes a token on without interrupting the activity."""
    catcher = _boundary_catcher(step, activity, definition.kind, definition.name)
    if catcher is not None:
        _leave_by_boundary(step, catcher.event, step.state.instances[activity.parent], {})


def event_subprocess_triggered(step: "Step", start: Element, scope_ai: ActivityInstance, wait: Wait | None,
                               payload: dict[str, Any]) -> None:
    """An event-subprocess start fired in `scope_ai`: interrupt the scope if it is interrupting, then run it."""
    subprocess = step.element(start.scope)
    if start.interrupting:
        step.terminate_children(scope_ai.id)
        own_starts = {s for sub in step.process.scope(scope_ai.element).event_subprocesses
                      for s in step.process.scope(sub).start_events}
        for other in step.state.waits_of(scope_ai.id):
            if other.element in own_starts:
                step.remove_wait(other)
    else:
        rearm_or_remove(step, wait)
    sub_ai = step.create(subprocess, scope_ai, variables={})
    step.history("element_activated", subprocess.id, sub_ai.id, None)
    for nested in step.process.scope(subprocess.id).event_subprocesses:
        subscribe_event_subprocess(step, sub_ai, step.element(nested))
    start_ai = step.create(start, sub_ai)
    step.history("element_activated", start.id, start_ai.id, None)
    step.set_variables(sub_ai, payload)
    step.complete(start_ai)


@dataclass(frozen=True)
class Catcher:
    """Where a thrown error or escalation is caught: a boundary event or an event-subprocess start."""

    event: Element
    ai: ActivityInstance  # the activity the boundary event is attached to, or the scope of the event subprocess

    @property
    def interrupting(self) -> bool:
        return self.event.cancel_activity if self.event.kind == "boundaryEvent" else self.event.interrupting

    def occur(self, step: "Step") -> None:
        if self.event.kind == "boundaryEvent":
            boundary_occurred(step, self.event, self.ai, None, {})
        else:
            event_subprocess_triggered(step, self.event, self.ai, None, {})


def _best(candidates: list[tuple[Element, EventDefinition]], code: str | None) -> Element | None:
    exact = [event for event, definition in candidates if definition.name is not None and definition.name == code]
    if exact:
        return exact[0]
    catch_all = [event for event, definition in candidates if definition.name is None]
    return catch_all[0] if catch_all else None


def _boundary_catcher(step: "Step", ai: ActivityInstance, kind: str, code: str | None) -> Catcher | None:
    element = step.element(ai.element)
    candidates = [(step.element(b), d) for b in step.process.scope(element.scope).boundary_events.get(element.id, ())
                  for d in step.element(b).events if d.kind == kind]
    found = _best(candidates, code)
    return Catcher(found, ai) if found else None


def _event_subprocess_catcher(step: "Step", scope_ai: ActivityInstance, kind: str, code: str | None,
                              exclude: str | None) -> Catcher | None:
    scope = step.process.scope(scope_ai.element)
    candidates = [(step.element(s), d) for sub in scope.event_subprocesses if sub != exclude
                  for s in step.process.scope(sub).start_events for d in step.element(s).events if d.kind == kind]
    found = _best(candidates, code)
    return Catcher(found, scope_ai) if found else None


def find_catcher(step: "Step", source: ActivityInstance, kind: str, code: str | None) -> Catcher | None:
    """The nearest catcher of an error or escalation thrown at `source`, walking out through the scopes."""
    element = step.element(source.element) if step.is_element(source.element) else None
    if element is not None and element.kind not in ("endEvent", "intermediateThrowEvent") \
            and not source.data.get("mi_inner"):
        found = _boundary_catcher(step, source, kind, code)
        if found:
            return found
    current = source
    while current.parent is not None:
        scope_ai = step.state.instances[current.parent]
        if not scope_ai.data.get("mi_body"):
            exclude = current.element if step.is_element(current.element) and \
                step.element(current.element).triggered_by_event else None
            found = _event_subprocess_catcher(step, scope_ai, kind, code, exclude)
            if found:
                return found
        if scope_ai.id != ROOT and not scope_ai.data.get("mi_inner"):
            found = _boundary_catcher(step, scope_ai, kind, code)
            if found:
                return found
        current = scope_ai
    return None


class StartEvent(Behaviour):
    """A start event passes the token on; message, signal and timer starts are matched by the runtime."""


class BoundaryEvent(Behaviour):
    """Created by `boundary_occurred`; leaves along its outgoing flows."""


class EndEvent(Behaviour):
    """Ends a path; its event definition decides what else happens."""

    def activate(self, step: "Step", ai: ActivityInstance) -> None:
        element = step.element(ai.element)
        scope_ai = step.state.instances[ai.parent]
        for definition in element.events:
            if definition.kind == "terminate":
                step.terminate_children(scope_ai.id)
                if scope_ai.id == ROOT:
                    step.finish("terminated", f"terminate end event {element.label} was reached")
                else:
                    step.behaviour(step.element(scope_ai.element)).scope_completed(step, scope_ai)
                return
            if definition.kind == "error":
                step.throw_error(ai, definition.name or "")
                return
            if definition.kind == "cancel":
                from bpmn_runtime.engine.behaviours.subprocesses import cancel_transaction
                cancel_transaction(step, ai)
                return
            throw(step, ai, definition)
            if ai.id not in step.state.instances or ai.data.get("waiting_for_compensation"):
                return  # a compensation end event ends its path when the compensation is done
        step.take_outgoing(ai, [])


def throw(step: "Step", ai: ActivityInstance, definition: EventDefinition) -> None:
    """Throw a message, signal, escalation or compensation from `ai`."""
    if definition.kind == "message":
        name = event_name(step, ai, definition)
        step.effects.messages.append((name or "", None, dict(step.variables(ai))))
        step.history("message_thrown", ai.element, ai.id, {"message": name})
    elif definition.kind == "signal":
        signal = event_name(step, ai, definition) or ""
        step.effects.signals.append((signal, {}))
        step.history("signal_thrown", ai.element, ai.id, {"signal": signal})
        step.later(lambda: _broadcast_here(step, signal))
    elif definition.kind == "escalation":
        step.throw_escalation(ai, definition.name)
    elif definition.kind == "compensate":
        from bpmn_runtime.engine.behaviours.compensation import throw_compensation
        throw_compensation(step, ai, definition)


def _broadcast_here(step: "Step", name: str) -> None:
    """A signal reaches every catcher, this instance's too; the runtime delivers it to the other instances.

    It goes through the agenda, so tokens that left a parallel split together with the thrower's have
    reached their catch events first, and the thrower moves on only after its signal was delivered.
    """
    for wait in [w for w in step.state.waits.values() if w.kind == "signal" and w.name == name]:
        if wait.key in step.state.waits and wait.ai in step.state.instances:
            step.trigger_wait(wait, {})


class IntermediateThrowEvent(Behaviour):
    """Throws each of its event definitions, then continues (a link jumps to its catching twin)."""

    def activate(self, step: "Step", ai: ActivityInstance) -> None:
        element = step.element(ai.element)
        for definition in element.events:
            if definition.kind == "link":
                target = link_target(step, element, definition.name or "")
                step.end_instance(ai, "completed")
                step.enter(target.id, step.state.instances[ai.parent], None)
                return
            throw(step, ai, definition)
            if ai.id not in step.state.instances or ai.data.get("waiting_for_compensation"):
                return
        step.complete(ai)


def link_target(step: "Step", source: Element, name: str) -> Element:
    for element_id in step.process.scope(source.scope).children:
        candidate = step.element(element_id)
        if candidate.kind == "intermediateCatchEvent" and any(
                d.kind == "link" and d.name == name for d in candidate.events):
            return candidate
    raise Incident(f"no link catch event named '{name}' in the scope of {source.label}")


class IntermediateCatchEvent(Behaviour):
    """Waits for any of its events (all of them when parallel multiple); a link catch passes at once.

    A time cycle fires repeatedly: each firing passes a token on, and the event ends with the last one.
    """

    def activate(self, step: "Step", ai: ActivityInstance) -> None:
        element = step.element(ai.element)
        if all(d.kind == "link" for d in element.events) or not element.events:
            step.complete(ai)
            return
        for definition in element.events:
            subscribe(step, ai, element, definition)

    def triggered(self, step: "Step", ai: ActivityInstance, wait: Wait, payload: dict[str, Any]) -> None:
        element = step.element(ai.element)
        step.set_variables(ai, payload)
        if wait.kind == "timer" and not element.parallel_multiple and timer_events.rearm(step, wait):
            step.fork(ai)  # each firing of a time cycle but the last passes a token on
            return
        step.remove_wait(wait)
        if element.parallel_multiple and any(w.kind in WAITING_KINDS for w in step.state.waits_of(ai.id)):
            return
        step.remove_waits(ai)
        step.complete(ai)


def fire_true_conditions(step: "Step") -> bool:
    """Conditional events whose condition has become true fire; True when any did."""
    fired = False
    for wait in [w for w in step.state.waits.values() if w.kind == "conditional"]:
        fired = _fire_if_true(step, wait) or fired
    return fired


def _fire_if_true(step: "Step", wait: Wait) -> bool:
    """A conditional event fires when its condition turns true (BPMN 10.4.5), not again while it stays true."""
    if wait.key not in step.state.waits or wait.ai not in step.state.instances:
        return False
    try:
        now_true = step.condition(step.state.instances[wait.ai], wait.detail["condition"])
    except ExpressionError:
        now_true = False  # a variable the condition reads is not set yet
    was_true = wait.detail.get("was_true", False)
    wait.detail["was_true"] = now_true
    if now_true and not was_true:
        step.trigger_wait(wait, {})
        return True
    return False
