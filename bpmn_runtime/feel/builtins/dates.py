"""Temporal functions of DMN 1.5 10.3.4.6-7 (day of week()...), now(), today(), is(), and Camunda's last day of month()."""
from __future__ import annotations

import time as pytime
from decimal import Decimal
from typing import Any

from bpmn_runtime.feel.builtins.arguments import date_of
from bpmn_runtime.feel.functions import BuiltinFunction, Signature
from bpmn_runtime.feel.scope import Env
from bpmn_runtime.feel.values import to_feel
from bpmn_runtime.feel.temporal import FeelDate, FeelDateTime, FeelTime, days_in_month, from_instant

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def now(env: Env) -> FeelDateTime:
    """The current date and time: the evaluation's `now`, else the system clock in UTC."""
    if env.state.now is not None:
        moment: FeelDateTime = to_feel(env.state.now)
        return moment
    return from_instant(pytime.time_ns(), FeelTime(0, 0, 0, 0, 0))


def _weekday_index(date: FeelDate) -> int:
    return (date.epoch_day() + 3) % 7  # 0 is Monday; 1970-01-01 was a Thursday


def _week_of_year(env: Env, value: Any) -> Decimal:
    """The ISO 8601 week: weeks start on Monday; week 1 holds the year's first Thursday."""
    date = date_of(value, "date")
    thursday = FeelDate.from_epoch_day(date.epoch_day() - _weekday_index(date) + 3)
    return Decimal((thursday.epoch_day() - FeelDate(thursday.year, 1, 1).epoch_day()) // 7 + 1)


def _is(env: Env, first: Any, second: Any) -> bool:
    """Same type and same value, zones included: `is(@"10:00:00Z", @"11:00:00+01:00")` is false."""
    return type(first) is type(second) and first == second


def _day_of_year(env: Env, value: Any) -> Decimal:
    date = date_of(value, "date")
    return Decimal(date.epoch_day() - FeelDate(date.year, 1, 1).epoch_day() + 1)


def _last_day_of_month(env: Env, value: Any) -> FeelDate:
    date = date_of(value, "date")
    return FeelDate(date.year, date.month, days_in_month(date.year, date.month))


FUNCTIONS = [
    BuiltinFunction("now", [Signature((), now)]),
    BuiltinFunction("today", [Signature((), lambda env: now(env).date)]),
    BuiltinFunction("day of year", [Signature(("date",), _day_of_year)]),
    BuiltinFunction("day of week", [Signature(("date",), lambda env, value: DAYS[_weekday_index(date_of(value, "date"))])]),
    BuiltinFunction("month of year", [Signature(("date",), lambda env, value: MONTHS[date_of(value, "date").month - 1])]),
    BuiltinFunction("week of year", [Signature(("date",), _week_of_year)]),
    BuiltinFunction("last day of month", [Signature(("date",), _last_day_of_month)]),
    BuiltinFunction("is", [Signature(("value1", "value2"), _is)]),
]
