"""The timer texts and `next_firing`: calendar durations, grids, repetitions, cron, retry cycles, refusals."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import isodate
import pytest

from bpmn_runtime.engine import timers
from bpmn_runtime.engine.timers import TimerError, next_firing

UTC = timezone.utc


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def firings(kind: str, text: str, activated: str, limit: int = 10) -> list[str]:
    """Every firing of a timer activated at `activated`, each fired on time, at most `limit` of them."""
    schedule = timers.parse(kind, text)
    found: list[str] = []
    since = at(activated)
    due = next_firing(schedule, since=since, fired=0, now=since)
    while due is not None and len(found) < limit:
        found.append(due.isoformat(timespec="minutes").removesuffix("+00:00"))
        due = next_firing(schedule, since=due, fired=len(found), now=due)
    return found


@pytest.mark.parametrize(("duration", "activated", "due"), [
    ("P1M", "2027-01-31T10:00", "2027-02-28T10:00"),  # not 2 March: a month is not 30 days
    ("P1M", "2028-01-31T10:00", "2028-02-29T10:00"),  # a leap year
    ("P1Y", "2028-02-29T00:00", "2029-02-28T00:00"),
    ("P1Y2M10DT2H30M", "2027-01-01T00:00", "2028-03-11T02:30"),
    ("P2W", "2027-01-01T00:00", "2027-01-15T00:00"),
    ("PT1.5H", "2027-01-01T00:00", "2027-01-01T01:30"),
    ("P0,5D", "2027-01-01T00:00", "2027-01-01T12:00"),
    ("PT36H", "2027-01-01T00:00", "2027-01-02T12:00"),
    ("PT0S", "2027-01-01T00:00", "2027-01-01T00:00"),  # fires at once, as in Camunda 8
])
def test_a_duration_is_added_to_the_activation_as_on_a_calendar(duration: str, activated: str, due: str) -> None:
    assert firings("duration", duration, activated) == [due]


@pytest.mark.parametrize(("text", "instant"), [
    ("2027-05-01T09:00:00Z", "2027-05-01T09:00"),
    ("2027-05-01T09:00:00", "2027-05-01T09:00"),  # no zone: UTC, the server's zone
    ("2027-05-01T11:00:00+02:00", "2027-05-01T09:00"),
    ("2027-05-01T11:00:00[Europe/Berlin]", "2027-05-01T09:00"),  # summer time: UTC+2
    ("2027-01-01T10:00:00[Europe/Berlin]", "2027-01-01T09:00"),  # winter time: UTC+1
    ("2027-05-01", "2027-05-01T00:00"),
])
def test_a_date_is_an_instant_in_utc(text: str, instant: str) -> None:
    assert firings("date", text, "2027-01-01T00:00") == [instant]


def test_a_date_in_the_past_fires_at_once() -> None:
    assert firings("date", "2020-01-01T00:00:00Z", "2027-01-01T08:00") == ["2027-01-01T08:00"]


def test_a_cycle_without_a_start_fires_each_interval_after_the_activation_and_stops_after_its_count() -> None:
    assert firings("cycle", "R3/PT10M", "2027-01-01T08:05") == ["2027-01-01T08:15", "2027-01-01T08:25",
                                                                "2027-01-01T08:35"]


def test_an_unbounded_cycle_goes_on() -> None:
    assert len(firings("cycle", "R/P1D", "2027-01-01T00:00", limit=400)) == 400


def test_a_cycle_with_a_start_keeps_the_start_s_grid() -> None:
    assert firings("cycle", "R/2027-01-01T00:00:00Z/PT1H", "2027-01-01T05:20", limit=3) == [
        "2027-01-01T06:00", "2027-01-01T07:00", "2027-01-01T08:00"]
    assert firings("cycle", "R2/2027-01-01T00:00:00Z/PT1H", "2026-12-31T22:30") == [
        "2027-01-01T00:00", "2027-01-01T01:00"]


def test_a_grid_of_months_counts_each_month_from_the_start() -> None:
    assert firings("cycle", "R5/2027-01-31T00:00:00Z/P1M", "2027-01-01T00:00") == [
        "2027-01-31T00:00", "2027-02-28T00:00", "2027-03-31T00:00", "2027-04-30T00:00", "2027-05-31T00:00"]


def test_a_late_worker_skips_the_missed_firings_and_stays_on_the_grid() -> None:
    schedule = timers.parse("cycle", "R5/2027-01-01T00:00:00Z/PT1H")
    due = next_firing(schedule, since=at("2027-01-01T01:00"), fired=2, now=at("2027-01-01T04:30"))
    assert due == at("2027-01-01T05:00")


def test_the_grid_is_kept_in_utc_across_a_daylight_saving_change() -> None:
    # Berlin moves its clocks on 28 March 2027; the start's zone only places the first firing.
    assert firings("cycle", "R2/2027-03-27T12:00:00[Europe/Berlin]/P1D", "2027-03-01T00:00") == [
        "2027-03-27T11:00", "2027-03-28T11:00"]


def test_a_cycle_with_an_end_stops_at_it() -> None:
    assert firings("cycle", "R3/PT1H/2027-01-01T12:00:00Z", "2027-01-01T00:00") == [
        "2027-01-01T10:00", "2027-01-01T11:00", "2027-01-01T12:00"]
    assert firings("cycle", "R3/PT1H/2027-01-01T12:00:00Z", "2027-01-01T10:30") == [
        "2027-01-01T11:00", "2027-01-01T12:00"]
    assert firings("cycle", "R/PT1H/2027-01-01T03:00:00Z", "2027-01-01T00:30") == [
        "2027-01-01T01:00", "2027-01-01T02:00", "2027-01-01T03:00"]
    assert firings("cycle", "R/PT1H/2027-01-01T03:00:00Z", "2027-01-01T04:00") == []


def test_a_cycle_from_start_to_end_repeats_that_interval() -> None:
    assert firings("cycle", "R3/2027-01-01T00:00:00Z/2027-01-01T06:00:00Z", "2026-12-31T00:00") == [
        "2027-01-01T00:00", "2027-01-01T06:00", "2027-01-01T12:00"]


@pytest.mark.parametrize(("cron", "activated", "expected"), [
    ("0 0 9-17 * * MON-FRI", "2027-01-01T16:30", ["2027-01-01T17:00", "2027-01-04T09:00"]),  # Friday to Monday
    ("0 0 * * * *", "2027-01-01T00:00", ["2027-01-01T01:00", "2027-01-01T02:00"]),
    ("0 0/30 8-10 * * *", "2027-01-01T10:00", ["2027-01-01T10:30", "2027-01-02T08:00"]),
    ("0 0 6,19 * * *", "2027-01-01T07:00", ["2027-01-01T19:00", "2027-01-02T06:00"]),
    ("0 0 0 25 12 ?", "2027-01-01T00:00", ["2027-12-25T00:00", "2028-12-25T00:00"]),
    ("0 0 0 L * *", "2027-01-31T12:00", ["2027-02-28T00:00", "2027-03-31T00:00"]),
    ("0 0 0 ? * 5#2", "2027-01-01T00:00", ["2027-01-08T00:00", "2027-02-12T00:00"]),  # second Friday
    ("0 0 0 13 * FRI", "2027-01-01T00:00", ["2027-08-13T00:00", "2028-10-13T00:00"]),  # both day fields
    ("@daily", "2027-01-01T10:00", ["2027-01-02T00:00", "2027-01-03T00:00"]),
])
def test_a_cron_cycle_fires_as_in_camunda_8(cron: str, activated: str, expected: list[str]) -> None:
    assert firings("cycle", cron, activated, limit=2) == expected


def test_the_first_field_of_a_cron_cycle_is_the_second() -> None:
    every_ten_seconds = timers.parse("cycle", "*/10 * * * * *")
    start = at("2027-01-01T00:00")
    assert next_firing(every_ten_seconds, since=start, fired=0, now=start) == start + timedelta(seconds=10)


@pytest.mark.parametrize(("kind", "text", "reason"), [
    ("cycle", "R/PT0S", "has a zero interval"),
    ("cycle", "R3/P0D", "has a zero interval"),
    ("cycle", "R0/PT1H", "repeats zero times"),
    ("cycle", "R3/-PT1H", "is negative"),
    ("duration", "-P1D", "is negative"),
    ("duration", "P1.5M", "fraction of months"),
    ("duration", "P1.5DT2H", "only the last may have one"),
    ("duration", "PT", "is not an ISO 8601 duration"),
    ("duration", "P", "is not an ISO 8601 duration"),
    ("duration", "P1DT", "is not an ISO 8601 duration"),
    ("duration", "5 minutes", "is not an ISO 8601 duration"),
    ("duration", "P99999999999D", "too far in the future"),
    ("date", "2027-02-30T10:00:00Z", "is not an ISO 8601 date-time"),
    ("date", "2027-01-01T10:00:00[Mars/Olympus]", "time zone 'Mars/Olympus'"),
    ("cycle", "R/2027-01-02T00:00:00Z/2027-01-01T00:00:00Z", "does not end after it starts"),
    ("cycle", "0 0 9-17 * *", "has six fields"),  # Camunda 8 reads six fields only
    ("cycle", "0 0 0 1 1 ? 2030", "has six fields"),
    ("cycle", "0 0 0 30 2 *", "never fires"),
    ("cycle", "0 0 0 LW * *", "is not a cron expression this engine can read"),
    ("cycle", "every day", "is neither an ISO 8601 cycle"),
    ("cycle", "R1234567890/PT1H", "too many times"),
])
def test_a_timer_that_cannot_run_is_refused_with_the_reason(kind: str, text: str, reason: str) -> None:
    with pytest.raises(TimerError, match=reason):
        timers.parse(kind, text)


@pytest.mark.parametrize(("kind", "text"), [("duration", "P8000Y"), ("duration", "P9999999999D"),
                                            ("cycle", "R/PT100000000H"), ("date", "9999-12-31T23:00:00-05:00")])
def test_a_timer_past_the_year_9999_is_refused_when_it_is_checked(kind: str, text: str) -> None:
    with pytest.raises(TimerError, match="too far in the future"):
        timers.check(kind, text, at("2027-01-01T00:00"))


def test_a_cycle_that_runs_into_the_year_10000_has_no_firing_after_it() -> None:
    schedule = timers.parse("cycle", "R/9999-12-30T00:00:00Z/P1D")
    last = next_firing(schedule, since=at("9999-12-30T12:00"), fired=0, now=at("9999-12-30T12:00"))
    assert last == at("9999-12-31T00:00")
    with pytest.raises(TimerError, match="too far in the future"):
        next_firing(schedule, since=last, fired=1, now=last)


@pytest.mark.parametrize(("cycle", "tries", "waits"), [
    ("R5/PT1M", 5, [60, 60, 60, 60]),
    ("R1/PT1M", 1, []),
    ("PT1M,PT5M,PT10M", 4, [60, 300, 600]),  # Camunda 7: each interval once, after the first try
    ("PT5M", 2, [300]),
    ("R3/P1D", 3, [86400, 86400]),
])
def test_a_retry_cycle_says_how_often_to_try_and_how_long_to_wait(cycle: str, tries: int, waits: list[int]) -> None:
    schedule = timers.parse_retry_cycle(cycle)
    assert (schedule.repetitions or 0) + 1 == tries
    now = at("2027-01-01T00:00")
    assert [timers.retry_delay(cycle, failures, now) for failures in range(1, tries)] == waits


def test_retries_an_operator_grants_past_the_cycle_wait_its_last_interval() -> None:
    assert timers.retry_delay("PT1M,PT5M", 7, at("2027-01-01T00:00")) == 300


@pytest.mark.parametrize(("cycle", "reason"), [
    ("R/PT1M", "how many times to try"),
    ("R0/PT1M", "zero times"),
    ("R3/2027-01-01T00:00:00Z/PT1M", "has a start or an end"),
    ("R3/PT0S", "zero interval"),
    ("PT1M,,PT5M", "is not an ISO 8601 duration"),
    ("${retryCycle}", "is an expression"),
])
def test_a_retry_cycle_that_cannot_run_is_refused(cycle: str, reason: str) -> None:
    with pytest.raises(TimerError, match=reason):
        timers.parse_retry_cycle(cycle)


@pytest.mark.parametrize(("value", "text"), [
    ("P1D", "P1D"),
    (datetime(2027, 1, 1, 9, 0), "2027-01-01T09:00:00+00:00"),
    (datetime(2027, 1, 1, 11, 0, tzinfo=timezone(timedelta(hours=2))), "2027-01-01T09:00:00+00:00"),
    (date(2027, 1, 1), "2027-01-01"),
    (timedelta(hours=1, minutes=30), "PT1H30M"),
    (isodate.Duration(months=1), "P1M"),
    (42, None),
    (None, None),
    (["P1D"], None),
])
def test_an_expression_gives_a_timer_a_text_a_date_or_a_duration(value: object, text: str | None) -> None:
    assert timers.as_text(value) == text
