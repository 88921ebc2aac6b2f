"""SpiffWorkflow runs script tasks, pre- and post-scripts as Python statements; these corpus models use loops,
conditions, try/except, in-place changes, del and the clock, and run end to end here on the real runtime
(SQLite file) as SpiffWorkflow runs them."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bpmn_runtime.clock import VirtualClock
from bpmn_runtime.handlers import CATCH_ALL, HandlerRegistry, JobContext
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.worker import Worker
from tests.dmn.models import decision, model, table
from tests.spiff.models import START

CORPUS = Path(__file__).resolve().parents[1] / "data" / "real-world"


def test_the_post_script_appends_the_chosen_product_to_the_list_in_place(
        clocked: tuple[Runtime, VirtualClock], tmp_path: Path) -> None:
    """call_activity_multi: the pre-script clears the product's fields, the post-script of 'Continue Shopping?'
    runs products.append({...}), which changes the instance's list as SpiffWorkflow changes the task's data."""
    runtime, _ = clocked
    forms = []
    for name in ("select_product_and_quantity", "select_product_color", "select_product_size",
                 "select_product_style", "continue_shopping"):
        (tmp_path / f"{name}.json").write_text(json.dumps({"type": "object", "properties": {}}))
        forms.append(tmp_path / f"{name}.json")
    (tmp_path / "product_prices.dmn").write_bytes(model(decision("product_prices", table(
        ["product_name"], ["product_price"], [(['"product_a"'], ["15.0"]), (['"product_b"'], ["22.5"])]))))
    runtime.deploy([*forms, tmp_path / "product_prices.dmn",
                    CORPUS / "spiff-example-cli/bpmn__tutorial__call_activity_multi.bpmn"])
    instance = runtime.start("customize_product", {"products": [{"product_name": "product_b"}],
                                                   "product_style": "old"})
    assert runtime.queries.instance(instance).variables["product_style"] is None  # the pre-script ran
    task = runtime.queries.tasks(everyone=True)[0][0]
    runtime.complete_task(task.id, {"product_name": "product_a", "product_quantity": 2})
    task = runtime.queries.tasks(everyone=True)[0][0]
    assert task.element_id == "Activity_1mvycv2"
    runtime.complete_task(task.id, {"continue_shopping": False})
    detail = runtime.queries.instance(instance)
    assert detail.summary.status == "completed"
    assert detail.variables["products"] == [
        {"product_name": "product_b"},
        {"product_name": "product_a", "product_quantity": 2, "product_color": None, "product_size": None,
         "product_style": None, "product_price": 15.0}]


def test_a_script_reads_the_engines_clock_builds_an_f_string_and_deletes_a_name(
        clocked: tuple[Runtime, VirtualClock]) -> None:
    """A.4.0.4: timestamp = time.time(), an f-string, then `del time` (a name of the script environment)."""
    runtime, _ = clocked
    runtime.deploy((CORPUS / "spiff-sample-models/misc__test__a404__A.4.0.4.bpmn").read_bytes(), "A.4.0.4.bpmn")
    detail = runtime.queries.instance(runtime.start("Proccess_6ay3put", {}))
    assert detail.summary.status == "completed", detail.incidents
    assert detail.variables == {"timestamp": START.timestamp(),
                                "topic_one_a": f"topic_one_a_conversation_{START.timestamp()}"}


def test_a_timedelta_timer_of_a_spiff_test_model_waits_its_thirty_seconds(
        clocked: tuple[Runtime, VirtualClock]) -> None:
    """A.4.0.5: timedelta(seconds=30) in a file that carries no SpiffWorkflow extension."""
    runtime, clock = clocked
    runtime.deploy((CORPUS / "spiff-sample-models/misc__test__a405__A.4.0.5.bpmn").read_bytes(), "A.4.0.5.bpmn")
    instance = runtime.start("Proccess_c5uifm7", {})
    clock.advance(seconds=29)
    runtime.run_due_timers()
    assert runtime.queries.instance(instance).summary.status == "active"
    clock.advance(seconds=1)
    runtime.run_due_timers()
    assert runtime.queries.instance(instance).summary.status == "completed"


@pytest.mark.parametrize(("given", "where"), [
    ({}, [["subject", "=", "fruit"]]),
    ({"whichGrouping": "red"}, [["subject", "=", "fruit"], ["grouping", "=", "red"]])])
def test_try_except_defaults_a_missing_input_and_a_loop_builds_the_list(
        tmp_path: Path, given: dict[str, Any], where: list[list[str]]) -> None:
    """e2e-7: `try: whichGrouping / except NameError: whichGrouping = ""` picks the query; the last script
    loops over what the query found (none here: a handler's result is a map) and appends to a new list."""
    runtime = Runtime(f"sqlite:///{tmp_path / 'run.db'}")
    schemas: list[Any] = []

    def select(job: JobContext) -> dict[str, Any]:
        schemas.append(job.variables["schema"])
        return {}

    registry = HandlerRegistry()
    registry.register(CATCH_ALL, select)
    try:
        runtime.deploy((CORPUS / "spiff-sample-models/misc__test__e2e-7__testing-build-enum-list.bpmn").read_bytes(),
                       "enum.bpmn")
        instance = runtime.start("Testing_Build_Enum_List", {"whichSubject": "fruit", "addNew": True, **given})
        worker = Worker(runtime, registry)
        while worker.run_once():
            pass
        detail = runtime.queries.instance(instance)
        assert detail.summary.status == "completed", detail.incidents
        assert [schema["where"] for schema in schemas] == [where]
        assert detail.variables["whichGrouping"] == given.get("whichGrouping", "")
        assert detail.variables["enumerations_list"] == [{"label": "Add New", "value": "add"}]
    finally:
        runtime.close()


def test_a_script_that_never_ends_is_an_incident_not_a_hang(clocked: tuple[Runtime, VirtualClock]) -> None:
    runtime, _ = clocked
    runtime.deploy(b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s"/>
<bpmn:scriptTask id="spin" name="Spin" scriptFormat="python"><bpmn:script>n = 0
while True:
    try:
        n += 1
    except Exception:
        pass</bpmn:script></bpmn:scriptTask>
<bpmn:endEvent id="e"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="spin"/>
<bpmn:sequenceFlow id="f2" sourceRef="spin" targetRef="e"/></bpmn:process></bpmn:definitions>""", "spin.bpmn")
    detail = runtime.queries.instance(runtime.start("p", {}))
    assert [i.message for i in detail.incidents if "stopped after 1,000,000 loop rounds" in i.message] != []
    assert detail.variables == {}


def test_del_removes_the_variable_from_the_instance_as_spiff_removes_it_from_the_tasks_data(
        clocked: tuple[Runtime, VirtualClock]) -> None:
    runtime, _ = clocked
    runtime.deploy(b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s"/>
<bpmn:scriptTask id="tidy" name="Tidy" scriptFormat="python"><bpmn:script>total = sum(prices)
del(prices, note)</bpmn:script></bpmn:scriptTask><bpmn:userTask id="look" name="Look"/>
<bpmn:endEvent id="e"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="tidy"/>
<bpmn:sequenceFlow id="f2" sourceRef="tidy" targetRef="look"/><bpmn:sequenceFlow id="f3" sourceRef="look" targetRef="e"/>
</bpmn:process></bpmn:definitions>""", "tidy.bpmn")
    instance = runtime.start("p", {"prices": [1, 2], "note": "x", "kept": True})
    assert runtime.queries.instance(instance).variables == {"total": 3, "kept": True}
