"""Models for the task-rule and id tests: a user task with a form, assignments and properties as a
modeler's Camunda 7 panel writes them."""
from __future__ import annotations

from tests.integrity.models import HEADER


def task_process(process_id: str = "approve", *, form: str = "", assignee: str = "", groups: str = "clerks",
                 properties: str = "", multi: bool = False) -> bytes:
    """Start, one user task (optionally a multi-instance one over `items`), end."""
    fields = f"<camunda:formData>{form}</camunda:formData>" if form else ""
    props = f"<camunda:properties>{properties}</camunda:properties>" if properties else ""
    extensions = f"<bpmn:extensionElements>{fields}{props}</bpmn:extensionElements>" if fields or props else ""
    loop = ('<bpmn:multiInstanceLoopCharacteristics isSequential="true" camunda:collection="${items}" '
            'camunda:elementVariable="item"/>') if multi else ""
    assigned = f' camunda:assignee="{assignee}"' if assignee else ""
    return f"""{HEADER}
  <bpmn:process id="{process_id}" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1"/>
    <bpmn:sequenceFlow id="f1" sourceRef="StartEvent_1" targetRef="task"/>
    <bpmn:userTask id="task" name="Approve"{assigned} camunda:candidateGroups="{groups}">{extensions}{loop}
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


APPROVAL_FORM = """
  <camunda:formField id="approved" label="Approved?" type="boolean"/>
  <camunda:formField id="comment" label="Comment" type="string">
    <camunda:validation><camunda:constraint name="maxlength" config="200"/></camunda:validation>
  </camunda:formField>
  <camunda:formField id="amount" label="Amount" type="long">
    <camunda:validation><camunda:constraint name="readonly"/></camunda:validation>
  </camunda:formField>"""


def service_task(process_id: str = "charge") -> bytes:
    return f"""{HEADER}
  <bpmn:process id="{process_id}" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1"/>
    <bpmn:sequenceFlow id="f1" sourceRef="StartEvent_1" targetRef="job"/>
    <bpmn:serviceTask id="job" name="Charge" camunda:type="external" camunda:topic="charge"/>
    <bpmn:sequenceFlow id="f2" sourceRef="job" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>""".encode()
