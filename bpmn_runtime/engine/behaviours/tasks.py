"""Tasks: plain, manual, script, user, service/send/business-rule (jobs for handlers) and receive tasks."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bpmn_runtime import juel
from bpmn_runtime.engine.behaviours.base import ActivityBehaviour
from bpmn_runtime.engine.behaviours.events import subscribe
from bpmn_runtime.engine.state import ActivityInstance
from bpmn_runtime.engine.timers import duration_seconds
from bpmn_runtime.engine.step import Incident, ScriptCall
from bpmn_runtime.expressions import SANDBOX_SCRIPT_FORMATS, run_assignments
from bpmn_runtime.model import Element

if TYPE_CHECKING:
    from bpmn_runtime.engine.step import Step



class Task(ActivityBehaviour):
    """An abstract or manual task: nothing to do, so it completes at once."""


class ScriptTask(ActivityBehaviour):
    """Runs its script through the embedding program's runner, else through the expression sandbox."""

    def activate(self, step: "Step", ai: ActivityInstance) -> None:
        element = step.element(ai.element)
        script = element.script or ""
        if step.script_runner is not None:
            results = step.script_runner(ScriptCall(step.instance_id, step.business_key, element.id, script,
                                                    element.script_format, step.variables(ai)))
        elif element.script_format in SANDBOX_SCRIPT_FORMATS:
            results = run_assignments(script, step.variables(ai))
        else:
            raise Incident(f"script format '{element.script_format}' of {element.label} has no runner; "
                           f"write the script as Python assignments or give the runtime a script runner")
        values: dict[str, Any] = dict(results or {})
        if element.extensions.result_variable and "result" in values:
            values = {element.extensions.result_variable: values.pop("result"), **values}
        self.set_results(step, ai, values)
        step.complete(ai)


def _value(step: "Step", ai: ActivityInstance, value: str | None) -> Any:
    """An attribute that may be FEEL (`=...`), text embedding JUEL (`${...}`, `kermit_${loopCounter}`) or text."""
    if not value:
        return None
    if value.startswith("="):
        return step.evaluate(ai, value)
    return step.render(ai, value)


def _as_text(attribute: str, result: Any) -> str | None:
    """An attribute's value as text: true, 3 and 1.5 as Java writes them."""
    if result is None or isinstance(result, str):
        return result
    try:
        return juel.coerce_to_string(result)
    except TypeError as error:
        raise Incident(f"'{attribute}' gives a value that is not text: {error}") from None


def _text(step: "Step", ai: ActivityInstance, value: str | None) -> str | None:
    return _as_text(value, _value(step, ai, value)) if value else None


def _names(step: "Step", ai: ActivityInstance, values: tuple[str, ...]) -> list[str]:
    """Candidate users or groups: each value is a name, a comma-separated list, or an expression giving a list."""
    names: list[str] = []
    for value in values:
        result = _value(step, ai, value)
        for item in result if isinstance(result, (list, tuple)) else [result]:
            text = _as_text(value, item) or ""
            names.extend(part.strip() for part in text.strip("[]").replace('"', "").split(",") if part.strip())
    return names


class UserTask(ActivityBehaviour):
    """Creates a task for people (assignee, candidates, form, due date, priority) and waits for it."""

    def activate(self, step: "Step", ai: ActivityInstance) -> None:
        element = step.element(ai.element)
        extensions = element.extensions
        priority = _text(step, ai, extensions.priority)
        name = _as_text(element.name, step.render(ai, element.name)) if element.name else None
        step.add_wait(ai, "user_task", element.id, name or element.id,
                      assignee=_text(step, ai, extensions.assignee),
                      candidate_users=_names(step, ai, extensions.candidate_users),
                      candidate_groups=_names(step, ai, extensions.candidate_groups),
                      due_date=_text(step, ai, extensions.due_date),  # `due` is a timer's time
                      priority=int(priority) if priority and priority.lstrip("-").isdigit() else 50)
        step.history("task_created", element.id, ai.id, None)


class JobTask(ActivityBehaviour):
    """Service, send and business-rule tasks: a job for the handler registered for the task's topic.

    A `timeout` header (camunda:property or zeebe:header; ISO 8601 duration) sets how long a worker
    may hold the job before another takes it over.
    """

    def activate(self, step: "Step", ai: ActivityInstance) -> None:
        element = step.element(ai.element)
        extensions = element.extensions
        headers = dict(extensions.headers)
        timeout = duration_seconds(headers["timeout"], step.now) if headers.get("timeout") else None
        step.add_wait(ai, "job", element.id, _text(step, ai, extensions.topic) or element.id,
                      retries=extensions.retries, headers=headers, timeout=timeout)


class ReceiveTask(ActivityBehaviour):
    """Waits for its message."""

    def activate(self, step: "Step", ai: ActivityInstance) -> None:
        element: Element = step.element(ai.element)
        for definition in element.events:
            subscribe(step, ai, element, definition)
        if not element.events:
            step.add_wait(ai, "message", element.id, element.name or element.id)
