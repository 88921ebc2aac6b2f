"""What all activities have in common around their own work: asynchronous continuations, input and output
mappings, SpiffWorkflow pre- and post-scripts, Flowable's skip expressions, boundary events, standard loops
(loopCondition, loopMaximum, testBefore), compensation records.

Multi-instance activities are entered through their body (`multi_instance`); its inner instances run the
activity's own behaviour, without its boundary events (the body holds them).
"""
from __future__ import annotations

from typing import Any, Mapping

from bpmn_runtime.engine.behaviours import boundaries, compensation, job_listeners, joins, listeners, skipping
from bpmn_runtime.engine.behaviours.base import Behaviour, Catcher, Incident, StepContext
from bpmn_runtime.engine.behaviours.mappings import map_inputs, map_outputs, set_results
from bpmn_runtime.engine.state import ActivityInstance, ContinuationWait, MultiInstanceBody, Wait
from bpmn_runtime.model import Element, Flow


class ActivityBehaviour(Behaviour):
    """Activities: async before/after, input/output mappings, boundary events and loops around `activate`."""

    def arrive(self, ctx: StepContext, element: Element, scope_ai: ActivityInstance, via: Flow | None) -> None:
        if not joins.start_quantity_reached(ctx, element, scope_ai, via):
            return
        ai = ctx.create(element, scope_ai)
        ctx.history("element_activated", element.id, ai.id, None)
        if element.extensions.async_before:
            ctx.add_wait(ContinuationWait(ctx.state.next_id(), ai.id, element.id, after=False))
            return
        ctx.run_phase(ai, "begin")

    def begin(self, ctx: StepContext, ai: ActivityInstance) -> None:
        """Subscribe the boundary events, then execute. Until the activity runs, its boundary events are all
        `ai` waits for, so a retry after a failure here starts them afresh. An activity with Camunda 8 start
        listeners subscribes them once its listeners are done, as Zeebe does."""
        ctx.remove_waits(ai)
        element = ctx.element(ai.element)
        if not job_listeners.of(element, "start"):
            boundaries.subscribe_boundary_events(ctx, ai, element)
        self.execute(ctx, ai)

    def execute(self, ctx: StepContext, ai: ActivityInstance) -> None:
        """Map inputs, run the start listeners, then the activity (or the first pass of its standard loop)."""
        map_inputs(ctx, ai)
        listeners.notify_start(ctx, ai)
        if not job_listeners.wait_for(ctx, ai, "start", 0):
            self.perform(ctx, ai)

    def perform(self, ctx: StepContext, ai: ActivityInstance) -> None:
        """The activity's work, once its start listeners are done (those of a multi-instance activity run for each
        of its inner instances, as Zeebe runs them, whose boundary events are the body's)."""
        element = ctx.element(ai.element)
        if job_listeners.of(element, "start") and not isinstance(ctx.state.parent_of(ai).body, MultiInstanceBody):
            boundaries.subscribe_boundary_events(ctx, ai, element)
        if not _inner_of_scripted_loop(element):
            run_spiff_script(ctx, ai, element.extensions.pre_script)
        if element.loop is not None and not element.loop.multi_instance and not _loop_may_start(ctx, ai, element):
            ctx.complete(ai)
            return
        if skipping.skipped(ctx, ai):
            ctx.history("element_skipped", element.id, ai.id, None)
            ctx.complete(ai)
            return
        ctx.run_phase(ai, "activate")

    def triggered(self, ctx: StepContext, ai: ActivityInstance, wait: Wait, payload: Mapping[str, Any]) -> None:
        ctx.remove_wait(wait)
        self.set_results(ctx, ai, payload)
        ctx.complete(ai)

    def leave(self, ctx: StepContext, ai: ActivityInstance) -> None:
        """Map outputs, then run the end listeners."""
        element = ctx.element(ai.element)
        if not ai.outputs_mapped:  # set once they are: a retry after a failing mapping maps them again
            if not element.extensions.scripts_around_loop:
                run_spiff_script(ctx, ai, element.extensions.post_script)
            map_outputs(ctx, ai)
            ai.outputs_mapped = True
        listeners.notify_end(ctx, ai)
        if not job_listeners.wait_for(ctx, ai, "end", 0):
            self.depart(ctx, ai)

    def depart(self, ctx: StepContext, ai: ActivityInstance) -> None:
        """Once the end listeners are done: go round a standard loop again, or let the scope decide what a
        completion means."""
        element = ctx.element(ai.element)
        if element.loop is not None and not element.loop.multi_instance and _loop_again(ctx, ai, element):
            ai.outputs_mapped = False
            ctx.history("loop_iteration", element.id, ai.id, {"loopCounter": ai.loop_counter})
            ctx.run_phase(ai, "activate")
            return
        if element.extensions.scripts_around_loop and not _inner_of_scripted_loop(element):
            run_spiff_script(ctx, ai, element.extensions.post_script)  # after the standard loop's last iteration
        scope_ai = ctx.state.parent_of(ai)
        ctx.behaviour_of(scope_ai).child_completed(ctx, scope_ai, ai)

    def ended(self, ctx: StepContext, ai: ActivityInstance, how: str) -> None:
        super().ended(ctx, ai, how)
        compensation.activity_ended(ctx, ai, how, ctx.facts.compensation_handlers[ai.element])

    def boundary_catcher(self, ctx: StepContext, ai: ActivityInstance, kind: str, code: str | None) -> Catcher | None:
        return boundaries.catcher(ctx, ai, kind, code)

    def set_results(self, ctx: StepContext, ai: ActivityInstance, values: Mapping[str, Any]) -> None:
        """Results of the work (a job's outputs, a form): local when output mappings pick from them."""
        set_results(ctx, ai, values)


def _loop_may_start(ctx: StepContext, ai: ActivityInstance, element: Element) -> bool:
    """Standard loop, first pass: with testBefore the condition is checked before the first iteration."""
    loop = element.loop
    assert loop is not None
    ai.loop_counter = 0
    if loop.loop_maximum is not None and loop.loop_maximum < 0:
        raise Incident(f"loopMaximum of {element.label} is negative")
    if loop.test_before:
        return _condition_holds(ctx, ai, element) and (loop.loop_maximum is None or loop.loop_maximum > 0)
    return True


def _loop_again(ctx: StepContext, ai: ActivityInstance, element: Element) -> bool:
    """Standard loop, after an iteration: go round again while the condition holds and the maximum allows."""
    loop = element.loop
    assert loop is not None
    if ai.loop_counter is None:
        return False
    ai.loop_counter += 1
    if loop.loop_maximum is not None and ai.loop_counter >= loop.loop_maximum:
        return False
    return _condition_holds(ctx, ai, element)


def _condition_holds(ctx: StepContext, ai: ActivityInstance, element: Element) -> bool:
    assert element.loop is not None
    return bool(element.loop.loop_condition) and ctx.condition(ai, element.loop.loop_condition or "")



def _inner_of_scripted_loop(element: Element) -> bool:
    """An inner instance of a multi-instance activity whose scripts its body runs, once around all of them."""
    return element.extensions.scripts_around_loop and element.loop is not None and element.loop.multi_instance


def run_spiff_script(ctx: StepContext, ai: ActivityInstance, script: str | None) -> None:
    """A SpiffWorkflow pre-script (before the activity's work, after its input mappings) or post-script (as it
    completes, before its output mappings): Python whose assignments set variables, as the activity's own results."""
    if script:
        set_results(ctx, ai, ctx.run_code(ai, script, "python", ctx.element(ai.element).label))
