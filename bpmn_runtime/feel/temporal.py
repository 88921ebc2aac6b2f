"""FEEL's temporal values: date, time, date and time, and the two kinds of duration.

Own classes rather than Python's `datetime`: FEEL dates span years -999,999,999 to 999,999,999 and
times keep nanoseconds, while `datetime` stops at years 1-9999 and microseconds. Zone rules come from
`zoneinfo`; outside 1-9999 a date is moved by whole 400-year Gregorian cycles to ask them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

NANOS_PER_SECOND = 1_000_000_000
SECONDS_PER_DAY = 86_400
NANOS_PER_DAY = SECONDS_PER_DAY * NANOS_PER_SECOND
MAX_YEAR = 999_999_999
MAX_OFFSET = 18 * 3600  # seconds, as ISO 8601 and java.time allow

_ZONE_ID = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+)*\Z")


def days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's algorithm)."""
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


def civil_from_days(days: int) -> tuple[int, int, int]:
    """The (year, month, day) that is `days` after 1970-01-01."""
    days += 719468
    era = days // 146097
    day_of_era = days - era * 146097
    year_of_era = (day_of_era - day_of_era // 1460 + day_of_era // 36524 - day_of_era // 146096) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    mp = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * mp + 2) // 5 + 1
    month = mp + (3 if mp < 10 else -9)
    return year_of_era + era * 400 + (month <= 2), month, day


def is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if is_leap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


@dataclass(frozen=True, slots=True, order=True)
class FeelDate:
    """A calendar date without time of day or zone."""

    year: int
    month: int
    day: int

    def epoch_day(self) -> int:
        return days_from_civil(self.year, self.month, self.day)

    @staticmethod
    def from_epoch_day(days: int) -> FeelDate:
        return FeelDate(*civil_from_days(days))

    def __str__(self) -> str:
        return f"{_year_text(self.year)}-{self.month:02d}-{self.day:02d}"


@dataclass(frozen=True, slots=True)
class FeelTime:
    """A time of day, local or with a UTC offset (`offset`, seconds) or an IANA zone (`zone`)."""

    hour: int
    minute: int
    second: int
    nanosecond: int = 0
    offset: int | None = None
    zone: str | None = None

    @property
    def has_zone(self) -> bool:
        return self.offset is not None or self.zone is not None

    def nanos_of_day(self) -> int:
        return ((self.hour * 60 + self.minute) * 60 + self.second) * NANOS_PER_SECOND + self.nanosecond

    def effective_offset(self) -> int | None:
        """The UTC offset in seconds; a zone's offset is the one it had on 1970-01-01, as a time has no date."""
        if self.zone is not None:
            return zone_offset(self.zone, 1970, 1, 1, self.hour, self.minute, self.second)
        return self.offset

    def local(self) -> FeelTime:
        return FeelTime(self.hour, self.minute, self.second, self.nanosecond)

    def __str__(self) -> str:
        return _time_text(self.hour, self.minute, self.second, self.nanosecond) + _zone_text(self.offset, self.zone)


@dataclass(frozen=True, slots=True)
class FeelDateTime:
    """A date with a time of day, local or with a UTC offset or an IANA zone (kept on `time`)."""

    date: FeelDate
    time: FeelTime

    @property
    def has_zone(self) -> bool:
        return self.time.has_zone

    def effective_offset(self) -> int | None:
        """The UTC offset in seconds in force at this local date and time."""
        t, zone = self.time, self.time.zone
        if zone is not None:
            return zone_offset(zone, self.date.year, self.date.month, self.date.day, t.hour, t.minute, t.second)
        return t.offset

    def local_nanos(self) -> int:
        """Nanoseconds since 1970-01-01T00:00:00 on the local clock."""
        return self.date.epoch_day() * NANOS_PER_DAY + self.time.nanos_of_day()

    def instant_nanos(self) -> int:
        """Nanoseconds since 1970-01-01T00:00:00Z; a local value is read as UTC."""
        return self.local_nanos() - (self.effective_offset() or 0) * NANOS_PER_SECOND

    def __str__(self) -> str:
        return f"{self.date}T{self.time}"

    def iso_text(self) -> str:
        """ISO 8601 text, a zone given as java.time writes it (`+01:00[Europe/Paris]`), as Zeebe stores it."""
        t = self.time
        if t.zone is None:
            return str(self)
        offset = self.effective_offset() or 0
        return f"{self.date}T{_time_text(t.hour, t.minute, t.second, t.nanosecond)}{offset_text(offset)}[{t.zone}]"


@dataclass(frozen=True, slots=True, order=True)
class DayTimeDuration:
    """A days-and-time duration, exact to the nanosecond."""

    nanoseconds: int

    def __str__(self) -> str:
        total = abs(self.nanoseconds)
        sign = "-" if self.nanoseconds < 0 else ""
        days, rest = divmod(total, NANOS_PER_DAY)
        hours, rest = divmod(rest, 3600 * NANOS_PER_SECOND)
        minutes, rest = divmod(rest, 60 * NANOS_PER_SECOND)
        seconds, nanos = divmod(rest, NANOS_PER_SECOND)
        text = f"{sign}P" + (f"{days}D" if days else "")
        clock = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
        if seconds or nanos:
            clock += f"{seconds}{_fraction(nanos)}S"
        if clock:
            text += "T" + clock
        return text if text not in ("P", "-P") else "PT0S"


@dataclass(frozen=True, slots=True, order=True)
class YearMonthDuration:
    """A years-and-months duration, kept as a whole number of months."""

    months: int

    def __str__(self) -> str:
        years, months = divmod(abs(self.months), 12)
        sign = "-" if self.months < 0 else ""
        if not years:
            return f"{sign}P{months}M"
        return f"{sign}P{years}Y" + (f"{months}M" if months else "")


Temporal = FeelDate | FeelTime | FeelDateTime | DayTimeDuration | YearMonthDuration


# --- Formatting helpers ---


def _year_text(year: int) -> str:
    return f"-{-year:04d}" if year < 0 else f"{year:04d}"


def _fraction(nanos: int) -> str:
    return "." + f"{nanos:09d}".rstrip("0") if nanos else ""


def _time_text(hour: int, minute: int, second: int, nanos: int) -> str:
    return f"{hour:02d}:{minute:02d}:{second:02d}{_fraction(nanos)}"


def _zone_text(offset: int | None, zone: str | None) -> str:
    if zone is not None:
        return f"@{zone}"
    if offset is None:
        return ""
    return offset_text(offset)


def offset_text(offset: int) -> str:
    """`Z` for UTC, else `+hh:mm` (with `:ss` when seconds are present)."""
    if offset == 0:
        return "Z"
    sign = "-" if offset < 0 else "+"
    hours, rest = divmod(abs(offset), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours:02d}:{minutes:02d}" + (f":{seconds:02d}" if seconds else "")


# --- Zones ---


def valid_zone(zone: str) -> bool:
    """Whether `zone` names an IANA time zone known here (checked by pattern first: no file paths)."""
    if not _ZONE_ID.match(zone) or ".." in zone:
        return False
    try:
        _zone_info(zone)
    except (ValueError, OSError, KeyError):
        return False
    return True


@lru_cache(maxsize=1024)
def _zone_info(zone: str) -> ZoneInfo:
    return ZoneInfo(zone)


def _cycle_shift(year: int) -> int:
    """Years to add so `year` falls in 1..9999; whole 400-year cycles keep weekdays and leap days."""
    if year < 1:
        return ((1 - year) // 400 + 1) * 400
    if year > 9999:
        return -(((year - 9999) // 400 + 1) * 400)
    return 0


def zone_offset(zone: str, year: int, month: int, day: int, hour: int, minute: int, second: int) -> int:
    """The UTC offset, in seconds, of local wall-clock time in `zone` (the earlier one when ambiguous)."""
    shift = _cycle_shift(year)
    moment = datetime(year + shift, month, day, hour, minute, second, tzinfo=_zone_info(zone))
    offset = moment.utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def local_in_zone(instant_nanos: int, zone: str) -> tuple[FeelDate, int]:
    """The local date and nanoseconds of day in `zone` at an instant."""
    seconds, nanos = divmod(instant_nanos, NANOS_PER_SECOND)
    days, second_of_day = divmod(seconds, SECONDS_PER_DAY)
    year, month, day = civil_from_days(days)
    shift = _cycle_shift(year)
    utc = datetime(year + shift, month, day, tzinfo=timezone.utc) + timedelta(seconds=second_of_day)
    local = utc.astimezone(_zone_info(zone))
    date = FeelDate(local.year - shift, local.month, local.day)
    nanos_of_day = ((local.hour * 60 + local.minute) * 60 + local.second) * NANOS_PER_SECOND + nanos
    return date, nanos_of_day


# --- Parsing ---

_DATE = r"(?P<sign>-?)(?P<year>\d{4}|[1-9]\d{4,8})-(?P<month>\d\d)-(?P<day>\d\d)"
_TIME = r"(?P<hour>\d\d):(?P<minute>\d\d):(?P<second>\d\d)(?:\.(?P<fraction>\d+))?"
# a zone: Z, an offset, FEEL's @Europe/Paris, or java.time's +01:00[Europe/Paris] (what Zeebe stores)
_ZONE = r"(?:(?P<tz>Z|[+-]\d\d:\d\d(?::\d\d)?)(?:\[(?P<bracketed>[^\s\]]+)\])?|@(?P<zone>[^\s@]+))?"
_DATE_RE = re.compile(_DATE + r"\Z")
_TIME_RE = re.compile(_TIME + _ZONE + r"\Z")
_DATE_TIME_RE = re.compile(_DATE + r"T" + _TIME + _ZONE + r"\Z")
_DURATION_RE = re.compile(
    r"(?P<sign>-)?P(?=\d|T\d)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)(?:\.(?P<fraction>\d*))?S)?)?\Z"
)


def _date_of(match: re.Match[str]) -> FeelDate | None:
    year = int(match["year"]) * (-1 if match["sign"] else 1)
    month, day = int(match["month"]), int(match["day"])
    if not 1 <= month <= 12 or not 1 <= day <= days_in_month(year, month):
        return None
    return FeelDate(year, month, day)


def _time_of(match: re.Match[str]) -> tuple[FeelTime, bool] | None:
    """The time, and whether it was written 24:00:00 (midnight at the end of the day)."""
    hour, minute, second = int(match["hour"]), int(match["minute"]), int(match["second"])
    nanos = int((match["fraction"] or "0")[:9].ljust(9, "0"))
    end_of_day = hour == 24 and minute == 0 and second == 0 and nanos == 0
    if not (hour < 24 or end_of_day) or minute > 59 or second > 59:
        return None
    offset: int | None = None
    zone: str | None = None
    tz = match["tz"]
    if match["zone"] is not None or match["bracketed"] is not None:
        zone = match["zone"] or match["bracketed"]
        if not valid_zone(zone):
            return None
    elif tz == "Z":
        offset = 0
    elif tz:
        parts = [int(part) for part in tz[1:].split(":")]
        if parts[1] > 59 or (len(parts) > 2 and parts[2] > 59):
            return None
        offset = (parts[0] * 3600 + parts[1] * 60 + (parts[2] if len(parts) > 2 else 0)) * (-1 if tz[0] == "-" else 1)
        if abs(offset) > MAX_OFFSET:
            return None
    return FeelTime(0 if end_of_day else hour, minute, second, nanos, offset, zone), end_of_day


def parse_date(text: str) -> FeelDate | None:
    match = _DATE_RE.match(text)
    return _date_of(match) if match else None


def parse_time(text: str) -> FeelTime | None:
    match = _TIME_RE.match(text)
    parsed = _time_of(match) if match else None
    return parsed[0] if parsed else None


def parse_date_time(text: str) -> FeelDateTime | None:
    """A date and time; a bare date means its midnight, local."""
    match = _DATE_TIME_RE.match(text)
    if match is None:
        date = parse_date(text)
        return FeelDateTime(date, FeelTime(0, 0, 0)) if date is not None else None
    date = _date_of(match)
    parsed = _time_of(match)
    if date is None or parsed is None:
        return None
    time, end_of_day = parsed
    if end_of_day:
        date = FeelDate.from_epoch_day(date.epoch_day() + 1)
    if abs(date.year) > MAX_YEAR:
        return None
    return FeelDateTime(date, time)


def parse_duration(text: str) -> DayTimeDuration | YearMonthDuration | None:
    """A duration: years and months, or days and time; one that mixes both kinds is refused."""
    match = _DURATION_RE.match(text)
    if match is None:
        return None
    sign = -1 if match["sign"] else 1
    has_months = match["years"] is not None or match["months"] is not None
    has_time = any(match[part] is not None for part in ("days", "hours", "minutes", "seconds"))
    if has_months and has_time:
        return None
    if has_months:
        return YearMonthDuration(sign * (int(match["years"] or 0) * 12 + int(match["months"] or 0)))
    seconds = (int(match["days"] or 0) * 24 + int(match["hours"] or 0)) * 3600
    seconds = (seconds + int(match["minutes"] or 0) * 60 + int(match["seconds"] or 0))
    nanos = int((match["fraction"] or "0")[:9].ljust(9, "0"))
    return DayTimeDuration(sign * (seconds * NANOS_PER_SECOND + nanos))


def parse_temporal(text: str) -> Temporal | None:
    """What an @-literal denotes: a date, time, date and time or duration, by the form of the text."""
    if text.startswith(("P", "-P")):
        return parse_duration(text)
    if "T" in text.split("@")[0]:
        return parse_date_time(text)
    if ":" in text:
        return parse_time(text)
    return parse_date(text)


# --- Construction and arithmetic ---


def date_time_at(date: FeelDate, nanos_of_day: int, like: FeelTime) -> FeelDateTime:
    """A date and time at a local clock reading, keeping the offset or zone of `like`."""
    days, nanos = divmod(nanos_of_day, NANOS_PER_DAY)
    if days:
        date = FeelDate.from_epoch_day(date.epoch_day() + days)
    return FeelDateTime(date, time_of_nanos(nanos, like.offset, like.zone))


def time_of_nanos(nanos_of_day: int, offset: int | None, zone: str | None) -> FeelTime:
    nanos_of_day %= NANOS_PER_DAY
    seconds, nanos = divmod(nanos_of_day, NANOS_PER_SECOND)
    hour, rest = divmod(seconds, 3600)
    minute, second = divmod(rest, 60)
    return FeelTime(hour, minute, second, nanos, offset, zone)


def from_instant(instant_nanos: int, like: FeelTime) -> FeelDateTime:
    """The date and time at an instant, on the clock of `like`'s offset or zone."""
    if like.zone is not None:
        date, nanos_of_day = local_in_zone(instant_nanos, like.zone)
        return FeelDateTime(date, time_of_nanos(nanos_of_day, None, like.zone))
    local = instant_nanos + (like.offset or 0) * NANOS_PER_SECOND
    days, nanos_of_day = divmod(local, NANOS_PER_DAY)
    return FeelDateTime(FeelDate.from_epoch_day(days), time_of_nanos(nanos_of_day, like.offset, None))


def add_months(date: FeelDate, months: int) -> FeelDate:
    """Move by whole months; a day past the end of the new month becomes its last day."""
    index = date.year * 12 + (date.month - 1) + months
    year, month = divmod(index, 12)
    return FeelDate(year, month + 1, min(date.day, days_in_month(year, month + 1)))


def in_range(value: Temporal) -> bool:
    """Whether a computed value stays within the years FEEL supports."""
    if isinstance(value, FeelDate):
        return abs(value.year) <= MAX_YEAR
    if isinstance(value, FeelDateTime):
        return abs(value.date.year) <= MAX_YEAR
    return True
