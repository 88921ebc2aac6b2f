"""Small BPMN documents for the rule tests: a definitions element around what a test writes, and the pieces
most models share (a process, sequence flows, start -> something -> end)."""
from __future__ import annotations

from dataclasses import dataclass

HEADER = ('<?xml version="1.0" encoding="UTF-8"?>\n'
          '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
          'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:tns="http://example.com/rules" '
          'id="defs" targetNamespace="http://example.com/rules"{attributes}>\n')
FORMAL = 'xsi:type="bpmn:tFormalExpression"'
ITEMS = ('<bpmn:itemDefinition id="text" structureRef="string"/>'
         '<bpmn:itemDefinition id="number" structureRef="int"/>'
         '<bpmn:itemDefinition id="texts" structureRef="string" isCollection="true"/>'
         '<bpmn:message id="m" name="order" itemRef="text"/><bpmn:message id="answer" name="answer" itemRef="text"/>'
         '<bpmn:signal id="sig" name="go"/><bpmn:error id="err" errorCode="E1"/>'
         '<bpmn:escalation id="esc" escalationCode="LATE"/><bpmn:escalation id="nocode" name="late"/>'
         '<bpmn:interface id="if1" name="Shop"><bpmn:operation id="op" name="order">'
         '<bpmn:inMessageRef>m</bpmn:inMessageRef><bpmn:outMessageRef>answer</bpmn:outMessageRef>'
         '</bpmn:operation></bpmn:interface>')


def definitions(*parts: str, attributes: str = "", imports: str = "") -> bytes:
    """A whole file: its `imports`, the shared declarations (ITEMS) and `parts`."""
    return (HEADER.format(attributes=attributes) + imports + ITEMS + "".join(parts) + "</bpmn:definitions>").encode()


def process(*body: str, process_id: str = "p", attributes: str = 'isExecutable="true"') -> str:
    return f'<bpmn:process id="{process_id}" {attributes}>{"".join(body)}</bpmn:process>'


def flow(source: str, target: str, flow_id: str | None = None, condition: str | None = None,
         attributes: str = "") -> str:
    ident = flow_id or f"{source}_{target}"
    if condition is None:
        return f'<bpmn:sequenceFlow id="{ident}" sourceRef="{source}" targetRef="{target}" {attributes}/>'
    return (f'<bpmn:sequenceFlow id="{ident}" sourceRef="{source}" targetRef="{target}" {attributes}>'
            f'<bpmn:conditionExpression {FORMAL}>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>')


def chain(*ids: str) -> str:
    return "".join(flow(a, b) for a, b in zip(ids, ids[1:]))


def straight(middle: str, middle_id: str = "t", extra: str = "") -> str:
    """start s -> `middle` -> end e, and `extra` beside them."""
    return f'<bpmn:startEvent id="s"/>{middle}<bpmn:endEvent id="e"/>{chain("s", middle_id, "e")}{extra}'


def file_with(*body: str, parts: str = "", attributes: str = "") -> bytes:
    """A file whose executable process 'p' holds `body`, with `parts` beside the process."""
    return definitions(parts, process(*body), attributes=attributes)


@dataclass(frozen=True)
class Case:
    """A rule, a model that breaks it (and where), and one that keeps it.

    `kept` deploys unless `kept_deploys` is False (the rule concerns something the engine never deploys on its
    own, such as a choreography); then only the absence of the rule's problems is asserted."""

    rule: str
    element: str
    broken: bytes
    kept: bytes
    name: str = ""
    kept_deploys: bool = True

    @property
    def id(self) -> str:
        return f"{self.rule}{'-' + self.name if self.name else ''}"
