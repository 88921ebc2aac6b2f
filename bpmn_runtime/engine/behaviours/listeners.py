"""Camunda 7 execution and task listeners, run where Camunda 7 runs them: `start` as a flow node begins (after
its input mappings), `end` as it leaves (after its output mappings), `take` as a token sets off along a sequence
flow (after the source's end listeners, before the target's start listeners), and a user task's `create`,
`complete` and `delete` (see `tasks.UserTask`); `end` also for an element an event cancels. Deployment refuses listeners on elements and events where this engine cannot run them so
(`parser.camunda.listener_refusal`).

A listener that fails is an incident on the element it runs on, at that moment, as Camunda 7's rollback leaves
the token before that element.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from bpmn_runtime.engine.behaviours.base import StepContext
from bpmn_runtime.engine.state import ActivityInstance
from bpmn_runtime.model import Flow, Listener


def notify(ctx: StepContext, ai: ActivityInstance, listeners: tuple[Listener, ...], event: str,
           task: Mapping[str, Any] | None = None) -> None:
    """Run the listeners of `event` in model order: an expression's value is discarded (a task listener's reads
    `task`, the user task's properties); what a script assigns is set as `execution.setVariable` sets it (where
    the variable lives, else on the process instance)."""
    if ctx.skip_listeners:
        return
    for listener in listeners:
        if listener.event != event:
            continue
        if listener.script is not None:
            label = f"the {event} listener of {ctx.element(ai.element).label}"
            ctx.set_variables(ai, ctx.run_code(ai, listener.script, listener.script_format, label))
        else:
            ctx.evaluate(ai, listener.expression or "", event_name=event, task=task)


def notify_start(ctx: StepContext, ai: ActivityInstance) -> None:
    notify(ctx, ai, ctx.element(ai.element).extensions.execution_listeners, "start")


def notify_end(ctx: StepContext, ai: ActivityInstance) -> None:
    notify(ctx, ai, ctx.element(ai.element).extensions.execution_listeners, "end")


def notify_take(ctx: StepContext, ai: ActivityInstance, flows: Iterable[Flow]) -> None:
    """The `take` listeners of the flows `ai` is about to send tokens along, flow by flow."""
    for flow in flows:
        notify(ctx, ai, flow.listeners, "take")
