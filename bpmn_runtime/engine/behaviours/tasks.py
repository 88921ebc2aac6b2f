"""Tasks: plain, manual, script, user, service/business-rule (jobs for handlers), send and receive tasks."""
from __future__ import annotations

import reprlib
from datetime import date, datetime
from typing import Any, Mapping

from bpmn_runtime.engine.behaviours import attributes, events, listeners, task_listeners
from bpmn_runtime.engine.behaviours.activities import ActivityBehaviour
from bpmn_runtime.engine.behaviours.base import Incident, StepContext
from bpmn_runtime.engine.behaviours.jobs import job_headers, job_retries, job_type
from bpmn_runtime.engine.behaviours.subscriptions import subscribe_all
from bpmn_runtime.engine.state import ActivityInstance, JobWait, MessageWait, UserTaskWait, Wait
from bpmn_runtime.model import Element


class ScriptTask(ActivityBehaviour):
    """Runs its script (through the embedding program's runner, else the expression sandbox), or evaluates its
    Camunda 8 `zeebe:script` FEEL expression into its result variable, or (a Camunda 8 task definition) is a job
    for a worker."""

    def activate(self, ctx: StepContext, ai: ActivityInstance) -> None:
        element = ctx.element(ai.element)
        expression, variable = element.extensions.script_expression, element.extensions.result_variable
        if expression and variable:  # Camunda 8's zeebe:script: FEEL, evaluated by the engine itself
            self.set_results(ctx, ai, {variable: ctx.evaluate(ai, expression)})
            ctx.complete(ai)
            return
        if element.extensions.topic and not element.script:  # Camunda 8: a job worker runs the script
            create_job(ctx, ai)
            return
        values: dict[str, Any] = dict(ctx.run_code(ai, element.script or "", element.script_format, element.label))
        if element.extensions.result_variable and "result" in values:
            values = {element.extensions.result_variable: values.pop("result"), **values}
        self.set_results(ctx, ai, values)
        ctx.complete(ai)


DEFAULT_PRIORITY = 50  # Camunda 7's and Camunda 8's


def _priority(ctx: StepContext, ai: ActivityInstance, element: Element) -> int:
    """The task's priority: a whole number (between 0 and 100 in Camunda 8); an expression giving anything else is
    an incident, as in its home engine, never a default priority."""
    written = element.extensions.priority
    if not written:
        return DEFAULT_PRIORITY
    value = attributes.text(ctx, ai, written) or ""
    if not value.strip().lstrip("-").isdigit():
        raise Incident(f"the priority \"{written}\" of {element.label} gives {value!r}, not a whole number")
    if written.startswith("=") and not 0 <= int(value) <= 100:
        raise Incident(f"the priority \"{written}\" of {element.label} gives {value}; Camunda 8 takes a priority "
                       f"between 0 and 100")
    return int(value)
def _date(ctx: StepContext, ai: ActivityInstance, value: str | None, field: str) -> str | None:
    """A task's due or follow-up date as ISO 8601 text: the model's text, or what its expression gives (a date,
    or ISO text). Anything else is an incident, as in Camunda 7 and Zeebe: the inbox sorts and filters by it."""
    result = attributes.value(ctx, ai, value) if value else None
    if isinstance(result, (datetime, date)):
        return result.isoformat()
    if result is None or result == "":
        return None
    if isinstance(result, str):
        try:
            datetime.fromisoformat(result)
            return result
        except ValueError:
            pass
    raise Incident(f"the {field} \"{value}\" of {ctx.element(ai.element).label} gives {reprlib.repr(result)}, "
                   f"not an ISO 8601 date such as 2026-12-31 or 2026-12-31T17:00:00Z")


def _names(ctx: StepContext, ai: ActivityInstance, values: tuple[str, ...]) -> list[str]:
    """Candidate users or groups: each value is a name, a comma-separated list, or an expression giving a list."""
    names: list[str] = []
    for value in values:
        result = attributes.value(ctx, ai, value)
        for item in result if isinstance(result, (list, tuple)) else [result]:
            text = attributes.as_text(value, item) or ""
            names.extend(part.strip() for part in text.strip("[]").replace('"', "").split(",") if part.strip())
    return names


class UserTask(ActivityBehaviour):
    """Creates a task for people (assignee, candidates, form, due date, priority) and waits for it; Camunda 8
    creating and completing task listeners run around it (`task_listeners`)."""

    def activate(self, ctx: StepContext, ai: ActivityInstance) -> None:
        element = ctx.element(ai.element)
        extensions = element.extensions
        priority = _priority(ctx, ai, element)
        name = attributes.as_text(element.name, ctx.render(ai, element.name)) if element.name else None
        task = UserTaskWait(
            ctx.state.next_id(), ai.id, element.id, name or element.id,
            assignee=attributes.text(ctx, ai, extensions.assignee),
            candidate_users=_names(ctx, ai, extensions.candidate_users),
            candidate_groups=_names(ctx, ai, extensions.candidate_groups),
            due_date=_date(ctx, ai, extensions.due_date, "Due date"),
            follow_up_date=_date(ctx, ai, extensions.follow_up_date, "Follow up date"),
            priority=priority)
        if not task_listeners.offer_after_listeners(ctx, ai, task):
            self.offer(ctx, ai, task)

    def offer(self, ctx: StepContext, ai: ActivityInstance, task: UserTaskWait) -> None:
        """Offer the task (as its creating listeners left it) and wait for someone to complete it."""
        # Create listeners run before the task exists: one that fails leaves no task, as Camunda's rollback does.
        listeners.notify(ctx, ai, ctx.element(ai.element).extensions.task_listeners, "create",
                         _task(ctx, ai, task, "create"))
        ctx.add_wait(task)
        ctx.history("task_created", task.element, ai.id, None)

    def triggered(self, ctx: StepContext, ai: ActivityInstance, wait: Wait, payload: Mapping[str, Any]) -> None:
        """Completing listeners run first, if any; see `finish`."""
        if isinstance(wait, UserTaskWait) and task_listeners.complete_after_listeners(ctx, ai, wait, payload):
            return
        self.finish(ctx, ai, wait, payload)

    def finish(self, ctx: StepContext, ai: ActivityInstance, task: Wait, submitted: Mapping[str, Any]) -> None:
        """Complete listeners run with the submitted variables, before the output mappings and end listeners."""
        ctx.remove_wait(task)
        self.set_results(ctx, ai, submitted)
        if isinstance(task, UserTaskWait):
            listeners.notify(ctx, ai, ctx.element(ai.element).extensions.task_listeners, "complete",
                             _task(ctx, ai, task, "complete"))
        ctx.complete(ai)

    def terminate(self, ctx: StepContext, ai: ActivityInstance) -> None:
        """A task cancelled (by an interrupting event, a terminate end event, an operator) is deleted: its delete
        listeners run, as Camunda 7 runs them, if it had been created."""
        for wait in ctx.state.waits_of(ai.id):
            if isinstance(wait, UserTaskWait):
                listeners.notify(ctx, ai, ctx.element(ai.element).extensions.task_listeners, "delete",
                                 _task(ctx, ai, wait, "delete"))
                return


def _task(ctx: StepContext, ai: ActivityInstance, wait: UserTaskWait, event: str) -> dict[str, Any]:
    """What a task listener's `task` reads (see `juel.execution.TASK_PROPERTY_NAMES`). The inbox claims,
    assigns and schedules tasks outside the process run, so after `create` only what it cannot change is given;
    reading the rest there is an error, never an outdated value."""
    view = ctx.execution_view(ai)
    fixed = {"name": wait.name, "taskDefinitionKey": wait.element, "eventName": event,
             "processInstanceId": view.process_instance_id, "executionId": view.id,
             "processDefinitionId": view.process_definition_id, "dueDate": wait.due_date}
    if event != "create":
        return fixed
    return {**fixed, "assignee": wait.assignee, "priority": wait.priority, "followUpDate": wait.follow_up_date}


class Task(ActivityBehaviour):
    """An abstract or manual task: nothing to do, so it completes at once; one of a SpiffWorkflow file waits, as a
    task for people, until someone says it is done, as SpiffWorkflow's tasks do."""

    def activate(self, ctx: StepContext, ai: ActivityInstance) -> None:
        if ctx.element(ai.element).extensions.waits_for_person:
            FOR_PEOPLE.activate(ctx, ai)
        else:
            ctx.complete(ai)


FOR_PEOPLE = UserTask()


class JobTask(ActivityBehaviour):
    """Service, send and business-rule tasks: a job for the handler registered for the task's topic.

    A `timeout` header (camunda:property or zeebe:header; ISO 8601 duration) sets how long a worker
    may hold the job before another takes it over.
    """

    def activate(self, ctx: StepContext, ai: ActivityInstance) -> None:
        create_job(ctx, ai)

    def triggered(self, ctx: StepContext, ai: ActivityInstance, wait: Wait, payload: Mapping[str, Any]) -> None:
        """A job's result; a SpiffWorkflow operator's whole result goes to its result variable."""
        variable = ctx.element(ai.element).extensions.job_result_variable
        if variable and isinstance(wait, JobWait):
            payload = {variable: dict(payload)}
        super().triggered(ctx, ai, wait, payload)


def create_job(ctx: StepContext, ai: ActivityInstance) -> None:
    """Make `ai` wait for a job for the handler of its element's topic (a service task's, or a Camunda 8 message
    throw event's or script task's job type); the job's completion is what `ai` is triggered by."""
    element = ctx.element(ai.element)
    extensions = element.extensions
    headers, timeout = job_headers(ctx, element)
    topic = job_type(ctx, ai, extensions.topic) if extensions.topic else element.id
    retries = job_retries(ctx, ai, extensions.retries, extensions.retries_expression)
    ctx.add_wait(JobWait(ctx.state.next_id(), ai.id, element.id, topic, retries=retries, headers=headers,
                         timeout=timeout))


class SendTask(JobTask):
    """BPMN 10.3.3: sends its message, which reaches the instance waiting for it or starts the process that
    starts with it, and completes. One that declares a job worker (a topic, a job type) is that worker's job."""

    def activate(self, ctx: StepContext, ai: ActivityInstance) -> None:
        element = ctx.element(ai.element)
        if element.extensions.topic:
            super().activate(ctx, ai)
            return
        for definition in element.events:
            events.throw(ctx, ai, definition)
        ctx.complete(ai)


class ReceiveTask(ActivityBehaviour):
    """Waits for its message."""

    def activate(self, ctx: StepContext, ai: ActivityInstance) -> None:
        element = ctx.element(ai.element)
        subscribe_all(ctx, ai, element)
        if not element.events:
            ctx.add_wait(MessageWait(ctx.state.next_id(), ai.id, element.id, element.name or element.id))
