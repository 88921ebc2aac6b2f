"""A handler registered for "*" takes the jobs of every topic without a handler of its own; a topic's own
handler wins. Loading handler files registers into the loading thread's own collector, so two threads loading
at once each keep exactly what their files declare."""
from __future__ import annotations

import json
import subprocess
import threading
from pathlib import Path

from bpmn_runtime.handlers import HandlerRegistry
from tests.camunda import loading_barrier
from tests.conftest import cli_path

MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://example.com/catch-all">
  <bpmn:process id="shop" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:serviceTask id="charge" name="Charge" camunda:type="external" camunda:topic="charge-card"/>
    <bpmn:serviceTask id="ship" name="Ship" camunda:type="external" camunda:topic="ship-parcel"/>
    <bpmn:serviceTask id="notify" name="Notify" camunda:type="external" camunda:topic="send-mail"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="charge"/>
    <bpmn:sequenceFlow id="f2" sourceRef="charge" targetRef="ship"/>
    <bpmn:sequenceFlow id="f3" sourceRef="ship" targetRef="notify"/>
    <bpmn:sequenceFlow id="f4" sourceRef="notify" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""

HANDLERS = """from bpmn_runtime.handlers import handler


@handler("*")
def anything(job):
    return {job.activity_id + "_by": "catch-all:" + job.topic}


@handler("charge-card")
def charge(job):
    return {"charge_by": "charge-card handler"}
"""


def cli(tmp_path: Path, *args: str) -> str:
    result = subprocess.run([cli_path(), "--db", str(tmp_path / "shop.db"), *args], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{args}: exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_the_worker_command_runs_every_topic_with_a_catch_all_handler_and_a_topics_own_handler_wins(
        tmp_path: Path) -> None:
    (tmp_path / "shop.bpmn").write_text(MODEL)
    (tmp_path / "shop_handlers.py").write_text(HANDLERS)
    cli(tmp_path, "deploy", "shop.bpmn")
    instance = json.loads(cli(tmp_path, "start", "shop", "--json"))["id"]
    done = json.loads(cli(tmp_path, "worker", "--handlers", "shop_handlers.py", "--until-idle", "--json"))
    assert done["topics"] == ["*", "charge-card"]
    shown = json.loads(cli(tmp_path, "instance", str(instance), "--json"))
    assert shown["summary"]["status"] == "completed"
    assert shown["variables"] == {"charge_by": "charge-card handler", "ship_by": "catch-all:ship-parcel",
                                  "notify_by": "catch-all:send-mail"}


def test_without_a_catch_all_a_registry_has_no_handler_for_other_topics() -> None:
    registry = HandlerRegistry()
    registry.register("charge-card", lambda job: None)
    assert registry.get("ship-parcel") is None
    assert registry.topics_to_fetch == ["charge-card"]
    registry.register("*", lambda job: {"any": True})
    assert registry.get("ship-parcel") is registry.get("*")
    assert registry.get("charge-card") is not registry.get("*")
    assert registry.topics_to_fetch is None


def handler_file(folder: Path, first: str, second: str) -> Path:
    """A handler file that registers `first`, waits until the other thread's file has registered its first
    topic too, then registers `second`."""
    path = folder / f"{first}.py"
    path.write_text(f"""from bpmn_runtime.handlers import handler
from tests.camunda import loading_barrier


@handler("{first}")
def one(job):
    return None


loading_barrier.BARRIER.wait(timeout=10)


@handler("{second}")
def two(job):
    return None
""")
    return path


def test_two_threads_loading_handler_files_at_once_each_keep_their_own(tmp_path: Path) -> None:
    loading_barrier.BARRIER = threading.Barrier(2)
    files = [handler_file(tmp_path, "a-first", "a-second"), handler_file(tmp_path, "b-first", "b-second")]
    registries = [HandlerRegistry(), HandlerRegistry()]
    failures: list[BaseException] = []

    def load(registry: HandlerRegistry, path: Path) -> None:
        try:
            registry.load(path)
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            failures.append(error)

    threads = [threading.Thread(target=load, args=pair) for pair in zip(registries, files)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert failures == []
    assert [registry.topics for registry in registries] == [["a-first", "a-second"], ["b-first", "b-second"]]
