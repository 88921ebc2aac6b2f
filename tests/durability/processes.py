"""Small process models for the durability tests."""

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    id="d" targetNamespace="http://example.com">"""

THREE_STEPS = f"""{HEADER}
  <bpmn:process id="three-steps" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="reserve"/>
    <bpmn:serviceTask id="reserve" camunda:type="external" camunda:topic="reserve"/>
    <bpmn:sequenceFlow id="f2" sourceRef="reserve" targetRef="charge"/>
    <bpmn:serviceTask id="charge" camunda:type="external" camunda:topic="charge"/>
    <bpmn:sequenceFlow id="f3" sourceRef="charge" targetRef="ship"/>
    <bpmn:serviceTask id="ship" camunda:type="external" camunda:topic="ship"/>
    <bpmn:sequenceFlow id="f4" sourceRef="ship" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>""".encode()

TIMER_THEN_WORK = f"""{HEADER}
  <bpmn:process id="timer-then-work" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
    <bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition>
      <bpmn:timeDuration>PT1S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="ship"/>
    <bpmn:serviceTask id="ship" camunda:type="external" camunda:topic="ship"/>
    <bpmn:sequenceFlow id="f3" sourceRef="ship" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>""".encode()

MESSAGE_OR_TIMER = f"""{HEADER}
  <bpmn:message id="m" name="payment-received"/>
  <bpmn:process id="message-or-timer" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw"/>
    <bpmn:eventBasedGateway id="gw"/>
    <bpmn:sequenceFlow id="f2" sourceRef="gw" targetRef="paid"/>
    <bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="late"/>
    <bpmn:intermediateCatchEvent id="paid"><bpmn:messageEventDefinition messageRef="m"/></bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="late"><bpmn:timerEventDefinition>
      <bpmn:timeDuration>PT1S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f4" sourceRef="paid" targetRef="end-paid"/>
    <bpmn:sequenceFlow id="f5" sourceRef="late" targetRef="end-late"/>
    <bpmn:endEvent id="end-paid"/><bpmn:endEvent id="end-late"/>
  </bpmn:process>
</bpmn:definitions>""".encode()

USER_TASK = f"""{HEADER}
  <bpmn:process id="approve" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task"/>
    <bpmn:userTask id="task" name="Approve"/>
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>""".encode()

ONE_STEP = f"""{HEADER}
  <bpmn:process id="one-step" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work"/>
    <bpmn:serviceTask id="work" camunda:type="external" camunda:topic="work"/>
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>""".encode()

TASK_WITH_DEADLINE = f"""{HEADER}
  <bpmn:process id="task-with-deadline" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task"/>
    <bpmn:userTask id="task" name="Approve"/>
    <bpmn:boundaryEvent id="deadline" attachedToRef="task"><bpmn:timerEventDefinition>
      <bpmn:timeDuration>PT1S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end-done"/>
    <bpmn:sequenceFlow id="f3" sourceRef="deadline" targetRef="end-late"/>
    <bpmn:endEvent id="end-done"/><bpmn:endEvent id="end-late"/>
  </bpmn:process>
</bpmn:definitions>""".encode()

RECEIVE = f"""{HEADER}
  <bpmn:message id="m" name="paid"/>
  <bpmn:process id="receive" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
    <bpmn:receiveTask id="wait" messageRef="m"/>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>""".encode()
