"""BPMN correlation keys and correlation subscriptions decide which instance a message reaches; the engine does
not correlate by them, so a file declaring them is refused at the declaration rather than run with them ignored."""
from __future__ import annotations

from pathlib import Path

import pytest

from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.runtime import Runtime

PROCESS = """<bpmn:process id="p" isExecutable="{executable}">
    <bpmn:startEvent id="s"/>
    <bpmn:intermediateCatchEvent id="w"><bpmn:messageEventDefinition messageRef="m"/></bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="w"/><bpmn:sequenceFlow id="f2" sourceRef="w" targetRef="e"/>
    {subscription}</bpmn:process>"""
KEY = """<bpmn:collaboration id="c"><bpmn:participant id="pp" processRef="p"/>
    <bpmn:correlationKey id="ck" name="order"><bpmn:correlationPropertyRef>orderProp</bpmn:correlationPropertyRef>
    </bpmn:correlationKey></bpmn:collaboration>"""
SUBSCRIPTION = """<bpmn:correlationSubscription id="cs" correlationKeyRef="ck">
      <bpmn:correlationPropertyBinding correlationPropertyRef="orderProp"><bpmn:dataPath>orderId</bpmn:dataPath>
      </bpmn:correlationPropertyBinding></bpmn:correlationSubscription>"""


def _file(key: str = KEY, subscription: str = SUBSCRIPTION, executable: str = "true") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="http://x">
  {key}
  <bpmn:correlationProperty id="orderProp" name="orderId">
    <bpmn:correlationPropertyRetrievalExpression messageRef="m"><bpmn:messagePath>orderId</bpmn:messagePath>
    </bpmn:correlationPropertyRetrievalExpression></bpmn:correlationProperty>
  <bpmn:message id="m" name="paid"/>
  {PROCESS.format(executable=executable, subscription=subscription)}
</bpmn:definitions>""".encode()


def test_a_correlation_key_and_subscription_are_refused_where_they_are_declared(tmp_path: Path) -> None:
    with pytest.raises(DeploymentError) as refused:
        Runtime(f"sqlite:///{tmp_path / 'engine.db'}").deploy(_file(), "order.bpmn")
    problems = [(p.element_id, p.line, p.message.split(";")[0]) for p in refused.value.problems]
    assert problems == [
        ("ck", 4, "the correlation key 'order' picks the instance a message reaches by its correlation properties"),
        ("cs", 15, "the process binds correlation properties to its data (correlationSubscription)"),
    ]
    assert all("this engine does not correlate messages by their correlation properties" in p.message
               for p in refused.value.problems)


def test_correlation_properties_alone_change_nothing_and_deploy(tmp_path: Path) -> None:
    runtime = Runtime(f"sqlite:///{tmp_path / 'engine.db'}")
    runtime.deploy(_file(key="", subscription=""), "order.bpmn")
    instance = runtime.start("p", business_key="o-1")
    assert runtime.correlate_message("paid", "o-1") == instance
