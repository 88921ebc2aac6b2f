"""What an evaluation runs with: the names in scope, its budget, and the notes saying why a result is null."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bpmn_runtime.feel.errors import FeelBudgetError
from bpmn_runtime.feel.values import to_feel

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


class State:
    """Per-evaluation bookkeeping shared by every scope of one evaluation."""

    __slots__ = ("budget", "steps", "depth", "notes", "clock", "quiet")

    def __init__(self, budget: Budget, notes: list[str] | None, clock: Callable[[], Any] | None) -> None:
        self.budget = budget
        self.steps = 0
        self.depth = 0
        self.notes = notes
        self.clock = clock
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
        scope: Scope | None = self
        while scope is not None:
            value = scope.values.get(name, MISSING)
            if value is not MISSING:
                return value
            scope = scope.parent
        return MISSING

    def child(self, values: Mapping[str, Any]) -> Scope:
        return Scope(values, self)


class JsonVariables(Mapping[str, Any]):
    """Process variables (JSON values) seen as FEEL values, each converted when first read."""

    __slots__ = ("raw", "converted")

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw
        self.converted: dict[str, Any] = {}

    def get(self, name: str, default: Any = None) -> Any:
        value = self.converted.get(name, MISSING)
        if value is MISSING:
            value = self.raw.get(name, MISSING)
            if value is MISSING:
                return default
            value = self.converted[name] = to_feel(value)
        return value

    def __getitem__(self, name: str) -> Any:
        value = self.get(name, MISSING)
        if value is MISSING:
            raise KeyError(name)
        return value

    def __iter__(self) -> Any:
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)


class Env:
    """A scope together with the evaluation state, passed to every compiled node."""

    __slots__ = ("scope", "state")

    def __init__(self, scope: Scope, state: State) -> None:
        self.scope = scope
        self.state = state

    def child(self, values: Mapping[str, Any]) -> Env:
        return Env(Scope(values, self.scope), self.state)
