"""The state of one process instance: live activity instances, their variables, and what they wait for.

The state holds only what is alive (plus compensation records), so its size, and the cost of a step,
does not grow with the instance's history. Everything in it is a typed record with named fields; what
one element family remembers is a record of that family (a join's tokens, a multi-instance body, a
compensation run, an incident), never a free-form map that other modules read. `state_format` turns it
into the stored JSON document and back, migrating documents written by earlier releases.

Activity instances are addressable by id, and are added and removed only through `add` and `remove`,
which keep the indexes by parent, by waiting instance and by kind of wait, and of the few instances that
keep a record (a join, a body, a parked token) that the step looks for when it has nothing else to do: a
step in a scope of ten thousand activity instances then touches what it changes, not all of them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Literal, Union

ROOT = 0  # id of the activity instance of the process itself

# What the step runs of an element's behaviour when it takes an activity instance from the agenda:
# begin (boundary events, then execute), execute (input mappings, standard loop check, then activate),
# activate (the element's work), leave (after the work: outputs, loops, then on), proceed (after an
# asynchronous continuation that follows the activity).
Phase = Literal["begin", "execute", "perform", "activate", "leave", "depart", "proceed"]


# --- what a joining element, a loop, a body remembers --------------------------------------------------

@dataclass(slots=True)
class Join:
    """Tokens collected by a joining element (parallel, inclusive, complex gateway; startQuantity > 1),
    by the incoming flow they came along ("" for none)."""

    arrived: dict[str, int] = field(default_factory=dict)
    waiting: bool = False  # an inclusive join waiting until no other token can reach it
    fired: bool = False  # a complex gateway that fired and waits for the rest of the tokens
    consumed: list[str] = field(default_factory=list)  # the flows a complex gateway's activation took a token from

    def count(self) -> int:
        return sum(self.arrived.values())


@dataclass(slots=True)
class MultiInstanceBody:
    """The body of a multi-instance activity: what it iterates, how far it got, what its inner instances
    gave for the output collection (by loopCounter, from 1)."""

    items: list[Any] | None = None  # the collection; None when counted by loopCardinality
    started: int = 0  # inner instances started so far
    results: dict[int, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CompensationRecord:
    """A completed activity that can be compensated: its handler (None: compensate what ran inside it), the
    variables it completed with, the scope it ran in, and its place in the order of completion."""

    ai: int
    element: str
    scope_ai: int
    handler: str | None
    variables: dict[str, Any]
    order: int


@dataclass(slots=True)
class CompensationRun:
    """A compensation run: its handlers run one at a time, newest first, as children of the run."""

    queue: list[CompensationRecord]
    current: CompensationRecord | None = None  # the record whose handler runs now


Body = Union[MultiInstanceBody, CompensationRun]


# --- waits ---------------------------------------------------------------------------------------------

@dataclass(slots=True)
class Wait:
    """Something activity instance `ai` waits for, keyed in the instance by `key`.

    `element` is the element whose event it is: a boundary event, an event-subprocess start event, an
    event after an event-based gateway, or the activity itself.
    """

    kind: ClassVar[str]
    key: int
    ai: int
    element: str

    @property
    def due(self) -> str | None:
        """When the wait ends by itself (ISO 8601 UTC): timers only."""
        return None

    def waiting_for(self) -> str:
        """What the activity instance waits for, as the console says it."""
        raise NotImplementedError


@dataclass(slots=True)
class UserTaskWait(Wait):
    kind: ClassVar[str] = "user_task"
    name: str = ""
    assignee: str | None = None
    candidate_users: list[str] = field(default_factory=list)
    candidate_groups: list[str] = field(default_factory=list)
    due_date: str | None = None  # the task's due date, as the model computed it
    priority: int = 50
    follow_up_date: str | None = None  # its follow-up date, as the model computed it

    def waiting_for(self) -> str:
        return "a person to complete the task"


@dataclass(slots=True)
class JobWait(Wait):
    """Work for the handler of `topic`; a worker may hold it `timeout` seconds (None: the worker's lease). The job
    of a Camunda 8 execution listener names its event (`start`, `end`) and which of the element's listeners of that
    event it is."""

    kind: ClassVar[str] = "job"
    topic: str = ""
    retries: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float | None = None
    listener: str = ""
    listener_index: int = 0
    resume_at: str = ""  # a process start listener's: the start event the instance goes on at
    carried: dict[str, Any] = field(default_factory=dict)  # a task listener's: what the next one takes on

    def waiting_for(self) -> str:
        return f"a worker for topic '{self.topic}'"


@dataclass(slots=True)
class ContinuationWait(Wait):
    """An asynchronous continuation before or after an activity."""

    kind: ClassVar[str] = "continuation"
    after: bool = False

    def waiting_for(self) -> str:
        return "a worker to continue asynchronously"


@dataclass(slots=True)
class TimerWait(Wait):
    """A timer due at `due_at`; `spec` is its text as evaluated when it was armed, `fired` how often it has
    fired. Waits saved before firings were counted keep the firings of a cycle left instead (`remaining`,
    None: forever)."""

    kind: ClassVar[str] = "timer"
    timer: str = "date"  # date, duration or cycle
    due_at: str = ""
    spec: str = ""
    remaining: int | None = 0
    fired: int | None = None

    @property
    def due(self) -> str | None:
        return self.due_at

    def waiting_for(self) -> str:
        return f"a timer due {self.due_at}"


@dataclass(slots=True)
class MessageWait(Wait):
    kind: ClassVar[str] = "message"
    message: str | None = None
    correlation: str | None = None

    def waiting_for(self) -> str:
        return f"message '{self.message}'"


@dataclass(slots=True)
class SignalWait(Wait):
    kind: ClassVar[str] = "signal"
    signal: str | None = None

    def waiting_for(self) -> str:
        return f"signal '{self.signal}'"


@dataclass(slots=True)
class ConditionalWait(Wait):
    """Fires when `condition` turns true (not again while it stays true: `was_true`)."""

    kind: ClassVar[str] = "conditional"
    condition: str = "false"
    was_true: bool = False

    def waiting_for(self) -> str:
        return "a condition to become true"


@dataclass(slots=True)
class CallWait(Wait):
    """A child instance of `process_key`, started with `variables` and `business_key` (or the caller's
    business key, when `inherit_business_key`)."""

    kind: ClassVar[str] = "call"
    process_key: str = ""
    variables: dict[str, Any] = field(default_factory=dict)
    business_key: str | None = None
    inherit_business_key: bool = True
    version: int | None = None  # the version of `process_key` to start; None: the newest

    def waiting_for(self) -> str:
        return f"called process '{self.process_key}'"


WAIT_TYPES: dict[str, type[Wait]] = {cls.kind: cls for cls in (
    UserTaskWait, JobWait, ContinuationWait, TimerWait, MessageWait, SignalWait, ConditionalWait, CallWait)}


# --- the agenda: what a step still has to do -----------------------------------------------------------
# Operations are made for every token move, so they are plain slotted classes; none is changed once made.

@dataclass(slots=True)
class Arrive:
    """A token on its way to `element` in scope `scope`, along flow `via`. `parked` is the activity instance
    that stands for it while it is stopped (see `IncidentRecord`)."""

    element: str
    scope: int
    via: str | None
    parked: int | None = None

    @property
    def ai(self) -> int:
        return self.parked if self.parked is not None else self.scope


@dataclass(slots=True)
class Run:
    """Run `phase` of the behaviour of activity instance `ai`."""

    ai: int
    phase: Phase


@dataclass(slots=True)
class StartProcess:
    """Start the process at `start_event`: its event subprocesses subscribe, a token enters the start event (once
    the process's own Camunda 8 start listeners are done: `listened`)."""

    start_event: str
    listened: bool = False

    @property
    def ai(self) -> int:
        return ROOT


@dataclass(slots=True)
class CompleteScope:
    """A path ended in scope `ai`: complete it if nothing in it is alive any more."""

    ai: int


@dataclass(slots=True)
class Trigger:
    """What `wait` waited for happened, with `payload` (variables)."""

    wait: Wait
    payload: dict[str, Any]

    @property
    def ai(self) -> int:
        return self.wait.ai


@dataclass(slots=True)
class CheckCondition:
    """See whether the conditional wait `key` (of activity instance `ai`) fires now."""

    key: int
    ai: int


@dataclass(slots=True)
class Broadcast:
    """Signal `signal`, thrown by activity instance `ai`, reaches the catchers in this instance."""

    signal: str
    ai: int


@dataclass(slots=True)
class Throw:
    """Error or escalation `code` thrown at activity instance `ai` by a handler or a called instance; an
    error nothing catches is an incident on `ai` (its handler failed) rather than the instance's end."""

    ai: int
    kind: Literal["error", "escalation"]
    code: str
    variables: dict[str, Any] = field(default_factory=dict)
    message: str = ""  # an error's message, which camunda:errorMessageVariable stores


Operation = Union[Arrive, Run, StartProcess, CompleteScope, Trigger, CheckCondition, Broadcast, Throw]


@dataclass(slots=True)
class IncidentRecord:
    """A failure the model does not handle: what the step was doing (`operations`, in order) waits here
    until an operator retries it. Stopped by a budget, it holds everything the step still had to do."""

    operations: list[Operation]


# --- activity instances and the instance -------------------------------------------------------------------

Entry = Any  # an ActivityInstance, a Wait, or what an inner instance of a multi-instance body gave


class Watched(dict[int, Entry]):
    """A map of activity instances, waits or a multi-instance body's results that notes the keys of the entries it
    hands out, adds or removes: those are all a step can have changed, so a save writes only those (see
    `InstanceState.watch`). Handing out every entry (`values`, `items`) notes all of them."""

    __slots__ = ("noted", "all_noted")

    def __init__(self, entries: dict[int, Entry]) -> None:
        super().__init__(entries)
        self.noted: set[int] = set()
        self.all_noted = False

    def __getitem__(self, key: int) -> Entry:
        self.noted.add(key)
        return dict.__getitem__(self, key)

    def get(self, key: int, default: Any = None) -> Any:
        self.noted.add(key)
        return dict.get(self, key, default)

    def __setitem__(self, key: int, value: Entry) -> None:
        self.noted.add(key)
        dict.__setitem__(self, key, value)

    def __delitem__(self, key: int) -> None:
        self.noted.add(key)
        dict.__delitem__(self, key)

    def pop(self, key: int, default: Any = None) -> Any:
        self.noted.add(key)
        return dict.pop(self, key, default)

    def setdefault(self, key: int, default: Any = None) -> Any:
        self.noted.add(key)
        return dict.setdefault(self, key, default)

    def values(self) -> Any:
        self.all_noted = True
        return dict.values(self)

    def items(self) -> Any:
        self.all_noted = True
        return dict.items(self)

    def clear(self) -> None:
        self.all_noted = True
        dict.clear(self)

    def popitem(self) -> tuple[int, Entry]:
        self.all_noted = True
        return dict.popitem(self)

    def copy(self) -> dict[int, Entry]:
        self.all_noted = True
        return dict(dict.items(self))

    def update(self, *args: Any, **kwargs: Any) -> None:
        self.all_noted = True
        dict.update(self, *args, **kwargs)

    def __ior__(self, other: Any) -> "Watched":  # type: ignore[override, misc]
        self.update(other)
        return self

    def forget(self) -> None:
        """Start noting afresh (the entries noted so far are saved)."""
        self.noted = set()
        self.all_noted = False


@dataclass(slots=True)
class ActivityInstance:
    """One activation of an element (or of the process: `ROOT`).

    `parent` is the activity instance of the enclosing scope. Scopes (the process, subprocesses,
    multi-instance bodies and their inner instances, activities with input mappings) own `variables`.
    """

    id: int
    element: str
    parent: int | None
    variables: dict[str, Any] | None = None
    body: Body | None = None  # set when this instance is a multi-instance body or a compensation run
    join: Join | None = None
    loop_counter: int | None = None  # iterations a standard loop has completed
    outputs_mapped: bool = False  # output mappings done: leaving again (after an incident) skips them
    waited_after: bool = False  # the asynchronous continuation after the activity has been scheduled
    compensable: bool = False  # something completed inside it left compensation records
    parked: bool = False  # stands for a token stopped on its way to `element` (see `IncidentRecord`)
    entries_started: int = 0  # a sequential ad-hoc subprocess: how many of its inner activities it has started
    # an inner instance of a multi-instance activity that keeps what it writes until it completes: the names of the
    # variables it holds for the scopes around it (None: it writes through)
    held: list[str] | None = None
    incident: IncidentRecord | None = None


@dataclass(slots=True)
class ApartValue:
    """A large value of a state stored as rows, kept in a row of its own (see `state_format.store`): the row's key,
    the very object stored there (values are never changed in place, so another object in its place is a change and
    the same object is not), and its size as the variable budget measures it (None: not measured yet)."""

    key: int
    value: Any
    size: int | None = None


@dataclass(slots=True)
class InstanceState:
    """Everything the engine needs to continue an instance."""

    process: str
    status: str = "active"  # active, completed, terminated, failed, cancelled
    seq: int = 1
    instances: dict[int, ActivityInstance] = field(default_factory=dict)  # change through add/remove
    waits: dict[int, Wait] = field(default_factory=dict)  # change through add_wait/remove_wait
    compensations: list[CompensationRecord] = field(default_factory=list)
    end_reason: str | None = None
    error_code: str | None = None  # the uncaught BPMN error that failed the instance
    error_message: str | None = None  # that error's message, if it had one
    # SpiffWorkflow's correlations of the instance: per correlation key, the values of its properties, fixed by
    # the first message thrown or caught that carries them (see `spiff_correlation`)
    correlations: dict[str, dict[str, Any]] = field(default_factory=dict)
    _children: dict[int, dict[int, None]] = field(default_factory=dict, repr=False)  # in creation order
    _waits_by_ai: dict[int, dict[int, None]] = field(default_factory=dict, repr=False)
    _waits_by_kind: dict[str, dict[int, None]] = field(default_factory=dict, repr=False)
    _keepers: dict[int, None] = field(default_factory=dict, repr=False)  # see `keepers`, in creation order
    # of a watched state: the size of each activity instance's variables as last measured (see `variables_size`),
    # their sum, and the activity instances that may have changed since
    _variable_sizes: dict[int, int] | None = field(default=None, repr=False)
    _variables_total: int = field(default=0, repr=False)
    _unmeasured: set[int] = field(default_factory=set, repr=False)
    # of a state stored as rows: its large values in rows of their own, by activity instance and by variable name
    # (None: a multi-instance body's collection), and the key the next such row takes (see `state_format.store`)
    apart: dict[int, dict[str | None, ApartValue]] = field(default_factory=dict, repr=False, compare=False)
    # of a state stored as rows: the keys of the rows of what inner instances gave a multi-instance body for its output
    # collection, by body and by loopCounter (see `state_format.store`; the key comes from `next_apart_key`)
    result_rows: dict[int, dict[int, int]] = field(default_factory=dict, repr=False, compare=False)
    next_apart_key: int = field(default=1, repr=False, compare=False)

    def __post_init__(self) -> None:
        instances, waits = self.instances, self.waits
        self.instances, self.waits = {}, {}
        for ai in instances.values():
            self.add(ai)
        for wait in waits.values():
            self.add_wait(wait)

    def watch(self) -> None:
        """Note from now on which activity instances and waits may change (see `Watched`, `changes`): for a state
        stored as rows of its own, one per activity instance and wait (see `state_format`)."""
        if not isinstance(self.instances, Watched):
            self.instances = Watched(self.instances)
            self.waits = Watched(self.waits)

    @property
    def watched(self) -> bool:
        return isinstance(self.instances, Watched)

    def changes(self) -> tuple[set[int] | None, set[int] | None]:
        """The ids of the activity instances and the keys of the waits that may have changed since the state was
        watched or `saved` last (None: any of them); only for a watched state."""
        instances, waits = self.instances, self.waits
        assert isinstance(instances, Watched) and isinstance(waits, Watched), "changes are noted once watched"
        return None if instances.all_noted else instances.noted, None if waits.all_noted else waits.noted

    def saved(self) -> None:
        """What changed is saved: note changes afresh."""
        if isinstance(self.instances, Watched) and isinstance(self.waits, Watched):
            if self.instances.all_noted:
                self._variable_sizes = None
            else:
                self._unmeasured |= self.instances.noted
            self.instances.forget()
            self.waits.forget()

    def variables_size(self, size: Callable[[ActivityInstance], int]) -> int:
        """The sum of `size` over the activity instances that have variables. A watched state remembers each one's
        size, and measures again only those of the activity instances that may have changed since."""
        instances = self.instances
        if not isinstance(instances, Watched) or instances.all_noted or self._variable_sizes is None:
            sizes = {ai.id: size(ai) for ai in dict.values(instances) if ai.variables}
            if isinstance(instances, Watched) and not instances.all_noted:
                self._variable_sizes, self._variables_total = sizes, sum(sizes.values())
                self._unmeasured = set(instances.noted)  # they may change again before the save
            return sum(sizes.values())
        known, total = self._variable_sizes, self._variables_total
        for key in self._unmeasured | instances.noted:
            total -= known.pop(key, 0)
            ai = dict.get(instances, key)
            if ai is not None and ai.variables:
                known[key] = size(ai)
                total += known[key]
        self._variables_total = total
        self._unmeasured = set(instances.noted)
        return total

    def next_id(self) -> int:
        self.seq += 1
        return self.seq

    @property
    def root(self) -> ActivityInstance:
        return self.instances[ROOT]

    def add(self, ai: ActivityInstance) -> None:
        self.instances[ai.id] = ai
        if ai.parent is not None:
            self._children.setdefault(ai.parent, {})[ai.id] = None
        if ai.join is not None or ai.body is not None or ai.parked:
            self._keepers[ai.id] = None

    def remove(self, ai_id: int) -> ActivityInstance | None:
        self._keepers.pop(ai_id, None)
        ai = self.instances.pop(ai_id, None)
        if ai is not None and ai.parent is not None:
            _unindex(self._children, ai.parent, ai_id)
        return ai

    def keep_only_root(self) -> None:
        """What an ended instance keeps: the process's activity instance, with its variables."""
        root = self.instances.get(ROOT)
        self.instances.clear()
        self._children.clear()
        self._keepers.clear()
        if root is not None:
            self.add(root)

    def parent_of(self, ai: ActivityInstance) -> ActivityInstance:
        assert ai.parent is not None, "the process's activity instance has no parent"
        return self.instances[ai.parent]

    def children(self, parent: int) -> list[ActivityInstance]:
        return [self.instances[c] for c in self._children.get(parent, ())]

    def has_children(self, parent: int) -> bool:
        return parent in self._children

    def keepers(self) -> list[ActivityInstance]:
        """The activity instances made with a join, a body (multi-instance, compensation run) or for a parked
        token, in creation order: where the step looks for joins to fire, bodies to go on, tokens to count.
        These records are given when an instance is made and never later (a join may be dropped: look)."""
        return [self.instances[ai] for ai in self._keepers]

    def add_wait(self, wait: Wait) -> None:
        self.waits[wait.key] = wait
        self._waits_by_ai.setdefault(wait.ai, {})[wait.key] = None
        self._waits_by_kind.setdefault(wait.kind, {})[wait.key] = None

    def remove_wait(self, key: int) -> Wait | None:
        wait = self.waits.pop(key, None)
        if wait is not None:
            _unindex(self._waits_by_ai, wait.ai, key)
            _unindex(self._waits_by_kind, wait.kind, key)
        return wait

    def waits_of_kind(self, kind: str) -> list[Wait]:
        """The waits of one kind (`Wait.kind`), in the order they were added."""
        keys = self._waits_by_kind.get(kind)
        return [self.waits[k] for k in keys] if keys else []

    def has_waits(self, ai: int) -> bool:
        return ai in self._waits_by_ai

    def waits_of(self, ai: int) -> list[Wait]:
        keys = self._waits_by_ai.get(ai)
        return [self.waits[k] for k in keys] if keys else []

    def visible_variables(self, ai: ActivityInstance) -> list[dict[str, Any]]:
        """The variable maps visible from `ai`, innermost first: its own scope's, then each enclosing one's."""
        maps = []
        current: ActivityInstance | None = ai
        while current is not None:
            if current.variables is not None:
                maps.append(current.variables)
            current = self.instances.get(current.parent) if current.parent is not None else None
        return maps


def _unindex(index: dict[Any, dict[int, None]], group: Any, key: int) -> None:
    """Take `key` out of its group in `index`, and the group once it is empty."""
    keys = index.get(group)
    if keys is not None:
        keys.pop(key, None)
        if not keys:
            del index[group]
