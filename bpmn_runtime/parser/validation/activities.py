"""Activities: each one has what it needs to run (a loop count or collection, a called process, a script)."""
from __future__ import annotations

from datetime import datetime, timezone

from bpmn_runtime.engine.timers import TimerError, check
from bpmn_runtime.errors import Problem
from bpmn_runtime.model import Element
from bpmn_runtime.parser.validation.catalogue import rule
from bpmn_runtime.parser.validation.shared import problem


@rule("EXT.067")
def multi_instance_problems(element: Element) -> list[Problem]:
    """EXT.067: a multi-instance activity of an executable process knows how many instances to start: it has a
    loop cardinality or a collection to iterate (loopDataInputRef, or the engine's collection attribute)."""
    loop = element.loop
    if loop is not None and loop.multi_instance and not (loop.cardinality or loop.collection):
        return [problem(element, "a multi-instance activity needs a loop cardinality or a collection")]
    return []


def timeout_problems(element: Element) -> list[Problem]:
    """A `timeout` task header is a duration the engine must be able to read."""
    timeout = dict(element.extensions.headers).get("timeout")
    if not timeout:
        return []
    try:
        check("duration", timeout, datetime.now(timezone.utc))
    except TimerError as error:
        return [problem(element, f"the timeout header: {error}")]
    return []


def called_element_problems(element: Element) -> list[Problem]:
    """A call activity must name what it calls."""
    if element.kind == "callActivity" and not element.called_element:
        return [problem(element, "the call activity does not name the process to call (calledElement)")]
    return []


def script_problems(element: Element) -> list[Problem]:
    """A script task (or a call of a global script task) must have a script to run (or, in Camunda 8, a FEEL
    expression or a job type for the workers that run it)."""
    if (element.called_task or element.kind) == "scriptTask" and not (element.script or "").strip() \
            and not element.extensions.script_expression and not element.extensions.topic:
        return [problem(element, "the script task has no script")]
    return []
