"""The betsy runner gives every placeholder of the suite's README its meaning, including the timestamped
work of parallel branches and waits on the virtual clock; the case files are in `harness_suite/`."""
from __future__ import annotations

from pathlib import Path

from tests.conformance.betsy import matches, run_suite

HARNESS_SUITE = Path(__file__).resolve().parent / "harness_suite"


def test_every_harness_case_passes() -> None:
    outcomes = run_suite(HARNESS_SUITE)
    assert [outcome.line() for outcome in outcomes if not outcome.passed] == []
    assert len(outcomes) == 3


def test_an_error_token_stands_for_any_error_and_order_counts_only_when_asked() -> None:
    assert matches(["SCRIPT_task1", "ERROR"], ["ERROR_runtime", "SCRIPT_task1"], ordered=False)
    assert not matches(["SCRIPT_task1", "ERROR"], ["ERROR_runtime", "SCRIPT_task1"], ordered=True)
    assert not matches(["SCRIPT_task1"], ["SCRIPT_task1", "SCRIPT_task1"], ordered=False)
    assert not matches(["ERROR"], ["SCRIPT_task1"], ordered=False)
