"""BPMN 2.0 rules checked at deployment: each invalid model is refused with a message naming the rule."""
from __future__ import annotations

import pytest

from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.parser import parse
from tests.engine.harness import HEADER, chain, flow

ITEMS = '<bpmn:itemDefinition id="text" structureRef="string"/><bpmn:itemDefinition id="number" ' \
        'structureRef="int"/><bpmn:itemDefinition id="texts" structureRef="string" isCollection="true"/>' \
        '<bpmn:message id="m" name="order" itemRef="text"/><bpmn:escalation id="esc" escalationCode="LATE"/>'


def process(body: str, process_id: str = "p", attributes: str = "") -> str:
    return f'<bpmn:process id="{process_id}" isExecutable="true" {attributes}>{body}</bpmn:process>'


def straight(middle: str, middle_id: str = "t") -> str:
    """start -> the middle element -> end."""
    return f'<bpmn:startEvent id="s"/>{middle}<bpmn:endEvent id="e"/>{chain("s", middle_id, "e")}'


def problems(xml: str) -> list[str]:
    with pytest.raises(DeploymentError) as refused:
        parse(f"{HEADER}{ITEMS}{xml}</bpmn:definitions>".encode(), "rules.bpmn")
    return [problem.message for problem in refused.value.problems]


def test_a_valid_model_with_data_and_a_collaboration_deploys() -> None:
    xml = f"""<bpmn:collaboration id="c">
      <bpmn:participant id="shop" processRef="p"/><bpmn:participant id="customer"/>
      <bpmn:messageFlow id="mf" sourceRef="customer" targetRef="t"/></bpmn:collaboration>
    {process(straight('''<bpmn:receiveTask id="t" messageRef="m"><bpmn:ioSpecification>
        <bpmn:dataOutput id="out" itemSubjectRef="text"/><bpmn:inputSet/>
        <bpmn:outputSet><bpmn:dataOutputRefs>out</bpmn:dataOutputRefs></bpmn:outputSet></bpmn:ioSpecification>
      </bpmn:receiveTask><bpmn:dataObject id="list" itemSubjectRef="texts" isCollection="true"/>'''))}"""
    definitions = parse(f"{HEADER}{ITEMS}{xml}</bpmn:definitions>".encode(), "valid.bpmn")
    assert list(definitions.processes) == ["p"]


@pytest.mark.parametrize(("xml", "expected"), [
    (process(straight('<bpmn:task id="t" startQuantity="0"/>')), "startQuantity and completionQuantity"),
    (process(straight('<bpmn:task id="t"/>') + '<bpmn:task id="x"/>' + flow("x", "e")), "has no incoming sequence"),
    (process('<bpmn:startEvent id="s"/><bpmn:task id="t"/>' + chain("s", "t")), "has a start event but no end"),
    (process(straight('<bpmn:task id="t"/>').replace(flow("t", "e"), flow("t", "e", "ok"))),
     "the only outgoing sequence flow of an activity cannot have a condition"),
    (process(straight('<bpmn:exclusiveGateway id="t" gatewayDirection="Mixed"/>') + flow("t", "e", "ok", "t_e2")),
     'gatewayDirection="Mixed"'),
    (process(straight('<bpmn:receiveTask id="t" messageRef="m" instantiate="true"/>')), 'instantiate="true"'),
    (process('<bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="t"/><bpmn:endEvent id="e"/>'
             '<bpmn:endEvent id="f"/>' + flow("s", "t") + flow("t", "e", "1") + flow("t", "f", "true")),
     'the condition "1" is always 1'),
    (process(straight('<bpmn:intermediateThrowEvent id="t"><bpmn:escalationEventDefinition/>'
                      '</bpmn:intermediateThrowEvent>')), "does not name the escalation it throws"),
    (process(straight('<bpmn:intermediateCatchEvent id="t"><bpmn:conditionalEventDefinition><bpmn:condition/>'
                      '</bpmn:conditionalEventDefinition></bpmn:intermediateCatchEvent>')),
     "the conditional event has no condition"),
    (process(straight('<bpmn:task id="t"/>') + '<bpmn:intermediateThrowEvent id="j"><bpmn:linkEventDefinition '
                                               'name="L"/></bpmn:intermediateThrowEvent>' + flow("s", "j")),
     "needs exactly one link catch event"),
    (process(straight('<bpmn:adHocSubProcess id="t"><bpmn:startEvent id="inner"/></bpmn:adHocSubProcess>')),
     "an ad-hoc subprocess cannot contain start or end events"),
    (process(straight('<bpmn:task id="t"/>') + '<bpmn:subProcess id="ev" triggeredByEvent="true">'
                                               '<bpmn:startEvent id="es"><bpmn:messageEventDefinition messageRef="m"/>'
                                               '</bpmn:startEvent><bpmn:endEvent id="ee"/>' + chain("es", "ee") +
             '</bpmn:subProcess>' + flow("t", "ev")), "an event subprocess cannot have incoming or outgoing"),
], ids=["quantity", "unreachable", "no-end", "lone-condition", "direction", "instantiate", "constant-condition",
        "escalation-ref", "empty-condition", "link", "ad-hoc-events", "event-subprocess-flow"])
def test_process_graph_rules(xml: str, expected: str) -> None:
    assert any(expected in message for message in problems(xml)), problems(xml)


def test_constant_juel_conditions_are_coerced_as_el_does_before_they_are_judged() -> None:
    xml = process('<bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="t"/><bpmn:endEvent id="e"/>'
                  '<bpmn:endEvent id="f"/>' + flow("s", "t") + flow("t", "e", "${1}") + flow("t", "f", "${'true'}"))
    found = [message for message in problems(xml) if "always" in message]
    assert len(found) == 1 and 'the condition "${1}" is always 1' in found[0], found


EVENT_GATEWAY = f"""<bpmn:startEvent id="s"/><bpmn:eventBasedGateway id="g"/>
  <bpmn:intermediateCatchEvent id="c"><bpmn:messageEventDefinition messageRef="m"/></bpmn:intermediateCatchEvent>
  <bpmn:receiveTask id="r" messageRef="m"/><bpmn:endEvent id="e"/>
  {flow("s", "g")}{flow("g", "c")}{flow("g", "r")}{flow("c", "e")}{flow("r", "e")}"""


@pytest.mark.parametrize(("xml", "expected"), [
    (process(EVENT_GATEWAY), "either for message catch events or for receive tasks"),
    ('<bpmn:collaboration id="c"><bpmn:participant id="pool" processRef="p"/>'
     '<bpmn:messageFlow id="mf" sourceRef="t" targetRef="pool"/></bpmn:collaboration>'
     + process(straight('<bpmn:task id="t"/>')), "which are in the same pool"),
    ('<bpmn:collaboration id="c"><bpmn:participant id="pool" processRef="p"/><bpmn:participant id="other"/>'
     '<bpmn:messageFlow id="mf" sourceRef="s" targetRef="other"/></bpmn:collaboration>'
     + process(straight('<bpmn:task id="t"/>')), "cannot send messages"),
    ('<bpmn:message id="bad" itemRef="p"/>' + process(straight('<bpmn:task id="t"/>')),
     "itemRef 'p' names a bpmn:process, but must name a bpmn:itemDefinition"),
    (process(straight('<bpmn:task id="t"><bpmn:documentation textFormat="plain"/></bpmn:task>')),
     "is not a MIME type"),
    (process(straight('<bpmn:task id="t"/>'), attributes='processType="Public"'), "a public process"),
])
def test_references_collaborations_and_documentation(xml: str, expected: str) -> None:
    assert any(expected in message for message in problems(xml)), problems(xml)


@pytest.mark.parametrize(("xml", "expected"), [
    (process(straight('<bpmn:task id="t"/><bpmn:dataObject id="d" itemSubjectRef="texts"/>')),
     'isCollection="false" contradicts its item definition'),
    (process(straight('<bpmn:subProcess id="t"><bpmn:ioSpecification><bpmn:inputSet/><bpmn:outputSet/>'
                      '</bpmn:ioSpecification></bpmn:subProcess>')), "a subprocess cannot have its own data"),
    (process(straight('<bpmn:sendTask id="t" messageRef="m"><bpmn:ioSpecification><bpmn:dataInput id="i" '
                      'itemSubjectRef="number"/><bpmn:inputSet><bpmn:dataInputRefs>i</bpmn:dataInputRefs>'
                      '</bpmn:inputSet><bpmn:outputSet/></bpmn:ioSpecification></bpmn:sendTask>')),
     "but message 'm' carries item definition 'text'"),
    (process(straight('<bpmn:callActivity id="t" calledElement="q"/>'))
     + process('<bpmn:ioSpecification><bpmn:dataInput id="need" itemSubjectRef="text"/><bpmn:inputSet>'
               '<bpmn:dataInputRefs>need</bpmn:dataInputRefs></bpmn:inputSet><bpmn:outputSet/></bpmn:ioSpecification>'
               '<bpmn:startEvent id="qs"/><bpmn:endEvent id="qe"/>' + chain("qs", "qe"), "q"),
     "do not match those of the called 'q'"),
    ('<bpmn:escalation id="late" escalationCode="LATER" structureRef="text"/>'
     + process(straight('<bpmn:intermediateThrowEvent id="t"><bpmn:dataInput id="i" itemSubjectRef="number"/>'
                        '<bpmn:inputSet><bpmn:dataInputRefs>i</bpmn:dataInputRefs></bpmn:inputSet>'
                        '<bpmn:escalationEventDefinition escalationRef="late"/></bpmn:intermediateThrowEvent>')),
     "but 'late' carries item definition 'text'"),
], ids=["is-collection", "subprocess-io", "send-task-message", "call-activity-data", "event-data"])
def test_data_rules(xml: str, expected: str) -> None:
    assert any(expected in message for message in problems(xml)), problems(xml)
