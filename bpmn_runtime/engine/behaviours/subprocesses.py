"""Subprocesses (embedded, event, transaction, ad-hoc) and call activities."""
from __future__ import annotations

from typing import TYPE_CHECKING

from bpmn_runtime.engine.behaviours.base import ActivityBehaviour
from bpmn_runtime.engine.state import ActivityInstance
from bpmn_runtime.engine.step import Incident

if TYPE_CHECKING:
    from bpmn_runtime.engine.step import Step


class SubProcess(ActivityBehaviour):
    """Opens its own scope (with its own variables) at its none start event."""

    def activate(self, step: "Step", ai: ActivityInstance) -> None:
        element = step.element(ai.element)
        if ai.variables is None:
            ai.variables = {}
        scope = step.process.scope(element.id)
        starts = [s for s in scope.start_events if not step.element(s).events]
        if len(starts) == 1:
            step.open_scope(ai, starts[0])
            return
        if starts:
            raise Incident(f"{element.label} has more than one none start event")
        self._start_without_start_event(step, ai)

    def _start_without_start_event(self, step: "Step", ai: ActivityInstance) -> None:
        """No start event: every element without incoming flows starts (BPMN 10.5.1)."""
        element = step.element(ai.element)
        scope = step.process.scope(element.id)
        entries = [c for c in scope.children if not step.element(c).incoming
                   and step.element(c).kind not in ("boundaryEvent", "startEvent")
                   and not step.element(c).triggered_by_event and not step.element(c).for_compensation
                   and not (step.element(c).kind == "intermediateCatchEvent"
                            and any(d.kind == "link" for d in step.element(c).events))]
        if not entries:
            step.complete(ai)
            return
        for sub_id in scope.event_subprocesses:
            from bpmn_runtime.engine.behaviours.events import subscribe_event_subprocess
            subscribe_event_subprocess(step, ai, step.element(sub_id))
        for entry in entries:
            step.enter(entry, ai, None)

    def scope_completed(self, step: "Step", ai: ActivityInstance) -> None:
        element = step.element(ai.element)
        if element.triggered_by_event:
            step.end_instance(ai, "completed")
            step.token_consumed(step.state.instances[ai.parent])
            return
        step.complete(ai)


class AdHocSubProcess(SubProcess):
    """Runs all its inner activities that have no incoming flow (in parallel), then completes."""

    def activate(self, step: "Step", ai: ActivityInstance) -> None:
        if ai.variables is None:
            ai.variables = {}
        self._start_without_start_event(step, ai)


def cancel_transaction(step: "Step", end_ai: ActivityInstance) -> None:
    """A cancel end event: compensate the transaction's completed work, then leave by its cancel boundary
    (validation makes sure the transaction has one)."""
    from bpmn_runtime.engine.behaviours.compensation import compensate_scope_then
    transaction = step.state.instances[end_ai.parent]
    step.terminate_children(transaction.id)
    compensate_scope_then(step, transaction, "cancel")


def leave_by_cancel_boundary(step: "Step", transaction: ActivityInstance) -> None:
    from bpmn_runtime.engine.behaviours.events import boundary_occurred
    element = step.element(transaction.element)
    boundary = next(step.element(b) for b in step.process.scope(element.scope).boundary_events.get(element.id, ())
                    if any(d.kind == "cancel" for d in step.element(b).events))
    boundary_occurred(step, boundary, transaction, None, {})


class CallActivity(ActivityBehaviour):
    """Starts an instance of the called process and waits for it to end; a called global task runs in place."""

    def activate(self, step: "Step", ai: ActivityInstance) -> None:
        from bpmn_runtime.engine.behaviours import BEHAVIOURS
        element = step.element(ai.element)
        if element.called_task:
            BEHAVIOURS[element.called_task].activate(step, ai)
            return
        if not element.called_element:
            raise Incident(f"{element.label} does not name the process to call (calledElement)")
        variables = dict(ai.variables) if element.extensions.inputs else dict(step.variables(ai))
        step.add_wait(ai, "call", element.id, element.called_element, variables=variables)
