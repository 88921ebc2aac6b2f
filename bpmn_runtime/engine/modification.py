"""Process instance modification, as Camunda 7's (and Camunda 8's) is: an operator cancels tokens, starts
before an activity or after it (along its single outgoing sequence flow), and sets variables, in instructions
run in order in one step, so the whole modification happens or none of it. Variables given with a start
instruction are local to the activity instance its token creates (Camunda 7's `setVariableLocal` on the
instruction, Camunda 8's variable instruction scoped to the element); variables given with the modification
itself are set on the process, first.

What Camunda does and the engine does the same way: a cancelled activity instance whose scope is then left
with nothing running cancels that scope too, up to the instance itself, which ends as cancelled when nothing
is left in it after every instruction. What it does not do the same way is refused with a reason, before
anything changes: starting inside a subprocess that has no running instance (Camunda 7 would create it; here
start before the subprocess itself), or inside a multi-instance body, or at a boundary event or a compensation
handler, or before a joining parallel or complex gateway (Camunda 7 counts the token there; here it would
wait for one on each incoming flow), and cancelling a single inner instance of a multi-instance activity.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Mapping, Sequence

from bpmn_runtime.engine.state import ROOT, ActivityInstance, MultiInstanceBody
from bpmn_runtime.engine.step import Step
from bpmn_runtime.errors import InvalidInput
from bpmn_runtime.model import Element

Kind = Literal["cancel", "start_before", "start_after"]
KINDS: tuple[Kind, ...] = ("cancel", "start_before", "start_after")


@dataclass(frozen=True)
class Instruction:
    """One instruction: `cancel` every token at `element` (or the one activity instance `activity_instance`),
    `start_before` the element, or `start_after` it, with `variables` local to the activity instance the new
    token creates."""

    kind: Kind
    element: str | None = None
    activity_instance: int | None = None
    variables: Mapping[str, Any] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        """The instruction as the history and the audit trail keep it (variables by name only)."""
        found: dict[str, Any] = {"kind": self.kind, "element": self.element}
        if self.activity_instance is not None:
            found["activity_instance"] = self.activity_instance
        if self.variables:
            found["variables"] = sorted(self.variables)
        return found


def modify(step: Step, instructions: Sequence[Instruction], variables: Mapping[str, Any]) -> list[str]:
    """Run the instructions on `step`'s instance in order, then let the instance move on; what each did, in
    the modeler's words. Raises InvalidInput (nothing is saved then) for an instruction that cannot run."""
    if not instructions:
        raise InvalidInput("a modification needs at least one instruction: cancel, start before or start after")
    done: list[str] = []
    if variables:
        step.set_variables(step.state.root, variables)
        done.append(f"set {', '.join(sorted(variables))}")
    left: list[ActivityInstance] = []  # scopes a cancellation may have left with nothing running
    for instruction in instructions:
        if instruction.kind == "cancel" and instruction.variables:
            raise InvalidInput(f"cancelling at {_label(step, instruction.element or '')} starts no token, so it has "
                               f"no scope to set {', '.join(sorted(instruction.variables))} in; give them with a "
                               f"start instruction or as process variables")
        if instruction.kind == "cancel":
            for ai in _cancelled(step, instruction):
                scope = step.state.parent_of(ai)
                step.terminate(ai)
                left.append(scope)
                done.append(f"cancelled {_label(step, ai.element)} (activity instance {ai.id})")
        else:
            element = _element(step, instruction.element)
            scope = _running_scope(step, element)
            local = f" with {', '.join(sorted(instruction.variables))} set in its scope" if instruction.variables \
                else ""
            if instruction.kind == "start_before":
                _refuse_flowless_join(element)
                step.enter(element.id, scope, None, instruction.variables)
                done.append(f"started before {element.label}{local}")
            else:
                if len(element.outgoing) != 1:
                    raise InvalidInput(f"{element.label} has {len(element.outgoing)} outgoing sequence flows; starting "
                                       f"after an activity takes its single outgoing flow (as in Camunda). Start "
                                       f"before the element you want the token at instead")
                flow = step.process.flows[element.outgoing[0]]
                step.history("flow_taken", flow.id, None, None)
                step.enter(flow.target, scope, flow, instruction.variables)
                done.append(f"started after {element.label}{local}")
    for scope in left:
        _cancel_if_empty(step, scope)
    step.history("instance_modified", None, ROOT, {"instructions": [i.describe() for i in instructions],
                                                   "variables": sorted(variables), "done": done})
    if step.state.status == "active":
        step.run()
    unplaced = step.unplaced_seeds()
    if unplaced:
        element_id, names = unplaced[0]
        raise InvalidInput(f"the token started at {_label(step, element_id)} created no activity instance of its "
                           f"own (it joined one waiting there, or stopped on its way), so {', '.join(names)} has no "
                           f"scope to be set in; give them as process variables instead")
    return done


def _label(step: Step, element_id: str) -> str:
    element = step.process.elements.get(element_id)
    return element.label if element is not None else element_id


def _element(step: Step, element_id: str | None) -> Element:
    """The flow node the instruction names, in this version of the process."""
    element = step.process.elements.get(element_id or "")
    if element is None:
        if element_id in step.process.flows:
            raise InvalidInput(f"'{element_id}' is a sequence flow; name the element it leads to "
                               f"('{step.process.flows[element_id].target}') to start before it")
        raise InvalidInput(f"process '{step.process.id}' has no element '{element_id}' in the version this instance "
                           f"runs")
    return element


def _is_inner(step: Step, ai: ActivityInstance) -> bool:
    """Whether `ai` is one inner instance of a multi-instance body."""
    parent = step.state.instances.get(ai.parent) if ai.parent is not None else None
    return parent is not None and isinstance(parent.body, MultiInstanceBody) and parent.element == ai.element


def _cancelled(step: Step, instruction: Instruction) -> list[ActivityInstance]:
    """The activity instances a cancel instruction stops: the one named, or every one at the element (a
    multi-instance activity's body, with its inner instances)."""
    if instruction.activity_instance is not None:
        ai = step.state.instances.get(instruction.activity_instance)
        if ai is None or ai.parent is None:
            raise InvalidInput(f"activity instance {instruction.activity_instance} is not running in this instance")
        if _is_inner(step, ai):
            raise InvalidInput(f"activity instance {ai.id} is one instance of multi-instance "
                               f"{_label(step, ai.element)}; cancel the whole activity (all its instances) instead")
        return [ai]
    element = _element(step, instruction.element)
    found = [ai for ai in step.state.instances.values()
             if ai.element == element.id and ai.parent is not None and not _is_inner(step, ai)]
    if not found:
        raise InvalidInput(f"no token is at {element.label}, so there is nothing to cancel there")
    return found


def _refuse_flowless_join(element: Element) -> None:
    """A parallel or complex gateway that joins waits for a token on each incoming flow (or as its activation
    condition counts them), and a token started before it comes along none: it would wait there for ever."""
    if element.kind in ("parallelGateway", "complexGateway") and len(element.incoming) > 1:
        raise InvalidInput(f"{element.label} joins {len(element.incoming)} incoming sequence flows, and a token "
                           f"started before it comes along none of them, so it would wait there for ever; start "
                           f"after the element before it, on the flow you mean, instead")


def _running_scope(step: Step, element: Element) -> ActivityInstance:
    """The activity instance of the scope a token started at `element` runs in: the process, or the one
    running instance of the subprocess that contains the element."""
    if element.kind == "boundaryEvent":
        raise InvalidInput(f"{element.label} is a boundary event, which starts when its event occurs; start before "
                           f"the element after it instead")
    if element.for_compensation:
        raise InvalidInput(f"{element.label} is a compensation handler, which runs only when compensation is thrown")
    if element.scope == step.process.id:
        return step.state.root
    container = step.process.elements[element.scope]
    if container.loop is not None and container.loop.multi_instance:
        raise InvalidInput(f"{element.label} is inside multi-instance {container.label}; a token cannot be started "
                           f"inside one of its instances. Start before {container.label} itself")
    running = [ai for ai in step.state.instances.values()
               if ai.element == container.id and ai.parent is not None and not ai.parked and ai.body is None]
    if not running:
        raise InvalidInput(f"{element.label} is inside {container.label}, which has no running instance; this engine "
                           f"does not create it (Camunda 7 would). Start before {container.label} itself")
    if len(running) > 1:
        raise InvalidInput(f"{container.label} runs {len(running)} times, so it is not clear in which a token should "
                           f"start at {element.label}")
    return running[0]


def _cancel_if_empty(step: Step, scope: ActivityInstance) -> None:
    """A scope left with nothing running after the instructions is cancelled too, up to the instance."""
    while scope.id in step.state.instances and not step.holds_tokens(scope.id):
        if scope.parent is None:
            step.finish("cancelled", "the modification cancelled every token of the instance")
            return
        parent = step.state.parent_of(scope)
        if _is_inner(step, scope) and step.holds_tokens(parent.id) and len(step.state.children(parent.id)) > 1:
            raise InvalidInput(f"the modification would leave one instance of multi-instance "
                               f"{_label(step, scope.element)} with nothing running while others go on; cancel the "
                               f"whole activity instead")
        step.terminate(scope)
        scope = parent
