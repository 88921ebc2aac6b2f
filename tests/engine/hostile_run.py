"""Run one hostile model in a process of its own and report, as JSON, what happened and what it cost.

    python -m tests.engine.hostile_run MODEL.bpmn PROCESS_ID DATABASE_URL

The instance of the hostile model starts with n=1; then, on the same database, an ordinary instance (a
user task) is started and completed. Peak RSS is this process's own, so nothing another test did counts.
"""
from __future__ import annotations

import json
import resource
import sys
import time

from bpmn_runtime.clock import VirtualClock
from bpmn_runtime.runtime import Runtime

ORDINARY = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="ordinary_definitions"
    targetNamespace="http://example.com/ordinary">
  <bpmn:process id="ordinary" isExecutable="true">
    <bpmn:startEvent id="start"/><bpmn:userTask id="approve" name="Approve"/><bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="approve"/>
    <bpmn:sequenceFlow id="f2" sourceRef="approve" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main(model: str, process_id: str, url: str) -> None:
    runtime = Runtime(url, clock=VirtualClock())
    runtime.deploy(model)
    runtime.deploy(ORDINARY, "ordinary.bpmn")
    before = _peak_rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    hostile = runtime.start(process_id, {"n": 1})
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    grown = _peak_rss_mb() - before
    detail = runtime.queries.instance(hostile)
    ordinary = runtime.start("ordinary")
    runtime.complete_task(runtime.queries.instance(ordinary).tasks[0].id, {"approved": True})
    print(json.dumps({
        "seconds": seconds, "cpu_seconds": cpu_seconds, "rss_growth_mb": grown, "status": detail.summary.status,
        "incidents": [[i.element_id, i.message] for i in detail.incidents],
        "activity_instances_waiting": len(detail.tokens),
        "ordinary": runtime.queries.instance(ordinary).summary.status,
    }))
    runtime.close()


if __name__ == "__main__":
    main(*sys.argv[1:4])
