"""Camunda 7 semantics end to end (issue 14, "Camunda 7 semantics"): each test deploys a Camunda 7 model on the
real runtime (a SQLite file), runs it through the public API and reads what Camunda 7 would give.

Asynchronous continuations wait for a worker (`run_due_timers` here) before and after activities, before the
events and gateways a token arrives at, and before and after the body of a multi-instance activity; those the
engine cannot place as Camunda 7 does are refused where they are set. JUEL is evaluated with EL's rules.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator
from xml.sax.saxutils import escape, quoteattr

import pytest

from bpmn_runtime.errors import DeploymentError
from tests.engine.harness import Engine

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
    xmlns:modeler="http://camunda.org/schema/modeler/1.0" modeler:executionPlatform="Camunda Platform"
    id="c7" targetNamespace="http://example.com/c7">
"""


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    harness = Engine(f"sqlite:///{tmp_path / 'c7.db'}")
    yield harness
    harness.runtime.close()


def deploy(engine: Engine, processes: str, name: str = "c7.bpmn") -> None:
    engine.runtime.deploy(f"{HEADER}{processes}</bpmn:definitions>".encode(), name)


def process(elements: str, *path: str, key: str = "p") -> str:
    """Process `key` with `elements`, linked in the order of `path` by sequence flows."""
    flows = "".join(f'<bpmn:sequenceFlow id="{key}_{a}_{b}" sourceRef="{a}" targetRef="{b}"/>'
                    for a, b in zip(path, path[1:]))
    return f'<bpmn:process id="{key}" isExecutable="true">{elements}{flows}</bpmn:process>'


def refused(engine: Engine, processes: str) -> list[tuple[str, str]]:
    with pytest.raises(DeploymentError) as error:
        deploy(engine, processes)
    return [(problem.element_id, problem.message) for problem in error.value.problems]


def waiting_at(engine: Engine, instance: int) -> list[str]:
    return engine.waiting_at(instance)


def tasks(engine: Engine) -> list[Any]:
    return sorted(engine.runtime.queries.tasks(everyone=True)[0], key=lambda task: task.name)


# --- asynchronous continuations -----------------------------------------------------------------------------

def test_async_before_and_after_wait_for_a_worker(engine: Engine) -> None:
    deploy(engine, process('<bpmn:startEvent id="s"/><bpmn:task id="t" name="Check" camunda:async="true"/>'
                           '<bpmn:task id="u" name="File" camunda:asyncAfter="true"/><bpmn:endEvent id="e"/>',
                           "s", "t", "u", "e"))
    instance = engine.start()
    assert waiting_at(engine, instance) == ["t"]  # camunda:async is the old name of asyncBefore
    assert engine.runtime.run_due_timers() == 1
    assert waiting_at(engine, instance) == ["u"]  # u has run and waits to go on
    assert engine.runtime.run_due_timers() == 1
    assert engine.status(instance) == "completed"


def test_events_and_gateways_a_token_arrives_at_continue_asynchronously(engine: Engine) -> None:
    deploy(engine, process(
        '<bpmn:startEvent id="s" camunda:asyncBefore="true"/>'
        '<bpmn:intermediateThrowEvent id="sent" camunda:asyncBefore="true"/>'
        '<bpmn:exclusiveGateway id="g" camunda:asyncBefore="true" default="to_e"/>'
        '<bpmn:endEvent id="e" camunda:asyncBefore="true"/><bpmn:endEvent id="other"/>'
        '<bpmn:sequenceFlow id="to_e" sourceRef="g" targetRef="e"/>'
        '<bpmn:sequenceFlow id="to_other" sourceRef="g" targetRef="other">'
        '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${skip}</bpmn:conditionExpression>'
        '</bpmn:sequenceFlow>', "s", "sent", "g"))
    instance = engine.start(skip=False)
    seen = []
    while engine.status(instance) == "active":
        seen.append(waiting_at(engine, instance))
        assert engine.runtime.run_due_timers() == 1
    assert seen == [["s"], ["sent"], ["g"], ["e"]]


def test_events_continue_asynchronously_after_they_occur(engine: Engine) -> None:
    deploy(engine, process(
        '<bpmn:startEvent id="s" camunda:asyncAfter="true"/>'
        '<bpmn:intermediateThrowEvent id="sent" camunda:asyncAfter="true"/>'
        '<bpmn:endEvent id="e" camunda:asyncAfter="true"/>', "s", "sent", "e"))
    instance = engine.start()
    seen = []
    while engine.status(instance) == "active":
        seen.append(waiting_at(engine, instance))
        assert engine.runtime.run_due_timers() == 1
    assert seen == [["s"], ["sent"], ["e"]]
    assert engine.status(instance) == "completed"


@pytest.mark.parametrize("asynchronous", [True, False])
def test_a_loop_through_an_asynchronous_gateway_waits_each_round_and_is_not_endless(engine: Engine,
                                                                                   asynchronous: bool) -> None:
    model = process(f'<bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="g" '
                    f'camunda:asyncBefore="{str(asynchronous).lower()}"/><bpmn:task id="t" name="Poll"/>',
                    "s", "g", "t", "g")
    if not asynchronous:
        assert [element for element, _ in refused(engine, model)] == ["g"]
        return
    deploy(engine, model)
    instance = engine.start()
    for _ in range(3):
        assert waiting_at(engine, instance) == ["g"]
        assert engine.runtime.run_due_timers() == 1


def test_continuations_the_engine_cannot_place_as_camunda_7_does_are_refused_where_they_are_set(
        engine: Engine) -> None:
    problems = refused(engine, process(
        '<bpmn:startEvent id="s"/><bpmn:parallelGateway id="fork"/>'
        '<bpmn:exclusiveGateway id="note" name="Noted" camunda:asyncAfter="true"/>'
        '<bpmn:task id="review" name="Review"><bpmn:multiInstanceLoopCharacteristics camunda:collection="items" '
        'camunda:asyncBefore="true"/></bpmn:task>'
        '<bpmn:parallelGateway id="join" name="Both done" camunda:asyncBefore="true"/>'
        '<bpmn:intermediateThrowEvent id="shout" name="Shout"><bpmn:signalEventDefinition signalRef="sig" '
        'camunda:async="true"/></bpmn:intermediateThrowEvent><bpmn:endEvent id="e"/>',
        "s", "fork", "note", "join", "shout", "e").replace(
        "</bpmn:process>", '<bpmn:sequenceFlow id="f_r" sourceRef="fork" targetRef="review"/>'
                           '<bpmn:sequenceFlow id="r_j" sourceRef="review" targetRef="join"/></bpmn:process>')
        .replace('<bpmn:process', '<bpmn:signal id="sig" name="go"/><bpmn:process'))
    by_element = dict(problems)
    assert set(by_element) == {"note", "review", "join", "shout"}
    assert by_element["note"].startswith("camunda:asyncAfter on 'Noted' (note): this engine continues "
                                         "asynchronously after activities and after start, intermediate and end "
                                         "events, not after this exclusive gateway")
    assert "each instance of a multi-instance activity" in by_element["review"]
    assert "Multi-instance, Asynchronous continuations" in by_element["review"]
    assert by_element["join"].startswith("camunda:asyncBefore on 'Both done' (join): this engine does not continue "
                                         "asynchronously before this parallel gateway: a gateway that joins")
    assert "Asynchronous continuations, Before" in by_element["join"]
    assert by_element["shout"].startswith("camunda:async on 'Shout' (shout): a signal whose catchers run in jobs")


def test_an_event_subprocess_and_its_start_do_not_continue_asynchronously_and_say_why(engine: Engine) -> None:
    problems = refused(engine, process(
        '<bpmn:startEvent id="s"/><bpmn:userTask id="t"/><bpmn:endEvent id="e"/>'
        '<bpmn:subProcess id="sub" name="On cancel" triggeredByEvent="true" camunda:asyncBefore="true">'
        '<bpmn:startEvent id="cancel" name="Cancelled" camunda:asyncBefore="true"><bpmn:messageEventDefinition '
        'messageRef="m"/></bpmn:startEvent><bpmn:endEvent id="sub_end"/>'
        '<bpmn:sequenceFlow id="sf" sourceRef="cancel" targetRef="sub_end"/></bpmn:subProcess>', "s", "t", "e")
        .replace("<bpmn:process", '<bpmn:message id="m" name="cancel"/><bpmn:process'))
    assert dict(problems) == {
        "sub": "camunda:asyncBefore on 'On cancel' (sub): this engine does not continue asynchronously before this "
               "event subprocess: an event subprocess starts when its start event occurs (properties panel: "
               "Asynchronous continuations, Before); remove it",
        "cancel": "camunda:asyncBefore on 'Cancelled' (cancel): this engine does not continue asynchronously before "
                  "this start event: the start event of an event subprocess occurs in the scope around it "
                  "(properties panel: Asynchronous continuations, Before); remove it"}


def test_multi_instance_collection_element_variable_and_async_body(engine: Engine) -> None:
    deploy(engine, process(
        '<bpmn:startEvent id="s"/><bpmn:userTask id="review" name="Review by ${who} (${loopCounter})" '
        'camunda:assignee="${who}" camunda:asyncBefore="true" camunda:asyncAfter="true">'
        '<bpmn:multiInstanceLoopCharacteristics camunda:collection="${reviewers}" camunda:elementVariable="who"/>'
        '</bpmn:userTask><bpmn:userTask id="again" name="Again ${who}">'
        '<bpmn:multiInstanceLoopCharacteristics isSequential="true" camunda:collection="reviewers" '
        'camunda:elementVariable="who"/></bpmn:userTask><bpmn:endEvent id="e"/>', "s", "review", "again", "e"))
    instance = engine.start(reviewers=["ann", "bob"])
    assert waiting_at(engine, instance) == ["review"] and tasks(engine) == []  # one continuation before the body
    assert engine.runtime.run_due_timers() == 1
    assert [(task.name, task.assignee) for task in tasks(engine)] == [("Review by ann (0)", "ann"),
                                                                      ("Review by bob (1)", "bob")]
    for task in tasks(engine):
        engine.runtime.complete_task(task.id)
    assert waiting_at(engine, instance) == ["review"] and tasks(engine) == []  # one continuation after it
    assert engine.runtime.run_due_timers() == 1
    for expected in ("Again ann", "Again bob"):  # a plain variable name is the collection too
        [task] = tasks(engine)
        assert task.name == expected
        engine.runtime.complete_task(task.id)
    assert engine.status(instance) == "completed"


# --- texts, lists and results -------------------------------------------------------------------------------

def test_candidate_lists_mix_names_and_expressions(engine: Engine) -> None:
    deploy(engine, process('<bpmn:startEvent id="s"/><bpmn:userTask id="t" name="Approve" '
                           'camunda:candidateUsers="ann, ${second}" camunda:candidateGroups="${groups}"/>'
                           '<bpmn:endEvent id="e"/>', "s", "t", "e"))
    engine.start(second="bob", groups=["sales", "legal"])
    [task] = tasks(engine)
    assert (task.candidate_users, task.candidate_groups) == (["ann", "bob"], ["sales", "legal"])


def test_a_script_tasks_result_variable_gets_its_result(engine: Engine) -> None:
    deploy(engine, process('<bpmn:startEvent id="s"/><bpmn:scriptTask id="t" scriptFormat="python" '
                           'camunda:resultVariable="total"><bpmn:script>result = price * 2</bpmn:script>'
                           '</bpmn:scriptTask><bpmn:endEvent id="e"/>', "s", "t", "e"))
    instance = engine.start(price=21)
    assert engine.status(instance) == "completed"
    assert engine.variables(instance)["total"] == 42


# --- task listeners ------------------------------------------------------------------------------------------

def listened(create: str, complete: str) -> str:
    """A user task whose create and complete listeners hold only when their expression is true: an expression
    listener's value is discarded, so each reads the unset variable `failed` (an error) otherwise."""
    def holds(expression: str) -> str:
        return escape(f"${{{expression} ? true : failed}}").replace('"', "&quot;")
    return process(f'<bpmn:startEvent id="s"/><bpmn:userTask id="t" name="Approve ${{customer}}" '
                   f'camunda:assignee="${{owner}}" camunda:priority="70"><bpmn:extensionElements>'
                   f'<camunda:taskListener event="create" expression="{holds(create)}"/>'
                   f'<camunda:taskListener event="complete" expression="{holds(complete)}"/>'
                   f'</bpmn:extensionElements></bpmn:userTask><bpmn:endEvent id="e"/>', "s", "t", "e")


def test_task_listener_expressions_read_the_task(engine: Engine) -> None:
    deploy(engine, listened(
        "task.name == 'Approve Ada' and task.assignee == 'ann' and task.priority == 70 and task.eventName == 'create' "
        "and task.taskDefinitionKey == 't' and task.getVariable('customer') == 'Ada' and task.getName() == task.name "
        "and task.processInstanceId == execution.processInstanceId",
        "task.eventName == 'complete' and task.name == 'Approve Ada' and task.getVariable('answer') == 'yes'"))
    instance = engine.start(customer="Ada", owner="ann")
    assert engine.runtime.queries.incidents() == []
    [task] = tasks(engine)
    engine.runtime.complete_task(task.id, {"answer": "yes"})
    assert engine.status(instance) == "completed"


@pytest.mark.parametrize("create, complete, reason", [
    ("task.name == 'Approve Bob'", "true", "no variable named 'failed'"),
    ("true", "task.assignee == 'ann'", "the task's assignee is known to its create listeners only"),
])
def test_a_task_listener_reading_what_it_cannot_know_or_what_is_not_so_is_an_incident(
        engine: Engine, create: str, complete: str, reason: str) -> None:
    deploy(engine, listened(create, complete))
    instance = engine.start(customer="Ada", owner="ann")
    for task in tasks(engine):
        engine.runtime.complete_task(task.id)
    [incident] = engine.runtime.queries.incidents()
    assert reason in incident.message and engine.status(instance) == "active"


# --- call activities ----------------------------------------------------------------------------------------

CHILD = process('<bpmn:startEvent id="cs"/><bpmn:scriptTask id="w" scriptFormat="python"><bpmn:script>'
                'answer = VERSION</bpmn:script></bpmn:scriptTask><bpmn:endEvent id="ce"/>', "cs", "w", "ce",
                key="child")


def test_called_element_binding_latest_calls_the_newest_version(engine: Engine) -> None:
    deploy(engine, CHILD.replace("VERSION", "1"), "child.bpmn")
    deploy(engine, process('<bpmn:startEvent id="s"/><bpmn:callActivity id="c" calledElement="child" '
                           'camunda:calledElementBinding="latest"><bpmn:extensionElements>'
                           '<camunda:out source="answer" target="answer"/></bpmn:extensionElements>'
                           '</bpmn:callActivity><bpmn:endEvent id="e"/>', "s", "c", "e"), "parent.bpmn")
    deploy(engine, CHILD.replace("VERSION", "2"), "child.bpmn")
    instance = engine.start()
    assert engine.variables(instance) == {"answer": 2}


@pytest.mark.parametrize("version, variables", [("1", {}), ("${wanted}", {"wanted": 1})])
def test_called_element_binding_version_calls_that_version(engine: Engine, version: str,
                                                           variables: dict[str, Any]) -> None:
    deploy(engine, CHILD.replace("VERSION", "1"), "child.bpmn")
    deploy(engine, CHILD.replace("VERSION", "2"), "child.bpmn")
    deploy(engine, process(f'<bpmn:startEvent id="s"/><bpmn:callActivity id="c" calledElement="child" '
                           f'camunda:calledElementBinding="version" camunda:calledElementVersion="{version}">'
                           f'<bpmn:extensionElements><camunda:out source="answer" target="answer"/>'
                           f'</bpmn:extensionElements></bpmn:callActivity><bpmn:endEvent id="e"/>', "s", "c", "e"),
           "parent.bpmn")
    instance = engine.start(**variables)
    assert engine.variables(instance) == {**variables, "answer": 1}


@pytest.mark.parametrize("binding, reason", [
    ('camunda:calledElementBinding="deployment"', "camunda:calledElementBinding on 'Check' (c): the called "
                                                  "process's version is chosen here only by Binding latest"),
    ('camunda:calledElementBinding="versionTag" camunda:calledElementVersionTag="v1"',
     "camunda:calledElementVersionTag on 'Check' (c): a version is not chosen by its tag here"),
    ('camunda:calledElementVersion="2"', "camunda:calledElementVersion on 'Check' (c): a version is called only "
                                         "with Binding version"),
    ('camunda:calledElementBinding="version" camunda:calledElementVersion="two"',
     "the called version 'two' is not a version number"),
])
def test_a_call_bound_by_deployment_or_tag_is_refused(engine: Engine, binding: str, reason: str) -> None:
    problems = refused(engine, CHILD + process(f'<bpmn:startEvent id="s"/><bpmn:callActivity id="c" name="Check" '
                                               f'calledElement="child" {binding}/><bpmn:endEvent id="e"/>',
                                               "s", "c", "e"))
    assert {element for element, _ in problems} == {"c"}
    assert any(reason in message for _, message in problems), problems


# --- JUEL, as Camunda 7 evaluates it ------------------------------------------------------------------------

JUEL = [
    ("${amount > 10 ? 'big' : 'small'}", "big"),
    ("${7 div 2}", 3.5),
    ("${7 mod 2}", 1),
    ("${7 / 2}", 3.5),
    ("${empty note}", True),
    ("${empty items}", False),
    ("${not vip}", True),
    ("${amount gt 10 and not vip or false}", True),
    ("${amount eq 12 && amount ne 11}", True),
    ("${amount lt 13 and amount le 12 and amount ge 12 and !(amount gt 12)}", True),
    ('${execution.getVariable("amount")}', 12),
    ("${execution.getVariable('nothing')}", None),
    ("${execution.processBusinessKey}", "order-7"),
    ("${execution.getCurrentActivityId()}", "t"),
    ("${execution.currentActivityName}", "Compute"),
    ("${mail.from}", "ann@example.com"),
    ('${"1" + 2}', 3),
    ("${missing.street}", None),
    ("${customer.substring(0, 3)}", "Ada"),
    ("${customer.contains('Love')}", True),
    ("${customer.startsWith('Ada')}", True),
    ("${customer.toUpperCase()}", "ADA LOVELACE"),
    ("${customer.length()}", 12),
    ("${customer.equals('Ada Lovelace')}", True),
    ("${note.isEmpty()}", True),
    ("${items.size()}", 3),
    ("${items.get(1)}", "b"),
    ("${items.contains('c')}", True),
    ("${items.isEmpty()}", False),
    ("${address.containsKey('city')}", True),
    ("${address.get('city')}", "Paris"),
    ("${address.city}", "Paris"),
    ("order_${amount}_${customer.substring(0, 3)}", "order_12_Ada"),
    ("${S(payload).prop('customer').prop('name').stringValue()}", "Ada"),
    ("${S(payload).prop('lines').elements().get(1).prop('qty').numberValue() * 2}", 6),
    ("${S(payload).hasProp('discount') ? 'discounted' : 'full price'}", "full price"),
    ("${S(text).prop('vip').boolValue() and S(text).prop('note').isNull()}", True),
    ("${JSON(payload).prop('customer')}", {"name": "Ada"}),
]


def test_juel_evaluates_as_el_does_in_a_running_instance(engine: Engine) -> None:
    outputs = "".join(f'<camunda:outputParameter name="r{i}">{escape(text)}</camunda:outputParameter>'
                      for i, (text, _) in enumerate(JUEL))
    deploy(engine, process(f'<bpmn:startEvent id="s"/><bpmn:task id="t" name="Compute"><bpmn:extensionElements>'
                           f'<camunda:inputOutput>{outputs}</camunda:inputOutput></bpmn:extensionElements>'
                           f'</bpmn:task><bpmn:endEvent id="e"/>', "s", "t", "e"))
    instance = engine.runtime.start("p", {
        "amount": 12, "vip": False, "note": "", "items": ["a", "b", "c"], "missing": None,
        "mail": {"from": "ann@example.com"}, "customer": "Ada Lovelace", "address": {"city": "Paris"},
        "payload": {"customer": {"name": "Ada"}, "lines": [{"qty": 1}, {"qty": 3}]},
        "text": '{"vip": true, "note": null}',
    }, business_key="order-7")
    assert engine.status(instance) == "completed"
    found = engine.variables(instance)
    assert [(text, found[f"r{i}"]) for i, (text, _) in enumerate(JUEL)] == JUEL


def test_juel_reads_the_instance_id_and_the_date_from_the_engine(engine: Engine) -> None:
    deploy(engine, process('<bpmn:startEvent id="s"/><bpmn:task id="t"><bpmn:extensionElements><camunda:inputOutput>'
                           '<camunda:outputParameter name="id">${execution.getProcessInstanceId()}'
                           '</camunda:outputParameter><camunda:outputParameter name="tomorrow">'
                           '${dateTime().plusDays(1).toDate()}</camunda:outputParameter></camunda:inputOutput>'
                           '</bpmn:extensionElements></bpmn:task><bpmn:endEvent id="e"/>', "s", "t", "e"))
    instance = engine.start()
    assert engine.variables(instance) == {"id": str(instance), "tomorrow": "2026-01-02T00:00:00.000Z"}


@pytest.mark.parametrize("text, reason", [
    ("${XML(payload).attr('x')}", "Camunda Spin's XML reading"),
    ("${orderService.check(execution)}", "calls the Java method 'check'"),
    ("${execution.setVariable('x', 1)}", "would change the process instance"),
    ("${execution.getProcessEngineServices()}", "the execution offers only"),
    ("${execution.activityInstanceId}", "the execution offers only the properties"),
])
def test_java_only_juel_is_refused_at_deployment_naming_the_element_and_the_call(
        engine: Engine, text: str, reason: str) -> None:
    problems = refused(engine, process(f'<bpmn:startEvent id="s"/><bpmn:userTask id="t" name="Check" '
                                       f'camunda:assignee={quoteattr(text)}/>'
                                       f'<bpmn:endEvent id="e"/>', "s", "t", "e"))
    assert len(problems) == 1
    element, message = problems[0]
    assert element == "t" and reason in message
