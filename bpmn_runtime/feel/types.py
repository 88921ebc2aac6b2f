"""FEEL type names for `instance of` and typed parameters: `number`, `list<string>`, `context<a: number>`..."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from bpmn_runtime.feel.functions import FeelFunction
from bpmn_runtime.feel.temporal import DayTimeDuration, FeelDate, FeelDateTime, FeelTime, YearMonthDuration
from bpmn_runtime.feel.values import UNBOUNDED, EqualityTest, Range

Predicate = Callable[[Any], bool]


def _function(value: Any) -> bool:
    return isinstance(value, FeelFunction)


SIMPLE_TYPES: dict[str, Predicate] = {
    "Any": lambda value: value is not None,
    "Null": lambda value: value is None,
    "number": lambda value: type(value) is Decimal,
    "string": lambda value: type(value) is str,
    "boolean": lambda value: type(value) is bool,
    "date": lambda value: type(value) is FeelDate,
    "time": lambda value: type(value) is FeelTime,
    "date and time": lambda value: type(value) is FeelDateTime,
    "days and time duration": lambda value: type(value) is DayTimeDuration,
    "years and months duration": lambda value: type(value) is YearMonthDuration,
    "list": lambda value: type(value) is list,
    "context": lambda value: isinstance(value, Mapping),
    "range": lambda value: isinstance(value, (Range, EqualityTest)),
    "function": _function,
}
# DMN's XML Schema names and older spellings, as DMN models write them in typeRef
ALIASES = {
    "dayTimeDuration": "days and time duration", "yearMonthDuration": "years and months duration",
    "dateTime": "date and time", "date time": "date and time", "decimal": "number", "integer": "number",
    "double": "number", "int": "number", "long": "number", "anyType": "Any", "interval": "range",
}


def simple(name: str) -> Predicate | None:
    """The predicate of a type given by name, or None for names FEEL does not define."""
    return SIMPLE_TYPES.get(ALIASES.get(name, name))


def list_of(items: Predicate) -> Predicate:
    return lambda value: type(value) is list and all(items(item) for item in value)


def range_of(points: Predicate) -> Predicate:
    def check(value: Any) -> bool:
        ends = (value.start, value.end) if isinstance(value, Range) else ()
        return isinstance(value, Range) and all(points(end) for end in ends if end is not None and end is not UNBOUNDED)

    return check


def context_of(entries: Mapping[str, Predicate]) -> Predicate:
    """A context having at least these entries, each of its type (structural, as DMN 1.5 says)."""

    def check(value: Any) -> bool:
        return isinstance(value, Mapping) and all(key in value and test(value[key]) for key, test in entries.items())

    return check


def function_of(parameter_count: int | None) -> Predicate:
    def check(value: Any) -> bool:
        return _function(value) and (parameter_count is None or value.accepts(parameter_count))

    return check
