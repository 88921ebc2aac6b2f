"""No model can hang or exhaust the engine: the hostile models in tests/hostile are refused at deployment
with their reason, or their instance ends its first step in an incident within seconds (CPU), with memory
bounded, while an ordinary instance on the same database completes."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bpmn_runtime.clock import VirtualClock
from bpmn_runtime.engine.limits import Limits
from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.runtime import Runtime
from tests.conftest import REPOSITORY

HOSTILE = REPOSITORY / "tests" / "hostile"


@pytest.mark.parametrize(("model", "reason"), [
    ("gateway_loop_without_exit", "the sequence flows through 'Check again' (check) and 'Again?' (again) form a "
                                  "loop that never waits and that no condition can end"),
    ("fork_bomb", "the sequence flows through 'Merge' (merge) and 'Split' (split) form a loop that never waits"),
    ("standard_loop_always_true", "the standard loop repeats forever: its condition \"true\" is always true and it "
                                  "has no loopMaximum"),
    ("timer_cycle_zero", "the timeCycle 'R/PT0S' has a zero interval; a repeating timer must wait between its firings"),
    ("timer_zero_in_loop", "the timer waits 'PT0S', no time at all, on a loop"),
])
def test_a_model_that_could_never_stop_is_refused_at_deployment(sqlite_url: str, model: str, reason: str) -> None:
    runtime = Runtime(sqlite_url)
    with pytest.raises(DeploymentError) as refused:
        runtime.deploy(HOSTILE / f"{model}.bpmn")
    assert [reason in problem.message for problem in refused.value.problems] == [True]
    runtime.close()


ENDLESS = "the process ran 100,000 steps without reaching a wait state; it may loop forever through "


@pytest.mark.parametrize(("model", "elements", "reason"), [
    ("gateway_loop_never_exits", {"check", "again"}, ENDLESS),
    ("standard_loop_without_limit", {"count"}, ENDLESS + "'Count' (count)"),
    ("fork_bomb_never_exits", {"done", "split"}, ENDLESS),
    ("multi_instance_million", {"each"},
     "multi-instance 'Do each' (each) would run 1,000,000 instances; an instance may hold at most 50,000"),
    ("script_returns_set", {"compute"}, "variable 'tags' cannot be stored: it is a set"),
    ("script_complex_number", {"compute"}, "variable 'root' cannot be stored: it is the complex number"),
    ("script_huge_number", {"compute"}, "variable 'big' cannot be stored: it is a whole number of more than 4,000 "
                                        "digits"),
])
def test_a_hostile_instance_ends_in_an_incident_quickly_and_others_go_on(tmp_path: Path, model: str,
                                                                          elements: set[str], reason: str) -> None:
    """Run in a process of its own (see `hostile_run`), so its peak memory is its own."""
    result = subprocess.run(
        [sys.executable, "-m", "tests.engine.hostile_run", str(HOSTILE / f"{model}.bpmn"), model,
         f"sqlite:///{tmp_path / 'hostile.db'}"], capture_output=True, text=True, cwd=REPOSITORY, timeout=120,
        check=False)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.splitlines()[-1])
    assert outcome["status"] == "active"
    [(at, message)] = outcome["incidents"]
    assert at in elements and message.startswith(reason), message
    # 100,000 steps of a script-task loop take 2.0-2.7 s of CPU on an idle 2-core machine
    assert outcome["cpu_seconds"] < 5, outcome
    assert outcome["seconds"] < 30, outcome  # wall time: CI machines are shared
    assert outcome["rss_growth_mb"] < 200, outcome
    assert outcome["ordinary"] == "completed"


def _runtime(sqlite_url: str, **limits: int) -> Runtime:
    return Runtime(sqlite_url, clock=VirtualClock(), limits=Limits(**limits))


def test_a_retry_continues_a_stopped_loop_from_where_it_stopped(sqlite_url: str) -> None:
    runtime = _runtime(sqlite_url, max_steps=1_000)
    runtime.deploy(HOSTILE / "gateway_loop_never_exits.bpmn")
    instance = runtime.start("gateway_loop_never_exits", {"n": 1})
    [incident] = runtime.queries.incidents()
    assert "ran 1,000 steps" in incident.message
    assert [t.waiting_for for t in runtime.queries.instance(instance).tokens] == ["an incident to be retried"]

    runtime.retry_incident(incident.id)  # nothing changed: it stops again, one more budget later
    [again] = runtime.queries.incidents()
    assert again.id != incident.id and runtime.queries.instance(instance).summary.status == "active"

    runtime.set_variables(instance, {"n": -1})
    runtime.retry_incident(again.id)
    assert runtime.queries.instance(instance).summary.status == "completed"
    runtime.close()


def test_a_fork_bomb_stops_at_the_size_of_an_instance_and_its_tokens_go_on_when_retried(sqlite_url: str) -> None:
    runtime = _runtime(sqlite_url, max_activity_instances=500)
    runtime.deploy(HOSTILE / "fork_bomb_never_exits.bpmn")
    instance = runtime.start("fork_bomb_never_exits", {"n": 1})
    [incident] = runtime.queries.incidents()
    assert incident.message.startswith("the instance grew beyond 500 activity instances and tokens without reaching "
                                       "a wait state; it may multiply tokens forever through ")
    parked = runtime.queries.instance(instance).tokens
    assert 200 < len(parked) <= 500 and {t.element_id for t in parked} <= {"done", "split"}

    runtime.set_variables(instance, {"n": -1})
    runtime.retry_incident(incident.id)  # every parked token now leaves by "Done?"
    assert runtime.queries.instance(instance).summary.status == "completed"
    runtime.close()
