"""Hostile models for deployment, made on demand rather than committed as megabyte files: a file with
thousands of schema errors, a 15 MB file of 600,000 tasks, conditions that would allocate hundreds of
megabytes if deployment ran them, and a name of 200,000 characters for the diagram."""
from __future__ import annotations

HEADER = ('<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions '
          'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
          'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
          'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
          'id="d" targetNamespace="http://example.com">\n')


def deploy_schema_errors(count: int = 10_000) -> bytes:
    """One process holding `count` elements the BPMN schema does not allow there, one per line."""
    bad = "".join(f'<bpmn:task id="t{n}" startQuantity="many"/>\n' for n in range(count))
    return f'{HEADER}<bpmn:process id="p" isExecutable="true">\n{bad}</bpmn:process>\n</bpmn:definitions>\n'.encode()


def deploy_many_tasks(count: int = 600_000) -> bytes:
    """`count` tasks that nothing connects, one a line: about 25 bytes a task, 15 MB for 600,000, and a
    problem for each (no incoming sequence flow)."""
    tasks = "".join(f'<bpmn:task id="t{n}"/>\n' for n in range(count))
    return f'{HEADER}<bpmn:process id="p" isExecutable="true">\n{tasks}</bpmn:process>\n</bpmn:definitions>\n'.encode()


def deploy_costly_conditions(gateways: int = 20) -> bytes:
    """Gateways whose conditions read no variable and would each build about 230 MB of text if run."""
    big = "[" + ", ".join(['"x" * 999999'] * 230) + "] == []"
    parts = [HEADER, '<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s"/>\n']
    previous = "s"
    for n in range(gateways):
        parts.append(f'<bpmn:exclusiveGateway id="g{n}" default="d{n}"/>'
                     f'<bpmn:sequenceFlow id="in{n}" sourceRef="{previous}" targetRef="g{n}"/>'
                     f'<bpmn:sequenceFlow id="c{n}" sourceRef="g{n}" targetRef="j{n}">'
                     f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{big}</bpmn:conditionExpression></bpmn:sequenceFlow>'
                     f'<bpmn:sequenceFlow id="d{n}" sourceRef="g{n}" targetRef="j{n}"/>'
                     f'<bpmn:exclusiveGateway id="j{n}"/>\n')
        previous = f"j{n}"
    parts.append(f'<bpmn:endEvent id="e"/><bpmn:sequenceFlow id="fe" sourceRef="{previous}" targetRef="e"/>\n')
    parts.append("</bpmn:process>\n</bpmn:definitions>\n")
    return "".join(parts).encode()


def deploy_long_label(length: int = 200_000, words: bool = False) -> bytes:
    """One task whose name is `length` characters, one word or words, drawn in a diagram."""
    name = ("approve the order " * (length // 18 + 1))[:length] if words else "W" * length
    return f"""{HEADER}<bpmn:process id="p" isExecutable="true">
  <bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>
  <bpmn:task id="t" name="{name}"/><bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/><bpmn:endEvent id="e"/>
</bpmn:process>
<bpmndi:BPMNDiagram id="dia"><bpmndi:BPMNPlane id="plane" bpmnElement="p">
  <bpmndi:BPMNShape id="s_di" bpmnElement="s"><dc:Bounds x="100" y="100" width="36" height="36"/></bpmndi:BPMNShape>
  <bpmndi:BPMNShape id="t_di" bpmnElement="t"><dc:Bounds x="200" y="80" width="100" height="80"/></bpmndi:BPMNShape>
  <bpmndi:BPMNShape id="e_di" bpmnElement="e"><dc:Bounds x="360" y="100" width="36" height="36"/></bpmndi:BPMNShape>
</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>""".encode()
