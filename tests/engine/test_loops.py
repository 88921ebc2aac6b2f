"""Loops and token counts: standard loops, multi-instance bodies and their behaviors, start/completion
quantities."""
from __future__ import annotations

import pytest

from tests.engine.harness import Engine, chain, flow, script

SIGNALS = '<bpmn:signal id="s" name="progress"/><bpmn:signalEventDefinition id="progress" signalRef="s"/>'


def _loop(engine: Engine, characteristics: str, code: str = "n = n + 1") -> None:
    engine.deploy(f"""<bpmn:process id="p" isExecutable="true">
      <bpmn:startEvent id="start"/>{script("body", characteristics, code)}{script("after")}<bpmn:endEvent id="end"/>
      {chain("start", "body", "after", "end")}
    </bpmn:process>""", SIGNALS)


@pytest.mark.parametrize(("test_before", "start", "runs"), [("false", 5, 1), ("true", 5, 0), ("false", 0, 3)])
def test_a_standard_loop_repeats_while_its_condition_holds(engine: Engine, test_before: str, start: int,
                                                           runs: int) -> None:
    _loop(engine, f"""<bpmn:standardLoopCharacteristics testBefore="{test_before}">
      <bpmn:loopCondition xsi:type="bpmn:tFormalExpression">n &lt; 3</bpmn:loopCondition>
    </bpmn:standardLoopCharacteristics>""")
    assert engine.run_to_end(n=start) == ["body"] * runs + ["after"]


def test_a_standard_loop_stops_at_its_loop_maximum(engine: Engine) -> None:
    _loop(engine, """<bpmn:standardLoopCharacteristics loopMaximum="3">
      <bpmn:loopCondition xsi:type="bpmn:tFormalExpression">true</bpmn:loopCondition>
    </bpmn:standardLoopCharacteristics>""")
    engine.start(n=0)
    assert engine.trace == ["body"] * 3 + ["after"]


@pytest.mark.parametrize("sequential", ["true", "false"])
def test_a_multi_instance_activity_runs_once_per_instance(engine: Engine, sequential: str) -> None:
    _loop(engine, f"""<bpmn:multiInstanceLoopCharacteristics isSequential="{sequential}">
      <bpmn:loopCardinality xsi:type="bpmn:tFormalExpression">3</bpmn:loopCardinality>
    </bpmn:multiInstanceLoopCharacteristics>""")
    assert engine.status(engine.start(n=0)) == "completed"
    assert engine.trace == ["body"] * 3 + ["after"]


def _three_instances_with_signal_boundary(engine: Engine, behavior: str, definitions: str = "") -> None:
    """A sequential multi-instance script task (three instances) with a signal boundary event."""
    engine.deploy(f"""<bpmn:process id="p" isExecutable="true">
      <bpmn:startEvent id="start"/>
      {script("body", f'''<bpmn:multiInstanceLoopCharacteristics isSequential="true" {behavior}>
        <bpmn:loopCardinality xsi:type="bpmn:tFormalExpression">3</bpmn:loopCardinality>{definitions}
      </bpmn:multiInstanceLoopCharacteristics>''')}
      <bpmn:boundaryEvent id="b" attachedToRef="body"><bpmn:signalEventDefinition signalRef="s"/></bpmn:boundaryEvent>
      {script("after")}{script("noted")}<bpmn:endEvent id="end"/><bpmn:endEvent id="end2"/>
      {chain("start", "body", "after", "end")}{chain("b", "noted", "end2")}
    </bpmn:process>""", SIGNALS)


@pytest.mark.parametrize(("behavior", "expected"), [
    ('behavior="None" noneBehaviorEventRef="progress"', ["body", "noted"] * 3 + ["after"]),
    ('behavior="One" oneBehaviorEventRef="progress"', ["body", "noted", "body", "body", "after"]),
    ('behavior="All"', ["body"] * 3 + ["after"]),
])
def test_multi_instance_behavior_events_reach_the_boundary_without_interrupting(
        engine: Engine, behavior: str, expected: list[str]) -> None:
    """BPMN 10.2.8: None throws for every completed instance, One for the first, All never."""
    _three_instances_with_signal_boundary(engine, behavior)
    assert engine.status(engine.start()) == "completed"
    assert sorted(engine.trace) == sorted(expected)


def test_a_complex_behavior_throws_its_event_and_cancels_the_remaining_instances(engine: Engine) -> None:
    _three_instances_with_signal_boundary(engine, 'behavior="Complex"', """<bpmn:complexBehaviorDefinition>
      <bpmn:condition xsi:type="bpmn:tFormalExpression">nrOfCompletedInstances == 2</bpmn:condition>
      <bpmn:event><bpmn:signalEventDefinition signalRef="s"/></bpmn:event></bpmn:complexBehaviorDefinition>""")
    assert engine.status(engine.start()) == "completed"
    assert sorted(engine.trace) == ["after", "body", "body", "noted"]


def test_completion_and_start_quantities_send_and_wait_for_several_tokens(engine: Engine) -> None:
    """BPMN 13.3.2: completionQuantity tokens leave on each flow; startQuantity tokens must arrive."""
    engine.deploy(f"""<bpmn:process id="p" isExecutable="true">
      <bpmn:startEvent id="start"/>
      <bpmn:scriptTask id="twice" completionQuantity="2"><bpmn:script>run</bpmn:script></bpmn:scriptTask>
      {script("middle")}
      <bpmn:scriptTask id="joined" startQuantity="2"><bpmn:script>run</bpmn:script></bpmn:scriptTask>
      <bpmn:endEvent id="end"/>{chain("start", "twice", "middle", "joined", "end")}
    </bpmn:process>""")
    assert engine.status(engine.start()) == "completed"
    assert engine.trace == ["twice", "middle", "middle", "joined"]


def test_an_activity_waiting_for_more_tokens_than_arrive_never_starts(engine: Engine) -> None:
    engine.deploy(f"""<bpmn:process id="p" isExecutable="true">
      <bpmn:startEvent id="start"/>{script("first")}
      <bpmn:scriptTask id="needs_two" startQuantity="2"><bpmn:script>run</bpmn:script></bpmn:scriptTask>
      <bpmn:endEvent id="end"/>{chain("start", "first", "needs_two")}{flow("needs_two", "end")}
    </bpmn:process>""")
    instance = engine.start()
    assert engine.trace == ["first"]
    assert engine.status(instance) == "active"


def test_a_parallel_multi_instance_whose_completion_condition_holds_cancels_the_rest_without_their_effects(
        engine: Engine) -> None:
    """Instances run one at a time until they wait (as Camunda 7 starts them); once the completion condition
    holds, the instances not yet completed are cancelled, and what their scripts wrote never reaches the
    process: each instance keeps its writes until it completes."""
    inner = f"""<bpmn:startEvent id="s"/>{script("mark", code="last = loopCounter")}<bpmn:exclusiveGateway id="x"/>
      <bpmn:receiveTask id="wait" messageRef="m"/><bpmn:endEvent id="e"/><bpmn:endEvent id="e2"/>
      {chain("s", "mark", "x")}{flow("x", "e", "loopCounter == 2")}{flow("x", "wait", "loopCounter != 2")}
      {chain("wait", "e2")}"""
    engine.deploy(f"""<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="start"/>
      <bpmn:subProcess id="each"><bpmn:multiInstanceLoopCharacteristics isSequential="false">
        <bpmn:loopCardinality xsi:type="bpmn:tFormalExpression">3</bpmn:loopCardinality>
        <bpmn:completionCondition xsi:type="bpmn:tFormalExpression">nrOfCompletedInstances &gt;= 1
        </bpmn:completionCondition></bpmn:multiInstanceLoopCharacteristics>{inner}</bpmn:subProcess>
      {script("after")}<bpmn:endEvent id="end"/>{chain("start", "each", "after", "end")}
    </bpmn:process>""", '<bpmn:message id="m" name="go"/>')
    instance = engine.start(last=0)
    assert engine.trace == ["mark", "mark", "after"]  # the third instance never started
    assert engine.status(instance) == "completed"
    assert engine.variables(instance)["last"] == 2  # not 1: the first instance was cancelled while it waited


def test_a_cancel_end_event_in_one_instance_of_a_multi_instance_transaction_cancels_them_all(engine: Engine) -> None:
    """BPMN 10.3.2: the instance that reached the cancel end event is compensated and the transaction is left by its
    cancel boundary event; the other instances end with it."""
    inner = f"""<bpmn:startEvent id="s"/>{script("book")}
      <bpmn:boundaryEvent id="cb" attachedToRef="book"><bpmn:compensateEventDefinition/></bpmn:boundaryEvent>
      <bpmn:scriptTask id="undo" isForCompensation="true"><bpmn:script>run</bpmn:script></bpmn:scriptTask>
      <bpmn:exclusiveGateway id="x"/><bpmn:receiveTask id="wait" messageRef="m"/>
      <bpmn:endEvent id="abort"><bpmn:cancelEventDefinition/></bpmn:endEvent><bpmn:endEvent id="e"/>
      {chain("s", "book", "x")}{flow("x", "abort", "loopCounter == 1")}{flow("x", "wait", "loopCounter != 1")}
      {chain("wait", "e")}<bpmn:association id="a" associationDirection="One" sourceRef="cb" targetRef="undo"/>"""
    engine.deploy(f"""<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="start"/>
      <bpmn:transaction id="tx"><bpmn:multiInstanceLoopCharacteristics isSequential="false">
        <bpmn:loopCardinality xsi:type="bpmn:tFormalExpression">2</bpmn:loopCardinality>
        </bpmn:multiInstanceLoopCharacteristics>{inner}</bpmn:transaction>
      <bpmn:boundaryEvent id="cancelled" attachedToRef="tx"><bpmn:cancelEventDefinition/></bpmn:boundaryEvent>
      {script("after")}{script("on_cancel")}<bpmn:endEvent id="end"/><bpmn:endEvent id="end2"/>
      {chain("start", "tx", "after", "end")}{chain("cancelled", "on_cancel", "end2")}
    </bpmn:process>""", '<bpmn:message id="m" name="go"/>')
    instance = engine.start()
    assert engine.trace == ["book", "book", "undo", "on_cancel"]
    assert engine.status(instance) == "completed" and engine.waiting_at(instance) == []
