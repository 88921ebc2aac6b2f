"""Compensation as BPMN 2.0 describes it (10.5.4, 13.5.5), measured with the shared betsy runner: our own
suite in tests/compensation_suite (one ordered case per rule, and the models refused at deployment) and the
compensation, transaction and cancel cases of the shared betsy suite."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.parser import parse
from tests.conformance.betsy import DEFAULT_SUITE, load_cases, run_suite, summary

SUITE = Path(__file__).resolve().parent / "compensation_suite"
SHARED_CASES = re.compile(r"Compensation|Transaction|Cancel", re.IGNORECASE)

# Why each model of the suite is refused: a part of the message the deployment error gives.
REFUSED = {
    "Compensation_Invalid_TwoBoundaryEvents": "2 compensation boundary events (compensate_A, compensate_A_again)",
    "Compensation_Invalid_HandlerWithFlows": "a compensation handler (isForCompensation) cannot have sequence flows",
    "Compensation_Invalid_NoHandler": "is not associated with a compensation handler",
    "Compensation_Invalid_ActivityRefOutsideScope": "activityRef 'A' names A, which is outside the scope",
    "Compensation_Invalid_ActivityRefNotCompensable": "activityRef 'A' names A, which cannot be compensated",
    "Compensation_Invalid_NoWait": 'waitForCompletion="false" (asynchronous compensation) is not supported',
    "Compensation_Invalid_ProcessLevelEventSubProcess": "the process itself is never compensated",
    "Compensation_Invalid_CancelOutsideTransaction": "a cancel end event can only be used inside a transaction",
    "Compensation_Invalid_UnusedHandler": "not associated with a compensation boundary event, so it would never run",
}


def test_every_case_of_the_compensation_suite_passes_and_ends() -> None:
    cases = load_cases(SUITE)
    assert all(case.ordered for case in cases), "every rule is checked in order"
    outcomes = run_suite(SUITE, cases)
    failures = [outcome.line() for outcome in outcomes if not outcome.passed]
    assert not failures, "\n".join(failures + [summary(outcomes)])
    still_running = [f"{o.case.name}: {o.reason}" for o in outcomes if o.reason.startswith("still active")]
    assert not still_running, "a compensated instance must end"


def test_the_compensation_cases_of_the_shared_betsy_suite_pass() -> None:
    cases = [case for case in load_cases(DEFAULT_SUITE) if SHARED_CASES.search(case.test)]
    assert cases
    outcomes = run_suite(DEFAULT_SUITE, cases)
    failures = [outcome.line() for outcome in outcomes if not outcome.passed]
    assert not failures, "\n".join(failures + [summary(outcomes)])


@pytest.mark.parametrize("test", sorted(REFUSED))
def test_a_model_that_cannot_be_compensated_correctly_is_refused_with_a_clear_message(test: str) -> None:
    file = SUITE / "bpmn" / f"{test}.bpmn"
    with pytest.raises(DeploymentError) as refused:
        parse(file.read_bytes(), file.name, check_scripts=False)  # SCRIPT_ placeholders are the runner's
    assert REFUSED[test] in str(refused.value)
    assert len(refused.value.problems) == 1, "the model is refused for that reason alone"


def test_the_refusals_listed_here_are_the_suites() -> None:
    assert {c.test for c in load_cases(SUITE) if c.expected == ("ERROR_deployment",)} == set(REFUSED)
