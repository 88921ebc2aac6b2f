"""Instances saved by the previous release (state format 1, see fixtures/state_v1/README.md) load and run to
their end: tasks are completed, timers fire, messages arrive, the incident is retried. Between two actions
the state is saved and loaded again in the current format, as the runtime does."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from bpmn_runtime.engine import state_format
from bpmn_runtime.engine.state import InstanceState
from bpmn_runtime.engine.step import Step
from bpmn_runtime.model import Process
from bpmn_runtime.parser import read_deployed

FIXTURES = Path(__file__).parent / "fixtures" / "state_v1"
NOW = datetime(2026, 1, 2, tzinfo=timezone.utc)

# An action on the saved instance: ("trigger", element, wait kind, payload) makes the first wait of that kind
# at that element happen; ("set", variables) sets process variables; ("retry", element) retries its incident.
Action = tuple[Any, ...]


def _processes() -> dict[str, Process]:
    """The models as the runtime reads a stored definition: without the deployment rules of today, which may have
    grown stricter since the instance started."""
    found: dict[str, Process] = {}
    for path in sorted(FIXTURES.glob("*.bpmn")):
        found.update(read_deployed(path.read_bytes(), path.name).processes)
    return found


def _load(name: str) -> InstanceState:
    return state_format.loads((FIXTURES / f"{name}.json").read_text())


def _wait_key(state: InstanceState, element: str, kind: str) -> int:
    """The oldest wait of `kind` for `element` (the event waited for, or the activity that waits)."""
    keys = [w.key for w in state.waits.values()
            if w.kind == kind and element in (w.element, state.instances[w.ai].element)]
    assert keys, f"nothing waits for {kind} at {element}; waiting: {list(state.waits.values())}"
    return min(keys)


def _run(name: str, actions: list[Action]) -> InstanceState:
    state = _load(name)
    process = _processes()[state.process]
    for action in actions:
        step = Step(process, state, NOW)
        if action[0] == "trigger":
            step.trigger(_wait_key(state, action[1], action[2]), action[3])
        elif action[0] == "set":
            step.set_variables(state.root, action[1])
            step.run()
        else:
            step.retry(next(ai.id for ai in state.instances.values() if ai.element == action[1]))
        state = state_format.loads(state_format.dumps(state))
    return state


CASES: list[tuple[str, list[Action], dict[str, Any]]] = [
    ("multi_instance", [("trigger", "check", "user_task", {"answer": "good"}),
                        ("trigger", "check", "user_task", {"answer": "bad"})],
     {"answer": "bad", "items": ["apple", "pear", "plum"], "verdict": "plum: bad",
      "verdicts": ["apple: fine", "pear: good", "plum: bad"]}),
    ("joins", [("trigger", "approve", "user_task", {"approved": True}), ("trigger", "inspect", "user_task", {})],
     {"approved": True, "fragile": True, "packed": True, "shipped": True, "weighed": True, "weight": 2}),
    ("compensation_recorded", [("trigger", "confirm", "user_task", {"ok": False}),
                               ("trigger", "cancel_flight", "user_task", {}),
                               ("trigger", "cancel_hotel", "user_task", {})],
     {"city": "Oslo", "flight": "F-Oslo", "hotel": "H-Oslo", "ok": False}),
    ("compensation_running", [("trigger", "cancel_flight", "user_task", {}),
                              ("trigger", "cancel_hotel", "user_task", {})],
     {"city": "Oslo", "flight": "F-Oslo", "hotel": "H-Oslo", "ok": False}),
    ("event_subprocess", [("trigger", "reminded", "message", {}),
                          ("trigger", "assess", "user_task", {"verdict": "pay"})],
     {"reminders": 2, "urgent": True, "verdict": "pay"}),
    ("event_subprocess", [("trigger", "too_late", "timer", {})], {"reminders": 1}),
    ("timer_boundary", [("trigger", "nudge_timer", "timer", {}), ("trigger", "late", "timer", {})],
     {"escalated": True, "nudges": 2}),
    ("timer_boundary", [("trigger", "approve", "user_task", {"approved": True})], {"approved": True, "nudges": 1}),
    ("call_child", [("trigger", "child_work", "user_task", {})], {"order": "A-7", "result": "done A-7"}),
    ("call_parent", [("trigger", "call_child", "call", {"order": "A-7", "result": "done A-7"})],
     {"child_result": "done A-7", "order_id": "A-7"}),
    ("incident", [("set", {"people": 4}), ("retry", "share")], {"people": 4, "share": 2.5, "total": 10}),
    ("async_before", [("trigger", "charge", "continuation", {}), ("trigger", "charge", "job", {"charged": True}),
                      ("trigger", "charge", "continuation", {}),
                      ("trigger", "review", "user_task", {"approved": True})],
     {"approved": True, "charged": True}),
    ("job_waiting", [("trigger", "charge", "job", {"charged": True}), ("trigger", "charge", "continuation", {}),
                     ("trigger", "review", "user_task", {"approved": False}),
                     ("trigger", "review", "user_task", {"approved": True})],
     {"approved": True, "charged": True}),
    ("async_after", [("trigger", "charge", "continuation", {}),
                     ("trigger", "review", "user_task", {"approved": True})],
     {"approved": True, "charged": True}),
    ("standard_loop", [("trigger", "review", "user_task", {"approved": False}),
                       ("trigger", "review", "user_task", {"approved": False})],
     {"approved": False, "charged": True}),
]


@pytest.mark.parametrize(("name", "actions", "variables"), CASES,
                         ids=[f"{name}-{len(actions)}" for name, actions, _ in CASES])
def test_an_instance_saved_by_the_previous_release_runs_to_its_end(name: str, actions: list[Action],
                                                                   variables: dict[str, Any]) -> None:
    state = _run(name, actions)
    assert (state.status, state.end_reason) == ("completed", None)
    assert state.root.variables == variables
    assert not state.waits and not state.compensations

