"""What one evaluation carries (clock, budget, notes, the rules that matched) and what it gives back."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bpmn_runtime.errors import BpmnRuntimeError
from bpmn_runtime.feel import Budget, Scope

MAX_NOTES = 50


class DecisionError(BpmnRuntimeError):
    """A decision could not be evaluated at all: it is not in the model, or the evaluation ran out of budget."""


@dataclass(frozen=True)
class RuleMatches:
    """The rules of one decision table that gave its result, by position (1 = first rule) and id."""

    decision_id: str
    decision_name: str
    table_id: str
    rules: tuple[tuple[int, str], ...]

    def to_json(self) -> dict[str, Any]:
        return {"decision": self.decision_id, "name": self.decision_name,
                "rules": [{"index": index, "id": rule_id} for index, rule_id in self.rules]}


@dataclass
class Run:
    """The state of one evaluation of a decision, shared by every expression it evaluates."""

    now: Any = None
    budget: Budget = field(default_factory=Budget)
    notes: list[str] = field(default_factory=list)
    matches: list[RuleMatches] = field(default_factory=list)
    owner: tuple[str, str] = ("", "")  # the decision being evaluated (id, name), for the matches

    def note(self, message: str) -> None:
        """Record why part of the evaluation gave null (the first MAX_NOTES reasons)."""
        if len(self.notes) < MAX_NOTES:
            self.notes.append(message)


# A boxed expression compiled once: its value in a scope of FEEL values, during a run.
Compiled = Callable[[Scope, Run], Any]


@dataclass(frozen=True)
class DecisionResult:
    """A decision's value (a FEEL value), the decision tables' matched rules, and why parts gave null."""

    decision_id: str
    decision_name: str
    value: Any
    matches: tuple[RuleMatches, ...]
    notes: tuple[str, ...]

    @property
    def matched_rules(self) -> list[RuleMatches]:
        """The matches of this decision's own table (not those of the decisions it required)."""
        return [match for match in self.matches if match.decision_id == self.decision_id]
