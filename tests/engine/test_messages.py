"""Messages a process sends (BPMN 10.3.3 send task, 10.5.4 message throw and end events) reach the process
that waits for them across pools: a waiting instance, or a new one started by a message start event.
Only a send task that declares a job worker (a topic, a job type) is work for a worker."""
from __future__ import annotations

import pytest

from bpmn_runtime.errors import BpmnRuntimeError, DeploymentError

from tests.engine.harness import Engine, chain, script

MESSAGE = '<bpmn:message id="m" name="order placed"/>'
CAMUNDA = 'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"'


def _receiver(start: str = '<bpmn:startEvent id="r_start"/>') -> str:
    """Process 'r': waits for the message at a catch event, then runs script `received`."""
    return f"""<bpmn:process id="r" isExecutable="true">{start}
      <bpmn:intermediateCatchEvent id="catch"><bpmn:messageEventDefinition messageRef="m"/></bpmn:intermediateCatchEvent>
      {script("received")}<bpmn:endEvent id="r_end"/>{chain("r_start", "catch", "received", "r_end")}
    </bpmn:process>"""


def _collaboration(sender: str, receiver: str = "catch") -> str:
    return f"""<bpmn:collaboration id="c"><bpmn:participant id="ps" processRef="p"/>
      <bpmn:participant id="pr" processRef="r"/><bpmn:messageFlow id="mf" sourceRef="{sender}" targetRef="{receiver}"/>
    </bpmn:collaboration>"""


SENDERS = {
    "send task": (f'<bpmn:sendTask id="send" messageRef="m"/>{script("after")}<bpmn:endEvent id="end"/>',
                  ("start", "send", "after", "end")),
    "throw event": ('<bpmn:intermediateThrowEvent id="send"><bpmn:messageEventDefinition messageRef="m"/>'
                    f'</bpmn:intermediateThrowEvent>{script("after")}<bpmn:endEvent id="end"/>',
                    ("start", "send", "after", "end")),
    "end event": (f'{script("after")}<bpmn:endEvent id="send"><bpmn:messageEventDefinition messageRef="m"/>'
                  '</bpmn:endEvent>', ("start", "after", "send")),
}


@pytest.mark.parametrize("sender", SENDERS)
def test_a_sent_message_reaches_the_instance_of_the_other_pool_that_waits_for_it(engine: Engine, sender: str) -> None:
    body, path = SENDERS[sender]
    engine.deploy(f"""{_collaboration("send")}<bpmn:process id="p" isExecutable="true">
      <bpmn:startEvent id="start"/>{body}{chain(*path)}</bpmn:process>{_receiver()}""", MESSAGE)
    receiver = engine.start("r")
    sender_instance = engine.start("p", order=7)
    assert engine.trace == ["after", "received"]
    assert engine.status(sender_instance) == engine.status(receiver) == "completed"
    assert engine.variables(receiver)["order"] == 7  # the message carries the sender's variables
    assert engine.runtime.queries.jobs() == []


def test_a_send_task_starts_the_process_whose_message_start_event_it_names(engine: Engine) -> None:
    engine.deploy(f"""{_collaboration("send", "r_start")}<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="start"/>
      {SENDERS["send task"][0]}{chain(*SENDERS["send task"][1])}</bpmn:process>
      <bpmn:process id="r" isExecutable="true"><bpmn:startEvent id="r_start"><bpmn:messageEventDefinition
      messageRef="m"/></bpmn:startEvent>{script("received")}<bpmn:endEvent id="r_end"/>
      {chain("r_start", "received", "r_end")}</bpmn:process>""", MESSAGE)
    engine.start("p")
    assert engine.trace == ["after", "received"]
    started, _ = engine.runtime.queries.instances(process="r")
    assert [i.status for i in started] == ["completed"]


def test_a_send_task_with_a_topic_is_a_job_for_its_worker(engine: Engine) -> None:
    engine.runtime.deploy(f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" {CAMUNDA} id="d"
    targetNamespace="http://example.com/tests">{MESSAGE}<bpmn:process id="p" isExecutable="true">
  <bpmn:startEvent id="start"/><bpmn:sendTask id="send" messageRef="m" camunda:type="external"
  camunda:topic="mailer"/><bpmn:endEvent id="end"/>{chain("start", "send", "end")}</bpmn:process>
</bpmn:definitions>""".encode(), "topic.bpmn")
    instance = engine.start("p")
    assert engine.waiting_at(instance) == ["send"]
    assert [job.topic for job in engine.runtime.queries.jobs()] == ["mailer"]


def test_an_instantiating_receive_task_starts_its_process_when_its_message_is_sent(engine: Engine) -> None:
    """BPMN 10.3.3: a receive task with instantiate="true" (and no incoming flow) starts the process; the message that
    starts it is the one it receives."""
    engine.deploy(f"""{_collaboration("send", "first")}<bpmn:process id="p" isExecutable="true">
      <bpmn:startEvent id="start"/>{SENDERS["throw event"][0]}{chain(*SENDERS["throw event"][1])}</bpmn:process>
      <bpmn:process id="r" isExecutable="true"><bpmn:receiveTask id="first" messageRef="m" instantiate="true"/>
      {script("received")}<bpmn:endEvent id="r_end"/>{chain("first", "received", "r_end")}</bpmn:process>""", MESSAGE)
    engine.start("p", order=3)
    assert engine.trace == ["after", "received"]
    started, _ = engine.runtime.queries.instances(process="r")
    assert [i.status for i in started] == ["completed"]
    assert engine.variables(started[0].id)["order"] == 3


def test_an_instantiating_event_based_gateway_starts_its_process_at_the_event_that_occurs(engine: Engine) -> None:
    """BPMN 10.6.6: the first of the gateway's events starts the process, which goes on from that event."""
    engine.deploy(f"""<bpmn:process id="r" isExecutable="true">
      <bpmn:eventBasedGateway id="g" instantiate="true" eventGatewayType="Exclusive"/>
      <bpmn:intermediateCatchEvent id="paid"><bpmn:messageEventDefinition messageRef="m"/></bpmn:intermediateCatchEvent>
      <bpmn:intermediateCatchEvent id="cancelled"><bpmn:messageEventDefinition messageRef="m2"/>
      </bpmn:intermediateCatchEvent>{script("ship")}{script("refund")}<bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>
      {chain("g", "paid", "ship", "e1")}{chain("g", "cancelled", "refund", "e2")}</bpmn:process>""",
                  f'{MESSAGE}<bpmn:message id="m2" name="order cancelled"/>')
    engine.runtime.correlate_message("order cancelled")
    assert engine.trace == ["refund"]
    started, _ = engine.runtime.queries.instances(process="r")
    assert [i.status for i in started] == ["completed"]
    with pytest.raises(BpmnRuntimeError, match="no single none start event"):
        engine.start("r")


def test_an_instantiating_event_based_gateway_of_type_parallel_is_refused(engine: Engine) -> None:
    """BPMN 10.6.6: with eventGatewayType Parallel every event of the gateway joins one instance; this engine starts
    one at the first event, so it refuses the type rather than run it differently."""
    with pytest.raises(DeploymentError, match="g: an event-based gateway of type Parallel"):
        engine.deploy(f"""<bpmn:process id="r" isExecutable="true">
          <bpmn:eventBasedGateway id="g" instantiate="true" eventGatewayType="Parallel"/>
          <bpmn:intermediateCatchEvent id="paid"><bpmn:messageEventDefinition messageRef="m"/>
          </bpmn:intermediateCatchEvent>{script("ship")}<bpmn:endEvent id="e1"/>{chain("g", "paid", "ship", "e1")}
        </bpmn:process>""", MESSAGE)


def test_a_message_end_event_with_a_job_type_is_a_job_for_its_worker_which_sends_the_message(engine: Engine) -> None:
    """Camunda 8 runs a message throw or end event that has a job type as a job: its worker sends the message,
    so the engine starts no instance of the process the message would start."""
    engine.runtime.deploy(f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="http://x"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0">{MESSAGE}<bpmn:process id="p" isExecutable="true">
  <bpmn:startEvent id="start"/><bpmn:endEvent id="send"><bpmn:extensionElements>
  <zeebe:taskDefinition type="mailer"/></bpmn:extensionElements><bpmn:messageEventDefinition messageRef="m"/>
  </bpmn:endEvent>{chain("start", "send")}</bpmn:process>
  <bpmn:process id="r" isExecutable="true"><bpmn:startEvent id="r_start"><bpmn:messageEventDefinition messageRef="m"/>
  </bpmn:startEvent><bpmn:endEvent id="r_end"/>{chain("r_start", "r_end")}</bpmn:process></bpmn:definitions>""".encode(),
                          "job.bpmn")
    sender = engine.start("p")
    assert engine.waiting_at(sender) == ["send"]
    [job] = engine.runtime.acquire_jobs("w", ["mailer"])
    engine.runtime.complete_job(job.job_id, "w")
    assert engine.status(sender) == "completed"
    assert engine.runtime.queries.instances(process="r")[1] == 0  # the worker sends the message, not the engine


def _camunda_7(sender_body: str, path: tuple[str, ...], marks: str) -> bytes:
    """A file made for Camunda 7 (`marks`): process 'p' sends from `sender_body`, process 'r' waits at 'catch'."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" {marks} id="d"
    targetNamespace="http://example.com/tests">{MESSAGE}{_collaboration("send")}<bpmn:process id="p" isExecutable="true">
  <bpmn:startEvent id="start"/>{sender_body}{chain(*path)}</bpmn:process>{_receiver()}</bpmn:definitions>""".encode()


CAMUNDA_7_FILES = pytest.mark.parametrize("marks", [
    CAMUNDA, 'xmlns:modeler="http://camunda.org/schema/modeler/1.0" modeler:executionPlatform="Camunda Platform"'])


@CAMUNDA_7_FILES
@pytest.mark.parametrize("sender", ["throw event", "end event"])
def test_in_a_camunda_7_file_a_message_throw_without_an_implementation_sends_nothing(
        engine: Engine, sender: str, marks: str) -> None:
    """Camunda 7's BpmnParse runs a message throw or end event without an implementation as a none event: the
    message reaches nobody (a plain BPMN file delivers it, see above)."""
    engine.runtime.deploy(_camunda_7(*SENDERS[sender], marks), "c7.bpmn")
    receiver = engine.start("r")
    sender_instance = engine.start("p")
    assert engine.status(sender_instance) == "completed" and engine.trace == ["after"]
    assert engine.status(receiver) == "active" and engine.waiting_at(receiver) == ["catch"]
    assert engine.runtime.queries.jobs() == []


@CAMUNDA_7_FILES
@pytest.mark.parametrize("sender", ["throw event", "end event"])
def test_in_a_camunda_7_file_a_message_throw_with_an_external_implementation_is_a_job_that_sends_it(
        engine: Engine, sender: str, marks: str) -> None:
    body, path = SENDERS[sender]
    body = body.replace('messageRef="m"/>', 'messageRef="m" camunda:type="external" camunda:topic="mailer"/>')
    engine.runtime.deploy(_camunda_7(body, path, f"{marks} {CAMUNDA}" if marks != CAMUNDA else marks), "c7.bpmn")
    receiver = engine.start("r")
    sender_instance = engine.start("p")
    assert engine.waiting_at(sender_instance) == ["send"]
    [job] = engine.runtime.acquire_jobs("w", ["mailer"])
    engine.runtime.complete_job(job.job_id, "w")
    assert engine.status(sender_instance) == "completed"
    assert engine.waiting_at(receiver) == ["catch"]  # the worker sends the message, not the engine


@CAMUNDA_7_FILES
def test_in_a_camunda_7_file_a_send_task_without_an_implementation_is_a_job_on_its_id(
        engine: Engine, marks: str) -> None:
    """Camunda 7 refuses it; here it is a job on its element id, as a service task without an implementation is,
    and the engine does not send the message itself."""
    engine.runtime.deploy(_camunda_7(*SENDERS["send task"], marks), "c7.bpmn")
    receiver = engine.start("r")
    sender_instance = engine.start("p")
    assert engine.waiting_at(sender_instance) == ["send"]
    [job] = engine.runtime.acquire_jobs("w", ["send"])
    engine.runtime.complete_job(job.job_id, "w")
    assert engine.status(sender_instance) == "completed" and engine.trace == ["after"]
    assert engine.waiting_at(receiver) == ["catch"]


def test_in_a_camunda_7_file_an_external_implementation_without_a_topic_is_refused(engine: Engine) -> None:
    body = SENDERS["throw event"][0].replace('messageRef="m"/>', 'messageRef="m" camunda:type="external"/>')
    with pytest.raises(DeploymentError, match="send: an external implementation needs a topic"):
        engine.runtime.deploy(_camunda_7(body, SENDERS["throw event"][1], CAMUNDA), "c7.bpmn")
