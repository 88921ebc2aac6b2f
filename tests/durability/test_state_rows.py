"""A large instance's state as rows of its own (`state_rows`, see `engine.state_format.store`): a step writes the
rows of what it changed, and every reader (another engine process, the queries behind the console) sees the state
those rows and the document make together."""
from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from bpmn_runtime.engine import state_format
from bpmn_runtime.runtime import Runtime, stored_state
from bpmn_runtime.runtime.rotation import rotate
from bpmn_runtime.store.encryption import Encryption, EncryptionError, new_key, parse_key
from tests.durability.test_state_cache import REVIEW, open_tasks


def stored_rows(runtime: Runtime, instance_id: int) -> tuple[int, int]:
    """How many rows the instance's state has, and the highest row id so far (rows written since raise it)."""
    with runtime.database.engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM state_rows WHERE instance_id = :id"),
                                   {"id": instance_id}).scalar_one()
        highest = connection.execute(text("SELECT coalesce(max(id), 0) FROM state_rows")).scalar_one()
    return count, highest


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_step_inside_a_large_multi_instance_writes_the_rows_it_changed(database: str,
                                                                         request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue(f"{database}_url")
    first, second = Runtime(url), Runtime(url)
    first.deploy(REVIEW)
    size = state_format.ROWS_FROM + 20
    instance_id = first.start("multi-instance-review", {"items": [f"item-{i}" for i in range(size)]})
    with first.database.engine.connect() as connection:
        document = json.loads(connection.execute(text("SELECT state FROM instances WHERE id = :id"),
                                                 {"id": instance_id}).scalar_one())
    assert document["rows"] is True and "activity_instances" not in document
    count, highest = stored_rows(first, instance_id)
    # the process, the body, an inner instance and a task's wait per item; the collection as the process's variable
    # and as the body's, each in a row of its own
    assert count == 2 * size + 4
    tasks = open_tasks(first, instance_id)
    first.complete_task(tasks[0], {"seen_0": 0})
    count, after = stored_rows(first, instance_id)
    assert count == 2 * size + 2 and after - highest <= 2  # the process's and the body's rows written again
    second.complete_task(tasks[1], {"seen_1": 1})  # another engine process: reads the rows
    first.complete_task(tasks[2], {"seen_2": 2})  # its own state is older than the row: reads the rows again
    detail = second.queries.instance(instance_id)
    assert len(detail.tokens) == size - 3 and {"seen_0", "seen_1", "seen_2"} <= set(detail.variables)
    for turn, task_id in enumerate(tasks[3:], start=3):
        (first if turn % 3 else second).complete_task(task_id, {f"seen_{turn}": turn})
    detail = first.queries.instance(instance_id)
    assert detail.summary.status == "completed"
    assert {name for name in detail.variables if name.startswith("seen_")} == {f"seen_{n}" for n in range(size)}
    assert stored_rows(first, instance_id)[0] == 2  # an ended instance keeps the process's activity instance
    first.close()
    second.close()


def test_a_document_is_never_read_with_rows_a_later_save_wrote(sqlite_url: str) -> None:
    runtime = Runtime(sqlite_url)
    runtime.deploy(REVIEW)
    instance_id = runtime.start("multi-instance-review", {"items": list(range(state_format.ROWS_FROM))})
    with runtime.database.engine.connect() as connection:
        version, document = connection.execute(text("SELECT version, state FROM instances WHERE id = :id"),
                                               {"id": instance_id}).one()
    runtime.complete_task(open_tasks(runtime, instance_id)[0], {"ok": True})
    with runtime.database.engine.connect() as connection:
        sealing = runtime.database.encryption
        with pytest.raises(stored_state.StateMoved, match="was saved while it was read"):
            stored_state.opened(connection, sealing, instance_id, version, document)
        state = stored_state.opened(connection, sealing, instance_id, version + 1, document)[1]
    assert len(state.waits) == state_format.ROWS_FROM - 1
    runtime.close()


def test_a_large_document_of_the_previous_format_becomes_rows_at_its_next_save(
        sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    runtime = Runtime(sqlite_url)
    runtime.deploy(REVIEW)
    size = state_format.ROWS_FROM + 20
    with monkeypatch.context() as before:  # as the previous release stored it: one document, format 2
        before.setattr(state_format, "ROWS_FROM", 10 * size)
        instance_id = runtime.start("multi-instance-review", {"items": [f"item-{i}" for i in range(size)]})
    with runtime.database.engine.begin() as connection:
        document = json.loads(connection.execute(text("SELECT state FROM instances WHERE id = :id"),
                                                 {"id": instance_id}).scalar_one())
        assert len(document["waits"]) == size
        connection.execute(text("UPDATE instances SET state = :state, version = version + 1 WHERE id = :id"),
                           {"state": json.dumps({**document, "format": 2}), "id": instance_id})
    assert stored_rows(runtime, instance_id)[0] == 0
    tasks = open_tasks(runtime, instance_id)
    runtime.complete_task(tasks[0], {"ok": True})
    assert stored_rows(runtime, instance_id)[0] == 2 * size + 2
    detail = Runtime(sqlite_url).queries.instance(instance_id)  # read by another process: from the rows
    assert len(detail.tokens) == size - 1 and detail.variables["ok"] is True
    runtime.close()


COLLECT = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://example.com/collect">
  <bpmn:process id="collect" isExecutable="true">
    <bpmn:dataObject id="verdicts"/>
    <bpmn:startEvent id="s"/>
    <bpmn:userTask id="review" name="Review" camunda:candidateGroups="clerks">
      <bpmn:multiInstanceLoopCharacteristics camunda:collection="items" camunda:elementVariable="item">
        <bpmn:loopDataOutputRef>verdicts</bpmn:loopDataOutputRef>
        <bpmn:outputDataItem id="verdict"/>
      </bpmn:multiInstanceLoopCharacteristics>
    </bpmn:userTask>
    <bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="review"/>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>"""


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_each_result_of_a_large_multi_instance_is_written_once_and_the_output_collection_has_them_all(
        database: str, request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue(f"{database}_url")
    first, second = Runtime(url), Runtime(url)
    first.deploy(COLLECT, "collect.bpmn")
    size = state_format.ROWS_FROM + 20
    instance_id = first.start("collect", {"items": [f"item-{i}" for i in range(size)]})
    tasks, _ = first.queries.tasks(everyone=True, process="collect", limit=1_000)
    by_item = {f"item-{i}": task_id for i, task_id in enumerate(sorted(task.id for task in tasks))}  # made in order
    order = [f"item-{i}" for i in reversed(range(size))]  # completed last to first
    highest = stored_rows(first, instance_id)[1]
    first.complete_task(by_item[order[0]], {"verdict": f"{order[0]}: ok"})
    assert stored_rows(first, instance_id)[1] - highest <= 3  # the process's, the body's and the one result's rows
    for turn, item in enumerate(order[1:], start=1):
        (first if turn % 3 else second).complete_task(by_item[item], {"verdict": f"{item}: ok"})
        if turn == size // 2:  # the results so far are rows of their own, not in the body's row
            with first.database.engine.connect() as connection:
                rows = dict(connection.execute(text(
                    "SELECT kind, max(length(data)) FROM state_rows WHERE instance_id = :id GROUP BY kind"),
                    {"id": instance_id}).all())
                results = connection.execute(text("SELECT count(*) FROM state_rows WHERE instance_id = :id AND "
                                                  "kind = 'result'"), {"id": instance_id}).scalar_one()
            assert results == turn + 1 and rows["activity_instance"] < state_format.APART_FROM
    detail = second.queries.instance(instance_id)
    assert detail.summary.status == "completed"
    assert detail.variables["verdicts"] == [f"item-{i}: ok" for i in range(size)]
    first.close()
    second.close()


def test_each_row_of_a_value_or_a_result_is_sealed_for_its_own_place_and_again_by_rotate_key(tmp_path: Path) -> None:
    old, new = parse_key(new_key()), parse_key(new_key())
    url = f"sqlite:///{tmp_path / 'engine.db'}"
    runtime = Runtime(url, encryption=Encryption(old))
    runtime.deploy(COLLECT, "collect.bpmn")
    secret = f"secret-{uuid.uuid4().hex}"
    instance_id = runtime.start("collect", {"items": [f"{secret}-{i}" for i in range(state_format.ROWS_FROM + 20)]})
    tasks, _ = runtime.queries.tasks(everyone=True, process="collect", limit=1_000)
    for task_id in sorted(task.id for task in tasks)[:2]:
        runtime.complete_task(task_id, {"verdict": f"{secret}: ok"})
    runtime.close()
    runtime = Runtime(url, encryption=Encryption(new, (old,)))
    left = state_format.ROWS_FROM + 20 - 2  # inner instances and tasks
    assert rotate(runtime).resealed["state_rows"] == (2 + left) + left + 2 + 2  # + the values, + the results
    runtime.close()
    sealing = Encryption(new)  # the old key is no longer needed
    assert Runtime(url, encryption=sealing).queries.instance(instance_id).variables["verdict"] == f"{secret}: ok"
    with runtime.database.engine.begin() as connection:
        rows = {(kind, key): data for kind, key, data in connection.execute(text(
            "SELECT kind, key, data FROM state_rows WHERE instance_id = :id"), {"id": instance_id})}
        assert {kind for kind, _ in rows} == {"activity_instance", "wait", "value", "result"}
        assert all(data.startswith("enc:v1:") and secret not in data for data in rows.values())
        value, result = (min(key for kind, key in rows if kind == wanted) for wanted in ("value", "result"))
        connection.execute(text("UPDATE state_rows SET data = :data WHERE instance_id = :id AND kind = 'value' AND "
                                "key = :key"), {"data": rows[("result", result)], "id": instance_id, "key": value})
    with pytest.raises(EncryptionError):
        Runtime(url, encryption=sealing).queries.instance(instance_id)


def test_a_state_stored_as_rows_in_the_previous_format_keeps_its_large_values_apart_from_its_next_save(
        sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    runtime = Runtime(sqlite_url)
    runtime.deploy(REVIEW)
    items = [f"item-{i}" for i in range(state_format.ROWS_FROM + 20)]
    with monkeypatch.context() as before:  # as the previous release stored it: format 3, values in their rows
        before.setattr(state_format, "APART_FROM", 10 * len(json.dumps(items)))
        instance_id = runtime.start("multi-instance-review", {"items": items})
    with runtime.database.engine.begin() as connection:
        document = json.loads(connection.execute(text("SELECT state FROM instances WHERE id = :id"),
                                                 {"id": instance_id}).scalar_one())
        connection.execute(text("UPDATE instances SET state = :state, version = version + 1 WHERE id = :id"),
                           {"state": json.dumps({**document, "format": 3}), "id": instance_id})

    def value_rows() -> int:
        with runtime.database.engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM state_rows WHERE instance_id = :id AND "
                                               "kind = 'value'"), {"id": instance_id}).scalar_one())
    assert value_rows() == 0
    runtime.complete_task(open_tasks(runtime, instance_id)[0], {"ok": True})
    assert value_rows() == 2  # the process's collection and the body's
    detail = Runtime(sqlite_url).queries.instance(instance_id)  # read by another process: from the rows
    assert len(detail.tokens) == len(items) - 1 and detail.variables["items"] == items
    runtime.close()
