"""The process graph: immutable dataclasses built by the parser and read by the engine.

No lxml and no SQL here. Every element keeps the file and line it came from, for messages.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, TypeAlias, TypeVar, cast

Derived = TypeVar("Derived")


@dataclass(frozen=True, slots=True)
class Source:
    """Where an element was declared."""

    file: str
    line: int


@dataclass(frozen=True, slots=True)
class TimerSpec:
    """A timer event definition: `kind` is date, duration or cycle; `expression` is ISO 8601 or an expression;
    `python`: a SpiffWorkflow file's timer, a Python expression (see `engine.python_timers`)."""

    kind: str
    expression: str
    python: bool = False

    @property
    def computed(self) -> bool:
        """Whether the timer's text is evaluated when it starts, rather than being the timer as written."""
        return self.python or "{" in self.expression or self.expression.startswith("=")


@dataclass(frozen=True, slots=True)
class MessageCorrelation:
    """How SpiffWorkflow correlates a message: by the values its correlation properties retrieve from the
    payload (`properties`: property id and Python expression), kept under the correlation key `key`."""

    key: str
    properties: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class EventDefinition:
    """One event definition of an event.

    `kind` is one of message, timer, signal, error, escalation, compensate, terminate, cancel,
    conditional, link. `name` is the message/signal name, error/escalation code or link name
    (None catches any error or escalation).
    """

    kind: str
    name: str | None = None
    timer: TimerSpec | None = None
    condition: str | None = None
    activity_ref: str | None = None
    wait_for_completion: bool = True
    correlation_key: str | None = None
    id: str | None = None
    # A SpiffWorkflow message carries its payload only: `payload` (Python, evaluated when the message is thrown;
    # none: an empty payload), and a catch puts it in `payload_variable` (none: nowhere). A SpiffWorkflow error or
    # escalation carries `payload` too (payloadExpression), which a catch puts in `payload_variable` (variableName)
    payload_only: bool = False
    payload: str | None = None
    payload_variable: str | None = None
    correlation: MessageCorrelation | None = None  # a SpiffWorkflow message's correlation properties
    error_message: str | None = None  # an error end event's camunda:errorMessage (may embed `${...}`)
    code_variable: str | None = None  # a catching event's camunda:errorCodeVariable or escalationCodeVariable
    message_variable: str | None = None  # a catching error event's camunda:errorMessageVariable
    variable_name: str | None = None  # a conditional event's camunda:variableName: only its changes are checked
    variable_events: tuple[str, ...] = ()  # camunda:variableEvents: only these changes (create, update, delete)


@dataclass(frozen=True, slots=True)
class FormField:
    """A field of a user-task form (camunda:formData or a Camunda 8 form)."""

    id: str
    label: str
    type: str  # string, long, boolean, date, enum, number, text
    default: str | None = None
    required: bool = False
    min: float | None = None
    max: float | None = None
    minlength: int | None = None
    maxlength: int | None = None
    pattern: str | None = None
    readonly: bool = False
    options: tuple[tuple[str, str], ...] = ()  # (value, label) for enum/select/radio
    widget: str = ""  # the form-js component (radio, textarea, ...) when it says more than `type`
    sensitive: bool = False  # its value is redacted in the audit trail (see `bpmn_runtime.sensitive`)
    # form-js: hidden while any of these FEEL expressions (its own conditional.hide, its groups') is true
    hide_if: tuple[str, ...] = ()
    multiple: bool = False  # checklist and taglist: a list of the options' values
    absent_when_empty: bool = False  # a JSON-schema form's: left empty, it sets no variable (as SpiffArena's forms)
    options_key: str | None = None  # form-js valuesKey: the options come from this variable
    # type "display": shown, holds no value (form-js text, html, image, spacer, separator, and a group's start
    # and end, widget "group" and "group-end"); `label` holds its text


@dataclass(frozen=True, slots=True)
class ListValue:
    """Camunda 7's camunda:list in an input or output parameter: a list of its items' values, in order."""

    items: tuple[ParameterValue, ...]


@dataclass(frozen=True, slots=True)
class MapValue:
    """Camunda 7's camunda:map: a map of its entries, keys and values each an expression or a nested value.
    Camunda 7 builds a TreeMap, so the map's keys come sorted, whatever order the model writes them in."""

    entries: tuple[tuple[str, ParameterValue], ...]


@dataclass(frozen=True, slots=True)
class ScriptValue:
    """Camunda 7's camunda:script in a parameter: run as a script task's script is (sandboxed assignments, or
    the runtime's script runner); the parameter's value is what it assigns to `result`."""

    script: str
    format: str | None


# What a parameter is set to: an expression (text), or Camunda 7's list, map or script built from them.
ParameterValue: TypeAlias = "str | ListValue | MapValue | ScriptValue"


def parameter_parts(value: ParameterValue) -> Iterator[str | ScriptValue]:
    """Every expression (a map's keys too) and script a parameter value is built from, for deployment checks."""
    if isinstance(value, ListValue):
        for item in value.items:
            yield from parameter_parts(item)
    elif isinstance(value, MapValue):
        for key, item in value.entries:
            yield key
            yield from parameter_parts(item)
    else:
        yield value


@dataclass(frozen=True, slots=True)
class Mapping:
    """An I/O mapping: `target` is set to the value of `source` (an expression, or a Camunda 7 list, map or
    script); an empty source (Zeebe) copies the variable `target` names. A `nested` target is a Camunda 8 path
    (`from.email`): the value goes inside the context its first name holds."""

    target: str
    source: ParameterValue
    nested: bool = False


MAX_RETRIES = 1_000  # tries a model may give a job, written in it or computed by its expression


@dataclass(frozen=True, slots=True)
class CallMapping:
    """One variable a call activity passes to the process it calls, or back (Camunda 7's camunda:in and
    camunda:out): `target` gets the variable `source` or the value of `expression`, or (`all`) every variable
    passes under its own name. `local`: going in, read only the call activity's own variables; coming back,
    set them on the call activity itself rather than where they already live."""

    target: str = ""
    source: str | None = None
    expression: str | None = None
    all: bool = False
    local: bool = False


ALL_VARIABLES = (CallMapping(all=True),)


@dataclass(frozen=True, slots=True)
class VariablePassing:
    """Which variables a call activity passes to the instance it starts, and which come back when it ends.

    The defaults pass everything both ways and give the child the caller's business key. Camunda 7 passes only
    what camunda:in and camunda:out declare, and a business key only through `camunda:in businessKey`
    (`business_key`, an expression); Camunda 8 passes all variables unless propagateAllParentVariables or
    propagateAllChildVariables is false (then only the call activity's input mappings go in and only its output
    mappings come back)."""

    ins: tuple[CallMapping, ...] = ALL_VARIABLES
    outs: tuple[CallMapping, ...] = ALL_VARIABLES
    inherit_business_key: bool = True
    business_key: str | None = None


@dataclass(frozen=True, slots=True)
class Listener:
    """A Camunda 7 execution listener (start or end of a flow node, take of a sequence flow) or task listener
    (create, complete or delete of a user task): an `expression="${...}"`, whose value is discarded as Camunda 7 discards
    it, or an inline `script` in `script_format`, run as script tasks run theirs, whose assignments set
    variables as `execution.setVariable` does."""

    event: str
    expression: str | None = None
    script: str | None = None
    script_format: str | None = None


@dataclass(frozen=True, slots=True)
class JobListener:
    """A Camunda 8 execution listener: a job for the workers of `job_type` (static, or FEEL evaluated as the job is
    created) that the element waits for as it starts (after its input mappings) or ends (after its output
    mappings); its retries as a task definition's."""

    event: str
    job_type: str
    retries: int | None = None  # how many times its job is tried in all (None: as any job)
    retries_expression: str | None = None  # `retries="=..."`: FEEL giving them as the job is created


@dataclass(frozen=True, slots=True)
class Extensions:
    """Vendor extension data (Camunda 7 `camunda:` attributes, Camunda 8 `zeebe:` elements, SpiffWorkflow's
    `spiffworkflow:` elements, Flowable's `flowable:`/`activiti:` attributes)."""

    topic: str | None = None
    retries: int | None = None  # how many times a handler is tried in all
    retries_expression: str | None = None  # Camunda 8 `retries="=..."`: FEEL giving `retries` for each job
    retry_cycle: str | None = None  # camunda:failedJobRetryTimeCycle: how long to wait before each retry
    assignee: str | None = None
    candidate_users: tuple[str, ...] = ()
    candidate_groups: tuple[str, ...] = ()
    due_date: str | None = None
    follow_up_date: str | None = None  # when the task shows under "Follow-up date reached" in the inbox
    priority: str | None = None
    form_fields: tuple[FormField, ...] = ()
    form_key: str | None = None
    # Which version of a Camunda 8 linked form (formId) a user task shows: "latest" (the newest when the task is
    # created), "deployment" (the one deployed with the process) or "versionTag" (the newest with
    # `form_version_tag` when the task is created); None for other forms, bound when the process is deployed.
    form_binding: str | None = None
    form_version_tag: str | None = None
    # Camunda 8 `externalReference`: the address of a form outside the inbox, which completes the task through
    # the API; the inbox links to it.
    external_form: str | None = None
    business_key_field: str | None = None  # Camunda 7 formData businessKey: the start form field giving it
    inputs: tuple[Mapping, ...] = ()
    outputs: tuple[Mapping, ...] = ()
    async_before: bool = False
    async_after: bool = False
    result_variable: str | None = None
    script_expression: str | None = None  # Camunda 8 zeebe:script: FEEL whose value goes to `result_variable`
    headers: tuple[tuple[str, str], ...] = ()
    decision_ref: str | None = None  # the decision a business rule task evaluates (an id, or an expression)
    decision_version: str | None = None  # a version number; None: the latest
    called_version: str | None = None  # the version a call activity calls (a number or `${...}`); None: the latest
    map_decision_result: str | None = None  # Camunda 7's mapping; None: the decision's value (Camunda 8)
    # SpiffWorkflow's spiffworkflow:calledDecisionId: the matched rule's outputs are merged into the variables
    merge_decision_outputs: bool = False
    pre_script: str | None = None  # SpiffWorkflow's preScript: Python assignments run before the activity's work
    post_script: str | None = None  # SpiffWorkflow's postScript: Python assignments run as the activity completes
    # A looping activity's scripts run once around the whole loop, as SpiffWorkflow runs them on a standard loop
    # and on a multi-instance activity without spiffworkflow:scriptsOnInstances
    scripts_around_loop: bool = False
    job_result_variable: str | None = None  # SpiffWorkflow's serviceTaskOperator: gets a job's whole result
    waits_for_person: bool = False  # a SpiffWorkflow file's task or manual task: done when a person says so
    passing: VariablePassing = field(default_factory=VariablePassing)  # a call activity's variables
    # A Camunda 7 message throw or end event without an implementation: run as a none event, as Camunda 7 does
    sends_no_message: bool = False
    # Flowable's skipExpression: the task is left undone when it gives true and skipping is enabled
    skip_expression: str | None = None
    # A Flowable external worker task's in parameters, (source, target): the worker gets only these variables
    worker_inputs: tuple[tuple[str, str], ...] = ()
    execution_listeners: tuple[Listener, ...] = ()  # Camunda 7 execution listeners, in model order
    task_listeners: tuple[Listener, ...] = ()  # a user task's Camunda 7 task listeners
    job_listeners: tuple[JobListener, ...] = ()  # Camunda 8 execution listeners, run as jobs, in model order


@dataclass(frozen=True, slots=True)
class ComplexBehavior:
    """A complexBehaviorDefinition of a multi-instance activity: when `condition` holds after an inner
    instance completed, `event` (if any) is thrown and the remaining instances are cancelled."""

    condition: str | None
    event: EventDefinition | None


@dataclass(frozen=True, slots=True)
class LoopSpec:
    """Standard loop or multi-instance characteristics of an activity.

    `behavior` (All, None, One, Complex) says which events a multi-instance activity throws as its inner
    instances complete: `none_event` for each, `one_event` for the first, `complex_behaviors` as they say.
    """

    multi_instance: bool
    sequential: bool = False
    cardinality: str | None = None
    collection: str | None = None
    element_variable: str | None = None
    completion_condition: str | None = None
    output_collection: str | None = None
    output_element: str | None = None
    loop_condition: str | None = None
    loop_maximum: int | None = None
    test_before: bool = False
    behavior: str = "All"
    none_event: EventDefinition | None = None
    one_event: EventDefinition | None = None
    complex_behaviors: tuple[ComplexBehavior, ...] = ()


@dataclass(frozen=True, slots=True)
class Flow:
    """A sequence flow."""

    id: str
    source: str
    target: str
    condition: str | None
    name: str
    origin: Source
    listeners: tuple[Listener, ...] = ()  # Camunda 7 `take` execution listeners, in model order


@dataclass(frozen=True, slots=True)
class Element:
    """A flow node (event, activity, gateway) of a process or subprocess.

    `kind` is the BPMN tag name (startEvent, userTask, exclusiveGateway, subProcess, ...), and selects
    the behaviour that runs it. `scope` is the id of the process or subprocess that contains it.
    """

    id: str
    kind: str
    name: str
    scope: str
    origin: Source
    incoming: tuple[str, ...] = ()
    outgoing: tuple[str, ...] = ()
    default_flow: str | None = None
    events: tuple[EventDefinition, ...] = ()
    parallel_multiple: bool = False
    attached_to: str | None = None
    cancel_activity: bool = True
    interrupting: bool = True
    triggered_by_event: bool = False
    for_compensation: bool = False
    compensation_handler: str | None = None
    script: str | None = None
    script_format: str | None = None
    called_element: str | None = None
    called_task: str | None = None  # the task kind a call activity runs when it calls a global task
    activation_condition: str | None = None
    instantiate: bool = False  # a receive task or event-based gateway that starts the process
    gateway_direction: str = "Unspecified"  # Converging, Diverging, Mixed or Unspecified
    loop: LoopSpec | None = None
    extensions: Extensions = field(default_factory=Extensions)
    completion_condition: str | None = None  # ad-hoc subprocess
    ordering: str = "Parallel"  # ad-hoc subprocess: Parallel or Sequential
    cancel_remaining_instances: bool = True  # ad-hoc subprocess: what its completion does to running activities
    start_quantity: int = 1  # tokens that must arrive before an activity starts
    completion_quantity: int = 1  # tokens an activity sends down each outgoing flow

    @property
    def label(self) -> str:
        """How messages name the element: its name and id."""
        return f"'{self.name}' ({self.id})" if self.name else self.id


@dataclass(frozen=True, slots=True)
class Scope:
    """A process or (event/transaction/ad-hoc) subprocess: the elements it directly contains."""

    id: str
    children: tuple[str, ...]
    start_events: tuple[str, ...]
    event_subprocesses: tuple[str, ...]
    boundary_events: dict[str, tuple[str, ...]]  # activity id -> its boundary events


@dataclass(frozen=True, slots=True, eq=False, weakref_slot=True)
class Process:
    """An executable process: its elements and flows by id, and its scopes.

    Compared and hashed by identity: one parse gives one process. What the engine derives from the graph
    (see `derived`) is kept with the process, so it lives exactly as long as the process does.
    """

    id: str
    name: str
    elements: dict[str, Element]
    flows: dict[str, Flow]
    scopes: dict[str, Scope]
    executable: bool = True
    origin: Source = Source("", 0)
    # camunda:candidateStarterUsers and candidateStarterGroups: who may start it (see `runtime.permissions`)
    starter_users: tuple[str, ...] = ()
    starter_groups: tuple[str, ...] = ()
    # camunda:initiator of its none start event: the variable that gets the name of the person who starts it
    initiator: str | None = None
    # The loopCounter of a multi-instance activity's first instance: 0 in Camunda 7 files, as Camunda 7 counts;
    # 1 otherwise, as Zeebe counts
    loop_counter_from: int = 1
    # Whether text embedding `${...}` (a task, message or signal name) is evaluated, as Camunda 7 evaluates it; a
    # Camunda 8 file's is text as written, as Zeebe reads it (its expressions start with '=')
    embedded_expressions: bool = True
    job_listeners: tuple[JobListener, ...] = ()  # the process's own Camunda 8 execution listeners, in model order
    # camunda:isStartableInTasklist: whether the inbox offers to start it (Camunda Tasklist's Start process)
    startable_in_tasklist: bool = True
    _derived: dict[Callable[[Process], Any], Any] = field(default_factory=dict, init=False, repr=False)
    _derived_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def element(self, element_id: str) -> Element:
        return self.elements[element_id]

    def scope(self, scope_id: str) -> Scope:
        return self.scopes[scope_id]

    def walk(self) -> Iterator[Element]:
        return iter(self.elements.values())

    def derived(self, build: Callable[[Process], Derived]) -> Derived:
        """What `build` computes from this (immutable) process: computed once, by one thread, on first use."""
        found = self._derived.get(build)
        if found is None:
            with self._derived_lock:
                found = self._derived.get(build)
                if found is None:
                    found = self._derived[build] = build(self)
        return cast(Derived, found)


@dataclass(frozen=True, slots=True)
class Definitions:
    """What one `.bpmn` file declares: its processes (keyed by id) and the names of what they exchange."""

    file: str
    processes: dict[str, Process]
    messages: dict[str, str] = field(default_factory=dict)  # message id -> name
    signals: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # error id -> code
    escalations: dict[str, str] = field(default_factory=dict)

    def executable_processes(self) -> list[Process]:
        return [p for p in self.processes.values() if p.executable]
