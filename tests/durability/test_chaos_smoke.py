"""A few seconds of the chaos script on PostgreSQL: workers killed, connections dropped, one outage; no
instance lost or stuck, none completed twice, no effect booked twice under an idempotency key."""
from __future__ import annotations

import pytest

from tests.conftest import POSTGRES_ADMIN
from tests.durability.chaos import Options, run

pytestmark = pytest.mark.postgres


def test_a_short_chaos_run_loses_nothing() -> None:
    figures = run(Options(db="postgres", seconds=8, workers=2, lease=2, rate=10, kill_every=2.5, drop_every=1.5,
                          outage_every=3, outage_seconds=1.5, drain_seconds=40, postgres=POSTGRES_ADMIN),
                  say=lambda _: None)
    report = figures.report()
    assert figures.kills >= 2 and figures.outages >= 1, report
    assert figures.started > 0 and figures.finished == figures.started, report
    assert figures.ok, report
