"""Argument checks shared by the built-ins: each returns the value in the form needed or raises NullResult.

DMN's implicit conversions apply: a singleton list stands for its item where an item is expected,
and an item stands for a singleton list where a list is expected.
"""
from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from bpmn_runtime.feel.functions import FeelFunction, NullResult
from bpmn_runtime.feel.temporal import FeelDate, FeelDateTime
from bpmn_runtime.feel.values import type_name


def _item(value: Any) -> Any:
    return value[0] if type(value) is list and len(value) == 1 else value


def wrong(value: Any, parameter: str, expected: str) -> NullResult:
    return NullResult(f"{parameter} must be {expected}, not {type_name(value)}")


def _of_type(value: Any, kind: type, parameter: str, expected: str) -> Any:
    value = _item(value)
    if type(value) is not kind:
        raise wrong(value, parameter, expected)
    return value


def number(value: Any, parameter: str) -> Decimal:
    result: Decimal = _of_type(value, Decimal, parameter, "a number")
    return result


def integer(value: Any, parameter: str) -> int:
    """A position, length or scale: the fraction of a number is dropped, as the DMN TCK expects."""
    return int(number(value, parameter))


def string(value: Any, parameter: str) -> str:
    result: str = _of_type(value, str, parameter, "a string")
    return result


def boolean(value: Any, parameter: str) -> bool:
    result: bool = _of_type(value, bool, parameter, "a boolean")
    return result


def items(value: Any, parameter: str) -> list[Any]:
    if value is None:
        raise wrong(value, parameter, "a list")
    return value if type(value) is list else [value]


def numbers(value: Any, parameter: str) -> list[Decimal]:
    values = items(value, parameter)
    for item in values:
        if type(item) is not Decimal:
            raise NullResult(f"{parameter} must hold only numbers, not {type_name(item)}")
    return values


def context(value: Any, parameter: str) -> Mapping[str, Any]:
    value = _item(value)
    if not isinstance(value, Mapping):
        raise wrong(value, parameter, "a context")
    return value


def function(value: Any, parameter: str) -> FeelFunction:
    if not isinstance(value, FeelFunction):
        raise wrong(value, parameter, "a function")
    return value


def date_of(value: Any, parameter: str) -> FeelDate:
    """A date, or the date of a date and time."""
    value = _item(value)
    if isinstance(value, FeelDateTime):
        return value.date
    if type(value) is not FeelDate:
        raise wrong(value, parameter, "a date or a date and time")
    return value
