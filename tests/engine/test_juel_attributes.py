"""Camunda 7 attributes that embed `${...}`: task names, assignees, candidates, due dates, mappings,
message names and called elements are evaluated where the token is, with `execution` at hand."""
from __future__ import annotations

from typing import Any

import pytest

from bpmn_runtime.errors import DeploymentError
from tests.engine.harness import Engine, chain, flow, script

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
    id="tests" targetNamespace="http://example.com/tests">
"""


def deploy(engine: Engine, body: str) -> None:
    engine.runtime.deploy(f"{HEADER}{body}</bpmn:definitions>".encode(), "juel.bpmn")


def user_task(attributes: str, name: str = "Review ${order.id}") -> str:
    return f"""<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="start"/>
      <bpmn:userTask id="review" name="{name}" {attributes}/><bpmn:endEvent id="end"/>
      {chain("start", "review", "end")}</bpmn:process>"""


def only_task(engine: Engine) -> Any:
    tasks, _ = engine.runtime.queries.tasks(everyone=True)
    assert len(tasks) == 1
    return tasks[0]


def test_user_task_attributes_embed_expressions(engine: Engine) -> None:
    deploy(engine, user_task('camunda:assignee="${order.owner}" camunda:candidateUsers="${reviewers}" '
                             'camunda:candidateGroups="team_${order.region}" '
                             'camunda:dueDate="${dateTime().plusDays(2).toDate()}" camunda:priority="${order.rush ? 90 : 10}"'))
    engine.start(order={"id": 7, "owner": "ada", "region": "eu", "rush": True}, reviewers=["bob", "carol"])
    task = only_task(engine)
    assert task.name == "Review 7"
    assert (task.assignee, task.candidate_users, task.candidate_groups) == ("ada", ["bob", "carol"], ["team_eu"])
    assert task.due == "2026-01-03T00:00:00.000Z"  # the virtual clock starts on 2026-01-01
    assert task.priority == 90


def test_a_task_name_without_expressions_is_kept_as_it_is(engine: Engine) -> None:
    deploy(engine, user_task("", name="Approve {order} $5 #1"))
    engine.start()
    assert only_task(engine).name == "Approve {order} $5 #1"


def test_input_mappings_may_embed_expressions_in_text(engine: Engine) -> None:
    deploy(engine, f"""<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="start"/>
      <bpmn:scriptTask id="t"><bpmn:extensionElements><camunda:inputOutput>
        <camunda:inputParameter name="user">kermit_${{attempt}}</camunda:inputParameter>
        <camunda:inputParameter name="key">${{execution.processBusinessKey}}</camunda:inputParameter>
        <camunda:inputParameter name="plain">no expression</camunda:inputParameter>
        <camunda:outputParameter name="result">${{user}}/${{key}}/${{plain}}</camunda:outputParameter>
      </camunda:inputOutput></bpmn:extensionElements><bpmn:script>run</bpmn:script></bpmn:scriptTask>
      <bpmn:endEvent id="end"/>{chain("start", "t", "end")}</bpmn:process>""")
    instance = engine.runtime.start("p", {"attempt": 3}, business_key="BK-9")
    assert engine.variables(instance)["result"] == "kermit_3/BK-9/no expression"


def test_conditions_read_the_execution(engine: Engine) -> None:
    deploy(engine, f"""<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="start"/>
      <bpmn:exclusiveGateway id="g" default="other"/>{script("vip")}{script("normal")}<bpmn:endEvent id="end"/>
      {flow("start", "g")}{flow("g", "vip", '${execution.processBusinessKey.startsWith("VIP")}')}
      {flow("g", "normal", flow_id="other")}{chain("vip", "end")}{flow("normal", "end")}</bpmn:process>""")
    engine.runtime.start("p", {}, business_key="VIP-1")
    assert engine.trace == ["vip"]


def test_message_names_embed_expressions(engine: Engine) -> None:
    deploy(engine, f"""<bpmn:message id="m" name="paid-${{order}}"/>
    <bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="start"/>
      <bpmn:intermediateCatchEvent id="wait"><bpmn:messageEventDefinition messageRef="m"/></bpmn:intermediateCatchEvent>
      <bpmn:endEvent id="end"/>{chain("start", "wait", "end")}</bpmn:process>""")
    paid, unpaid = engine.start(order=12), engine.start(order=13)
    engine.runtime.correlate_message("paid-12")
    assert (engine.status(paid), engine.status(unpaid)) == ("completed", "active")


def test_java_only_calls_in_attributes_are_refused_at_deployment(engine: Engine) -> None:
    with pytest.raises(DeploymentError) as caught:
        deploy(engine, user_task('camunda:assignee="${userService.pick(order)}"'))
    assert "review: refused \"${userService.pick(order)}\": line 1, column 3: 'userService.pick(...)' calls the " \
           "Java method 'pick'" in str(caught.value)


def test_signal_names_embed_expressions_where_thrown_and_caught(engine: Engine) -> None:
    deploy(engine, f"""<bpmn:signal id="s" name="go-${{region}}"/>
    <bpmn:process id="waiter" isExecutable="true"><bpmn:startEvent id="w1"/>
      <bpmn:intermediateCatchEvent id="catch"><bpmn:signalEventDefinition signalRef="s"/></bpmn:intermediateCatchEvent>
      <bpmn:endEvent id="w2"/>{chain("w1", "catch", "w2")}</bpmn:process>
    <bpmn:process id="thrower" isExecutable="true"><bpmn:startEvent id="t1"/>
      <bpmn:intermediateThrowEvent id="throw"><bpmn:signalEventDefinition signalRef="s"/></bpmn:intermediateThrowEvent>
      <bpmn:endEvent id="t2"/>{chain("t1", "throw", "t2")}</bpmn:process>""")
    eu, us = engine.start("waiter", region="eu"), engine.start("waiter", region="us")
    engine.start("thrower", region="eu")
    assert (engine.status(eu), engine.status(us)) == ("completed", "active")


def test_timers_computed_by_expressions_follow_the_engines_clock(engine: Engine) -> None:
    deploy(engine, f"""<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="start"/>
      <bpmn:intermediateCatchEvent id="soon"><bpmn:timerEventDefinition>
        <bpmn:timeDate xsi:type="bpmn:tFormalExpression">${{dateTime().plusMinutes(minutes).toDate()}}</bpmn:timeDate>
      </bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
      <bpmn:intermediateCatchEvent id="later"><bpmn:timerEventDefinition>
        <bpmn:timeDuration xsi:type="bpmn:tFormalExpression">PT${{minutes}}M</bpmn:timeDuration>
      </bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
      <bpmn:endEvent id="end"/>{chain("start", "soon", "later", "end")}</bpmn:process>""")
    instance = engine.start(minutes=5)
    engine.settle(seconds=299)
    assert engine.waiting_at(instance) == ["soon"]
    engine.settle(seconds=700)
    assert engine.status(instance) == "completed"
