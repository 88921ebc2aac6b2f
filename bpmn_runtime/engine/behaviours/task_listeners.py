"""Camunda 8 task listeners on Camunda user tasks, run as Zeebe runs them: each is a job for the workers of its
type, one after the other in model order, that the user task waits for. Creating listeners run before the task is
offered (it appears in the inbox once the last one's job completed); completing listeners run after the person
submitted, before the task completes and the instance goes on (the task leaves the inbox meanwhile).

A listener's job sees the task's variables, and its properties in Zeebe's headers (`io.camunda.zeebe:assignee`,
`candidateUsers`, `candidateGroups`, `dueDate`, `followUpDate`, `priority`); it cannot set variables (Zeebe rejects such a completion too). Its result
may hold `corrections` (creating: the task's assignee, dueDate, followUpDate, candidateUsers, candidateGroups,
priority, which the next listeners and then the inbox see) or `denied` (completing: the task goes back to the inbox as it was and
the submitted variables are not applied), as Zeebe's job result does. The other events (assigning, updating,
canceling) are refused at deployment (`parser.zeebe`)."""
from __future__ import annotations

import json
from dataclasses import fields
from datetime import datetime
from typing import Any, Mapping, Protocol, cast

from bpmn_runtime.engine.behaviours import job_listeners
from bpmn_runtime.engine.behaviours.base import StepContext
from bpmn_runtime.engine.state import ActivityInstance, JobWait, UserTaskWait, Wait
from bpmn_runtime.errors import InvalidInput

EVENTS = ("creating", "completing")
# What a listener may correct, by Zeebe's name, and the task's field it sets.
CORRECTABLE = {"assignee": "assignee", "dueDate": "due_date", "followUpDate": "follow_up_date",
               "candidateUsers": "candidate_users", "candidateGroups": "candidate_groups", "priority": "priority"}
RESULT_KEYS = {"creating": {"corrections"}, "completing": {"denied", "deniedReason"}}


class ListenedUserTask(Protocol):
    """The user task behaviour (`tasks.UserTask`), as its listeners hand the task back to it."""

    def offer(self, ctx: StepContext, ai: ActivityInstance, task: UserTaskWait) -> None: ...

    def finish(self, ctx: StepContext, ai: ActivityInstance, task: Wait,
               submitted: Mapping[str, Any]) -> None: ...


def check_result(wait: JobWait, result: Mapping[str, Any]) -> None:
    """Refuse (InvalidInput, to the worker) a listener job's result that is not one Zeebe takes for its event."""
    allowed = RESULT_KEYS[wait.listener]
    unknown = sorted(set(result) - allowed)
    if unknown:
        raise InvalidInput(f"a {wait.listener} task listener's job cannot set variables ({', '.join(unknown)}); "
                           f"it may complete with {' or '.join(sorted(allowed))} only")
    if "denied" in result and not isinstance(result["denied"], bool):
        raise InvalidInput("'denied' of a completing task listener's job must be true or false")
    corrections = result.get("corrections", {})
    if not isinstance(corrections, Mapping):
        raise InvalidInput("'corrections' of a task listener's job must be an object")
    for name, value in corrections.items():
        _check_correction(name, value)


def _check_correction(name: str, value: Any) -> None:
    if name not in CORRECTABLE:
        raise InvalidInput(f"a task listener cannot correct '{name}'; it may correct {', '.join(CORRECTABLE)}")
    if name in ("candidateUsers", "candidateGroups"):
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise InvalidInput(f"the correction of {name} must be a list of names")
    elif name == "priority":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
            raise InvalidInput("the correction of priority must be a whole number between 0 and 100")
    elif value is not None and not isinstance(value, str):
        raise InvalidInput(f"the correction of {name} must be text")
    elif value and name in ("dueDate", "followUpDate"):
        try:
            datetime.fromisoformat(value)
        except ValueError:
            raise InvalidInput(f"the correction of {name} must be an ISO 8601 date such as 2026-12-31 or "
                               f"2026-12-31T17:00:00Z, not {value!r}") from None


def _snapshot(task: UserTaskWait) -> dict[str, Any]:
    """The task as a listener's job carries it on (all but its key, which it gets as it is offered again)."""
    return {f.name: getattr(task, f.name) for f in fields(task) if f.name != "key"}


def _headers(task: UserTaskWait) -> dict[str, str]:
    """The task's properties as Zeebe tells them to a task listener's worker, in its job's headers."""
    found = {"io.camunda.zeebe:assignee": task.assignee or "", "io.camunda.zeebe:priority": str(task.priority),
             "io.camunda.zeebe:candidateUsers": json.dumps(task.candidate_users),
             "io.camunda.zeebe:candidateGroups": json.dumps(task.candidate_groups),
             "io.camunda.zeebe:dueDate": task.due_date or "", "io.camunda.zeebe:followUpDate": task.follow_up_date or ""}
    return {name: value for name, value in found.items() if value}


def offer_after_listeners(ctx: StepContext, ai: ActivityInstance, task: UserTaskWait) -> bool:
    """`task` is about to be offered: run its first creating listener; False when it has none (offer it now)."""
    return job_listeners.wait_for(ctx, ai, "creating", 0, carried={"task": _snapshot(task)},
                                  task_headers=_headers(task))


def complete_after_listeners(ctx: StepContext, ai: ActivityInstance, task: UserTaskWait,
                             submitted: Mapping[str, Any]) -> bool:
    """The person submitted `task`: take it out of the inbox and run its first completing listener; False when
    it has none (the task completes now)."""
    if not job_listeners.of(ctx.element(ai.element), "completing"):
        return False
    ctx.remove_wait(task)
    job_listeners.wait_for(ctx, ai, "completing", 0, carried={"submitted": dict(submitted), "task": _snapshot(task)},
                           task_headers=_headers(task))
    return True


def completed(ctx: StepContext, ai: ActivityInstance, wait: JobWait, result: Mapping[str, Any]) -> None:
    """A task listener's job completed with `result` (checked by `check_result`): the next listener of its event,
    else the task is offered (creating) or completes (completing); a denial puts the task back as it was."""
    ctx.remove_wait(wait)
    behaviour = cast(ListenedUserTask, ctx.behaviour_of(ai))
    if result.get("denied"):
        ctx.add_wait(UserTaskWait(ctx.state.next_id(), **wait.carried["task"]))
        ctx.history("task_completion_denied", ai.element, ai.id, {"reason": str(result.get("deniedReason", ""))})
        return
    task = UserTaskWait(ctx.state.next_id(), **wait.carried["task"])
    for name, value in result.get("corrections", {}).items():  # what later listeners see, and the inbox then
        setattr(task, CORRECTABLE[name], value)
    carried = {**wait.carried, "task": _snapshot(task)}
    if job_listeners.wait_for(ctx, ai, wait.listener, wait.listener_index + 1, carried=carried,
                              task_headers=_headers(task)):
        return
    if wait.listener == "creating":
        behaviour.offer(ctx, ai, task)
    else:
        behaviour.finish(ctx, ai, task, carried["submitted"])
