"""Conversion functions of DMN 1.5 10.3.4.1: date(), time(), date and time(), duration(), number(), string()..."""
from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, DecimalException
from typing import Any

from bpmn_runtime.feel.builtins.arguments import date_of, integer, items, number, string, wrong
from bpmn_runtime.feel.functions import BuiltinFunction, FeelFunction, NullResult, Signature
from bpmn_runtime.feel.numbers import CONTEXT, format_number
from bpmn_runtime.feel.scope import Env
from bpmn_runtime.feel.temporal import (
    MAX_OFFSET,
    MAX_YEAR,
    NANOS_PER_SECOND,
    DayTimeDuration,
    FeelDate,
    FeelDateTime,
    FeelTime,
    YearMonthDuration,
    days_in_month,
    from_instant,
    parse_date,
    parse_date_time,
    parse_duration,
    parse_time,
    valid_zone,
)
from bpmn_runtime.feel.values import EqualityTest, Range, feel_text

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\Z")


def _parsed(value: Any, parse: Any, kind: str) -> Any:
    result = parse(string(value, "from"))
    if result is None:
        raise NullResult(f"{value!r} is not a valid {kind}")
    return result


def _date(env: Env, value: Any) -> FeelDate:
    if isinstance(value, (FeelDate, FeelDateTime)):
        return date_of(value, "from")
    return _parsed(value, parse_date, "date")  # type: ignore[no-any-return]


def _date_from_parts(env: Env, year: Any, month: Any, day: Any) -> FeelDate:
    y, m, d = integer(year, "year"), integer(month, "month"), integer(day, "day")
    if abs(y) > MAX_YEAR or not 1 <= m <= 12 or not 1 <= d <= days_in_month(y, m):
        raise NullResult(f"{y}-{m}-{d} is not a date")
    return FeelDate(y, m, d)


def _date_and_time(env: Env, value: Any) -> FeelDateTime:
    if isinstance(value, FeelDateTime):
        return value
    if isinstance(value, FeelDate):
        return FeelDateTime(value, FeelTime(0, 0, 0))
    return _parsed(value, parse_date_time, "date and time")  # type: ignore[no-any-return]


def _combine(env: Env, date: Any, time: Any) -> FeelDateTime:
    """date and time(date, time), or Camunda's date and time(date and time, timezone) that moves to a zone."""
    if isinstance(time, str) and isinstance(date, FeelDateTime):
        if time != "Z" and not valid_zone(time):
            raise NullResult(f"{time!r} is not a time zone")
        target = FeelTime(0, 0, 0, 0, 0 if time == "Z" else None, None if time == "Z" else time)
        if not date.has_zone:
            return FeelDateTime(date.date, FeelTime(date.time.hour, date.time.minute, date.time.second,
                                                    date.time.nanosecond, target.offset, target.zone))
        return from_instant(date.instant_nanos(), target)
    if not isinstance(time, FeelTime):
        raise wrong(time, "time", "a time")
    return FeelDateTime(date_of(date, "date"), time)


def _time(env: Env, value: Any) -> FeelTime:
    if isinstance(value, FeelTime):
        return value
    if isinstance(value, FeelDateTime):
        return value.time
    if isinstance(value, FeelDate):
        return FeelTime(0, 0, 0, 0, 0)
    return _parsed(value, parse_time, "time")  # type: ignore[no-any-return]


def _time_from_parts(env: Env, hour: Any, minute: Any, second: Any, offset: Any = None) -> FeelTime:
    h, m = integer(hour, "hour"), integer(minute, "minute")
    s = number(second, "second")
    whole = int(s)
    nanos = int((s - whole) * NANOS_PER_SECOND)
    if not (0 <= h < 24 and 0 <= m < 60 and 0 <= s < 60):
        raise NullResult(f"{h}:{m}:{s} is not a time of day")
    if offset is None:
        return FeelTime(h, m, whole, nanos)
    if not isinstance(offset, DayTimeDuration):
        raise wrong(offset, "offset", "a days and time duration")
    seconds = offset.nanoseconds // NANOS_PER_SECOND
    if abs(seconds) > MAX_OFFSET or offset.nanoseconds % NANOS_PER_SECOND:
        raise NullResult(f"the offset {offset} is not between -PT18H and PT18H in whole seconds")
    return FeelTime(h, m, whole, nanos, seconds)


def _duration(env: Env, value: Any) -> Any:
    if isinstance(value, (DayTimeDuration, YearMonthDuration)):
        return value
    return _parsed(value, parse_duration, "duration")


def _years_and_months(env: Env, start: Any, end: Any) -> YearMonthDuration:
    """Whole months from one date to another, as java.time.Period.between counts them."""
    first, last = date_of(start, "from"), date_of(end, "to")
    months = (last.year * 12 + last.month) - (first.year * 12 + first.month)
    if months > 0 and last.day < first.day:
        months -= 1
    elif months < 0 and last.day > first.day:
        months += 1
    return YearMonthDuration(months)


def _number(env: Env, text: Any, grouping: Any = None, decimal: Any = None) -> Decimal:
    value = string(text, "from")
    if grouping is not None and string(grouping, "grouping separator") not in (" ", ",", "."):
        raise NullResult("the grouping separator must be ' ', ',' or '.'")
    if decimal is not None and string(decimal, "decimal separator") not in (".", ","):
        raise NullResult("the decimal separator must be '.' or ','")
    if grouping is not None and grouping == decimal:
        raise NullResult("the grouping and decimal separators must differ")
    if grouping is not None:
        value = value.replace(grouping, "")
    if decimal is not None:
        value = value.replace(decimal, ".")
    if not _NUMBER.match(value):
        raise NullResult(f"{text!r} is not a number")
    try:
        return CONTEXT.create_decimal(value)
    except DecimalException:
        raise NullResult(f"{text!r} is too large for a FEEL number") from None


def to_string(value: Any) -> Any:
    """string(): FEEL's text of a value (no quotes around a string; null stays null)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        return format_number(value)
    if isinstance(value, (FeelDate, FeelTime, FeelDateTime, DayTimeDuration, YearMonthDuration, Range, EqualityTest)):
        return str(value)
    if isinstance(value, FeelFunction):
        return None
    return feel_text(value)


def _context(env: Env, entries: Any) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for entry in items(entries, "entries"):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("key"), str) or "value" not in entry:
            raise NullResult("each entry must be a context with a string 'key' and a 'value'")
        if entry["key"] in result:
            raise NullResult(f"the key {entry['key']!r} appears twice")
        result[entry["key"]] = entry["value"]
    return result


def _range(env: Env, text: Any) -> Any:
    """range(from): a range written as FEEL text, whose end points must be literals."""
    from bpmn_runtime.feel.api import parse_range

    value = parse_range(string(text, "from"))
    if value is None:
        raise NullResult(f"{text!r} is not a range with literal end points")
    return value


FUNCTIONS = [
    BuiltinFunction("date", [Signature(("from",), _date), Signature(("year", "month", "day"), _date_from_parts)]),
    BuiltinFunction("date and time", [Signature(("from",), _date_and_time), Signature(("date", "time"), _combine),
                                      Signature(("date", "timezone"), _combine)]),
    BuiltinFunction("time", [Signature(("from",), _time), Signature(("hour", "minute", "second"), _time_from_parts),
                             Signature(("hour", "minute", "second", "offset"), _time_from_parts)]),
    BuiltinFunction("duration", [Signature(("from",), _duration)]),
    BuiltinFunction("years and months duration", [Signature(("from", "to"), _years_and_months)]),
    BuiltinFunction("number", [Signature(("from",), _number),
                               Signature(("from", "grouping separator", "decimal separator"), _number)]),
    BuiltinFunction("string", [Signature(("from",), lambda env, value: to_string(value))]),
    BuiltinFunction("context", [Signature(("entries",), _context)]),
    BuiltinFunction("range", [Signature(("from",), _range)]),
]
