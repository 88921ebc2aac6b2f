"""Runs the betsy BPMN conformance suite against the engine's public API and prints one line per case.

Usage: `python tests/conformance/betsy.py [SUITE_DIR] [--min-pass N]`. The suite folder layout and the
meaning of the script placeholders are described in the suite's README. The exit code is 0 (this is a
measurement) unless `--min-pass N` is given and fewer than N cases pass.
"""
from __future__ import annotations

import argparse
import csv
import logging
import shutil
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable

from bpmn_runtime.clock import VirtualClock
from bpmn_runtime.engine.step import ScriptCall
from bpmn_runtime.errors import BpmnError, BpmnRuntimeError, DeploymentError
from bpmn_runtime.runtime import Runtime

DEFAULT_SUITE = Path(__file__).resolve().parents[1] / "data" / "betsy"
MAX_ROUNDS = 200  # moves of the virtual clock per case
MAX_VIRTUAL_TIME = timedelta(days=1)
KNOWN_STRING = "betsy"  # what SET_STRING_DATA stores and LOG_DATA checks
DATA_VARIABLE = "data"  # the data object / property the DATA tests read and write
ERROR_CODE = "ERR_CODE"  # the BPMN error THROW_ERROR raises
TIMESTAMPED_WORK = timedelta(seconds=10)  # how long a CREATE_TIMESTAMP_LOG_n script works (betsy waits ten seconds)
WAIT = timedelta(seconds=10)  # WAIT_TEN_SECONDS


@dataclass(frozen=True)
class Case:
    """One row of `cases.tsv`."""

    test: str
    number: int
    bpmn: Path
    input_test: str | None
    integer_variable: int
    parallel_process: bool
    expected: tuple[str, ...]
    ordered: bool

    @property
    def name(self) -> str:
        return f"{self.test}#{self.number}"

    def variables(self) -> dict[str, Any]:
        values: dict[str, Any] = {"integerVariable": self.integer_variable, "testCaseNumber": self.number}
        if self.input_test is not None:
            values["test"] = self.input_test
        return values


@dataclass(frozen=True)
class Outcome:
    case: Case
    trace: tuple[str, ...]
    reason: str = ""
    crashed: bool = False  # the engine raised something it should not have: never a pass

    @property
    def passed(self) -> bool:
        return not self.crashed and matches(self.case.expected, self.trace, self.case.ordered)

    def line(self) -> str:
        if self.passed:
            return f"PASS {self.case.name}"
        why = f" ({self.reason})" if self.reason else ""
        return f"FAIL {self.case.name} expected {list(self.case.expected)} got {list(self.trace)}{why}"


def load_cases(suite: Path) -> list[Case]:
    with (suite / "cases.tsv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [Case(
        test=row["test"],
        number=int(row["case"]),
        bpmn=suite / row["bpmn"],
        input_test=row["input_test"] or None,
        integer_variable=int(row["integerVariable"] or 0),
        parallel_process=row["parallel_process"].strip().lower() == "true",
        expected=tuple(t.strip() for t in row["expected_trace"].split(",") if t.strip()),
        ordered=row["ordered"].strip().lower() == "true",
    ) for row in rows]


def matches(expected: Iterable[str], got: Iterable[str], ordered: bool) -> bool:
    """Exact order or multiset; the token `ERROR` stands for any `ERROR_*` token."""
    expected, got = list(expected), list(got)
    if len(expected) != len(got):
        return False
    if ordered:
        return all(_token_matches(e, g) for e, g in zip(expected, got))
    left = Counter(got)
    left.subtract(e for e in expected if e != "ERROR")
    if any(count < 0 for count in left.values()):
        return False
    rest = [token for token, count in left.items() for _ in range(count)]
    return all(token.startswith("ERROR_") for token in rest)


def _token_matches(expected: str, got: str) -> bool:
    return expected == got or (expected == "ERROR" and got.startswith("ERROR_"))


@dataclass
class Trace:
    """The tokens the placeholders of one case write; the script runner of that case's runtime.

    Time is the case's virtual clock: `WAIT_TEN_SECONDS` moves it, and a `CREATE_TIMESTAMP_LOG_n` script
    records the interval its ten seconds of work occupy, starting when the engine runs it.
    """

    clock: VirtualClock
    tokens: list[str] = field(default_factory=list)
    intervals: dict[str, tuple[datetime, datetime]] = field(default_factory=dict)  # branch -> (start, end)

    def run_script(self, call: ScriptCall) -> dict[str, Any] | None:
        """Give a placeholder its meaning; an unknown one is an error, never silently skipped."""
        script = call.script.strip()
        if script.startswith("SCRIPT_"):
            self.tokens.append(script)
        elif script == "CREATE_MARKER_FILE":
            self.tokens.append("MARKER_exists")
        elif script in ("INCREMENT_INTEGER_VARIABLE", "INCREMENT_INTEGER_VARIABLE_AND_LOG"):
            if script.endswith("_AND_LOG"):
                self.tokens.append("INCREMENT_correct")
            return {"integerVariable": int(call.variables.get("integerVariable", 0)) + 1}
        elif script == "SET_STRING_DATA":
            return {DATA_VARIABLE: KNOWN_STRING}
        elif script == "LOG_DATA":
            if call.variables.get(DATA_VARIABLE) == KNOWN_STRING:
                self.tokens.append("DATA_correct")
        elif script == "THROW_ERROR":
            raise BpmnError(ERROR_CODE)
        elif script in ("CREATE_TIMESTAMP_LOG_1", "CREATE_TIMESTAMP_LOG_2"):
            started = self.clock.now()
            self.intervals[script[-1]] = (started, started + TIMESTAMPED_WORK)
        elif script == "WAIT_TEN_SECONDS":
            self.clock.advance(WAIT.total_seconds())
        elif script != "CREATE_LOG_FILE":  # the trace exists from the start
            raise ValueError(f"script placeholder {script!r} of {call.element_id} has no meaning in this harness")
        return None

    def ran_in_parallel(self) -> bool:
        """Both timestamped branches ran, and their intervals overlap (betsy's EXECUTION_parallel)."""
        if len(self.intervals) != 2:
            return False
        (start_1, end_1), (start_2, end_2) = self.intervals["1"], self.intervals["2"]
        return start_1 < end_2 and start_2 < end_1


class Runner:
    """Runs cases, each on its own SQLite file copied from one migrated template."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.template = workdir / "template.db"
        Runtime(f"sqlite:///{self.template}").close()

    def run(self, case: Case) -> Outcome:
        database = self.workdir / f"{case.test}-{case.number}.db"
        shutil.copyfile(self.template, database)
        clock = VirtualClock()
        trace = Trace(clock)
        runtime = Runtime(f"sqlite:///{database}", clock=clock, script_runner=trace.run_script, run_migrations=False)
        try:
            return self._run(case, runtime, clock, trace)
        except Exception as error:  # an engine bug: report it and go on with the next case
            return Outcome(case, tuple(trace.tokens), f"crash: {type(error).__name__}: {_first_line(error)}",
                           crashed=True)
        finally:
            runtime.close()

    def _run(self, case: Case, runtime: Runtime, clock: VirtualClock, trace: Trace) -> Outcome:
        try:
            deployed = runtime.deploy(case.bpmn)
        except DeploymentError as error:
            return Outcome(case, ("ERROR_deployment",), _first_line(error))
        if case.test not in {d.key for d in deployed}:
            return Outcome(case, tuple(trace.tokens), f"the file deployed, but has no process '{case.test}' to start")
        try:
            if case.parallel_process:
                # The tested process throws its message or signal while it starts (it runs to its first
                # wait state), so the receiving process must already wait: a throw with no receiver is lost.
                others = [d.key for d in deployed if d.key != case.test]
                if not others:
                    return Outcome(case, tuple(trace.tokens), "the file has no second executable process")
                runtime.start(others[0], case.variables())
            tested = runtime.start(case.test, case.variables())
            run_timers(runtime, clock)
        except BpmnRuntimeError as error:
            return Outcome(case, (*trace.tokens, "ERROR_runtime"), _first_line(error))
        return _assess(case, runtime, tested, trace)


def run_timers(runtime: Runtime, clock: VirtualClock, horizon: timedelta = MAX_VIRTUAL_TIME) -> None:
    """Fire due timers, then move the virtual clock to the next one, until nothing more can happen
    (bounded by `horizon` of virtual time and MAX_ROUNDS moves, so that endless cycles end)."""
    deadline = clock.now() + horizon
    for _ in range(MAX_ROUNDS):
        while runtime.run_due_timers():
            pass
        due = runtime.next_due()
        if due is None:
            return
        due = due if due.tzinfo else due.replace(tzinfo=timezone.utc)
        if due <= clock.now() or due > deadline:
            return  # only jobs for handlers are left, or the next timer is beyond the horizon
        clock.advance(to=due)


def _assess(case: Case, runtime: Runtime, tested: int, trace: Trace) -> Outcome:
    """Add the harness tokens: an open incident, an uncaught error, an aborted instance."""
    tokens = list(trace.tokens)
    if trace.ran_in_parallel():
        tokens.append("EXECUTION_parallel")
    reasons = [f"incident at {i.element_id}: {i.message}" for i in runtime.queries.incidents()]
    if reasons:
        tokens.append("ERROR_runtime")
    detail = runtime.queries.instance(tested)
    if detail.summary.status == "failed":
        tokens.append("ERROR_thrownErrorEvent")
        reasons.append(detail.end_reason or "failed")
    elif detail.summary.status == "cancelled":
        tokens.append("ERROR_processAborted")
        reasons.append(detail.end_reason or "cancelled")
    elif detail.summary.status == "active":
        waiting = ", ".join(f"{t.element_id} waits for {t.waiting_for}" for t in detail.tokens)
        reasons.append(f"still active: {waiting}" if waiting else "still active")
    return Outcome(case, tuple(tokens), "; ".join(reasons))


def _first_line(error: Exception) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return " ".join(lines[:2]) if lines else type(error).__name__


def run_suite(suite: Path, cases: Iterable[Case] | None = None) -> list[Outcome]:
    """Run the suite's cases (all by default) and return their outcomes."""
    if not (suite / "cases.tsv").is_file():
        raise FileNotFoundError(f"no betsy suite at {suite} (cases.tsv is missing)")
    with tempfile.TemporaryDirectory(prefix="betsy-") as workdir:
        runner = Runner(Path(workdir))
        return [runner.run(case) for case in (cases if cases is not None else load_cases(suite))]


def passed_count(outcomes: Iterable[Outcome]) -> int:
    return sum(outcome.passed for outcome in outcomes)


def summary(outcomes: list[Outcome]) -> str:
    passed = passed_count(outcomes)
    return f"{passed} passed, {len(outcomes) - passed} failed"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("suite", nargs="?", type=Path, default=DEFAULT_SUITE, help="the suite folder (cases.tsv)")
    parser.add_argument("--min-pass", type=int, default=None, help="exit 1 when fewer cases pass")
    args = parser.parse_args(argv)
    if not (args.suite / "cases.tsv").is_file():
        parser.error(f"no betsy suite at {args.suite} (cases.tsv is missing)")
    logging.getLogger("bpmn_runtime").setLevel(logging.ERROR)  # incidents are on the FAIL lines already
    outcomes = run_suite(args.suite)
    for outcome in outcomes:
        print(outcome.line())
    print(summary(outcomes))
    return 1 if args.min_pass is not None and passed_count(outcomes) < args.min_pass else 0


if __name__ == "__main__":
    sys.exit(main())
