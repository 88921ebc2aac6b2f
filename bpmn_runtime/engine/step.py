"""One step of an instance: apply an input to the state and run until every token waits.

The step knows the graph mechanics every element shares (entering and leaving elements, taking
flows, scopes, waits, boundary events, error and escalation propagation); what an element does
when a token reaches it lives in its behaviour module. No I/O happens here: the step collects its
effects (waits added and removed, history, thrown messages and signals, child instances) for the
runtime to apply.
"""
from __future__ import annotations

import functools
import importlib
from collections import ChainMap, deque
from types import ModuleType
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Mapping

from bpmn_runtime import juel
from bpmn_runtime.engine.state import ROOT, ActivityInstance, InstanceState, Wait
from bpmn_runtime.errors import BpmnError, BpmnRuntimeError, Conflict, ExpressionError
from bpmn_runtime.expressions import evaluate, is_true
from bpmn_runtime.model import Element, Flow, Process

if TYPE_CHECKING:
    from bpmn_runtime.engine.behaviours.base import Behaviour
    from bpmn_runtime.engine.behaviours.decisions import DecisionLookup


@dataclass(frozen=True)
class ScriptCall:
    """What a script runner is asked to run: the script of one script task, with the instance's variables."""

    instance_id: int
    business_key: str | None
    element_id: str
    script: str
    format: str | None
    variables: Mapping[str, Any]


ScriptRunner = Callable[[ScriptCall], "Mapping[str, Any] | None"]


class Incident(BpmnRuntimeError):
    """A failure the model does not handle: the token stays where it is until an operator retries."""


@dataclass
class Effects:
    """What a step asks the outside world to do."""

    added_waits: list[Wait] = field(default_factory=list)
    removed_waits: list[Wait] = field(default_factory=list)
    history: list[tuple[str, str | None, int | None, dict[str, Any] | None]] = field(default_factory=list)
    messages: list[tuple[str, str | None, dict[str, Any]]] = field(default_factory=list)
    signals: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    escalations_uncaught: list[str] = field(default_factory=list)
    incidents: list[tuple[int, str, str]] = field(default_factory=list)  # (ai, element, message)


class Step:
    """Runs one input against one instance. Create one per input; it is not reused."""

    def __init__(self, process: Process, state: InstanceState, now: datetime, *,
                 instance_id: int = 0, business_key: str | None = None,
                 script_runner: ScriptRunner | None = None, decisions: "DecisionLookup | None" = None) -> None:
        self.process = process
        self.state = state
        self.now = now
        self.instance_id = instance_id
        self.business_key = business_key
        self.script_runner = script_runner
        self.decisions = decisions  # evaluates the decisions business rule tasks call
        self.effects = Effects()
        self._agenda: deque[Callable[[], None]] = deque()
        self._in_flight: dict[int, list[str]] = {}  # scope activity instance -> elements tokens are heading to

    # --- inputs -----------------------------------------------------------------------------------

    def start(self, variables: Mapping[str, Any], start_event: str | None = None) -> None:
        """Create the process scope and start it at its none start event (or the one named)."""
        self.state.instances[ROOT] = ActivityInstance(ROOT, self.process.id, None, dict(variables))
        self.history("instance_started", None, ROOT, {"variables": sorted(variables)})
        scope = self.process.scope(self.process.id)
        if start_event is None:
            nones = [s for s in scope.start_events if not self.element(s).events]
            if len(nones) != 1:
                raise BpmnRuntimeError(f"process {self.process.id} has no single none start event to start at; "
                                       f"start it by a message, signal or timer")
            start_event = nones[0]
        self.open_scope(self.state.root, start_event)
        self.run()

    def trigger(self, wait_key: int, payload: Mapping[str, Any] | None = None) -> None:
        """The thing waited for happened: a task or job completed, a timer fired, a message arrived.

        Boundary events and event-subprocess starts are graph mechanics handled by `events`; every
        other wait belongs to the behaviour of the activity instance that waits.
        """
        wait = self.state.waits.get(wait_key)
        if wait is None:
            raise Conflict(f"nothing in this instance waits for {wait_key} any more; it has already happened")
        self.trigger_wait(wait, payload)
        self.run()

    def trigger_wait(self, wait: Wait, payload: Mapping[str, Any] | None) -> None:
        from bpmn_runtime.engine.behaviours import events
        ai = self.state.instances[wait.ai]
        event = self.element(wait.element)
        values = dict(payload or {})
        if event.kind == "boundaryEvent":
            events.boundary_occurred(self, event, ai, wait, values)
        elif event.kind == "startEvent":
            events.event_subprocess_triggered(self, event, ai, wait, values)
        elif wait.kind == "continuation":
            self.remove_wait(wait)
            self.behaviour(event).continue_after_wait(self, ai, wait)
        else:
            self.behaviour(self.element(ai.element)).triggered(self, ai, wait, values)

    def job_error(self, wait_key: int, code: str, variables: Mapping[str, Any] | None = None) -> None:
        """A handler raised a BPMN error for the job `wait_key`."""
        wait = self.state.waits.get(wait_key)
        if wait is None:
            raise Conflict(f"nothing in this instance waits for {wait_key} any more; it has already happened")
        ai = self.state.instances[wait.ai]
        ai.data["job_error"] = True
        self.throw_error(ai, code, variables)
        self.run()

    def child_escalation(self, wait_key: int, code: str) -> None:
        """The instance called by the call activity waiting on `wait_key` threw an escalation it did not catch."""
        wait = self.state.waits.get(wait_key)
        if wait is None:
            raise Conflict(f"nothing in this instance waits for {wait_key} any more; it has already happened")
        self.throw_escalation(self.state.instances[wait.ai], code or None)
        self.run()

    def cancel(self, reason: str) -> None:
        """End the instance at once: every activity instance is terminated."""
        self.terminate_children(ROOT)
        self.finish("cancelled", reason)

    def retry(self, ai_id: int) -> None:
        """Try again what raised an incident on this activity instance."""
        ai = self.state.instances[ai_id]
        failed = ai.data.pop("incident", None)
        if failed is None:
            raise BpmnRuntimeError(f"activity instance {ai_id} has no incident to retry")
        self.history("incident_retried", ai.element, ai.id, None)
        self.later(lambda: self._run_phase(ai, failed))
        self.run()

    # --- the agenda -------------------------------------------------------------------------------

    def run(self) -> None:
        """Work through the agenda until every token waits."""
        agenda = self._agenda
        while True:
            while agenda:
                agenda.popleft()()
            if self.state.status != "active" or not self._settle():
                return

    def later(self, operation: Callable[[], None]) -> None:
        self._agenda.append(operation)

    def _settle(self) -> bool:
        """With nothing else to do: fire inclusive joins no token can reach any more, and true conditions."""
        from bpmn_runtime.engine.behaviours.events import fire_true_conditions
        from bpmn_runtime.engine.behaviours.gateways import fire_ready_inclusive_joins
        fired = fire_ready_inclusive_joins(self)
        if any(w.kind == "conditional" for w in self.state.waits.values()):
            fired = fire_true_conditions(self) or fired
        return fired

    # --- lookups ----------------------------------------------------------------------------------

    def element(self, element_id: str) -> Element:
        return self.process.elements[element_id]

    def is_element(self, element_id: str) -> bool:
        """False for the process itself, whose activity instance is the root."""
        return element_id in self.process.elements

    def behaviour(self, element: Element) -> "Behaviour":
        return _behaviours("").BEHAVIOURS[element.kind]

    def variables(self, ai: ActivityInstance) -> Mapping[str, Any]:
        """The variables visible from `ai`: its own scope's, then each enclosing scope's."""
        maps = []
        current: ActivityInstance | None = ai
        while current is not None:
            if current.variables is not None:
                maps.append(current.variables)
            current = self.state.instances.get(current.parent) if current.parent is not None else None
        return maps[0] if len(maps) == 1 else ChainMap(*maps)  # one scope: its dict, without ChainMap's lookups

    def set_variable(self, ai: ActivityInstance, name: str, value: Any) -> None:
        """Set where the variable already lives (innermost first), else on the process."""
        current: ActivityInstance | None = ai
        while current is not None:
            if current.variables is not None and name in current.variables:
                current.variables[name] = value
                return
            current = self.state.instances.get(current.parent) if current.parent is not None else None
        self.state.root.variables[name] = value

    def set_variables(self, ai: ActivityInstance, values: Mapping[str, Any]) -> None:
        for name, value in values.items():
            self.set_variable(ai, name, value)

    def evaluate(self, ai: ActivityInstance, expression: str) -> Any:
        return evaluate(expression, self.variables(ai), self.execution_view(ai))

    def condition(self, ai: ActivityInstance, expression: str) -> bool:
        return is_true(expression, self.variables(ai), self.execution_view(ai))

    def render(self, ai: ActivityInstance, text: str) -> Any:
        """A Camunda 7 attribute that may embed `${...}` (a task name, a message name): its value here."""
        if not juel.is_template(text):
            return text  # most names hold no expression: no view to build
        return juel.render(text, self.variables(ai), self.execution_view(ai))

    def execution_view(self, ai: ActivityInstance) -> juel.ExecutionView:
        """What JUEL's `execution` reads at `ai`; local variables are those of its innermost scope."""
        element = self.process.elements.get(ai.element)
        scope: ActivityInstance | None = ai
        while scope is not None and scope.variables is None:
            scope = self.state.instances.get(scope.parent) if scope.parent is not None else None
        return juel.ExecutionView(
            process_instance_id=str(self.instance_id), id=f"{self.instance_id}:{ai.id}",
            business_key=self.business_key, activity_id=element.id if element else None,
            activity_name=element.name if element else None, process_definition_key=self.process.id,
            local_variables=scope.variables if scope is not None and scope.variables is not None else {},
            now=self.now)

    # --- history and waits ------------------------------------------------------------------------

    def history(self, kind: str, element: str | None, ai: int | None, data: dict[str, Any] | None) -> None:
        self.effects.history.append((kind, element, ai, data))

    def add_wait(self, ai: ActivityInstance, kind: str, element: str, name: str | None = None,
                 due: datetime | None = None, **detail: Any) -> Wait:
        wait = Wait(self.state.next_id(), kind, ai.id, element, name,
                    due.isoformat() if due is not None else None, detail)
        self.state.waits[wait.key] = wait
        self.effects.added_waits.append(wait)
        return wait

    def remove_wait(self, wait: Wait) -> None:
        if self.state.waits.pop(wait.key, None) is not None:
            self.effects.removed_waits.append(wait)

    def remove_waits(self, ai: ActivityInstance) -> None:
        for wait in self.state.waits_of(ai.id):
            self.remove_wait(wait)

    # --- tokens through the graph -----------------------------------------------------------------

    def open_scope(self, scope_ai: ActivityInstance, start_event: str) -> None:
        """Begin a scope: subscribe its event subprocesses, then enter its start event."""
        scope = self.process.scope(scope_ai.element)
        for sub_id in scope.event_subprocesses:
            from bpmn_runtime.engine.behaviours.events import subscribe_event_subprocess
            subscribe_event_subprocess(self, scope_ai, self.element(sub_id))
        self.enter(start_event, scope_ai, None)

    def enter(self, element_id: str, scope_ai: ActivityInstance, via: Flow | None) -> None:
        """A token arrives at an element: its behaviour decides (joins may wait for more)."""
        element = self.element(element_id)
        heading = self._in_flight.setdefault(scope_ai.id, [])
        heading.append(element_id)

        def arrive() -> None:
            heading.remove(element_id)
            if scope_ai.id in self.state.instances:
                self.behaviour(element).arrive(self, element, scope_ai, via)
        self.later(arrive)

    def has_tokens_in_flight(self, scope_id: int, targets: frozenset[str]) -> bool:
        return any(target in targets for target in self._in_flight.get(scope_id, ()))

    def create(self, element: Element, scope_ai: ActivityInstance, variables: dict[str, Any] | None = None,
               data: dict[str, Any] | None = None) -> ActivityInstance:
        ai = ActivityInstance(self.state.next_id(), element.id, scope_ai.id, variables, data or {})
        self.state.instances[ai.id] = ai
        return ai

    def activate(self, ai: ActivityInstance) -> None:
        """Run the element's behaviour for a fresh activity instance, turning failures into incidents."""
        self._run_phase(ai, "activate")

    def complete(self, ai: ActivityInstance) -> None:
        """The activity instance has done its work; leave it (on the agenda, to keep order fair)."""
        self.later(lambda: self.leave(ai))

    def leave(self, ai: ActivityInstance) -> None:
        if ai.id not in self.state.instances:
            return  # terminated meanwhile
        self._run_phase(ai, "leave")

    def _run_phase(self, ai: ActivityInstance, phase: str) -> None:
        """Call the behaviour's `activate` or `leave`: a BPMN error is thrown, any other failure becomes an
        incident that remembers the phase, so a retry runs it again."""
        try:
            getattr(self.behaviour(self.element(ai.element)), phase)(self, ai)
        except BpmnError as error:
            self.throw_error(ai, error.code, error.variables)
        except (ExpressionError, Incident) as error:
            self.raise_incident(ai, phase, str(error))

    def take_outgoing(self, ai: ActivityInstance, flows: list[Flow] | None = None) -> None:
        """End `ai` and send tokens along `flows` (all selected outgoing flows by default)."""
        element = self.element(ai.element)
        if flows is None:
            flows = self.select_flows(ai, element, exclusive=False)
        self.end_instance(ai, "completed")
        scope_ai = self.state.instances[ai.parent]
        self._send_tokens(element, scope_ai, flows)
        if not flows:
            self.token_consumed(scope_ai)

    def fork(self, ai: ActivityInstance) -> None:
        """Send tokens along the selected outgoing flows of `ai`, which stays active (a repeating event)."""
        element = self.element(ai.element)
        self._send_tokens(element, self.state.instances[ai.parent], self.select_flows(ai, element, exclusive=False))

    def _send_tokens(self, element: Element, scope_ai: ActivityInstance, flows: list[Flow]) -> None:
        for flow in flows:
            self.history("flow_taken", flow.id, None, None)
            for _ in range(element.completion_quantity):
                self.enter(flow.target, scope_ai, flow)

    def select_flows(self, ai: ActivityInstance, element: Element, *, exclusive: bool) -> list[Flow]:
        """The outgoing flows whose conditions hold (the first only when `exclusive`), else the default.

        A gateway takes its default flow when it takes no other flow. An activity or event takes it when
        none of its *conditional* flows is taken, whatever its unconditional flows do (BPMN 13.2.1).
        An element with outgoing flows none of which can be taken raises an incident.
        """
        if len(element.outgoing) == 1 and element.default_flow is None:  # the common case, without the checks
            flow = self.process.flows[element.outgoing[0]]
            if flow.condition is None:
                return [flow]
        taken: list[Flow] = []
        default: Flow | None = None
        for flow_id in element.outgoing:
            flow = self.process.flows[flow_id]
            if flow_id == element.default_flow:
                default = flow
            elif flow.condition is None or self.condition(ai, flow.condition):
                taken.append(flow)
                if exclusive:
                    break
        counted = taken if element.kind.endswith("Gateway") else [f for f in taken if f.condition is not None]
        if not counted and default is not None:
            taken.append(default)
        if element.outgoing and not taken:
            raise Incident(f"no outgoing flow of {element.label} can be taken: no condition holds and "
                           f"there is no default flow")
        return taken

    def end_instance(self, ai: ActivityInstance, how: str) -> None:
        """Remove a finished activity instance, its waits and its boundary subscriptions."""
        if self.state.waits:
            self.remove_waits(ai)
        self.state.instances.pop(ai.id, None)
        self.history(f"element_{how}", ai.element, ai.id, None)
        if self.is_element(ai.element):
            _behaviours("compensation").activity_ended(self, ai, how)

    def token_consumed(self, scope_ai: ActivityInstance) -> None:
        """A path ended inside `scope_ai`; the scope completes when nothing in it is alive."""
        self.later(lambda: self._complete_scope_if_done(scope_ai))

    def _complete_scope_if_done(self, scope_ai: ActivityInstance) -> None:
        if scope_ai.id not in self.state.instances or self._in_flight.get(scope_ai.id):
            return
        if self.state.children(scope_ai.id):
            return
        if scope_ai.id == ROOT:
            self.remove_waits(scope_ai)
            self.finish("completed", None)
        else:
            self.remove_waits(scope_ai)
            self.behaviour(self.element(scope_ai.element)).scope_completed(self, scope_ai)

    def terminate(self, ai: ActivityInstance) -> None:
        """Stop an activity instance and everything inside it, without leaving it."""
        self.terminate_children(ai.id)
        if ai.id in self.state.instances:
            self.behaviour(self.element(ai.element)).terminate(self, ai)
            self.end_instance(ai, "terminated")

    def terminate_children(self, parent: int) -> None:
        for child in self.state.children(parent):
            self.terminate(child)
        if parent in self.state.instances:
            for wait in self.state.waits_of(parent):
                self.remove_wait(wait)

    def finish(self, status: str, reason: str | None) -> None:
        """End the instance with `status` (completed, terminated, failed, cancelled)."""
        self._agenda.clear()
        for wait in list(self.state.waits.values()):
            self.remove_wait(wait)
        self.state.status = status
        self.state.end_reason = reason
        root = self.state.instances.get(ROOT)
        self.state.instances = {ROOT: root} if root is not None else {}
        self.state.compensations.clear()  # an ended instance can no longer be compensated
        self.history(f"instance_{status}", None, ROOT, {"reason": reason} if reason else None)

    def raise_incident(self, ai: ActivityInstance, failed: str, message: str) -> None:
        ai.data["incident"] = failed
        self.effects.incidents.append((ai.id, ai.element, message))
        self.history("incident_raised", ai.element, ai.id, {"message": message})

    # --- events that travel up the scopes ---------------------------------------------------------

    def throw_error(self, source: ActivityInstance, code: str, variables: Mapping[str, Any] | None = None) -> None:
        """Propagate a BPMN error from `source` to the nearest catching boundary or event subprocess."""
        from bpmn_runtime.engine.behaviours.events import find_catcher
        catcher = find_catcher(self, source, "error", code)
        if catcher is None:
            if source.id in self.state.instances and source.data.get("job_error"):
                self.raise_incident(source, "activate", f"the handler raised BPMN error '{code}' and no "
                                                        f"error boundary event or event subprocess catches it")
                return
            self.terminate_children(ROOT)
            self.state.error_code = code
            self.finish("failed", f"error '{code}' was thrown and nothing caught it")
            return
        if variables:
            self.set_variables(self.state.root, variables)
        catcher.occur(self)

    def throw_escalation(self, source: ActivityInstance, code: str | None) -> bool:
        """Propagate an escalation; True when something caught it and interrupted the thrower's path."""
        from bpmn_runtime.engine.behaviours.events import find_catcher
        catcher = find_catcher(self, source, "escalation", code)
        if catcher is None:
            self.effects.escalations_uncaught.append(code or "")
            self.history("escalation_uncaught", source.element, source.id, {"code": code})
            return False
        catcher.occur(self)
        return catcher.interrupting


@functools.cache
def _behaviours(module: str) -> ModuleType:
    """The behaviours package or one of its modules, imported once on first use (they import this module)."""
    return importlib.import_module(f"bpmn_runtime.engine.behaviours{'.' + module if module else ''}")
