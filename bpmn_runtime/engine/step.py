"""One step of an instance: apply an input to the state and run until every token waits.

The step knows the graph mechanics every element shares (entering and leaving elements, taking flows,
scopes, waits, error and escalation propagation) and runs the agenda: typed operations (a token
arriving, a phase of a behaviour, a wait that happened, ...). What an element does when a token reaches it
lives in its behaviour (`behaviours/`), found through `behaviours.registry`; behaviours see the step only
as a `StepContext`. No I/O happens here: the step collects its effects (waits added and removed, history,
thrown messages and signals, incidents) for the runtime to apply.

Nothing a behaviour raises escapes the step: a failure becomes an incident on the activity instance that
failed, which keeps what was being done so that an operator's retry does it again. A step that runs
`Limits.max_steps` operations without reaching a wait state, or lets the instance outgrow its limits, stops:
what it still had to do is parked on the instance as one incident that says so.
"""
from __future__ import annotations

import copy
from collections import ChainMap, abc, deque
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Callable, Mapping

from bpmn_runtime import juel
from bpmn_runtime.engine import message_payloads, spiff_correlation, values
from bpmn_runtime.engine.analysis import facts
from bpmn_runtime.engine.decision_calls import DecisionCall, DecisionLookup, DecisionOutcome
from bpmn_runtime.engine.behaviours import job_listeners, listeners, registry, task_listeners
from bpmn_runtime.engine.behaviours.activities import ActivityBehaviour
from bpmn_runtime.engine.behaviours.base import Behaviour, Catcher, Incident
from bpmn_runtime.engine.limits import Limits
from bpmn_runtime.engine.start_events import instantiating
from bpmn_runtime.engine.state import (
    ROOT, ActivityInstance, Arrive, Body, Broadcast, CheckCondition, CompleteScope, ConditionalWait,
    ContinuationWait, IncidentRecord, InstanceState, JobWait, Join, MessageWait, Operation, Phase, Run, SignalWait,
    StartProcess, Throw, Trigger, Wait,
)
from bpmn_runtime.errors import BpmnError, BpmnRuntimeError, Conflict, ExpressionError
from bpmn_runtime.expressions import DELETED, SANDBOX_SCRIPT_FORMATS, evaluate, is_true, run_assignments
from bpmn_runtime.model import Element, Flow, Process


@dataclass(frozen=True)
class ScriptCall:
    """What a script runner is asked to run: the script of one script task or listener (of the element
    `element_id`), with the variables where it runs."""

    instance_id: int
    business_key: str | None
    element_id: str
    script: str
    format: str | None
    variables: Mapping[str, Any]


ScriptRunner = Callable[[ScriptCall], "Mapping[str, Any] | None"]
HistoryEntry = tuple[str, "str | None", "int | None", "dict[str, Any] | None"]
HISTORY_KEPT_WHEN_STOPPED = 2_000  # entries of a step stopped by its budget: its first and last thousand


@dataclass
class Effects:
    """What a step asks the outside world to do."""

    added_waits: list[Wait] = field(default_factory=list)
    removed_waits: list[Wait] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)
    messages: list[tuple[str, str | None, dict[str, Any]]] = field(default_factory=list)
    signals: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    escalations_uncaught: list[str] = field(default_factory=list)
    incidents: list[tuple[int, str, str]] = field(default_factory=list)  # (ai, element, message)


class Step:
    """Runs one input against one instance. Create one per input; it is not reused."""

    def __init__(self, process: Process, state: InstanceState, now: datetime, *,
                 instance_id: int = 0, business_key: str | None = None,
                 script_runner: ScriptRunner | None = None, limits: Limits | None = None,
                 decisions: DecisionLookup | None = None) -> None:
        self.process = process
        self.facts = facts(process)
        self._behaviours = registry.element_behaviours(process)
        self.state = state
        self.now = now
        self.instance_id = instance_id
        self.business_key = business_key
        self.script_runner = script_runner
        self.decisions = decisions  # evaluates the decisions business rule tasks call
        self.limits = limits or Limits()
        self.skip_listeners = False
        self.effects = Effects()
        self._agenda: deque[Operation] = deque()
        self._in_flight: dict[int, dict[str, int]] = {}  # scope activity instance -> element -> tokens heading there
        self._tokens_in_flight = 0
        # tokens an operator started with variables for the activity instance each creates (a modification),
        # and the arrival being performed, whose activity instance takes them
        self._seeds: list[tuple[Arrive, dict[str, Any]]] = []
        self._arriving: Arrive | None = None
        # How many activity instances and tokens the instance may hold in this step: its limit, or, resuming
        # after a stop at that limit, what it holds plus room for its parked tokens to move on (and drain).
        parked = sum(1 for ai in state.keepers() if ai.parked)
        self._room = max(self.limits.max_activity_instances, len(state.instances)) + parked
        self._steps = 0
        self._stopped = False
        self._variables_growth = 0  # bytes variables grew by since their size was last measured
        self._changed: set[tuple[str, str]] = set()  # (variable, create or update) since conditions were checked
        self._performers: dict[type[Any], Callable[[Any], None]] = {
            Run: self._run, Arrive: self._arrive, Trigger: self._trigger, CompleteScope: self._complete_scope,
            CheckCondition: self._check_condition, Broadcast: self._broadcast, Throw: self._throw,
            StartProcess: self._start_process}

    # --- inputs -----------------------------------------------------------------------------------

    def start(self, variables: Mapping[str, Any], start_event: str | None = None) -> None:
        """Create the process scope and start it at its none start event (or the one named; a process without
        start events at the nodes without incoming flows)."""
        if start_event:  # started by the message of its start event
            spiff_correlation.caught(self, self.element(start_event), variables)
            variables = message_payloads.caught(self.element(start_event), variables)
        self.state.add(ActivityInstance(ROOT, self.process.id, None, dict(variables)))
        self.history("instance_started", None, ROOT, {"variables": sorted(variables)})
        if start_event is None and not self.process.scope(self.process.id).start_events \
                and not instantiating(self.process):
            start_event = ""  # no start event: every node without incoming flows starts (BPMN 10.4.2)
        if start_event is None:
            nones = [s for s in self.process.scope(self.process.id).start_events if not self.element(s).events]
            if len(nones) != 1:
                raise BpmnRuntimeError(f"process {self.process.id} has no single none start event to start at; "
                                       f"start it by a message, signal or timer")
            start_event = nones[0]
        self.later(StartProcess(start_event))
        self.run()

    def trigger(self, wait_key: int, payload: Mapping[str, Any] | None = None) -> None:
        """The thing waited for happened: a task or job completed, a timer fired, a message arrived."""
        wait = self._wait(wait_key)
        if isinstance(wait, JobWait) and wait.listener in task_listeners.EVENTS:
            task_listeners.check_result(wait, payload or {})
        self.later(Trigger(wait, dict(payload or {})))
        self.run()

    def job_error(self, wait_key: int, code: str, variables: Mapping[str, Any] | None = None,
                  message: str = "") -> None:
        """A handler raised a BPMN error for the job `wait_key` (or a called instance failed with one)."""
        self.later(Throw(self._wait(wait_key).ai, "error", code, dict(variables or {}), message))
        self.run()

    def child_escalation(self, wait_key: int, code: str) -> None:
        """The instance called by the call activity waiting on `wait_key` threw an escalation it did not catch."""
        self.later(Throw(self._wait(wait_key).ai, "escalation", code))
        self.run()

    def cancel(self, reason: str) -> None:
        """End the instance at once: every activity instance is terminated, without running its listeners (as
        Camunda 7's Cockpit cancels, skipping custom listeners): a failing listener must not keep an operator from
        ending an instance."""
        self.skip_listeners = True
        self.terminate_children(ROOT)
        self.finish("cancelled", reason)

    def retry(self, ai_id: int) -> None:
        """Do again what raised an incident on this activity instance."""
        ai = self.state.instances.get(ai_id)
        record = ai.incident if ai is not None else None
        if ai is None or record is None:
            raise BpmnRuntimeError(f"activity instance {ai_id} has no incident to retry")
        ai.incident = None
        self.history("incident_retried", ai.element, ai.id, None)
        self._agenda.extend(record.operations)
        self.run()

    def _wait(self, wait_key: int) -> Wait:
        wait = self.state.waits.get(wait_key)
        if wait is None:
            raise Conflict(f"nothing in this instance waits for {wait_key} any more; it has already happened")
        return wait

    # --- the agenda -------------------------------------------------------------------------------

    def run(self) -> None:
        """Work through the agenda until every token waits (or a budget is spent)."""
        agenda, limits, perform = self._agenda, self.limits, self._perform
        instances, waits, max_waits = self.state.instances, self.state.waits, limits.max_waits
        while not self._stopped:
            while agenda:
                if self._steps >= limits.max_steps:
                    self._stop(f"the process ran {limits.max_steps:,} steps without reaching a wait state; it may "
                               f"loop forever through {{where}}. Retrying continues from here with another "
                               f"{limits.max_steps:,} steps")
                    return
                if self._tokens_in_flight + len(instances) > self._room or len(waits) > max_waits:
                    self._outgrown()
                    return
                self._steps += 1
                perform(agenda.popleft())
            if self.state.status != "active" or not self._settle():
                return

    def _outgrown(self) -> None:
        """Stop: the instance holds more than its limits allow. One operation adds a few activity instances,
        tokens or waits; what would add more than an instance may hold is refused where it is made (a
        multi-instance activity, a split with an enormous completionQuantity)."""
        limits = self.limits
        if len(self.state.waits) > limits.max_waits:
            self._stop(f"the instance waits for more than {limits.max_waits:,} events, tasks and jobs at once; "
                       f"the last came from {{where}}")
        else:
            self._stop(f"the instance grew beyond {limits.max_activity_instances:,} activity instances and tokens "
                       f"without reaching a wait state; it may multiply tokens forever through {{where}}")

    def later(self, operation: Operation) -> None:
        self._agenda.append(operation)

    def _perform(self, operation: Operation) -> None:
        """Run one operation; what it raises becomes an incident that keeps the operation for a retry."""
        try:
            self._performers[type(operation)](operation)
        except Exception as error:  # whatever a behaviour raises: an incident, never a failed transaction
            self._failed(operation, error)

    def _run(self, run: Run) -> None:
        ai = self.state.instances.get(run.ai)
        if ai is not None:  # else it was terminated meanwhile
            self.run_phase(ai, run.phase)

    def _check_condition(self, check: CheckCondition) -> None:
        wait = self.state.waits.get(check.key)
        if isinstance(wait, ConditionalWait):
            self._fire_if_true(wait)

    def _start_process(self, start: StartProcess) -> None:
        registry.PROCESS.open(self, self.state.root, start.start_event, listened=start.listened)

    def run_phase(self, ai: ActivityInstance, phase: Phase) -> None:
        """Run `phase` of `ai`'s behaviour now: a BPMN error is thrown, any other failure becomes an incident
        on `ai` that runs the phase again when retried."""
        try:
            getattr(self.behaviour_of(ai), phase)(self, ai)
        except BpmnError as error:
            self.throw_error(ai, error.code, error.variables, message=error.message)
        except Exception as error:
            self._failed(Run(ai.id, phase), error)

    def _failed(self, operation: Operation, error: Exception) -> None:
        """Make `error`, raised by `operation`, an incident on the activity instance it concerns."""
        if isinstance(operation, Arrive) and operation.scope in self.state.instances:
            ai = self._park(operation)
            operation = replace(operation, parked=ai.id)
        else:
            ai = self.state.instances.get(operation.ai) or self.state.root
        self.raise_incident(ai, [operation], self._plain(ai, error))

    def _plain(self, ai: ActivityInstance, error: Exception) -> str:
        """What went wrong, for the modeler: the engine's own messages as they are, anything else named."""
        if isinstance(error, (Incident, ExpressionError)):
            return str(error)
        label = self.element(ai.element).label if ai.element in self.process.elements else "the process"
        return f"{label} failed: {error}" if str(error) else f"{label} failed: {type(error).__name__}"

    def _stop(self, message: str) -> None:
        """A budget is spent: park what is left on the agenda (tokens on their way become activity instances
        at the element they were heading to) as one incident, at the element the step ran most."""
        self._stopped = True
        parked: list[Operation] = []
        for operation in self._agenda:
            if isinstance(operation, Arrive) and operation.parked is None and operation.scope in self.state.instances:
                operation = replace(operation, parked=self._park(operation).id)
            parked.append(operation)
        self._agenda.clear()
        self._in_flight.clear()
        self._tokens_in_flight = 0
        hottest = self._most_activated()
        holders = [self.state.instances[o.ai] for o in parked if o.ai in self.state.instances]
        at = next((ai for ai in holders if ai.element == hottest), holders[0] if holders else self.state.root)
        where = self.element(hottest).label if hottest in self.process.elements else "the process"
        self._shorten_history()
        self.raise_incident(at, parked, message.format(where=where))

    def _shorten_history(self) -> None:
        """A step stopped by its budget went round and round: its history keeps how it began and ended."""
        history, keep = self.effects.history, HISTORY_KEPT_WHEN_STOPPED // 2
        if len(history) > 2 * keep:
            left_out = len(history) - 2 * keep
            history[keep:-keep] = [("history_shortened", None, None, {"entries_left_out": left_out})]

    def _most_activated(self) -> str | None:
        """The element activated (or looped) most often lately in this step: where an endless loop runs."""
        counts: dict[str, int] = {}
        for kind, element, _, _ in self.effects.history[-10_000:]:
            if kind in ("element_activated", "loop_iteration") and element is not None:
                counts[element] = counts.get(element, 0) + 1
        return max(counts, key=counts.__getitem__, default=None)

    def _park(self, arrival: Arrive) -> ActivityInstance:
        """An activity instance that stands for a token stopped on its way to an element."""
        ai = ActivityInstance(self.state.next_id(), arrival.element, arrival.scope, parked=True)
        self.state.add(ai)
        return ai

    def _settle(self) -> bool:
        """With nothing else to do: fire inclusive joins no token can reach any more, and true conditions."""
        fired = False
        for settle in registry.SETTLERS:
            fired = settle(self) or fired
        changed, self._changed = self._changed, set()
        for wait in self.state.waits_of_kind(ConditionalWait.kind):
            assert isinstance(wait, ConditionalWait)
            if not self._checked_on(wait, changed):
                continue
            try:
                fired = self._fire_if_true(wait) or fired
            except Exception as error:  # what the event set off failed: an incident, as for any operation
                self._failed(CheckCondition(wait.key, wait.ai), error)
                fired = True
        return fired

    def _checked_on(self, wait: ConditionalWait, changed: set[tuple[str, str]]) -> bool:
        """Whether the condition of `wait` is checked after the variable changes `changed`: always, unless its
        event names the variable (camunda:variableName) or the kinds of change (camunda:variableEvents) it is
        checked on, as Camunda 7 does (it is checked once as it is subscribed, whatever changed)."""
        definition = next((d for d in self.element(wait.element).events
                           if d.kind == "conditional" and (d.condition or "false") == wait.condition), None)
        if definition is None or not (definition.variable_name or definition.variable_events):
            return True
        return any((definition.variable_name in (None, name))
                   and (not definition.variable_events or kind in definition.variable_events)
                   for name, kind in changed)

    # --- lookups ----------------------------------------------------------------------------------

    def element(self, element_id: str) -> Element:
        return self.process.elements[element_id]

    def behaviour_of(self, ai: ActivityInstance) -> Behaviour:
        return registry.behaviour_of(ai, self._behaviours)

    def behaviour_for(self, element: Element) -> Behaviour:
        return registry.behaviour_for(element)

    def behaviour_for_kind(self, kind: str) -> Behaviour:
        return registry.BY_KIND[kind]

    # --- variables --------------------------------------------------------------------------------

    def variables(self, ai: ActivityInstance) -> Mapping[str, Any]:
        """The variables visible from `ai`: its own scope's, then each enclosing scope's."""
        maps = self.state.visible_variables(ai)
        return maps[0] if len(maps) == 1 else ChainMap(*maps)  # one scope: its dict, without ChainMap's lookups

    def set_variable(self, ai: ActivityInstance, name: str, value: Any) -> None:
        """Set where the variable already lives (innermost first), else on the process; an activity instance on
        the way that holds its writes (see `ActivityInstance.held`) keeps it until it completes."""
        instances = self.state.instances
        current: ActivityInstance | None = ai
        while current is not None:
            held, local = current.held, current.variables
            if local is not None and (name in local or held is not None):
                new = name not in local
                self._store(local, name, value)
                if new and held is not None:
                    held.append(name)
                return
            current = instances.get(current.parent) if current.parent is not None else None
        root_variables = self.state.root.variables
        assert root_variables is not None
        self._store(root_variables, name, value)

    def set_variables(self, ai: ActivityInstance, values: Mapping[str, Any]) -> None:
        """Set each variable (see `set_variable`); one a script deleted (DELETED) is removed."""
        for name, value in values.items():
            if value is DELETED:
                self.remove_variable(ai, name)
            else:
                self.set_variable(ai, name, value)

    def set_local_variables(self, ai: ActivityInstance, values: Mapping[str, Any]) -> None:
        """Set variables on `ai` itself (its inputs, or results its output mappings pick from)."""
        local = dict(ai.variables or {})
        for name, value in values.items():
            if value is not DELETED:
                self._store(local, name, value)
        ai.variables = local
        for name, value in values.items():
            if value is DELETED:
                self.remove_variable(ai, name)

    def remove_variable(self, ai: ActivityInstance, name: str) -> None:
        """Remove the variable `name` where `ai` sees it (innermost scope first), as a SpiffWorkflow script's
        `del name` removes it from the task's data."""
        current: ActivityInstance | None = ai
        while current is not None:
            if current.variables is not None and name in current.variables:
                del current.variables[name]
                self._changed.add((name, "delete"))
                return
            current = self.state.instances.get(current.parent) if current.parent is not None else None

    def _store(self, target: dict[str, Any], name: Any, value: Any) -> None:
        """Write one variable, refusing what cannot be stored and what would outgrow the instance."""
        if not isinstance(name, str):
            raise Incident(f"a variable name must be text, not {name!r}")
        try:
            size = values.stored_size(name, value)
            grown = size - (values.stored_size(name, target[name]) if name in target else 0)
        except ValueError as error:
            raise Incident(str(error)) from None
        limit = self.limits.max_variables_bytes
        if self._variables_growth + grown > limit // 4:  # measure now and then, not on every write
            total = self._variables_size() + grown
            if total > limit:
                raise Incident(f"setting variable '{name}' would make the variables of the instance take "
                               f"{total:,} bytes; an instance may hold {limit:,}")
            self._variables_growth = -grown
        self._variables_growth += grown
        self._changed.add((name, "update" if name in target else "create"))
        target[name] = value

    def _variables_size(self) -> int:
        return sum(values.stored_size(name, value) for ai in self.state.instances.values() if ai.variables
                   for name, value in ai.variables.items())

    def evaluate(self, ai: ActivityInstance, expression: str, event_name: str | None = None,
                 task: Mapping[str, Any] | None = None) -> Any:
        """`expression` where `ai` runs; `event_name` is what a listener's `execution.eventName` reads, `task` what
        a task listener's `task` reads."""
        view = self.execution_view(ai)
        if event_name or task is not None:
            view = replace(view, event_name=event_name, task=task)
        return evaluate(expression, self.variables(ai), view)

    def condition(self, ai: ActivityInstance, expression: str, names: Mapping[str, Any] | None = None) -> bool:
        """Whether `expression` holds for `ai`; `names` are values the element gives its own expressions
        (a complex gateway's activationCount), seen before the variables."""
        variables = self.variables(ai) if not names else ChainMap(dict(names), *self.state.visible_variables(ai))
        return is_true(expression, variables, self.execution_view(ai))

    def render(self, ai: ActivityInstance, text: str) -> Any:
        """A Camunda 7 attribute that may embed `${...}` (a task name, a message name): its value here. A Camunda 8
        file's is text as written."""
        if not self.process.embedded_expressions or not juel.is_template(text):
            return text  # most names hold no expression: no view to build
        return juel.render(text, self.variables(ai), self.execution_view(ai))

    def execution_view(self, ai: ActivityInstance) -> juel.ExecutionView:
        """Where an expression runs: what JUEL's `execution` reads (local variables are those of the innermost
        scope) and the step's clock, which FEEL's now() and JUEL's dateTime() read."""
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

    def call_decision(self, call: DecisionCall) -> DecisionOutcome:
        """The decision a business rule task calls, evaluated by the embedding runtime."""
        if self.decisions is None:
            raise Incident("this runtime evaluates no decisions")
        return self.decisions(call)

    def run_code(self, ai: ActivityInstance, script: str, script_format: str | None, label: str) -> Mapping[str, Any]:
        """What a script (of a script task, a parameter, a listener or a SpiffWorkflow pre- or post-script; `label`
        names its element) assigns, run where `ai` runs by the embedding program's runner or the sandbox. The
        runner gets its own deep copy of the variables: what it changes in place must not reach the state (the
        sandbox copies what a script changes itself)."""
        if self.script_runner is not None:
            results = self.script_runner(ScriptCall(self.instance_id, self.business_key, ai.element, script,
                                                    script_format, copy.deepcopy(dict(self.variables(ai)))))
        elif script_format in SANDBOX_SCRIPT_FORMATS:
            results = run_assignments(script, self.variables(ai), self.now)
        else:
            raise Incident(f"script format '{script_format}' of {label} has no runner; "
                           f"write the script as Python assignments or give the runtime a script runner")
        if results is not None and not isinstance(results, (dict, abc.Mapping)):  # a dict: without the ABC check
            raise Incident(f"the script of {label} gave {type(results).__name__}, not a map of variable "
                           f"names to values")
        return results or {}

    # --- history, thrown events and waits ---------------------------------------------------------

    def history(self, kind: str, element: str | None, ai: int | None, data: dict[str, Any] | None) -> None:
        self.effects.history.append((kind, element, ai, data))

    def throw_message(self, name: str, variables: Mapping[str, Any], key: str | None = None) -> None:
        self.effects.messages.append((name, key, dict(variables)))

    def throw_signal(self, name: str, thrower: ActivityInstance) -> None:
        """The runtime delivers the signal to other instances; here it reaches its catchers through the agenda,
        so tokens that left a parallel split together with the thrower's reach their catch events first."""
        self.effects.signals.append((name, {}))
        self.later(Broadcast(name, thrower.id))

    def add_wait(self, wait: Wait) -> None:
        self.state.add_wait(wait)
        self.effects.added_waits.append(wait)

    def remove_wait(self, wait: Wait) -> None:
        if self.state.remove_wait(wait.key) is not None:
            self.effects.removed_waits.append(wait)

    def remove_waits(self, ai: ActivityInstance) -> None:
        if self.state.has_waits(ai.id):
            for wait in self.state.waits_of(ai.id):
                self.remove_wait(wait)

    def trigger_wait(self, wait: Wait, payload: Mapping[str, Any]) -> None:
        """What `wait` waited for happened: the behaviour of the event it waited for decides."""
        if isinstance(wait, ContinuationWait):  # a worker picked up the continuation before or after
            self.remove_wait(wait)
            self.later(Run(wait.ai, "proceed" if wait.after else "begin"))
            return
        if isinstance(wait, JobWait) and wait.listener in task_listeners.EVENTS:
            task_listeners.completed(self, self.state.instances[wait.ai], wait, payload)
            return
        if isinstance(wait, JobWait) and wait.listener:
            job_listeners.completed(self, self.state.instances[wait.ai], wait, payload)
            return
        event = self.element(wait.element)
        if not isinstance(wait, MessageWait):
            self.behaviour_for(event).event_occurred(self, event, self.state.instances[wait.ai], wait, payload)
            return
        caught = message_payloads.caught(event, payload)
        self.behaviour_for(event).event_occurred(self, event, self.state.instances[wait.ai], wait, caught)
        spiff_correlation.caught(self, event, payload)  # after its wait is gone: the others may wait for new values

    def _trigger(self, trigger: Trigger) -> None:
        wait = trigger.wait
        if wait.ai not in self.state.instances:
            return  # its activity ended meanwhile (an incident retried after an interruption)
        if wait.key not in self.state.waits:
            self.add_wait(wait)  # retried after a failure that had already removed it
        self.trigger_wait(wait, trigger.payload)

    def _fire_if_true(self, wait: ConditionalWait) -> bool:
        """A conditional event fires when its condition turns true (BPMN 10.4.5), not again while it stays true."""
        if wait.key not in self.state.waits or wait.ai not in self.state.instances:
            return False
        try:
            now_true = self.condition(self.state.instances[wait.ai], wait.condition)
        except ExpressionError:
            now_true = False  # a variable the condition reads is not set yet
        was_true, wait.was_true = wait.was_true, now_true
        if now_true and not was_true:
            self.trigger_wait(wait, {})
            return True
        return False

    def _broadcast(self, broadcast: Broadcast) -> None:
        """A signal thrown in this instance reaches every catcher waiting for it here."""
        name = broadcast.signal
        for wait in self.state.waits_of_kind(SignalWait.kind):
            assert isinstance(wait, SignalWait)
            if wait.signal == name and wait.key in self.state.waits and wait.ai in self.state.instances:
                self.trigger_wait(wait, {})

    # --- tokens through the graph -----------------------------------------------------------------

    def enter(self, element_id: str, scope_ai: ActivityInstance, via: Flow | None,
              variables: Mapping[str, Any] | None = None) -> None:
        """A token sets off for an element: it arrives when the agenda gets to it (joins may wait for more).
        `variables` become local variables of the activity instance it creates there (see `unplaced_seeds`)."""
        heading = self._in_flight.setdefault(scope_ai.id, {})
        heading[element_id] = heading.get(element_id, 0) + 1
        self._tokens_in_flight += 1
        arrival = Arrive(element_id, scope_ai.id, via.id if via is not None else None)
        if variables:
            self._seeds.append((arrival, dict(variables)))
        self.later(arrival)

    def unplaced_seeds(self) -> list[tuple[str, list[str]]]:
        """Tokens entered with variables that created no activity instance of their own to hold them (they
        joined one already waiting, or stopped on the way): the element and the variables' names."""
        return [(arrival.element, sorted(seeded)) for arrival, seeded in self._seeds]

    def _seed(self, ai: ActivityInstance) -> None:
        """Give `ai` the variables its token was entered with, when it is the instance that token creates."""
        arriving = self._arriving
        if arriving is None or arriving.element != ai.element or arriving.scope != ai.parent:
            return
        for index, (arrival, seeded) in enumerate(self._seeds):
            if arrival is arriving:
                del self._seeds[index]
                self.set_local_variables(ai, seeded)
                return

    def _arrive(self, arrival: Arrive) -> None:
        if arrival.parked is not None:
            if self.state.remove(arrival.parked) is None:
                return  # the parked token was terminated meanwhile
        else:
            self._tokens_in_flight -= 1
            heading = self._in_flight.get(arrival.scope, {})
            if heading.get(arrival.element, 0) > 1:
                heading[arrival.element] -= 1
            else:
                heading.pop(arrival.element, None)
                if not heading:
                    self._in_flight.pop(arrival.scope, None)
        scope_ai = self.state.instances.get(arrival.scope)
        if scope_ai is None:
            return  # its scope ended meanwhile
        element = self.element(arrival.element)
        via = self.process.flows[arrival.via] if arrival.via is not None else None
        self._arriving = arrival
        try:
            registry.arrival_behaviour(element).arrive(self, element, scope_ai, via)
        finally:
            self._arriving = None

    def has_tokens_in_flight(self, scope_id: int, targets: frozenset[str]) -> bool:
        return any(target in targets for target in self._in_flight.get(scope_id, ()))

    def holds_tokens(self, scope_id: int) -> bool:
        """Whether anything runs in the scope: an activity instance, or a token on its way to one."""
        return self.state.has_children(scope_id) or bool(self._in_flight.get(scope_id))

    def create(self, element: Element, scope_ai: ActivityInstance, variables: dict[str, Any] | None = None, *,
               body: Body | None = None, join: Join | None = None, ai_id: int | None = None) -> ActivityInstance:
        ai = ActivityInstance(ai_id if ai_id is not None else self.state.next_id(), element.id, scope_ai.id,
                              variables, body=body, join=join)
        self.state.add(ai)
        if self._seeds:
            self._seed(ai)
        return ai

    def complete(self, ai: ActivityInstance) -> None:
        """The activity instance has done its work; leave it (on the agenda, to keep order fair)."""
        self.later(Run(ai.id, "leave"))

    def take_outgoing(self, ai: ActivityInstance, flows: list[Flow] | None = None) -> None:
        """End `ai` and send tokens along `flows` (all selected outgoing flows by default)."""
        element = self.element(ai.element)
        if flows is None:
            flows = self.select_flows(ai, element, exclusive=False)
        self._check_room(element, flows)
        if element.extensions.execution_listeners and not isinstance(self.behaviour_of(ai), ActivityBehaviour):
            listeners.notify_end(self, ai)  # an event or gateway: activities run theirs as they leave
        listeners.notify_take(self, ai, flows)
        self.end_instance(ai, "completed")
        scope_ai = self.state.parent_of(ai)
        self._send_tokens(element, scope_ai, flows)
        if not flows:
            self.token_consumed(scope_ai)

    def fork(self, ai: ActivityInstance) -> None:
        """Send tokens along the selected outgoing flows of `ai`, which stays active (a repeating event)."""
        element = self.element(ai.element)
        flows = self.select_flows(ai, element, exclusive=False)
        self._check_room(element, flows)
        listeners.notify_take(self, ai, flows)
        self._send_tokens(element, self.state.parent_of(ai), flows)

    def _check_room(self, element: Element, flows: list[Flow]) -> None:
        """Refuse to send more tokens at once than an instance may hold, before sending any."""
        tokens = len(flows) * element.completion_quantity
        if tokens > self.limits.max_activity_instances:
            raise Incident(f"{element.label} would send {tokens:,} tokens; an instance may hold at most "
                           f"{self.limits.max_activity_instances:,} activity instances and tokens")

    def _send_tokens(self, element: Element, scope_ai: ActivityInstance, flows: list[Flow]) -> None:
        for flow in flows:
            self.history("flow_taken", flow.id, None, None)
            for _ in range(element.completion_quantity):
                self.enter(flow.target, scope_ai, flow)

    def select_flows(self, ai: ActivityInstance, element: Element, *, exclusive: bool,
                     gateway: bool = False, names: Mapping[str, Any] | None = None) -> list[Flow]:
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
            elif flow.condition is None or self.condition(ai, flow.condition, names):
                taken.append(flow)
                if exclusive:
                    break
        counted = taken if gateway else [f for f in taken if f.condition is not None]
        if not counted and default is not None:
            taken.append(default)
        if element.outgoing and not taken:
            raise Incident(f"no outgoing flow of {element.label} can be taken: no condition holds and "
                           f"there is no default flow")
        return taken

    def end_instance(self, ai: ActivityInstance, how: str) -> None:
        """Remove a finished activity instance and its waits; its behaviour records the end."""
        self.remove_waits(ai)
        self.state.remove(ai.id)
        self.behaviour_of(ai).ended(self, ai, how)

    def token_consumed(self, scope_ai: ActivityInstance) -> None:
        """A path ended inside `scope_ai`; the scope completes when nothing in it is alive."""
        self.later(CompleteScope(scope_ai.id))

    def _complete_scope(self, complete: CompleteScope) -> None:
        """Complete the scope if nothing in it is alive any more."""
        scope_id = complete.ai
        scope_ai = self.state.instances.get(scope_id)
        if scope_ai is None or self._in_flight.get(scope_id) or self.state.has_children(scope_id):
            return
        self.remove_waits(scope_ai)
        self.behaviour_of(scope_ai).scope_completed(self, scope_ai)

    def terminate(self, ai: ActivityInstance) -> None:
        """Stop an activity instance and everything inside it, without leaving it: its behaviour first (while it
        still holds what it waits for), then what runs inside it, then its own end listeners."""
        self.behaviour_of(ai).terminate(self, ai)
        self.terminate_children(ai.id)
        if ai.id in self.state.instances:
            if ai.element in self.process.elements and ai.body is None and not ai.parked and ai.join is None:
                listeners.notify_end(self, ai)  # Camunda 7 runs end listeners of what is cancelled, too
            self.end_instance(ai, "terminated")

    def terminate_children(self, parent: int) -> None:
        """Stop everything inside `parent`: its activity instances, and the tokens on their way between them."""
        for child in self.state.children(parent):
            self.terminate(child)
        if parent in self._in_flight:
            self._tokens_in_flight -= sum(self._in_flight.pop(parent).values())
            kept = [o for o in self._agenda if not (isinstance(o, Arrive) and o.parked is None and o.scope == parent)]
            self._agenda.clear()
            self._agenda.extend(kept)
        parent_ai = self.state.instances.get(parent)
        if parent_ai is not None:
            self.remove_waits(parent_ai)

    def finish(self, status: str, reason: str | None) -> None:
        """End the instance with `status` (completed, terminated, failed, cancelled)."""
        self._agenda.clear()
        for wait in list(self.state.waits.values()):
            self.remove_wait(wait)
        self.state.status = status
        self.state.end_reason = reason
        self.state.keep_only_root()
        self.state.compensations.clear()  # an ended instance can no longer be compensated
        self.history(f"instance_{status}", None, ROOT, {"reason": reason} if reason else None)

    def raise_incident(self, ai: ActivityInstance, operations: list[Operation], message: str) -> None:
        """Stop `operations` at `ai` until an operator retries them."""
        if ai.incident is None:
            ai.incident = IncidentRecord(list(operations))
        else:
            ai.incident.operations.extend(operations)
        self.effects.incidents.append((ai.id, ai.element, message))
        self.history("incident_raised", ai.element, ai.id, {"message": message})

    # --- events that travel up the scopes ---------------------------------------------------------

    def throw_error(self, source: ActivityInstance, code: str, variables: Mapping[str, Any] | None = None, *,
                    message: str | None = None, incident_if_uncaught: bool = False, payload: Any = None) -> None:
        """Propagate a BPMN error from `source` to the nearest catching boundary or event subprocess, which
        receives its code and message in the variables its camunda:errorCodeVariable and
        camunda:errorMessageVariable name; one that nothing catches fails the instance (or, thrown by a handler,
        is an incident on `source`)."""
        catcher = self._find_catcher(source, "error", code)
        if catcher is None:
            if incident_if_uncaught and source.id in self.state.instances:
                self.raise_incident(source, [Run(source.id, "activate")], f"the handler raised BPMN error '{code}' "
                                    f"and no error boundary event or event subprocess catches it")
                return
            self.terminate_children(ROOT)
            self.state.error_code, self.state.error_message = code, message or None
            self.finish("failed", f"error '{code}' was thrown and nothing caught it")
            return
        self._occur(catcher, _caught(catcher, "error", code, message, variables, payload))

    def throw_escalation(self, source: ActivityInstance, code: str | None, payload: Any = None) -> bool:
        """Propagate an escalation; True when something caught it and interrupted the thrower's path."""
        catcher = self._find_catcher(source, "escalation", code)
        if catcher is None:
            self.effects.escalations_uncaught.append(code or "")
            self.history("escalation_uncaught", source.element, source.id, {"code": code})
            return False
        self._occur(catcher, _caught(catcher, "escalation", code, None, None, payload))
        return catcher.interrupting

    def _throw(self, throw: Throw) -> None:
        source = self.state.instances.get(throw.ai)
        if source is None:
            return
        if throw.kind == "error":
            self.throw_error(source, throw.code, throw.variables, message=throw.message, incident_if_uncaught=True)
        else:
            self.throw_escalation(source, throw.code or None)

    def _find_catcher(self, source: ActivityInstance, kind: str, code: str | None) -> Catcher | None:
        """The nearest catcher of what was thrown at `source`, walking out through the scopes: each scope is
        asked for the boundary event of the child the throw came from, then for its event subprocesses."""
        child = source
        while child.parent is not None:
            scope_ai = self.state.instances[child.parent]
            scope = self.behaviour_of(scope_ai)
            found = scope.catch_child_at_boundary(self, scope_ai, child, kind, code) or \
                scope.catch_inside(self, scope_ai, child, kind, code)
            if found is not None:
                return found
            child = scope_ai
        return None

    def _occur(self, catcher: Catcher, payload: Mapping[str, Any] | None = None) -> None:
        """The catching event occurs, bringing what was thrown with it (an error's variables): through its
        output mappings when it has them, as Zeebe does, else into the instance's variables."""
        self.behaviour_for(catcher.event).event_occurred(self, catcher.event, catcher.ai, None, payload or {})


def _caught(catcher: Catcher, kind: str, code: str | None, message: str | None,
            variables: Mapping[str, Any] | None, payload: Any) -> dict[str, Any]:
    """What a catching error or escalation event keeps of what it caught: the variables thrown with it; as
    Camunda 7 keeps it, the code in the variable its camunda:errorCodeVariable (escalationCodeVariable) names, an
    error's message (or null) in its camunda:errorMessageVariable; as SpiffWorkflow keeps it, the payload (a
    handler's error: its variables, or null) in the variable its declaration's spiffworkflow:variableName names,
    and nothing else."""
    kept: dict[str, Any] = dict(variables or {})
    for definition in catcher.event.events:
        if definition.kind == kind and definition.payload_variable:
            thrown = payload if payload is not None else dict(variables) if variables else None
            kept = {definition.payload_variable: thrown}
    for definition in catcher.event.events:
        if definition.kind == kind and definition.code_variable:
            kept[definition.code_variable] = code
        if definition.kind == kind and definition.message_variable:
            kept[definition.message_variable] = message or None
    return kept
