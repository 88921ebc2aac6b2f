"""Migrating running instances to another version of their process, as Camunda 7's migration does: each
active element (and each event it waits for) moves to the element of the same id in the target version, or
to the one the mapping names, which must be of the same kind and in the same scope. Tasks, jobs, timers and
subscriptions keep their rows (ids, due dates, assignees) and follow their element.

What the instance waits for follows the target version's model, as Camunda 7's migration with updated event
triggers does: a message subscription takes the message name the target element names, a signal
subscription its signal name, a job its topic (job type), a conditional event its condition. A name or
topic the target writes as an expression, or a changed correlation key, would have to be evaluated again
where the instance stands; that is refused instead, located on the element. Timers keep the due date they
were armed with (Camunda 7's default).

A migration is checked before it runs, and again for each instance in the transaction that migrates it:
what the target version would run differently from what the instance holds is refused, instance by
instance, in the modeler's words. That covers an element with no counterpart, one of another kind or in
another subprocess, and an event the target adds to a running activity or scope (a timer, message, signal or
conditional boundary event, or event subprocess): the migrated instance would not wait for it. An instance
that has ended (before the check, or between the check and its batch) is left as it is, and its plan says so.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Mapping

from sqlalchemy import select, update

from bpmn_runtime.engine.state import (
    ROOT, ActivityInstance, Arrive, CompensationRecord, CompensationRun, ConditionalWait, InstanceState, JobWait,
    MessageWait, MultiInstanceBody, SignalWait, Trigger, Wait,
)
from bpmn_runtime.engine.step import Step
from bpmn_runtime.errors import InvalidInput
from bpmn_runtime.juel import is_template
from bpmn_runtime.model import Element, Process
from bpmn_runtime.runtime import permissions
from bpmn_runtime.runtime.modification import resolve_moot_incidents
from bpmn_runtime.runtime.records import Record
from bpmn_runtime.runtime.unit_of_work import LoadedInstance, UnitOfWork
from bpmn_runtime.store.tables import Definition, Incident, Instance, Job, Subscription, UserTask

WAITING_EVENTS = frozenset({"timer", "message", "signal", "conditional"})  # events an instance subscribes to
# the waits whose trigger follows the target version, by the field of the wait that holds it
TRIGGERS: dict[type[Wait], str] = {MessageWait: "message", SignalWait: "signal", JobWait: "topic",
                                   ConditionalWait: "condition"}
TRIGGER_WORDS = {"message": "message", "signal": "signal", "topic": "a worker for topic", "condition": "condition"}
SCOPE_KINDS = frozenset({"subProcess", "transaction", "adHocSubProcess"})


@dataclass(frozen=True)
class MigrationPlan(Record):
    """What migrating one instance does (`moves`), why it cannot (`problems`: nothing is migrated then), or
    why it is left as it is."""

    instance_id: int
    process_key: str
    from_version: int
    to_version: int
    moves: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    left_as_is: str | None = None  # why an instance is not migrated that need not be (it has ended)


@dataclass(frozen=True)
class Retrigger:
    """A wait the target version triggers otherwise: wait `wait` takes `new` as its `field` (see TRIGGERS)."""

    wait: int
    field: str
    old: str
    new: str
    label: str  # the target element's, in the modeler's words

    def describe(self) -> str:
        return f"{self.label} waits for {TRIGGER_WORDS[self.field]} '{self.new}' instead of '{self.old}'"


class MigrationRefused(InvalidInput):
    """Some instances cannot be migrated as asked; `plans` says why for each. Nothing was migrated."""

    def __init__(self, plans: list[MigrationPlan]) -> None:
        self.plans = plans
        lines = [f"instance {p.instance_id}: {problem}" for p in plans for problem in p.problems]
        super().__init__("nothing was migrated: " + "; ".join(lines))


def plan(unit: UnitOfWork, instance_id: int, to_version: int, mapping: Mapping[str, str]) -> MigrationPlan:
    """Check migrating one instance (a dry run): what would move where, or what stands in the way."""
    return _checked(unit, unit.load(instance_id), to_version, mapping)[0]


def migrate(unit: UnitOfWork, instance_id: int, to_version: int, mapping: Mapping[str, str]) -> MigrationPlan:
    """Migrate one instance in this transaction, checked again: one that moved on since the check so that it
    cannot be migrated now (it ended, say) is left as it is, and its plan says why."""
    loaded = unit.load(instance_id)
    checked, target = _checked(unit, loaded, to_version, mapping)
    if checked.problems or checked.left_as_is or target is None or checked.from_version == to_version:
        return checked
    definition_id, process = target
    moved = _moved(loaded.state, loaded.process, mapping)
    retriggers, _ = _retriggers(loaded.state, loaded.process, process, mapping, to_version)

    def rewrite(step: Step) -> None:
        _rewrite(loaded.state, process.id, moved)
        for retrigger in retriggers:
            setattr(loaded.state.waits[retrigger.wait], retrigger.field, retrigger.new)
        step.history("instance_migrated", None, ROOT, {"from_version": checked.from_version, "to_version": to_version,
                                                      "moved": dict(sorted(moved.items()))})
    unit.step(loaded, rewrite, while_suspended=True)
    connection = unit.connection
    connection.execute(update(Instance).where(Instance.id == loaded.id).values(definition_id=definition_id))
    loaded.definition_id, loaded.process = definition_id, process  # what the rest of this unit sees of it
    for table in (Job, UserTask, Subscription, Incident):
        for old, new in moved.items():
            if old != new:
                connection.execute(update(table).where(table.instance_id == loaded.id, table.element_id == old)
                                   .values(element_id=new))
    for retrigger in retriggers:
        if retrigger.field == "topic":
            connection.execute(update(Job).where(Job.instance_id == loaded.id, Job.wait_key == retrigger.wait)
                               .values(topic=retrigger.new))
        elif retrigger.field in ("message", "signal"):
            connection.execute(update(Subscription).where(Subscription.instance_id == loaded.id,
                                                          Subscription.wait_key == retrigger.wait)
                               .values(name=retrigger.new))
    resolve_moot_incidents(unit, loaded)
    unit.audit("migrate", process_key=loaded.process_key, instance_id=loaded.id, detail={
        "before": {"version": checked.from_version}, "after": {"version": to_version}, "moves": checked.moves})
    return checked


def _checked(unit: UnitOfWork, loaded: LoadedInstance, to_version: int,
             mapping: Mapping[str, str]) -> tuple[MigrationPlan, tuple[int, Process] | None]:
    permissions.check(unit.connection, unit.actor, loaded.process_key, "operate")
    from_version = unit.connection.execute(select(Definition.version)
                                           .where(Definition.id == loaded.definition_id)).scalar_one()
    found = MigrationPlan(loaded.id, loaded.process_key, from_version, to_version)
    if loaded.state.status != "active":
        return replace(found, left_as_is=f"it has ended ({loaded.state.status}); only running instances are "
                                         f"migrated"), None
    definition, target = unit.runtime.deployments.latest_definition(loaded.process_key, unit.connection, to_version)
    if from_version == to_version:
        found.moves.append(f"nothing: it runs version {to_version} already")
        return found, (definition.id, target)
    found.problems.extend(_mapping_problems(loaded.process, target, mapping, to_version))
    if not found.problems:
        found.problems.extend(_problems(loaded.state, loaded.process, target, mapping, to_version))
    retriggers: list[Retrigger] = []
    if not found.problems:
        retriggers, problems = _retriggers(loaded.state, loaded.process, target, mapping, to_version)
        found.problems.extend(problems)
    if not found.problems:
        found.moves.extend(f"{loaded.process.elements[old].label} to {target.elements[new].label}"
                           for old, new in _moved(loaded.state, loaded.process, mapping).items())
        found.moves.extend(r.describe() for r in retriggers)
    return found, (definition.id, target)


def _mapping_problems(source: Process, target: Process, mapping: Mapping[str, str], version: int) -> list[str]:
    problems = []
    for old, new in mapping.items():
        if old not in source.elements:
            problems.append(f"the mapping {old}={new} names '{old}', which the instance's version does not have")
        elif new not in target.elements:
            problems.append(f"the mapping {old}={new} names '{new}', which version {version} does not have")
    return problems


def _kind(element: Element) -> tuple[str, bool, bool, tuple[str, ...]]:
    """What must be the same of an element and its counterpart: kind, event subprocess or not, multi-instance
    or not, and the kinds of its events."""
    return (element.kind, element.triggered_by_event, element.loop is not None and element.loop.multi_instance,
            tuple(sorted(d.kind for d in element.events)))


def _problems(state: InstanceState, source: Process, target: Process, mapping: Mapping[str, str],
              version: int) -> list[str]:
    """Why the instance cannot run on in `target` as it runs now (none: it can)."""
    problems: list[str] = []
    to = mapping.get

    def counterpart(element_id: str) -> Element | None:
        old = source.elements[element_id]
        new = target.elements.get(to(element_id, element_id))
        if new is None:
            problems.append(f"{old.label} has no counterpart in version {version}; map it to an element of "
                            f"version {version} (--map {element_id}=NEW_ID)")
        elif _kind(new) != _kind(old):
            problems.append(f"{old.label} is a {_described(old)}, but {new.label} in version {version} is a "
                            f"{_described(new)}; an element moves only to one of its own kind")
        else:
            return new
        return None

    for ai in state.instances.values():
        if ai.parent is None:
            continue
        new = counterpart(ai.element)
        parent = state.instances[ai.parent]
        if new is None or parent.element == ai.element:  # an inner instance of a multi-instance body
            continue
        scope = target.id if parent.parent is None else to(parent.element, parent.element)
        if new.scope != scope:
            problems.append(f"{new.label} is not in the same scope in version {version} as "
                            f"{source.elements[ai.element].label} is now; move the token with a modification first")
        problems.extend(_missing_events(state, ai, new, target, mapping, version))
        if ai.join is not None:
            problems.extend(f"{new.label} has tokens waiting that came along flow '{flow}', which version {version} "
                            f"does not have" for flow in ai.join.arrived if flow and flow not in target.flows)
    problems.extend(_missing_events(state, state.root, None, target, mapping, version))
    for wait in state.waits.values():  # events an activity waits for besides its own: boundary, event subprocess
        if wait.element == state.instances[wait.ai].element or wait.element not in source.elements:
            continue
        event = counterpart(wait.element)
        attached = source.elements[wait.element].attached_to
        if event is not None and attached is not None and event.attached_to != to(attached, attached):
            problems.append(f"boundary event {event.label} is attached to another activity in version {version}")
    for record in _records(state):
        for element_id in (record.element, record.handler):
            if element_id is not None and to(element_id, element_id) not in target.elements:
                problems.append(f"{source.elements[element_id].label} can still be compensated, but version "
                                f"{version} has no counterpart of it")
    return list(dict.fromkeys(problems))


def _trigger(element: Element, field: str) -> tuple[str | None, str | None]:
    """What the model says a wait of `field` at `element` waits for, as written, and a message's correlation
    key: the message or signal name, the job's topic (the element's id without one), the condition."""
    if field == "topic":
        return element.extensions.topic or element.id, None
    kind = "conditional" if field == "condition" else field
    for definition in element.events:
        if definition.kind == kind:
            return definition.condition if kind == "conditional" else definition.name, definition.correlation_key
    return (element.name or element.id, None) if field == "message" else (None, None)  # a receive task's own


def _retriggers(state: InstanceState, source: Process, target: Process, mapping: Mapping[str, str],
                version: int) -> tuple[list[Retrigger], list[str]]:
    """The waits version `version` triggers otherwise (a renamed message or signal, a job's new topic, a new
    condition), and why one cannot follow without being worked out again where the instance waits."""
    found: list[Retrigger] = []
    problems: list[str] = []
    for wait in state.waits.values():
        field_name = TRIGGERS.get(type(wait))
        new_id = mapping.get(wait.element, wait.element)
        if field_name is None or wait.element not in source.elements or new_id not in target.elements:
            continue
        new_element = target.elements[new_id]
        (old, old_key), (new, new_key) = _trigger(source.elements[wait.element], field_name), \
            _trigger(new_element, field_name)
        if (old, old_key) == (new, new_key):
            continue
        current = str(getattr(wait, field_name))
        if old_key != new_key:
            problems.append(f"{new_element.label} correlates its message by \"{new_key}\" in version {version}, not "
                            f"by \"{old_key}\"; a migration does not work the key out again, so it would keep "
                            f"waiting under the old one. Move the token with a modification instead")
        elif new is None:
            problems.append(f"{new_element.label} names no {field_name} in version {version}")
        elif field_name != "condition" and (is_template(new) or new.lstrip().startswith("=")):
            problems.append(f"{new_element.label} takes its {field_name} from the expression \"{new}\" in version "
                            f"{version}; a migration does not evaluate it where the instance waits, so it would keep "
                            f"waiting for {TRIGGER_WORDS[field_name]} '{current}'. Move the token with a modification "
                            f"instead")
        else:
            found.append(Retrigger(wait.key, field_name, current, new, new_element.label))
    return found, problems


def _described(element: Element) -> str:
    kind = "event subprocess" if element.triggered_by_event else element.kind
    events = ", ".join(sorted(d.kind for d in element.events))
    multi = " (multi-instance)" if element.loop is not None and element.loop.multi_instance else ""
    return f"{kind}{multi}{f' with {events} event' if events else ''}"


def _missing_events(state: InstanceState, ai: ActivityInstance, new: Element | None, target: Process,
                    mapping: Mapping[str, str], version: int) -> list[str]:
    """Events version `version` adds to running activity (or scope) `ai` that it would not wait for."""
    if ai.parked or any(w.kind == "continuation" and not getattr(w, "after", False) for w in state.waits_of(ai.id)):
        return []  # it has not begun: it subscribes what its version says when it does
    waited = {mapping.get(w.element, w.element) for w in state.waits_of(ai.id)}
    scope_id = target.id if new is None else new.id
    required: list[Element] = []
    if new is not None and not isinstance(ai.body, CompensationRun) and not _inner(state, ai):
        required += [target.elements[b] for b in target.scope(new.scope).boundary_events.get(new.id, ())]
    if (new is None or new.kind in SCOPE_KINDS) and not isinstance(ai.body, MultiInstanceBody) \
            and scope_id in target.scopes:
        required += [target.elements[start] for sub in target.scope(scope_id).event_subprocesses
                     for start in target.scope(sub).start_events]
    where = new.label if new is not None else "the process"
    return [f"version {version} adds {event.label} to {where}, which a migrated instance would not wait for"
            for event in required if event.id not in waited and any(d.kind in WAITING_EVENTS for d in event.events)]


def _inner(state: InstanceState, ai: ActivityInstance) -> bool:
    parent = state.instances.get(ai.parent) if ai.parent is not None else None
    return parent is not None and isinstance(parent.body, MultiInstanceBody) and parent.element == ai.element


def _records(state: InstanceState) -> list[CompensationRecord]:
    found = list(state.compensations)
    for ai in state.instances.values():
        if isinstance(ai.body, CompensationRun):
            found += ai.body.queue + ([ai.body.current] if ai.body.current else [])
    return found


def _moved(state: InstanceState, source: Process, mapping: Mapping[str, str]) -> dict[str, str]:
    """Every element the instance holds (activity instances, waits, compensation records, stopped tokens)
    and the element it moves to."""
    held = {ai.element for ai in state.instances.values() if ai.parent is not None}
    held |= {w.element for w in state.waits.values()}
    held |= {element for r in _records(state) for element in (r.element, r.handler) if element is not None}
    for ai in state.instances.values():
        if ai.incident is not None:
            held |= {o.element for o in ai.incident.operations if isinstance(o, Arrive)}
    return {element: mapping.get(element, element) for element in sorted(held) if element in source.elements}


def _rewrite(state: InstanceState, process_id: str, moved: Mapping[str, str]) -> None:
    """Point everything the instance holds at the target version's elements."""
    def to(element: str) -> str:
        return moved.get(element, element)

    def record(r: CompensationRecord) -> CompensationRecord:
        return replace(r, element=to(r.element), handler=to(r.handler) if r.handler is not None else None)

    state.process = process_id
    for ai in state.instances.values():
        ai.element = process_id if ai.parent is None else to(ai.element)
        if isinstance(ai.body, CompensationRun):
            ai.body.queue = [record(r) for r in ai.body.queue]
            ai.body.current = record(ai.body.current) if ai.body.current is not None else None
        for operation in ai.incident.operations if ai.incident is not None else []:
            if isinstance(operation, Arrive):
                operation.element = to(operation.element)
            elif isinstance(operation, Trigger):
                operation.wait.element = to(operation.wait.element)
    for wait in state.waits.values():
        wait.element = to(wait.element)
    state.compensations[:] = [record(r) for r in state.compensations]


def parse_mapping(pairs: list[str] | tuple[str, ...]) -> dict[str, str]:
    """OLD_ID=NEW_ID pairs, as the command line and the console take them."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        old, sep, new = pair.strip().partition("=")
        if not sep or not old.strip() or not new.strip():
            raise InvalidInput(f"write each mapping as OLD_ID=NEW_ID, not '{pair.strip()}'")
        mapping[old.strip()] = new.strip()
    return mapping
