"""Properties of `next_firing` over generated timers: it never fires before it may, and a cycle of n fires n times."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from bpmn_runtime.engine import timers

UTC = timezone.utc
moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))
lags = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400))
lateness = st.one_of(st.just(timedelta(0)), st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=6)))


@st.composite
def durations(draw: st.DrawFn) -> str:
    """An ISO 8601 duration longer than zero, mixing calendar and clock units."""
    parts = draw(st.tuples(*(st.integers(0, limit) for limit in (2, 14, 40, 30, 90, 90))).filter(any))
    years, months, days, hours, minutes, seconds = parts
    return f"P{years}Y{months}M{days}DT{hours}H{minutes}M{seconds}S"


@st.composite
def cycles(draw: st.DrawFn) -> tuple[str, int]:
    """An ISO 8601 cycle of n firings, with or without a start or an end, and n."""
    n = draw(st.integers(1, 12))
    interval = draw(durations())
    form = draw(st.sampled_from(["plain", "start", "end"]))
    if form == "start":
        return f"R{n}/{draw(moments).isoformat()}/{interval}", n
    if form == "end":
        return f"R{n}/{interval}/{draw(moments).isoformat()}", n
    return f"R{n}/{interval}", n


schedules = st.one_of(
    durations().map(lambda text: timers.parse("duration", text)),
    moments.map(lambda moment: timers.parse("date", moment.isoformat())),
    cycles().map(lambda cycle: timers.parse("cycle", cycle[0])),
    st.sampled_from(["0 0 9-17 * * MON-FRI", "*/10 * * * * *", "0 0 0 L * *", "@weekly"]).map(
        lambda cron: timers.parse("cycle", cron)),
)


@settings(deadline=None)
@given(schedules, moments, lags, st.integers(0, 3))
def test_the_next_firing_is_never_before_now_nor_before_the_previous_one(schedule: timers.Schedule, since: datetime,
                                                                       lag: timedelta, fired: int) -> None:
    now = since + lag
    due = timers.next_firing(schedule, since=since, fired=fired, now=now)
    if due is not None:
        assert due >= now
        assert due > since if fired and schedule.kind == "cycle" else due >= since


@settings(deadline=None)
@given(cycles(), moments, st.lists(lateness, min_size=13, max_size=13))
def test_a_cycle_of_n_fires_exactly_n_times_however_late_the_worker_is(cycle: tuple[str, int], activated: datetime,
                                                                       late: list[timedelta]) -> None:
    text, n = cycle
    schedule = timers.parse("cycle", text)
    if schedule.end is not None:  # R[n]/duration/end: activated before its first firing, or some are gone
        activated = datetime(1900, 1, 1, tzinfo=UTC)
    count, due = 0, timers.next_firing(schedule, since=activated, fired=0, now=activated)
    while due is not None and count <= n:
        count += 1
        fired_at = due + late[count - 1]
        later = timers.next_firing(schedule, since=due, fired=count, now=fired_at)
        assert later is None or later > due
        due = later
    assert count == n
