"""Timers: when a timer event, a timer start event or a handler's retry fires next.

`parse` reads a timer's text (ISO 8601 date, duration or repeating interval, or a cron expression) into a
`Schedule`, refusing what cannot run with a reason in the modeler's words; `next_firing` says when that
schedule fires next. The engine (timer events), the runtime (timer start events) and handler retries
(`camunda:failedJobRetryTimeCycle`) all use these two, so one text means the same thing everywhere.

The rules, after Camunda 7 and Camunda 8 (Zeebe):
- All arithmetic is in UTC, which has no daylight-saving jumps. A date-time without an offset or zone is
  UTC (Camunda uses the server's zone; this engine's is UTC). A zone name (`[Europe/Berlin]`, as Camunda
  8 writes it) only places a date-time without an offset.
- Durations are calendar-aware: `P1M` from 31 January is the end of February; a year from 29 February is
  28 February. Only the last number may have a fraction (`PT1.5H`), and never years or months, which
  have no fixed length.
- A cycle with a start keeps the start's grid: it fires at start + k * interval, at the first such
  instant that is not in the past; firings missed while nothing ran are skipped, not made up. Without a
  start, each firing comes one interval after the one before (the first after the activation).
  `R3/...` fires three times; `R/...` until the timer's activity ends. `R[n]/duration/end` ends its
  firings at `end`; `R[n]/start/end` repeats the interval from start to end.
- A cron cycle has Camunda 8's six fields, `second minute hour day-of-month month day-of-week`
  (`0 0 9-17 * * MON-FRI`), or a macro such as `@daily`; a day must match both day fields, and its
  firings never run out.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from typing import Any, TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import isodate
from croniter import croniter
from croniter.croniter import CroniterBadDateError, CroniterError

from bpmn_runtime.errors import ExpressionError

Amount: TypeAlias = "timedelta | isodate.Duration"  # a duration; isodate.Duration when it counts years or months

_NUMBER = r"\d+(?:[.,]\d+)?"
_DURATION = re.compile(
    rf"(?P<sign>[-+]?)P(?!$)(?:(?P<years>{_NUMBER})Y)?(?:(?P<months>{_NUMBER})M)?(?:(?P<weeks>{_NUMBER})W)?"
    rf"(?:(?P<days>{_NUMBER})D)?(?:T(?=\d)(?:(?P<hours>{_NUMBER})H)?(?:(?P<minutes>{_NUMBER})M)?"
    rf"(?:(?P<seconds>{_NUMBER})S)?)?")
_ZONE = re.compile(r"^(?P<moment>[^\[]+)\[(?P<zone>[^\]]+)\]$")
_REPEAT = re.compile(r"^R(?P<count>\d*)/(?P<rest>.+)$")
_MAX_COUNT_DIGITS = 9  # R999999999 repeats for ever in practice; a longer count is surely a slip
_PARTS = re.compile(r"/(?![^\[]*\])")  # a slash that is not inside a zone name such as [Europe/Berlin]
_CRON_MACROS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
_CRON_CHECKED_FROM = datetime(2000, 1, 1, tzinfo=timezone.utc)  # a cron that matches no date after it never will
_AVERAGE_YEAR = timedelta(days=365.2425)
_AVERAGE_MONTH = _AVERAGE_YEAR / 12
TOO_FAR = "is too far in the future (after the year 9999)"


class TimerError(ExpressionError):
    """A timer text that cannot run. `reason` completes a sentence about the text ("... is negative")."""

    def __init__(self, text: str, reason: str) -> None:
        shown = text if len(text) <= 120 else f"{text[:117]}..."
        super().__init__(f"'{shown}' {reason}")
        self.text = text
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Schedule:
    """A parsed timer. `kind` is date, duration or cycle; `repetitions` is how often it fires (None: no end).

    A date fires at `at`; a duration or a cycle without a start waits each interval of `every` in turn (the
    last one repeats); a cycle with a `start` or an `end` keeps their grid; a `cron` cycle follows it.
    """

    kind: str
    text: str
    at: datetime | None = None
    every: tuple[Amount, ...] = field(default=())
    start: datetime | None = None
    end: datetime | None = None
    repetitions: int | None = 1
    cron: str | None = None


def parse(kind: str, text: str) -> Schedule:
    """The schedule of a timeDate, timeDuration or timeCycle (`kind` date, duration, cycle); TimerError
    says what is wrong with a text that cannot run."""
    text = text.strip()
    if kind == "date":
        return Schedule("date", text, at=parse_date(text))
    if kind == "duration":
        return Schedule("duration", text, every=(parse_duration(text),))
    if kind == "cycle":
        return _parse_cycle(text)
    raise ValueError(f"no timer kind {kind!r}; expected date, duration or cycle")


def parse_retry_cycle(text: str) -> Schedule:
    """A `camunda:failedJobRetryTimeCycle`, as Camunda 7 reads it: `R5/PT1M` tries the handler five
    times in all, a minute apart; `PT1M,PT5M,PT10M` tries it four times, waiting 1, 5, then 10 minutes.
    `repetitions` is the number of retries after the first try."""
    text = text.strip()
    if "{" in text:
        raise TimerError(text, "is an expression; a retry cycle must be written out, such as R5/PT1M "
                               "or PT1M,PT5M,PT10M")
    repeat = _REPEAT.match(text)
    if repeat is None:
        waits = tuple(_interval(part.strip(), text) for part in text.split(","))
        return Schedule("cycle", text, every=waits, repetitions=len(waits))
    if not repeat.group("count") or len(repeat.group("count")) > _MAX_COUNT_DIGITS:
        raise TimerError(text, "does not say how many times to try; write a number after R, "
                               "such as R5/PT1M")
    tries = int(repeat.group("count"))
    if tries == 0:
        raise TimerError(text, "tries the handler zero times; write at least R1")
    if "/" in repeat.group("rest"):
        raise TimerError(text, "has a start or an end; a retry cycle is only a count and an interval, "
                               "such as R5/PT1M")
    return Schedule("cycle", text, every=(_interval(repeat.group("rest"), text),), repetitions=tries - 1)


def check(kind: str, text: str, now: datetime) -> Schedule:
    """The schedule of a timer text written in the model, refused (TimerError) unless it fires from `now`
    on: deployment refuses what could only fail later."""
    schedule = parse(kind, text)
    if next_firing(schedule, since=now, fired=0, now=now) is None:
        raise TimerError(text, "never fires")
    return schedule


def retry_delay(cycle: str, failures: int, now: datetime) -> float:
    """Seconds until a handler job that failed `failures` times (at `now`) is tried again, as its retry
    cycle says; past the cycle's count (an operator granted more tries) its last interval repeats."""
    waits = replace(parse_retry_cycle(cycle), repetitions=None)  # the job's retries say when to stop
    due = next_firing(waits, since=now, fired=max(failures, 1) - 1, now=now)
    assert due is not None  # a schedule without repetitions always has a next firing
    return (due - _utc(now)).total_seconds()


def duration_seconds(text: str, at: datetime) -> float:
    """How long the duration `text` lasts from `at`, in seconds (a month from 31 January is 28 days)."""
    due = next_firing(parse("duration", text), since=at, fired=0, now=at)
    assert due is not None  # a duration fires once
    return (due - _utc(at)).total_seconds()


def as_text(value: Any) -> str | None:
    """What an expression gave for a timer, as timer text: a text, or a date-time, date or duration value
    (None for anything else). A date-time without a zone is UTC."""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return _utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (timedelta, isodate.Duration)):
        return str(isodate.duration_isoformat(value))
    return None


def next_firing(schedule: Schedule, *, since: datetime, fired: int, now: datetime) -> datetime | None:
    """When `schedule` fires next, never before `now`; None when it has fired for the last time.

    `since` is when the timer was activated (when `fired` is 0) or when it was last due; `fired` counts
    its firings so far. TimerError when the next firing would fall after the year 9999.
    """
    if schedule.repetitions is not None and fired >= schedule.repetitions:
        return None
    since, now = _utc(since), _utc(now)
    try:
        if schedule.at is not None:
            return max(schedule.at, now)
        if schedule.cron is not None:
            return _next_cron(schedule.cron, max(since, now))
        if schedule.start is not None:
            return _first_on_grid(schedule.start, schedule.every[0], after=since, strictly=fired > 0, now=now)
        if schedule.end is not None:
            return _last_on_grid_back(schedule, after=since, strictly=fired > 0, now=now)
        interval = schedule.every[min(fired, len(schedule.every) - 1)]
        if _is_zero(interval):  # a zero duration fires at once
            return max(since, now)
        return _first_on_grid(since, interval, after=since, strictly=True, now=now)
    except _NeverFires:
        return None
    except (OverflowError, ValueError):
        raise TimerError(schedule.text, TOO_FAR) from None


def parse_date(text: str) -> datetime:
    """An ISO 8601 date-time (or a date, meaning its midnight) as a UTC instant."""
    zoned = _ZONE.match(text)
    moment = zoned.group("moment") if zoned else text
    try:
        parsed: datetime = isodate.parse_datetime(moment) if "T" in moment else \
            datetime.combine(isodate.parse_date(moment), datetime.min.time())
    except (isodate.ISO8601Error, ValueError):
        raise TimerError(text, "is not an ISO 8601 date-time such as 2027-01-01T09:00:00Z") from None
    if parsed.tzinfo is None and zoned is not None:
        try:
            parsed = parsed.replace(tzinfo=ZoneInfo(zoned.group("zone")))
        except (ZoneInfoNotFoundError, ValueError):
            raise TimerError(text, f"names the time zone '{zoned.group('zone')}', which is not known") from None
    try:
        return _utc(parsed)
    except OverflowError:
        raise TimerError(text, TOO_FAR) from None


def parse_duration(text: str) -> Amount:
    """An ISO 8601 duration that is not negative (`PT0S` is allowed: it fires at once)."""
    match = _DURATION.fullmatch(text)
    if match is None:
        raise TimerError(text, "is not an ISO 8601 duration such as PT5M, P1DT2H or P1M")
    if match.group("sign") == "-":
        raise TimerError(text, "is negative; a timer cannot wait backwards")
    given = [name for name in ("years", "months", "weeks", "days", "hours", "minutes", "seconds") if match.group(name)]
    fractional = [name for name in given if not match.group(name).isdigit()]
    if fractional and fractional != given[-1:]:
        raise TimerError(text, "has a fraction before its last number; only the last may have one, as in PT1.5H")
    if set(fractional) & {"years", "months"}:
        raise TimerError(text, f"has a fraction of {fractional[0]}, which have no fixed length; use smaller "
                               f"units, as in P1M15D")
    try:
        amount: Amount = isodate.parse_duration(text.lstrip("+"))
    except (OverflowError, ValueError):  # a number too big for a date, or for Python to read
        raise TimerError(text, TOO_FAR) from None
    return amount


def _interval(text: str, cycle: str) -> Amount:
    """The interval of `cycle`: a duration longer than zero, or the cycle would fire without end at once."""
    amount = parse_duration(text)
    if _is_zero(amount):
        raise TimerError(cycle, "has a zero interval; a repeating timer must wait between its firings")
    return amount


def _parse_cycle(text: str) -> Schedule:
    repeat = _REPEAT.match(text)
    if repeat is None:
        return _parse_cron(text)
    if len(repeat.group("count")) > _MAX_COUNT_DIGITS:
        raise TimerError(text, "repeats too many times to count; write R/ to repeat without end")
    repetitions = int(repeat.group("count")) if repeat.group("count") else None
    if repetitions == 0:
        raise TimerError(text, "repeats zero times, so it never fires")
    parts = _PARTS.split(repeat.group("rest"))
    if len(parts) == 1:
        return Schedule("cycle", text, every=(_interval(parts[0], text),), repetitions=repetitions)
    if len(parts) != 2:
        raise TimerError(text, "is not an ISO 8601 cycle such as R3/PT10M, R/2027-01-01T09:00:00Z/P1D "
                               "or R3/PT1H/2027-01-01T00:00:00Z")
    first, second = parts
    if _DURATION.fullmatch(first):
        return Schedule("cycle", text, every=(_interval(first, text),), end=parse_date(second),
                        repetitions=repetitions)
    start = parse_date(first)
    if _DURATION.fullmatch(second):
        return Schedule("cycle", text, every=(_interval(second, text),), start=start, repetitions=repetitions)
    end = parse_date(second)
    if end <= start:
        raise TimerError(text, "does not end after it starts")
    return Schedule("cycle", text, every=(end - start,), start=start, repetitions=repetitions)


def _parse_cron(text: str) -> Schedule:
    """A cron cycle as Camunda 8 reads it (Spring's six fields, or a macro); it must fire at least once."""
    fields = text.split()
    if text.lower() not in _CRON_MACROS and len(fields) != 6:
        raise TimerError(text, f"is neither an ISO 8601 cycle such as R3/PT10M nor a cron expression: a cron "
                               f"cycle has six fields, second minute hour day-of-month month day-of-week "
                               f"(0 0 9-17 * * MON-FRI), and this has {len(fields)}")
    expression = text.lower() if text.lower() in _CRON_MACROS else " ".join(fields)
    try:
        _next_cron(expression, _CRON_CHECKED_FROM)
    except _NeverFires:
        raise TimerError(text, "never fires: no date matches all of its fields") from None
    except CroniterError:
        raise TimerError(text, "is not a cron expression this engine can read; check each field against "
                               "Camunda 8's form, such as 0 0 9-17 * * MON-FRI") from None
    return Schedule("cycle", text, cron=expression, repetitions=None)


class _NeverFires(Exception):
    """A cron expression whose next match croniter could not find."""


def _next_cron(expression: str, after: datetime) -> datetime:
    """The first instant strictly after `after` that the cron expression matches (both day fields must)."""
    try:
        found: datetime = croniter(expression, after, day_or=False, second_at_beginning=True).get_next(datetime)
    except CroniterBadDateError:
        raise _NeverFires() from None
    return _utc(found)


def _first_on_grid(start: datetime, interval: Amount, *, after: datetime, strictly: bool,
                   now: datetime) -> datetime:
    """The first of start, start + interval, start + 2 * interval, ... that is not before `now` and is
    after `after` (or at it, unless `strictly`). Multiples are taken from the start, so a grid of months
    from 31 January runs 28 February, 31 March, 30 April."""
    def fits(moment: datetime) -> bool:
        return moment >= now and (moment > after if strictly else moment >= after)

    bound = max(after, now)
    k = max(0, int((bound - start) / _approximate(interval)) - 2) if bound > start else 0
    while k > 0 and fits(_step(start, interval, k - 1)):
        k -= 1
    while not fits(_step(start, interval, k)):
        k += 1
    return _step(start, interval, k)


def _last_on_grid_back(schedule: Schedule, *, after: datetime, strictly: bool, now: datetime) -> datetime | None:
    """For `R[n]/duration/end`: the firings are end, end - interval, ... (n of them); the earliest of them
    that is not before `now` and is after `after`, or None when all have passed."""
    end, interval = schedule.end, schedule.every[0]
    assert end is not None

    def fits(j: int) -> bool:
        moment = _step(end, interval, -j)
        return moment >= now and (moment > after if strictly else moment >= after)

    if not fits(0):
        return None
    last = schedule.repetitions - 1 if schedule.repetitions is not None else None
    j = int((end - max(after, now)) / _approximate(interval)) + 2
    j = min(j, last) if last is not None else j
    while j > 0 and not fits(j):
        j -= 1
    while (last is None or j < last) and fits(j + 1):
        j += 1
    return _step(end, interval, -j)


def _step(start: datetime, interval: Amount, times: int) -> datetime:
    moment: datetime = start + interval * times
    return moment


def _approximate(interval: Amount) -> timedelta:
    """An interval's average length, to estimate how many fit in a span before counting them exactly."""
    if isinstance(interval, timedelta):
        return interval
    rest: timedelta = interval.tdelta
    return _AVERAGE_YEAR * float(interval.years) + _AVERAGE_MONTH * float(interval.months) + rest


def _is_zero(interval: Amount) -> bool:
    if isinstance(interval, timedelta):
        return interval == timedelta(0)
    return not interval.years and not interval.months and interval.tdelta == timedelta(0)


def _utc(moment: datetime) -> datetime:
    """The instant in UTC; a date-time without a zone is taken as UTC (the store gives those back)."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
