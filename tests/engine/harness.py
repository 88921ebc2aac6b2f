"""Inline BPMN for element-family tests, run through the real Runtime on a SQLite file.

Script tasks record their id in `Engine.trace` when they run (and may set variables with sandboxed
assignments), timers run on a virtual clock, and `settle()` fires timers until nothing is due.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from bpmn_runtime.clock import VirtualClock
from bpmn_runtime.engine.step import ScriptCall
from bpmn_runtime.expressions import run_assignments
from bpmn_runtime.runtime import Runtime
from tests.conformance.betsy import run_timers

NO_OP = "run"  # the script of a task that only records that it ran
HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="tests" targetNamespace="http://example.com/tests">
"""


def script(element_id: str, extra: str = "", code: str = NO_OP) -> str:
    """A script task whose run the harness records; `extra` goes inside it (loop characteristics, ...),
    `code` is sandboxed assignments that set variables (`n = n + 1`)."""
    return f'<bpmn:scriptTask id="{element_id}">{extra}<bpmn:script>{code}</bpmn:script></bpmn:scriptTask>'


def flow(source: str, target: str, condition: str | None = None, flow_id: str | None = None) -> str:
    ident = flow_id or f"{source}__{target}"
    if condition is None:
        return f'<bpmn:sequenceFlow id="{ident}" sourceRef="{source}" targetRef="{target}"/>'
    return (f'<bpmn:sequenceFlow id="{ident}" sourceRef="{source}" targetRef="{target}">'
            f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{condition}</bpmn:conditionExpression>'
            f'</bpmn:sequenceFlow>')


def chain(*ids: str) -> str:
    """Sequence flows linking the elements in order."""
    return "".join(flow(a, b) for a, b in zip(ids, ids[1:]))


def subprocess(element_id: str, inner: str, *path: str, end: str = "") -> str:
    """An embedded subprocess holding `inner`, run from its start event along `path` to its end event,
    which has the event definition `end` (none by default)."""
    start, finish = f"{element_id}_start", f"{element_id}_end"
    return (f'<bpmn:subProcess id="{element_id}"><bpmn:startEvent id="{start}"/>{inner}'
            f'<bpmn:endEvent id="{finish}">{end}</bpmn:endEvent>{chain(start, *path, finish)}</bpmn:subProcess>')


def guarded(activity: str, activity_id: str, definition: str, interrupting: bool = True) -> str:
    """Process 'p': start -> `activity` -> script `after` -> end, and a boundary event `b` with `definition`
    on the activity leading to script `caught`."""
    return f"""<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="start"/>{activity}
      <bpmn:boundaryEvent id="b" attachedToRef="{activity_id}" cancelActivity="{str(interrupting).lower()}">
        {definition}</bpmn:boundaryEvent>
      {script("after")}{script("caught")}<bpmn:endEvent id="end"/><bpmn:endEvent id="end2"/>
      {chain("start", activity_id, "after", "end")}{chain("b", "caught", "end2")}
    </bpmn:process>"""


def timer(kind: str, value: str) -> str:
    return (f'<bpmn:timerEventDefinition><bpmn:time{kind} xsi:type="bpmn:tFormalExpression">{value}'
            f'</bpmn:time{kind}></bpmn:timerEventDefinition>')


class Engine:
    """One runtime on its own SQLite file, with a virtual clock and a recording script runner."""

    def __init__(self, url: str) -> None:
        self.clock = VirtualClock()
        self.trace: list[str] = []
        self.runtime = Runtime(url, clock=self.clock, script_runner=self.run_script)

    def run_script(self, call: ScriptCall) -> dict[str, Any]:
        self.trace.append(call.element_id)
        return {} if call.script.strip() == NO_OP else run_assignments(call.script, call.variables)

    def deploy(self, body: str, declarations: str = "") -> None:
        """Deploy processes given as XML (with any messages, signals, errors declared before them)."""
        self.runtime.deploy(f"{HEADER}{declarations}{body}</bpmn:definitions>".encode(), "test.bpmn")

    def start(self, key: str = "p", **variables: Any) -> int:
        return self.runtime.start(key, variables)

    def run_to_end(self, key: str = "p", **variables: Any) -> list[str]:
        """Start an instance, fire its timers, check that it completed, and return the trace."""
        instance = self.start(key, **variables)
        self.settle()
        assert self.status(instance) == "completed", self.runtime.queries.instance(instance).tokens
        return self.trace

    def settle(self, seconds: float = 3600) -> None:
        """Fire due timers, moving the clock to each next one, for at most `seconds` of virtual time."""
        run_timers(self.runtime, self.clock, timedelta(seconds=seconds))

    def status(self, instance: int) -> str:
        return self.runtime.queries.instance(instance).summary.status

    def waiting_at(self, instance: int) -> list[str]:
        return sorted(token.element_id for token in self.runtime.queries.instance(instance).tokens)

    def variables(self, instance: int) -> dict[str, Any]:
        return self.runtime.queries.instance(instance).variables
