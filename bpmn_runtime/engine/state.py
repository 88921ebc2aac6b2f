"""The state of one process instance: live activity instances, their variables, and what they wait for.

The state holds only what is alive (plus compensation records), so its size, and the cost of a step,
does not grow with the instance's history. It round-trips through plain JSON for the store.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ROOT = 0  # id of the activity instance of the process itself


@dataclass(slots=True)
class ActivityInstance:
    """One activation of an element (or of the process: `ROOT`).

    `parent` is the activity instance of the enclosing scope. Scopes (the process, subprocesses,
    multi-instance bodies and their inner instances, activities with input mappings) own `variables`.
    `data` is private to the element's behaviour (join counts, loop counters, ...).
    """

    id: int
    element: str
    parent: int | None
    variables: dict[str, Any] | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> list[Any]:
        return [self.id, self.element, self.parent, self.variables, self.data]

    @classmethod
    def from_json(cls, row: list[Any]) -> "ActivityInstance":
        return cls(row[0], row[1], row[2], row[3], row[4])


@dataclass(slots=True)
class Wait:
    """Something an activity instance waits for, keyed in the instance by `key`.

    kind: user_task, job (service work for a handler), continuation (async before/after),
    timer, message, signal, conditional, call (a child instance).
    `element` is the element whose event it is (a boundary event, an event-subprocess start event,
    an event after an event-based gateway, or the activity itself).
    """

    key: int
    kind: str
    ai: int
    element: str
    name: str | None = None
    due: str | None = None  # ISO 8601 UTC, for timers
    detail: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> list[Any]:
        return [self.key, self.kind, self.ai, self.element, self.name, self.due, self.detail]

    @classmethod
    def from_json(cls, row: list[Any]) -> "Wait":
        return cls(*row)


@dataclass(slots=True)
class CompensationRecord:
    """A completed activity that can be compensated: its handler and the variables it completed with."""

    ai: int
    element: str
    scope_ai: int
    handler: str | None
    variables: dict[str, Any]
    order: int

    def to_json(self) -> list[Any]:
        return [self.ai, self.element, self.scope_ai, self.handler, self.variables, self.order]

    @classmethod
    def from_json(cls, row: list[Any]) -> "CompensationRecord":
        return cls(*row)


@dataclass(slots=True)
class InstanceState:
    """Everything the engine needs to continue an instance."""

    process: str
    status: str = "active"  # active, completed, terminated, failed, cancelled
    seq: int = 1
    instances: dict[int, ActivityInstance] = field(default_factory=dict)
    waits: dict[int, Wait] = field(default_factory=dict)
    compensations: list[CompensationRecord] = field(default_factory=list)
    end_reason: str | None = None
    error_code: str | None = None  # the uncaught BPMN error that failed the instance

    def next_id(self) -> int:
        self.seq += 1
        return self.seq

    @property
    def root(self) -> ActivityInstance:
        return self.instances[ROOT]

    def children(self, parent: int) -> list[ActivityInstance]:
        return [ai for ai in self.instances.values() if ai.parent == parent]

    def descendants(self, ancestor: int) -> list[ActivityInstance]:
        """Every live activity instance below `ancestor`, deepest first."""
        found: list[ActivityInstance] = []
        for child in self.children(ancestor):
            found.extend(self.descendants(child.id))
            found.append(child)
        return found

    def waits_of(self, ai: int) -> list[Wait]:
        return [w for w in self.waits.values() if w.ai == ai]

    def to_json(self) -> dict[str, Any]:
        return {
            "process": self.process,
            "status": self.status,
            "seq": self.seq,
            "instances": [ai.to_json() for ai in self.instances.values()],
            "waits": [w.to_json() for w in self.waits.values()],
            "compensations": [c.to_json() for c in self.compensations],
            "end_reason": self.end_reason,
            "error_code": self.error_code,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> "InstanceState":
        instances = {row[0]: ActivityInstance.from_json(row) for row in doc["instances"]}
        waits = {row[0]: Wait.from_json(row) for row in doc["waits"]}
        return cls(doc["process"], doc["status"], doc["seq"], instances, waits,
                   [CompensationRecord.from_json(r) for r in doc.get("compensations", [])], doc.get("end_reason"),
                   doc.get("error_code"))
