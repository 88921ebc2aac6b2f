"""The stored form of the state: named fields under a format number; every record survives a save and a
load; each behaviour-private key of format 1 becomes its typed field; a newer format is refused."""
from __future__ import annotations

import gc
import json
import threading
from typing import Any

import pytest

from bpmn_runtime.engine import state_format
from bpmn_runtime.engine.limits import Limits
from bpmn_runtime.runtime import variables
from bpmn_runtime.engine.state import (
    ActivityInstance, Arrive, Broadcast, CallWait, CheckCondition, CompensationRecord, CompensationRun,
    CompleteScope, ConditionalWait, ContinuationWait, IncidentRecord, InstanceState, JobWait, Join, MessageWait,
    MultiInstanceBody, Run, SignalWait, StartProcess, Throw, TimerWait, Trigger, UserTaskWait,
)


def _everything() -> InstanceState:
    record = CompensationRecord(5, "book", 0, "cancel", {"city": "Oslo"}, 6)
    user_task = UserTaskWait(20, 3, "approve", "Approve", "mia", ["ann"], ["managers"], "2026-02-01", 70)
    return InstanceState("p", seq=30, instances={ai.id: ai for ai in [
        ActivityInstance(0, "p", None, {"n": 1}, compensable=True),
        ActivityInstance(3, "approve", 0, None, loop_counter=2, outputs_mapped=True, waited_after=True),
        ActivityInstance(4, "join", 0, join=Join({"f1": 2, "": 1}, waiting=True, fired=True, consumed=["f2"]),
                         entries_started=2),
        ActivityInstance(6, "each", 0, {"nrOfInstances": 2}, body=MultiInstanceBody(["a", "b"], 2, {1: "x"})),
        ActivityInstance(9, "each", 6, {"loopCounter": 1, "total": 3}, held=["total"]),
        ActivityInstance(7, "undo", 0, body=CompensationRun([record], record)),
        ActivityInstance(8, "next", 0, parked=True, incident=IncidentRecord([
            Arrive("next", 0, "f9", 8), Run(3, "leave"), StartProcess("s"), CompleteScope(0),
            Trigger(user_task, {"ok": True}), CheckCondition(24, 0), Broadcast("go", 3),
            Throw(3, "error", "E1", {"why": "late"})])),
    ]}, waits={w.key: w for w in [
        user_task, JobWait(21, 3, "approve", "charge", 5, {"timeout": "PT5M"}, 300.0),
        ContinuationWait(22, 3, "approve", after=True),
        TimerWait(23, 3, "late", "cycle", "2026-01-01T01:00:00+00:00", "R3/PT1H", 2),
        ConditionalWait(24, 0, "watch", "${n > 2}", was_true=True), MessageWait(25, 0, "m", "order", "A-1"),
        SignalWait(26, 0, "sig", "go"), CallWait(27, 3, "call", "child", {"n": 1}),
    ]}, compensations=[record], end_reason=None, error_code=None)


def test_every_record_survives_a_save_and_a_load() -> None:
    state = _everything()
    text = state_format.dumps(state)
    again = state_format.loads(text)
    assert state_format.dumps(again) == text
    assert again.instances == state.instances and again.waits == state.waits
    assert [c.id for c in again.children(0)] == [3, 4, 6, 7, 8]
    assert again.instances[9].held == ["total"] and again.instances[4].entries_started == 2


def test_the_stored_form_has_a_format_and_named_fields() -> None:
    document = state_format.dump(_everything())
    assert document["format"] == state_format.FORMAT == 4
    body = next(row for row in document["activity_instances"] if row["id"] == 6)
    assert body == {"id": 6, "element": "each", "parent": 0, "variables": {"nrOfInstances": 2},
                    "multi_instance": {"items": ["a", "b"], "started": 2, "results": [[1, "x"]]}}
    assert document["waits"][0] == {
        "kind": "user_task", "key": 20, "ai": 3, "element": "approve", "name": "Approve", "assignee": "mia",
        "candidate_users": ["ann"], "candidate_groups": ["managers"], "due_date": "2026-02-01", "priority": 70}
    assert document["waits"][1:3] == [
        {"kind": "job", "key": 21, "ai": 3, "element": "approve", "topic": "charge", "retries": 5,
         "headers": {"timeout": "PT5M"}, "timeout": 300.0},
        {"kind": "continuation", "key": 22, "ai": 3, "element": "approve", "after": True}], \
        "fields at their default are left out"
    assert state_format.load(document).waits == _everything().waits, "and a reader fills them in"


def _v1(instances: list[list[Any]], waits: list[list[Any]] | None = None) -> dict[str, Any]:
    return {"process": "p", "status": "active", "seq": 40, "instances": instances, "waits": waits or [],
            "compensations": [], "end_reason": None, "error_code": None}


def test_each_private_key_of_format_1_becomes_a_typed_field() -> None:
    state = state_format.load(_v1([
        [0, "p", None, {}, {"compensable": True}],
        [3, "g", 0, None, {"arrived": {"f1": 1}, "waiting_join": True}],
        [4, "c", 0, None, {"arrived": {}, "fired": True}],
        [5, "mi", 0, {"nrOfInstances": 2}, {"mi_body": True, "items": [7, 8], "next": 2, "results": {"1": "r"}}],
        [6, "mi", 5, {"loopCounter": 2}, {"mi_inner": True}],
        [9, "loop", 0, None, {"loopCounter": 3, "outputs_done": True, "async_after_done": True}],
        [10, "job", 0, None, {"incident": "leave", "job_error": True}],
    ]))
    ai = state.instances
    assert ai[0].compensable and ai[3].join == Join({"f1": 1}, waiting=True)
    assert ai[4].join == Join({}, fired=True)
    assert ai[5].body == MultiInstanceBody([7, 8], 2, {1: "r"}) and ai[6].body is None and ai[6].parent == 5
    assert (ai[9].loop_counter, ai[9].outputs_mapped, ai[9].waited_after) == (3, True, True)
    assert ai[10].incident == IncidentRecord([Run(10, "leave")])


def test_a_compensation_run_of_format_1_moves_under_its_owner() -> None:
    state = state_format.load(_v1([
        [0, "p", None, {}, {"compensable": True}],
        [14, "undo", 0, None, {"waiting_for_compensation": True, "compensation": {
            "scope": 0, "then": "complete", "queue": [[5, "hotel", 3, "cancel_hotel", {}, 6]]}}],
        [15, "cancel_flight", 0, {"seat": "1A"}, {"compensation_of": 14, "compensates": [7, "flight", "cancel_flight"]}],
    ]))
    run = state.instances[41]
    assert (run.element, run.parent, state.seq) == ("undo", 14, 41)
    assert run.body == CompensationRun([CompensationRecord(5, "hotel", 3, "cancel_hotel", {}, 6)],
                                       CompensationRecord(7, "flight", 0, "cancel_flight", {"seat": "1A"}, 0))
    assert state.instances[15].parent == 41 and [c.id for c in state.children(14)] == [41]


def test_a_state_from_a_newer_release_is_refused() -> None:
    with pytest.raises(state_format.UnreadableState, match="format 5; this release reads formats 1 to 4"):
        state_format.load({"format": 5})


def test_limits_come_from_the_environment_when_not_given() -> None:
    limits = Limits.from_environment({"BPMN_RUNTIME_MAX_STEPS": "5_000", "BPMN_RUNTIME_MAX_WAITS": " 20 "})
    assert limits == Limits(max_steps=5_000, max_waits=20)
    assert Limits.from_environment({}) == Limits()
    with pytest.raises(ValueError, match="BPMN_RUNTIME_MAX_STEPS='many' is not a whole number"):
        Limits.from_environment({"BPMN_RUNTIME_MAX_STEPS": "many"})
    with pytest.raises(ValueError, match="max_activity_instances must be a whole number of at least 1"):
        Limits(max_activity_instances=0)


def test_reading_and_writing_leave_the_cycle_collector_as_they_found_it_whatever_the_threads() -> None:
    """The collector waits while a state is read or written (see `state_format._CycleCollectionPause`); after
    many threads did so at once it is on again, and a program that turned it off finds it off."""
    text = state_format.dumps(_everything())

    def read_and_write() -> None:
        for _ in range(200):
            state_format.dumps(state_format.loads(text))

    threads = [threading.Thread(target=read_and_write) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert gc.isenabled()
    gc.disable()
    try:
        assert state_format.dumps(state_format.loads(text)) == text
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_large_state_is_stored_as_rows_and_each_save_writes_those_that_may_have_changed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(state_format, "ROWS_FROM", 10)  # _everything has 7 activity instances and 8 waits
    state = _everything()
    first = state_format.store(state)
    assert first.rewrite is True and first.gone == []
    assert sorted((kind, key) for kind, key, _ in first.rows) == sorted(
        [("activity_instance", ai) for ai in state.instances] + [("wait", key) for key in state.waits]
        + [("result", 1)])  # what inner instance 1 gave the body
    document = json.loads(first.document)
    assert document["rows"] is True and "activity_instances" not in document and "waits" not in document
    rows = {(kind, key): data for kind, key, data in first.rows}

    def stored_rows() -> list[tuple[str, int, str]]:
        return [(kind, key, data) for (kind, key), data in sorted(rows.items())]
    again = state_format.loads(first.document, stored_rows)
    assert again.instances == state.instances and again.waits == state.waits
    assert [c.id for c in again.children(0)] == [3, 4, 6, 7, 8] and again.keepers() == state.keepers()

    again = state_format.loads(first.document, stored_rows)  # as loaded: nothing handed out yet
    again.instances[9].variables["total"] = 4  # type: ignore[index]
    again.remove_wait(26)
    second = state_format.store(again)
    assert second.rewrite is False and second.gone == [("wait", 26)]
    assert [(kind, key) for kind, key, _ in second.rows] == [("activity_instance", 9)]
    rows.update({(kind, key): data for kind, key, data in second.rows})
    del rows[("wait", 26)]
    assert state_format.store(again).rows == []  # nothing handed out since the last save
    assert state_format.dumps(state_format.loads(second.document, stored_rows)) == state_format.dumps(again)
    assert state_format.store(again).rewrite is True  # dumps handed out every activity instance and wait


def test_a_small_state_stays_one_document() -> None:
    stored = state_format.store(_everything())
    assert stored.rewrite is None and stored.rows == []
    assert state_format.dumps(state_format.loads(stored.document)) == stored.document


def test_a_large_value_of_a_state_stored_as_rows_is_a_row_of_its_own_written_again_only_when_replaced(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(state_format, "ROWS_FROM", 10)
    monkeypatch.setattr(state_format, "APART_FROM", 50)
    state = _everything()
    big = [f"item-{i}" for i in range(20)]
    state.instances[0].variables["big"] = big  # type: ignore[index]
    body = state.instances[6].body
    assert isinstance(body, MultiInstanceBody)
    body.items = list(big)
    rows: dict[tuple[str, int], str] = {}

    def saved(stored: state_format.Stored) -> list[tuple[str, int]]:
        """Apply `stored` to `rows` as `stored_state.write_rows` does; the rows it wrote."""
        if stored.rewrite:
            rows.clear()
        for kind, key in stored.gone:
            rows.pop((kind, key), None)
        rows.update({(kind, key): data for kind, key, data in stored.rows})
        return sorted((kind, key) for kind, key, _ in stored.rows)

    def loaded(document: str) -> InstanceState:
        return state_format.loads(document, lambda: [(kind, key, data) for (kind, key), data in sorted(rows.items())])
    first = state_format.store(state)
    written = saved(first)
    values = {key: json.loads(data) for (kind, key), data in rows.items() if kind == "value"}
    assert list(values.values()) == [big, big]
    assert len(written) == 7 + 8 + 2 + 1  # activity instances, waits, values, what inner instance 1 gave the body
    assert all("item-" not in data for (kind, _), data in rows.items() if kind != "value")
    first_body = rows[("activity_instance", 6)]
    again = loaded(first.document)
    assert again.instances == state.instances
    again.instances[0].variables["n"] = 2  # type: ignore[index]
    assert saved(state_format.store(again)) == [("activity_instance", 0)]  # not the collection's row
    root_row = json.loads(rows[("activity_instance", 0)])
    assert root_row["variables"] == {"n": 2} and set(root_row["variable_rows"]) == {"big"}
    key = root_row["variable_rows"]["big"]
    again.instances[0].variables["big"] = [*big, "one more"]  # type: ignore[index]
    assert saved(state_format.store(again)) == [("activity_instance", 0), ("value", key)]
    assert loaded(first.document).instances[0].variables == {"n": 2, "big": [*big, "one more"]}
    again.instances[0].variables["big"] = ["small"]  # type: ignore[index]
    again.remove(9)
    again.remove(6)  # the body: its collection's row goes with it
    stored = state_format.store(again)
    assert saved(stored) == [("activity_instance", 0)]
    assert sorted(stored.gone) == [("activity_instance", 6), ("activity_instance", 9), *sorted(
        [("result", 2), ("value", key), ("value", json.loads(first_body)["multi_instance"]["items_row"])])]
    assert [kind for kind, _ in rows if kind in ("value", "result")] == []
    final = loaded(stored.document)
    assert final.instances == again.instances and final.instances[0].variables == {"n": 2, "big": ["small"]}


def test_the_variable_budget_measures_a_value_kept_apart_as_part_of_its_scope(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(state_format, "ROWS_FROM", 10)
    monkeypatch.setattr(state_format, "APART_FROM", 50)
    state = _everything()
    state.instances[0].variables.update(big=[f"ü-{i}" for i in range(20)], more={"a": "x" * 60})  # type: ignore[union-attr]
    document = state_format.dumps(state)
    stored = state_format.store(state)
    again = state_format.loads(stored.document, lambda: sorted(stored.rows))
    assert set(again.apart[0]) == {"big", "more"}
    whole = variables.variables_size(state_format.loads(document))
    assert variables.variables_size(again) == whole
    again.instances[0].variables["n"] = 10  # type: ignore[index]
    assert variables.variables_size(again) == whole + 1
    again.instances[0].variables.pop("more")  # type: ignore[union-attr]
    assert variables.variables_size(again) == variables.variables_size(state_format.loads(state_format.dumps(again)))
