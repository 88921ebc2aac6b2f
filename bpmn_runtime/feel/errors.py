"""The exceptions FEEL raises; every one is a FeelError, and each message speaks FEEL, not Python."""
from __future__ import annotations


class FeelError(Exception):
    """Base class of every error the FEEL package raises on purpose."""


class FeelSyntaxError(FeelError):
    """The expression text is not FEEL; `line` and `column` (1-based) say where the problem starts."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(f"line {line}, column {column}: {message}")
        self.reason = message
        self.line = line
        self.column = column


class FeelEvaluationError(FeelError):
    """Evaluation cannot go on: a failed `assert()`, a function value where data is required, and the like.

    Most mistakes give null instead, as the specification says; this is for the few that must stop.
    """


class FeelBudgetError(FeelError):
    """Evaluation used more than its budget (steps, list items, string length, call depth or number size)."""
