"""Graph facts are computed once per process, by one thread, and live exactly as long as the process."""
from __future__ import annotations

import gc
import threading
import weakref
from datetime import datetime, timezone

from bpmn_runtime.engine.analysis import facts
from bpmn_runtime.engine.state import InstanceState
from bpmn_runtime.engine.step import Step
from bpmn_runtime.model import Process
from bpmn_runtime.parser import parse
from tests.engine.harness import HEADER, chain, flow, script

JOIN = f"""<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="start"/>
  <bpmn:inclusiveGateway id="split"/>{script("a", code="a = 1")}{script("b", code="b = 1")}<bpmn:inclusiveGateway id="join"/>
  <bpmn:endEvent id="end"/>{chain("start", "split")}{flow("split", "a", "x > 0")}{flow("split", "b", "x > 1")}
  {chain("a", "join")}{chain("b", "join", "end")}</bpmn:process>"""


def _process() -> Process:
    return parse(f"{HEADER}{JOIN}</bpmn:definitions>".encode(), "join.bpmn").processes["p"]


def test_the_facts_of_a_process_are_built_once_even_when_threads_ask_together() -> None:
    process = _process()
    builds: list[int] = []
    barrier = threading.Barrier(8)

    def build(p: Process) -> int:
        builds.append(1)
        return len(p.elements)

    def ask() -> None:
        barrier.wait()
        process.derived(build)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert builds == [1]
    assert facts(process) is facts(process)
    assert facts(process).upstream["join"] == frozenset({"start", "split", "a", "b"})


def test_a_process_the_engine_ran_is_freed_with_its_facts_when_nobody_holds_it() -> None:
    process = _process()
    Step(process, InstanceState(process.id), datetime.now(timezone.utc)).start({"x": 2})
    gone = weakref.ref(process)
    del process
    gc.collect()
    assert gone() is None
