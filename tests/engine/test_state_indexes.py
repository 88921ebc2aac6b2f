"""The indexes an instance's state keeps so a step need not scan every activity instance or wait: after a
load, adds and removes, each says exactly what a scan of the whole state says, in the same order."""
from __future__ import annotations

from bpmn_runtime.engine import state_format
from bpmn_runtime.engine.state import ActivityInstance, InstanceState, WAIT_TYPES
from tests.engine.test_state_format import _everything


def _agrees_with_a_scan(state: InstanceState) -> None:
    assert state.keepers() == [ai for ai in state.instances.values()
                               if ai.join is not None or ai.body is not None or ai.parked]
    for kind in WAIT_TYPES:
        assert state.waits_of_kind(kind) == [w for w in state.waits.values() if w.kind == kind]
    for ai in state.instances:
        assert state.children(ai) == [c for c in state.instances.values() if c.parent == ai]
        assert state.waits_of(ai) == [w for w in state.waits.values() if w.ai == ai]


def test_indexes_agree_with_a_scan_after_load_add_and_remove() -> None:
    state = state_format.loads(state_format.dumps(_everything()))
    assert [ai.id for ai in state.keepers()] == [4, 6, 7, 8]
    assert [w.key for w in state.waits_of_kind("conditional")] == [24]
    _agrees_with_a_scan(state)
    state.remove(6)
    state.remove_wait(24)
    state.remove_wait(25)
    state.add(ActivityInstance(31, "next", 0, parked=True))
    state.add(ActivityInstance(32, "task", 0))
    state.add(ActivityInstance(33, "each", 32, {"item": "a", "loopCounter": 1}))
    _agrees_with_a_scan(state)
    again = state_format.loads(state_format.dumps(state))
    assert again.instances == state.instances and again.waits == state.waits
    _agrees_with_a_scan(again)
    assert state.waits_of_kind("conditional") == [] and state.waits_of_kind("message") == []
    state.keep_only_root()
    assert state.keepers() == [] and list(state.instances) == [0]
