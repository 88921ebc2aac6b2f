"""What a business rule task asks of the runtime, and what it answers: the engine does no I/O, so the
embedding runtime finds and evaluates the decision (see `runtime/decisions.py`)."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# Camunda 7's camunda:mapDecisionResult: how a business rule task maps the rules' results to its variable.
MAPPINGS = ("singleEntry", "singleResult", "collectEntries", "resultList")


@dataclass(frozen=True)
class DecisionCall:
    """What a business rule task asks the runtime to evaluate: a decision (latest version, or `version`)."""

    decision: str
    version: int | None
    variables: Mapping[str, Any]
    now: datetime


@dataclass(frozen=True)
class DecisionOutcome:
    """What the runtime answers: the decision's value and rule results as JSON, and the matched rules."""

    key: str
    version: int
    name: str
    value: Any
    rule_results: list[dict[str, Any]]
    matches: list[dict[str, Any]]  # per decision table: decision, name, rules [{index, id}]
    # the decision table's hit policy, with its aggregation ("COLLECT SUM"); None for other decision logic
    hit_policy: str | None = None


DecisionLookup = Callable[[DecisionCall], DecisionOutcome]  # raises Incident saying why it cannot
