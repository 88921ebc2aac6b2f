"""FEEL values in Python, how they compare, and how they cross the boundary with JSON process variables.

null is None, booleans are bool, numbers are Decimal, strings are str, lists are list, contexts are dict
(str keys, insertion order), temporal values come from `temporal`, ranges are `Range`, functions are
`functions.FeelFunction`. Values are never mutated once built.
"""
from __future__ import annotations

import datetime as pydt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bpmn_runtime.feel.errors import FeelEvaluationError
from bpmn_runtime.feel.numbers import CONTEXT, format_number
from bpmn_runtime.feel.temporal import (
    NANOS_PER_SECOND,
    DayTimeDuration,
    FeelDate,
    FeelDateTime,
    FeelTime,
    YearMonthDuration,
)

NANOS_PER_MILLI = 1_000_000  # date, time and date and time compare to the millisecond, as the DMN TCK expects


class _Unbounded:
    """The missing end of a range written `< 10` or `> 10` (distinct from an explicit null endpoint)."""

    _instance: _Unbounded | None = None

    def __new__(cls) -> _Unbounded:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNBOUNDED"


UNBOUNDED = _Unbounded()


@dataclass(frozen=True, slots=True)
class Range:
    """An interval `[1..10]`, `(a..b]`, or a comparison range `< 10` with one end UNBOUNDED."""

    start: Any
    end: Any
    start_included: bool
    end_included: bool

    def __str__(self) -> str:
        if self.start is UNBOUNDED:
            return ("<= " if self.end_included else "< ") + feel_text(self.end)
        if self.end is UNBOUNDED:
            return (">= " if self.start_included else "> ") + feel_text(self.start)
        opening = "[" if self.start_included else "("
        closing = "]" if self.end_included else ")"
        return f"{opening}{feel_text(self.start)}..{feel_text(self.end)}{closing}"


@dataclass(frozen=True, slots=True)
class EqualityTest:
    """The unary test `= x` or `!= x` as a value, as `(=10)` may be written."""

    value: Any
    negated: bool

    def __str__(self) -> str:
        return ("!= " if self.negated else "= ") + feel_text(self.value)


def type_name(value: Any) -> str:
    """The FEEL name of a value's type, for messages and `instance of`."""
    if value is None:
        return "null"
    kind = _TYPE_NAMES.get(type(value))
    if kind is not None:
        return kind
    if isinstance(value, Mapping):
        return "context"
    return "function"


_TYPE_NAMES: dict[type, str] = {
    bool: "boolean", Decimal: "number", str: "string", list: "list", dict: "context",
    FeelDate: "date", FeelTime: "time", FeelDateTime: "date and time",
    DayTimeDuration: "days and time duration", YearMonthDuration: "years and months duration",
    Range: "range", EqualityTest: "range",
}


# --- Equality and order ---


def _truncated(nanos: int) -> int:
    return nanos // NANOS_PER_MILLI


def _time_key(value: FeelTime) -> tuple[bool, int]:
    """Whether the time has a zone, and its milliseconds: of the UTC day if zoned, of the local day if not."""
    offset = value.effective_offset()
    nanos = value.nanos_of_day() - (offset or 0) * NANOS_PER_SECOND
    return offset is not None, _truncated(nanos)


def _date_time_key(value: FeelDateTime) -> tuple[bool, int]:
    return value.has_zone, _truncated(value.instant_nanos())


def equal(left: Any, right: Any) -> bool | None:
    """FEEL `=`: None (null) when the two values are of kinds that cannot be compared."""
    if left is None or right is None:
        return left is None and right is None
    kind = type(left)
    if kind is not type(right):
        if isinstance(left, Mapping) and isinstance(right, Mapping):
            return _contexts_equal(left, right)
        if isinstance(left, (Range, EqualityTest)) and isinstance(right, (Range, EqualityTest)):
            return False
        return None
    if kind is Decimal or kind is str or kind is bool or kind is FeelDate:
        return bool(left == right)
    if kind is list:
        return len(left) == len(right) and all(equal(a, b) is True for a, b in zip(left, right))
    if kind is dict:
        return _contexts_equal(left, right)
    if kind is FeelDateTime:
        return _date_time_key(left) == _date_time_key(right)
    if kind is FeelTime:
        return _time_key(left) == _time_key(right)
    if kind is Range or kind is EqualityTest or kind is DayTimeDuration or kind is YearMonthDuration:
        return bool(left == right)
    return left is right  # functions are equal only to themselves


def _contexts_equal(left: Mapping[str, Any], right: Mapping[str, Any]) -> bool:
    return left.keys() == right.keys() and all(equal(left[key], right[key]) is True for key in left)


_ORDERED = (Decimal, str, FeelDate, DayTimeDuration, YearMonthDuration)


def compare(left: Any, right: Any) -> int | None:
    """-1, 0 or 1 when the two values have an order (`<`), None (null) when they do not."""
    kind = type(left)
    if kind is not type(right) or left is None:
        return None
    if kind in _ORDERED:
        return int(left > right) - int(left < right)
    if kind is FeelDateTime or kind is FeelTime:
        left_key = _date_time_key(left) if kind is FeelDateTime else _time_key(left)
        right_key = _date_time_key(right) if kind is FeelDateTime else _time_key(right)
        if left_key[0] != right_key[0]:
            return None  # a local value and a zoned one have no order
        return (left_key[1] > right_key[1]) - (left_key[1] < right_key[1])
    return None


# --- Text ---


def feel_text(value: Any) -> str:
    """A value as FEEL would write it, for messages and `string()` of lists and contexts."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format_number(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(feel_text(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_key_text(key)}: {feel_text(item)}" for key, item in value.items()) + "}"
    if isinstance(value, FeelDate):
        return f'date("{value}")'
    if isinstance(value, FeelTime):
        return f'time("{value}")'
    if isinstance(value, FeelDateTime):
        return f'date and time("{value}")'
    if isinstance(value, (DayTimeDuration, YearMonthDuration)):
        return f'duration("{value}")'
    return str(value)


def _key_text(key: str) -> str:
    return key if key.replace(" ", "").isidentifier() else feel_text(key)


# --- The boundary with JSON variables ---


def to_feel(value: Any) -> Any:
    """A JSON-like Python value as a FEEL value: int and float become Decimal, dict a context, list a list.

    FEEL values pass through; Python dates, datetimes and timedeltas are accepted too.
    """
    convert = _CONVERTERS.get(type(value))
    if convert is not None:
        return convert(value)
    if isinstance(value, bool) or isinstance(value, str):
        return bool(value) if isinstance(value, bool) else str(value)
    if isinstance(value, int):
        return _integer(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, Mapping):
        return {str(key): to_feel(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_feel(item) for item in value]
    converted = _from_python_temporal(value)
    if converted is not None:
        return converted
    from bpmn_runtime.feel.functions import FeelFunction  # functions build on scopes, which build on values

    if isinstance(value, FeelFunction):
        return value
    raise FeelEvaluationError(f"a Python {type(value).__name__} cannot be a FEEL value")


EXACT_LIMIT = 10**34  # integers below this need no rounding to 34 digits


def _integer(value: int) -> Decimal:
    return Decimal(value) if -EXACT_LIMIT < value < EXACT_LIMIT else CONTEXT.create_decimal(value)


def _float(value: float) -> Decimal | None:
    return CONTEXT.create_decimal(repr(value)) if math.isfinite(value) else None


def _same(value: Any) -> Any:
    return value


_CONVERTERS: dict[type, Any] = {
    str: _same, bool: _same, type(None): _same, Decimal: _same, int: _integer, float: _float,
    dict: lambda value: {str(key): to_feel(item) for key, item in value.items()},
    list: lambda value: [to_feel(item) for item in value],
    tuple: lambda value: [to_feel(item) for item in value],
    FeelDate: _same, FeelTime: _same, FeelDateTime: _same, DayTimeDuration: _same, YearMonthDuration: _same,
    Range: _same, EqualityTest: _same,
}


def _from_python_temporal(value: Any) -> Any:
    if isinstance(value, pydt.datetime):
        offset = value.utcoffset()
        seconds = None if offset is None else int(offset.total_seconds())
        time = FeelTime(value.hour, value.minute, value.second, value.microsecond * 1000, seconds)
        return FeelDateTime(FeelDate(value.year, value.month, value.day), time)
    if isinstance(value, pydt.date):
        return FeelDate(value.year, value.month, value.day)
    if isinstance(value, pydt.timedelta):
        return DayTimeDuration((value.days * 86_400 + value.seconds) * NANOS_PER_SECOND + value.microseconds * 1000)
    return None


def to_python(value: Any) -> Any:
    """A FEEL value as JSON: integral numbers become int, others float, temporal values ISO 8601 text.

    Text as Zeebe stores it: `2020-01-01`, `P1D`, `P1Y2M`, `10:00:00+02:00`, and a date and time in
    a zone as java.time writes it, `2020-01-01T10:00:00+01:00[Europe/Paris]` (date and time() reads it back).

    Functions and ranges have no JSON form, so they are refused with FeelEvaluationError.
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        return float(value)
    if isinstance(value, list):
        return [to_python(item) for item in value]
    if isinstance(value, Mapping):
        return {key: to_python(item) for key, item in value.items()}
    if isinstance(value, FeelDateTime):
        return value.iso_text()
    if isinstance(value, (FeelDate, FeelTime, DayTimeDuration, YearMonthDuration)):
        return str(value)
    if isinstance(value, (Range, EqualityTest)):
        raise FeelEvaluationError(f"the range {value} cannot be stored as a variable; store its start and end")
    raise FeelEvaluationError(f"a FEEL {type_name(value)} cannot be stored as a variable")
