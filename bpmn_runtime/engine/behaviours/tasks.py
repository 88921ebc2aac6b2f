"""Tasks: plain, manual, script, user, service/send/business-rule (jobs for handlers) and receive tasks."""
from __future__ import annotations

from typing import Any

from bpmn_runtime.engine.behaviours.activities import ActivityBehaviour
from bpmn_runtime.engine.behaviours.base import StepContext
from bpmn_runtime.engine.behaviours.subscriptions import subscribe_all
from bpmn_runtime.engine.state import ActivityInstance, JobWait, MessageWait, UserTaskWait
from bpmn_runtime.engine.timers import parse_duration


class Task(ActivityBehaviour):
    """An abstract or manual task: nothing to do, so it completes at once."""


class ScriptTask(ActivityBehaviour):
    """Runs its script (through the embedding program's runner, else the expression sandbox)."""

    def activate(self, ctx: StepContext, ai: ActivityInstance) -> None:
        element = ctx.element(ai.element)
        values: dict[str, Any] = dict(ctx.run_script(ai, element))
        if element.extensions.result_variable and "result" in values:
            values = {element.extensions.result_variable: values.pop("result"), **values}
        self.set_results(ctx, ai, values)
        ctx.complete(ai)


def _text(ctx: StepContext, ai: ActivityInstance, value: str | None) -> str | None:
    """An attribute that may be an expression (`${...}`, `=...`) or plain text."""
    if not value:
        return None
    if value.startswith("${") or value.startswith("#{") or value.startswith("="):
        result = ctx.evaluate(ai, value)
        return None if result is None else str(result)
    return value


def _names(ctx: StepContext, ai: ActivityInstance, values: tuple[str, ...]) -> list[str]:
    names: list[str] = []
    for value in values:
        text = _text(ctx, ai, value) or ""
        names.extend(part.strip() for part in text.strip("[]").replace('"', "").split(",") if part.strip())
    return names


class UserTask(ActivityBehaviour):
    """Creates a task for people (assignee, candidates, form, due date, priority) and waits for it."""

    def activate(self, ctx: StepContext, ai: ActivityInstance) -> None:
        element = ctx.element(ai.element)
        extensions = element.extensions
        priority = _text(ctx, ai, extensions.priority)
        ctx.add_wait(UserTaskWait(
            ctx.state.next_id(), ai.id, element.id, element.name or element.id,
            assignee=_text(ctx, ai, extensions.assignee),
            candidate_users=_names(ctx, ai, extensions.candidate_users),
            candidate_groups=_names(ctx, ai, extensions.candidate_groups),
            due_date=_text(ctx, ai, extensions.due_date),
            priority=int(priority) if priority and priority.lstrip("-").isdigit() else 50))
        ctx.history("task_created", element.id, ai.id, None)


class JobTask(ActivityBehaviour):
    """Service, send and business-rule tasks: a job for the handler registered for the task's topic.

    A `timeout` header (camunda:property or zeebe:header; ISO 8601 duration) sets how long a worker
    may hold the job before another takes it over.
    """

    def activate(self, ctx: StepContext, ai: ActivityInstance) -> None:
        element = ctx.element(ai.element)
        extensions = element.extensions
        headers = dict(extensions.headers)
        timeout = parse_duration(headers["timeout"]).total_seconds() if headers.get("timeout") else None
        ctx.add_wait(JobWait(ctx.state.next_id(), ai.id, element.id, _text(ctx, ai, extensions.topic) or element.id,
                             retries=extensions.retries, headers=headers, timeout=timeout))


class ReceiveTask(ActivityBehaviour):
    """Waits for its message."""

    def activate(self, ctx: StepContext, ai: ActivityInstance) -> None:
        element = ctx.element(ai.element)
        subscribe_all(ctx, ai, element)
        if not element.events:
            ctx.add_wait(MessageWait(ctx.state.next_id(), ai.id, element.id, element.name or element.id))
