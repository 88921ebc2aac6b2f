"""Whole numbers written in a model (retries, quantities, priorities): read within the range the engine
and its database columns hold, so a typing slip ("R99999999999/PT1M", five thousand digits) is a
deployment problem, not a failure when an instance reaches the element."""
from __future__ import annotations

import re

LARGEST = 2**31 - 1  # an INTEGER column on every database
_WHOLE = re.compile(r"\s*[-+]?\d{1,12}\s*")
_EXPRESSION_MARKS = ("${", "#{", "=")


def whole_number(text: str, what: str, problems: list[str], low: int = 0, high: int = LARGEST) -> int | None:
    """`text` as a whole number from `low` to `high`, or None with a problem saying what is wrong."""
    if _WHOLE.fullmatch(text) and low <= int(text) <= high:
        return int(text)
    shown = text if len(text) <= 40 else text[:37] + "..."
    problems.append(f"{what} must be a whole number from {low:,} to {high:,}, not '{shown}'")
    return None


def literal_or_expression(text: str, what: str, problems: list[str], low: int, high: int) -> None:
    """A value that may be an expression (evaluated when the instance gets there) or a literal whole number;
    only the literal is checked here."""
    if not text.strip().startswith(_EXPRESSION_MARKS):
        whole_number(text, what, problems, low, high)
