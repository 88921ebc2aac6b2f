"""What an evaluation runs with: the names in scope, its budget, and the notes saying why a result is null."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bpmn_runtime.feel.errors import FeelBudgetError
from bpmn_runtime.feel.values import EXACT_LIMIT, to_feel

MISSING: Any = object()  # a name that is not in scope, as opposed to one whose value is null
MAX_NOTES = 50


@dataclass(frozen=True)
class Budget:
    """Limits checked while an expression runs; exceeding one raises FeelBudgetError.

    steps: loop iterations, filter and sort comparisons, function calls and list items visited, in total;
    list_items: the longest list it may build; string_length: the longest string (characters);
    depth: nested calls of user-defined functions.
    """

    steps: int = 1_000_000
    list_items: int = 1_000_000
    string_length: int = 10_000_000
    depth: int = 200


DEFAULT_BUDGET = Budget()


class Scope:
    """Names visible at one point of an evaluation: FEEL values, then the parent scope's names.

    Build one from FEEL values (for example a DMN engine's context of decisions, inputs and
    business knowledge models as functions) to evaluate without converting JSON values.
    """

    __slots__ = ("values", "parent")

    def __init__(self, values: Mapping[str, Any], parent: Scope | None = None) -> None:
        self.values = values
        self.parent = parent

    def lookup(self, name: str) -> Any:
        """The value of `name`, or MISSING."""
        value = self.values.get(name, MISSING)
        if value is MISSING and self.parent is not None:
            return self.parent.lookup(name)
        return value


class JsonScope(Scope):
    """Process variables (JSON values) seen as FEEL values, each converted when first read."""

    __slots__ = ("raw", "converted")

    def __init__(self, raw: Mapping[str, Any]) -> None:  # no super().__init__: this sits on the hot path
        self.raw = raw
        self.values = raw
        self.parent = None
        self.converted: dict[str, Any] | None = None  # lists and contexts already converted, by name

    def lookup(self, name: str) -> Any:
        value = self.raw.get(name, MISSING)
        kind = type(value)
        if kind is str or kind is bool or value is None or value is MISSING:
            return value
        if kind is int and -EXACT_LIMIT < value < EXACT_LIMIT:
            return Decimal(value)
        if self.converted is None:
            self.converted = {}
        converted = self.converted.get(name, MISSING)
        if converted is MISSING:
            converted = self.converted[name] = to_feel(value)
        return converted


class Env:
    """A scope together with the evaluation state, passed to every compiled node."""

    __slots__ = ("scope", "state")

    def __init__(self, scope: Scope, state: State) -> None:
        self.scope = scope
        self.state = state

    def child(self, values: Mapping[str, Any]) -> Env:
        return Env(Scope(values, self.scope), self.state)


class State(Env):
    """Per-evaluation bookkeeping shared by every scope of one evaluation; also the outermost Env."""

    __slots__ = ("budget", "steps", "depth", "notes", "now", "quiet")

    def __init__(self, scope: Scope, budget: Budget, notes: list[str] | None, now: Any) -> None:
        self.scope = scope
        self.state = self
        self.budget = budget
        self.steps = 0
        self.depth = 0
        self.notes = notes
        self.now = now  # what now() gives: a FeelDateTime, a Python datetime, or None for the system clock
        self.quiet = 0  # > 0 while a trial evaluation runs whose nulls are expected

    def tick(self, count: int = 1) -> None:
        self.steps += count
        if self.steps > self.budget.steps:
            raise FeelBudgetError(f"the expression took more than {self.budget.steps} steps")

    def check_list(self, length: int) -> None:
        if length > self.budget.list_items:
            raise FeelBudgetError(f"a list would have {length} items, more than {self.budget.list_items}")

    def check_string(self, length: int) -> None:
        if length > self.budget.string_length:
            raise FeelBudgetError(
                f"a string would have {length} characters, more than {self.budget.string_length}"
            )

    def note(self, message: str) -> None:
        """Record why a result became null (kept short: the first MAX_NOTES reasons)."""
        if self.notes is not None and not self.quiet and len(self.notes) < MAX_NOTES:
            self.notes.append(message)
