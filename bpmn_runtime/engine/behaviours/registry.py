"""Which behaviour runs what: the one lookup the step uses.

An activity instance is run by the behaviour of its element's kind, unless it is a body (the process
itself, a multi-instance body, a compensation run) or stands for a parked token. A token arriving at a
multi-instance activity enters its body. Adding an element kind means adding its behaviour here, not
touching the step.
"""
from __future__ import annotations

from bpmn_runtime.engine.behaviours.base import Behaviour, StepContext
from bpmn_runtime.engine.behaviours.boundaries import BoundaryEvent
from bpmn_runtime.engine.behaviours.compensation import CompensationRunBehaviour
from bpmn_runtime.engine.behaviours.event_subprocesses import StartEvent
from bpmn_runtime.engine.behaviours.events import EndEvent, IntermediateCatchEvent, IntermediateThrowEvent
from bpmn_runtime.engine.behaviours.gateways import (
    ComplexGateway, EventBasedGateway, ExclusiveGateway, InclusiveGateway, ParallelGateway,
    fire_ready_inclusive_joins, reset_ready_complex_gateways,
)
from bpmn_runtime.engine.behaviours.multi_instance import MultiInstanceBodyBehaviour, start_waiting_inner_instances
from bpmn_runtime.engine.behaviours.subprocesses import (
    AdHocSubProcess, CallActivity, EventSubProcess, ProcessBehaviour, SubProcess, Transaction,
)
from bpmn_runtime.engine.behaviours.decisions import BusinessRuleTask
from bpmn_runtime.engine.behaviours.tasks import JobTask, ReceiveTask, ScriptTask, SendTask, Task, UserTask
from bpmn_runtime.engine.state import ActivityInstance, MultiInstanceBody
from bpmn_runtime.model import Element, Process


class ParkedToken(Behaviour):
    """A token stopped on its way to an element (see `IncidentRecord`): nothing of the element has run, so
    when it is terminated nothing ends and nothing is recorded."""

    def ended(self, ctx: StepContext, ai: ActivityInstance, how: str) -> None:
        pass


BY_KIND: dict[str, Behaviour] = {
    "startEvent": StartEvent(),
    "endEvent": EndEvent(),
    "intermediateCatchEvent": IntermediateCatchEvent(),
    "intermediateThrowEvent": IntermediateThrowEvent(),
    "boundaryEvent": BoundaryEvent(),
    "task": Task(),
    "manualTask": Task(),
    "scriptTask": ScriptTask(),
    "userTask": UserTask(),
    "serviceTask": JobTask(),
    "sendTask": SendTask(),
    "businessRuleTask": BusinessRuleTask(),
    "receiveTask": ReceiveTask(),
    "subProcess": SubProcess(),
    "eventSubProcess": EventSubProcess(),  # a subProcess with triggeredByEvent
    "transaction": Transaction(),
    "adHocSubProcess": AdHocSubProcess(),
    "callActivity": CallActivity(),
    "exclusiveGateway": ExclusiveGateway(),
    "parallelGateway": ParallelGateway(),
    "inclusiveGateway": InclusiveGateway(),
    "complexGateway": ComplexGateway(),
    "eventBasedGateway": EventBasedGateway(),
}
PROCESS = ProcessBehaviour()
MULTI_INSTANCE_BODY = MultiInstanceBodyBehaviour()
COMPENSATION_RUN = CompensationRunBehaviour()
PARKED = ParkedToken()

# What the step runs when nothing else is left to do; each returns True when it set tokens moving.
SETTLERS = (fire_ready_inclusive_joins, reset_ready_complex_gateways, start_waiting_inner_instances)


def behaviour_for(element: Element) -> Behaviour:
    """The behaviour of the element's kind."""
    return BY_KIND["eventSubProcess" if element.triggered_by_event else element.kind]


def arrival_behaviour(element: Element) -> Behaviour:
    """What a token arriving at `element` enters: a multi-instance activity's body, else the element."""
    if element.loop is not None and element.loop.multi_instance:
        return MULTI_INSTANCE_BODY
    return behaviour_for(element)


def element_behaviours(process: Process) -> dict[str, Behaviour]:
    """`behaviour_for` of every element of `process`, looked up once per definition (see `Process.derived`): the
    step asks for an activity instance's behaviour several times per element it passes."""
    return process.derived(_element_behaviours)


def _element_behaviours(process: Process) -> dict[str, Behaviour]:
    return {element_id: behaviour_for(element) for element_id, element in process.elements.items()}


def behaviour_of(ai: ActivityInstance, element_behaviours: dict[str, Behaviour]) -> Behaviour:
    """The behaviour that runs activity instance `ai`, given the behaviours of its process's elements."""
    body = ai.body
    if body is not None:
        return MULTI_INSTANCE_BODY if isinstance(body, MultiInstanceBody) else COMPENSATION_RUN
    if ai.parked:
        return PARKED
    return PROCESS if ai.parent is None else element_behaviours.get(ai.element, PROCESS)
