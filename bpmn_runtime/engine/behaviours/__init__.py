"""One behaviour per element family; `behaviour_for` picks the one for an element's kind.

Adding an element kind means adding its behaviour here, not touching the step.
"""
from __future__ import annotations

from bpmn_runtime.engine.behaviours.base import Behaviour
from bpmn_runtime.engine.behaviours.decisions import BusinessRuleTask
from bpmn_runtime.engine.behaviours.events import (
    BoundaryEvent, EndEvent, IntermediateCatchEvent, IntermediateThrowEvent, StartEvent,
)
from bpmn_runtime.engine.behaviours.gateways import (
    ComplexGateway, EventBasedGateway, ExclusiveGateway, InclusiveGateway, ParallelGateway,
)
from bpmn_runtime.engine.behaviours.subprocesses import AdHocSubProcess, CallActivity, SubProcess
from bpmn_runtime.engine.behaviours.tasks import JobTask, ReceiveTask, ScriptTask, Task, UserTask
from bpmn_runtime.model import Element

BEHAVIOURS: dict[str, Behaviour] = {
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
    "sendTask": JobTask(),
    "businessRuleTask": BusinessRuleTask(),
    "receiveTask": ReceiveTask(),
    "subProcess": SubProcess(),
    "transaction": SubProcess(),
    "adHocSubProcess": AdHocSubProcess(),
    "callActivity": CallActivity(),
    "exclusiveGateway": ExclusiveGateway(),
    "parallelGateway": ParallelGateway(),
    "inclusiveGateway": InclusiveGateway(),
    "complexGateway": ComplexGateway(),
    "eventBasedGateway": EventBasedGateway(),
}


def behaviour_for(element: Element) -> Behaviour:
    return BEHAVIOURS[element.kind]
