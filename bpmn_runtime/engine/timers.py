"""ISO 8601 timer definitions: dates, durations and repeating cycles (R[n]/[start/]duration)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from bpmn_runtime.errors import ExpressionError

_DURATION = re.compile(
    r"^P(?:(?P<years>\d+(?:[.,]\d+)?)Y)?(?:(?P<months>\d+(?:[.,]\d+)?)M)?(?:(?P<weeks>\d+(?:[.,]\d+)?)W)?"
    r"(?:(?P<days>\d+(?:[.,]\d+)?)D)?(?:T(?:(?P<hours>\d+(?:[.,]\d+)?)H)?(?:(?P<minutes>\d+(?:[.,]\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:[.,]\d+)?)S)?)?$")
_CYCLE = re.compile(r"^R(?P<count>\d*)/(?P<rest>.+)$")


def parse_duration(text: str) -> timedelta:
    """`PT5M`, `P1DT2H`; years and months count as 365 and 30 days."""
    match = _DURATION.match(text.strip())
    if not match or text.strip() in ("P", "PT"):
        raise ExpressionError(f"'{text}' is not an ISO 8601 duration such as PT5M or P1DT2H")
    parts = {k: float(v.replace(",", ".")) for k, v in match.groupdict().items() if v}
    days = parts.get("years", 0) * 365 + parts.get("months", 0) * 30 + parts.get("weeks", 0) * 7 + parts.get("days", 0)
    return timedelta(days=days, hours=parts.get("hours", 0), minutes=parts.get("minutes", 0),
                     seconds=parts.get("seconds", 0))


def parse_date(text: str) -> datetime:
    """An ISO 8601 date-time; one without a zone is taken as UTC."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ExpressionError(f"'{text}' is not an ISO 8601 date-time such as 2026-12-01T09:00:00Z") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def first_due(kind: str, text: str, now: datetime) -> tuple[datetime, int | None]:
    """When a timer first fires, and how many more times a cycle repeats after that (None: forever)."""
    if kind == "date":
        return parse_date(text), 0
    if kind == "duration":
        return now + parse_duration(text), 0
    match = _CYCLE.match(text.strip())
    if not match:
        raise ExpressionError(f"'{text}' is not an ISO 8601 cycle such as R3/PT10M (cron cycles are not supported)")
    count = int(match.group("count")) if match.group("count") else None
    parts = match.group("rest").split("/")
    if len(parts) == 2:
        start, interval = parse_date(parts[0]), parse_duration(parts[1])
        due = start if start > now else now + interval
    else:
        due = now + parse_duration(parts[0])
    remaining = None if count is None else count - 1
    return due, remaining


def cycle_interval(text: str) -> timedelta:
    return parse_duration(text.strip().split("/")[-1])
