"""Errors of JUEL expressions, located in the model text so that a modeler can find what to change.

Every error is an ExpressionError, so the engine treats a JUEL failure like any other expression
failure: refused at deployment, or an incident at run time.
"""
from __future__ import annotations

from bpmn_runtime.errors import ExpressionError

_SHOWN_CHARACTERS = 120  # a hostile 20 kB text must not flood the log


class JuelError(ExpressionError):
    """Base class: `text` is the whole model text, `line` and `column` (1-based) point into it."""

    verb = "cannot use"

    def __init__(self, text: str, reason: str, offset: int | None = None) -> None:
        self.text = text
        self.reason = reason
        self.line: int | None = None
        self.column: int | None = None
        where = ""
        if offset is not None:
            self.line, self.column = location(text, offset)
            where = f"line {self.line}, column {self.column}: "
        super().__init__(f"{self.verb} {shown(text)}: {where}{reason}")


class JuelSyntaxError(JuelError):
    """The text is not Unified EL as JUEL reads it."""

    verb = "cannot parse"


class JuelUnsupportedError(JuelError):
    """Valid EL that only Camunda 7's Java engine can run (Java beans, Spin, mutating calls)."""

    verb = "refused"


class JuelLimitError(JuelError):
    """A size, nesting or work budget was exceeded: hostile or runaway input is stopped early."""

    verb = "refused"


class JuelEvaluationError(JuelError):
    """The expression failed while it ran: unknown variable, a value that cannot be coerced, ..."""

    verb = "cannot evaluate"


class Failure(Exception):
    """Raised by operations, which do not know where they stand in the text; the evaluator adds the place."""


class LimitExceeded(Failure):
    """A budget ran out while evaluating."""


def location(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of `offset` in `text`."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def shown(text: str) -> str:
    """The text in quotes, shortened for messages."""
    if len(text) <= _SHOWN_CHARACTERS:
        return f'"{text}"'
    return f'"{text[:_SHOWN_CHARACTERS - 3]}..."'
