"""Budgets that keep hostile or runaway expressions cheap: text size, nesting, string size and work."""
from __future__ import annotations

from bpmn_runtime.juel.errors import LimitExceeded

MAX_TEXT = 20_000  # characters of model text, checked before parsing
MAX_PARSE_STACK = 200  # parser stack entries, about one per open parenthesis, operator or argument list
MAX_STRING = 1_000_000  # characters of a string an expression builds
MAX_WORK = 10_000_000  # work units of one evaluation: one per operation, one per character scanned or built
MAX_INT_BITS = 100_000  # size of a big integer (a variable beyond Java's long) an expression computes


class Budget:
    """The work one evaluation may still do; operations charge it before they compute."""

    __slots__ = ("remaining",)

    def __init__(self) -> None:
        self.remaining = MAX_WORK

    def charge(self, units: int) -> None:
        self.remaining -= units
        if self.remaining < 0:
            raise LimitExceeded(f"the expression does more than {MAX_WORK:,} units of work; "
                                f"it is stopped so it cannot hold up the engine")

    def string(self, length: int, added: int | None = None) -> None:
        """Refuse a string longer than MAX_STRING before it is built, and charge for the `added` characters
        built now (all of them, unless the string grows piece by piece)."""
        if length > MAX_STRING:
            raise LimitExceeded(f"the text would be {length:,} characters long, more than {MAX_STRING:,}")
        self.charge(length if added is None else added)
