"""What a variable may hold: JSON values that the store writes and reads back exactly.

Scripts, script runners and mappings can compute anything Python can (a set, a complex number from
`(-1) ** 0.5`, an integer of thousands of digits, infinity); such a value is refused when it is set, with
the variable's name, so it never reaches the save.
"""
from __future__ import annotations

import json
import math
from json.encoder import encode_basestring_ascii
from typing import Any

ALLOWED = "text, whole or decimal numbers, true/false, null, lists and maps of these"
MAX_DIGITS = 4_000  # of a whole number (Python refuses to write ints of more than 4,300 digits as text)
MAX_DEPTH = 100  # lists and maps inside each other
_TOO_LARGE = 10 ** MAX_DIGITS


def stored_size(name: str, value: Any) -> int:
    """The size of `value` as stored JSON; ValueError saying plainly why variable `name` cannot hold it."""
    kind = type(value)  # the common cases first: this runs for every variable a step sets
    if kind is str:
        return len(encode_basestring_ascii(value))
    if kind is int and -_TOO_LARGE < value < _TOO_LARGE:
        return len(str(value))
    if value is None or kind is bool:
        return 5
    problem = _problem(value, 0)
    if problem is not None:
        raise ValueError(f"variable '{name}' cannot be stored: {problem}; variables hold {ALLOWED}")
    return len(json.dumps(value, separators=(",", ":"), allow_nan=False))


def _problem(value: Any, depth: int) -> str | None:
    """Why `value` is not a storable JSON value, or None."""
    if value is None or isinstance(value, (str, bool)):
        return None
    if isinstance(value, int):
        return None if -_TOO_LARGE < value < _TOO_LARGE else f"it is a whole number of more than {MAX_DIGITS:,} digits"
    if isinstance(value, float):
        return None if math.isfinite(value) else f"it is {value}, not a finite number"
    if depth >= MAX_DEPTH:
        return f"it nests lists and maps more than {MAX_DEPTH} deep"
    if isinstance(value, (list, tuple)):
        for item in value:
            problem = _problem(item, depth + 1)
            if problem is not None:
                return problem
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return f"it is a map with the key {key!r}, which is not text"
            problem = _problem(item, depth + 1)
            if problem is not None:
                return problem
        return None
    if isinstance(value, complex):
        return f"it is the complex number {value}"
    if isinstance(value, (set, frozenset)):
        return "it is a set (use a list)"
    return f"it is a {type(value).__name__}"
