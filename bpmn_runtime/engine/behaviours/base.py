"""What every behaviour shares: the lifecycle it implements (`Behaviour`), what it may ask of the step that
runs it (`StepContext`), and how it reports a failure the model does not handle (`Incident`).

A behaviour is a stateless object; what it remembers lives in typed fields of its activity instances.
Behaviours never import the step: the step implements `StepContext`, and `registry` is the one place that
says which behaviour runs an activity instance.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping, Protocol

from bpmn_runtime import juel
from bpmn_runtime.engine.analysis import ProcessFacts
from bpmn_runtime.engine.decision_calls import DecisionCall, DecisionOutcome
from bpmn_runtime.engine.limits import Limits
from bpmn_runtime.engine.state import (
    ActivityInstance, Body, ContinuationWait, InstanceState, Join, Operation, Phase, Wait,
)
from bpmn_runtime.errors import BpmnRuntimeError
from bpmn_runtime.model import Element, Flow, Process


class Incident(BpmnRuntimeError):
    """A failure the model does not handle: the token stays where it is until an operator retries."""


@dataclass(frozen=True)
class Catcher:
    """Where a thrown error or escalation is caught: a boundary event on activity instance `ai`, or the start
    event of an event subprocess of scope `ai`."""

    event: Element
    ai: ActivityInstance
    interrupting: bool


class StepContext(Protocol):
    """What a behaviour may ask of the step that runs it."""

    process: Process
    facts: ProcessFacts
    state: InstanceState
    now: datetime
    limits: Limits
    skip_listeners: bool  # an operator cancels the instance: Camunda 7's Cockpit skips custom listeners then

    # lookups
    def element(self, element_id: str) -> Element: ...
    def behaviour_of(self, ai: ActivityInstance) -> Behaviour: ...
    def behaviour_for(self, element: Element) -> Behaviour: ...
    def behaviour_for_kind(self, kind: str) -> Behaviour: ...

    # variables and expressions
    def variables(self, ai: ActivityInstance) -> Mapping[str, Any]: ...
    def set_variable(self, ai: ActivityInstance, name: str, value: Any) -> None: ...
    def set_variables(self, ai: ActivityInstance, values: Mapping[str, Any]) -> None: ...
    def set_local_variables(self, ai: ActivityInstance, values: Mapping[str, Any]) -> None: ...
    def evaluate(self, ai: ActivityInstance, expression: str, event_name: str | None = None,
                 task: Mapping[str, Any] | None = None) -> Any: ...
    def condition(self, ai: ActivityInstance, expression: str, names: Mapping[str, Any] | None = None) -> bool: ...
    def render(self, ai: ActivityInstance, text: str) -> Any: ...
    def execution_view(self, ai: ActivityInstance) -> juel.ExecutionView: ...
    def call_decision(self, call: DecisionCall) -> DecisionOutcome: ...
    def run_code(self, ai: ActivityInstance, script: str, script_format: str | None,
                 label: str) -> Mapping[str, Any]: ...

    # what the outside world learns
    def history(self, kind: str, element: str | None, ai: int | None, data: dict[str, Any] | None) -> None: ...
    def throw_message(self, name: str, variables: Mapping[str, Any], key: str | None = None) -> None: ...
    def throw_signal(self, name: str, thrower: ActivityInstance) -> None: ...

    # waits
    def add_wait(self, wait: Wait) -> None: ...
    def remove_wait(self, wait: Wait) -> None: ...
    def remove_waits(self, ai: ActivityInstance) -> None: ...
    def trigger_wait(self, wait: Wait, payload: Mapping[str, Any]) -> None: ...

    # tokens and activity instances
    def create(self, element: Element, scope_ai: ActivityInstance, variables: dict[str, Any] | None = None, *,
               body: Body | None = None, join: Join | None = None, ai_id: int | None = None) -> ActivityInstance: ...
    def later(self, operation: Operation) -> None: ...
    def run_phase(self, ai: ActivityInstance, phase: Phase) -> None: ...
    def enter(self, element_id: str, scope_ai: ActivityInstance, via: Flow | None) -> None: ...
    def has_tokens_in_flight(self, scope_id: int, targets: frozenset[str]) -> bool: ...
    def complete(self, ai: ActivityInstance) -> None: ...
    def select_flows(self, ai: ActivityInstance, element: Element, *, exclusive: bool,
                     gateway: bool = False, names: Mapping[str, Any] | None = None) -> list[Flow]: ...
    def take_outgoing(self, ai: ActivityInstance, flows: list[Flow] | None = None) -> None: ...
    def fork(self, ai: ActivityInstance) -> None: ...
    def end_instance(self, ai: ActivityInstance, how: str) -> None: ...
    def token_consumed(self, scope_ai: ActivityInstance) -> None: ...
    def terminate(self, ai: ActivityInstance) -> None: ...
    def terminate_children(self, parent: int) -> None: ...
    def finish(self, status: str, reason: str | None) -> None: ...

    # events that travel up the scopes
    def throw_error(self, source: ActivityInstance, code: str, variables: Mapping[str, Any] | None = None, *,
                    message: str | None = None, payload: Any = None) -> None: ...
    def throw_escalation(self, source: ActivityInstance, code: str | None, payload: Any = None) -> bool: ...


class Behaviour:
    """The lifecycle of an element, with defaults for events and gateways: create an activity instance, do
    nothing, leave along the outgoing flows. The hooks from `child_completed` on are asked of an activity
    instance that contains others (the process, subprocesses, multi-instance bodies, compensation runs)."""

    def arrive(self, ctx: StepContext, element: Element, scope_ai: ActivityInstance, via: Flow | None) -> None:
        """A token reached the element in `scope_ai` (Camunda 7: an event or gateway may continue asynchronously
        before it; `parser.camunda.async_refusal` refuses it where the token does not arrive here)."""
        ai = ctx.create(element, scope_ai)
        ctx.history("element_activated", element.id, ai.id, None)
        if element.extensions.async_before:
            ctx.add_wait(ContinuationWait(ctx.state.next_id(), ai.id, element.id, after=False))
            return
        ctx.run_phase(ai, "activate")

    def begin(self, ctx: StepContext, ai: ActivityInstance) -> None:
        """Start `ai` (activities subscribe their boundary events first)."""
        self.execute(ctx, ai)

    def execute(self, ctx: StepContext, ai: ActivityInstance) -> None:
        """Run `ai` without its boundary events (activities map their inputs first)."""
        ctx.run_phase(ai, "activate")

    def activate(self, ctx: StepContext, ai: ActivityInstance) -> None:
        """Do the element's work; call `ctx.complete(ai)` when done, or add a wait."""
        ctx.complete(ai)

    def event_occurred(self, ctx: StepContext, event: Element, ai: ActivityInstance, wait: Wait | None,
                       payload: Mapping[str, Any]) -> None:
        """Event `event` (this behaviour's element) occurred for activity instance `ai`, which waited for it
        with `wait` (None: a thrown error or escalation it catches). Most waits belong to the instance that
        waits; boundary events and event-subprocess starts act on the instance they wait on."""
        if wait is not None:
            ctx.behaviour_of(ai).triggered(ctx, ai, wait, payload)

    def triggered(self, ctx: StepContext, ai: ActivityInstance, wait: Wait, payload: Mapping[str, Any]) -> None:
        """Something `ai` waited for happened."""
        ctx.remove_wait(wait)
        ctx.set_variables(ai, payload)
        ctx.complete(ai)

    def leave(self, ctx: StepContext, ai: ActivityInstance) -> None:
        """The work is done: go on along the outgoing flows whose conditions hold."""
        self.leave_along_flows(ctx, ai)

    def leave_along_flows(self, ctx: StepContext, ai: ActivityInstance) -> None:
        """How a completed child of a flow scope goes on: along its flows, after an asynchronous continuation
        when the element has one (Camunda 7's asyncAfter on activities and events; gateways choose their flows
        in `leave` and `parser.camunda.async_refusal` refuses it on them)."""
        element = ctx.element(ai.element)
        if element.extensions.async_after and not ai.waited_after:
            ai.waited_after = True
            ctx.add_wait(ContinuationWait(ctx.state.next_id(), ai.id, element.id, after=True))
            return
        ctx.take_outgoing(ai)

    def proceed(self, ctx: StepContext, ai: ActivityInstance) -> None:
        """The asynchronous continuation after `ai` was picked up: go on along the outgoing flows."""
        ctx.take_outgoing(ai)

    def terminate(self, ctx: StepContext, ai: ActivityInstance) -> None:
        """The instance is stopped from outside (interrupting event, terminate end, cancel)."""

    def ended(self, ctx: StepContext, ai: ActivityInstance, how: str) -> None:
        """`ai` ended (completed, terminated, joined, ...) and has left the state: the history says so."""
        ctx.history(f"element_{how}", ai.element, ai.id, None)

    def boundary_catcher(self, ctx: StepContext, ai: ActivityInstance, kind: str, code: str | None) -> Catcher | None:
        """The boundary event of `ai` that catches an error or escalation `code` thrown inside or at it."""
        return None

    # --- as the scope of other activity instances ----------------------------------------------------------

    def child_completed(self, ctx: StepContext, scope_ai: ActivityInstance, child: ActivityInstance) -> None:
        """Child activity `child` has done its work. In a flow scope it goes on along its flows."""
        ctx.behaviour_of(child).leave_along_flows(ctx, child)

    def scope_completed(self, ctx: StepContext, ai: ActivityInstance) -> None:
        """Everything inside this scope has ended."""
        ctx.complete(ai)

    def scope_terminated(self, ctx: StepContext, ai: ActivityInstance, end_event: Element) -> None:
        """A terminate end event inside this scope ended everything in it."""
        self.scope_completed(ctx, ai)

    def compensation_done(self, ctx: StepContext, ai: ActivityInstance) -> None:
        """The compensation `ai` started (as a compensation throw event) has run all its handlers."""
        ctx.complete(ai)

    def cancel(self, ctx: StepContext, ai: ActivityInstance) -> None:
        """A cancel end event was reached inside this scope (deployment allows them in transactions only)."""
        raise Incident(f"a cancel end event ended {ctx.element(ai.element).label}, which is not a transaction")

    def catch_child_at_boundary(self, ctx: StepContext, scope_ai: ActivityInstance, child: ActivityInstance,
                                kind: str, code: str | None) -> Catcher | None:
        """The boundary event of child `child` that catches what was thrown inside or at it."""
        return ctx.behaviour_of(child).boundary_catcher(ctx, child, kind, code)

    def catch_inside(self, ctx: StepContext, scope_ai: ActivityInstance, child: ActivityInstance, kind: str,
                     code: str | None) -> Catcher | None:
        """The event subprocess of this scope that catches what child `child` threw."""
        return None


def best_catcher(candidates: list[tuple[Element, str | None]], code: str | None) -> Element | None:
    """Of the events that catch a kind of throw (each with the code it catches, None for any), the one for
    `code`: the one naming it, else one catching any."""
    exact = [event for event, caught in candidates if caught is not None and caught == code]
    if exact:
        return exact[0]
    catch_all = [event for event, caught in candidates if caught is None]
    return catch_all[0] if catch_all else None
