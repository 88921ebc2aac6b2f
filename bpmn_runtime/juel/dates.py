"""Camunda 7's date functions: `dateTime()` (a Joda DateTime) and `now()` (a java.util.Date).

Both read the engine's clock, so timers and due dates computed by expressions follow virtual time in
tests. A date that leaves an expression becomes ISO 8601 text (`2026-01-01T09:30:00.000Z`), which
is what variables, due dates and timers hold here; Java would print `now()` as `Thu Jan 01 ...`.
"""
from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bpmn_runtime.juel.coercion import JavaObject, describe, to_integer
from bpmn_runtime.juel.errors import Failure
from bpmn_runtime.juel.limits import Budget


class Instant(JavaObject):
    """A moment in time; equal and ordered with instants of the same kind."""

    __slots__ = ("moment",)

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def java_text(self) -> str:
        return self.moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def java_equals(self, other: Any) -> bool:
        return type(other) is type(self) and other.moment == self.moment

    def compare(self, other: Any) -> int:
        if type(other) is not type(self):
            raise Failure(f"{describe(self)} cannot be compared with {describe(other)}")
        return (self.moment > other.moment) - (self.moment < other.moment)


class DateTime(Instant):
    """Joda's DateTime, with the plus/minus arithmetic due dates and timers use."""


class Date(Instant):
    """java.util.Date, as `now()` and `DateTime.toDate()` give it."""


def _plus_months(moment: datetime, months: int) -> datetime:
    """Joda's plusMonths: the day is kept, or cut to the last day of a shorter month."""
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise Failure("the date would fall outside the years 1 to 9999")
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def _shift(moment: datetime, unit: str, amount: int) -> datetime:
    if unit in ("Years", "Months"):
        return _plus_months(moment, amount * (12 if unit == "Years" else 1))
    try:
        return moment + timedelta(**{unit.lower(): amount})
    except OverflowError:
        raise Failure("the date would fall outside the years 1 to 9999") from None


def _shifter(unit: str, sign: int) -> Callable[[DateTime, list[Any], Budget], DateTime]:
    def shift(value: DateTime, arguments: list[Any], budget: Budget) -> DateTime:
        (amount,) = arguments
        if amount is None:
            raise Failure("the amount is null")
        return DateTime(_shift(value.moment, unit, sign * to_integer(amount)))

    return shift


DATE_TIME_METHODS: dict[str, tuple[tuple[int, ...], Callable[[DateTime, list[Any], Budget], Any]]] = {
    **{f"{verb}{unit}": ((1,), _shifter(unit, sign)) for verb, sign in (("plus", 1), ("minus", -1))
       for unit in ("Years", "Months", "Weeks", "Days", "Hours", "Minutes", "Seconds")},
    "toDate": ((0,), lambda value, arguments, budget: Date(value.moment)),
}

FUNCTIONS: dict[str, Callable[[datetime], Instant]] = {"dateTime": DateTime, "now": Date}
