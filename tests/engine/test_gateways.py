"""Gateways and conditional flows: exclusive, inclusive, parallel, event-based, and default flows."""
from __future__ import annotations

import pytest

from tests.engine.harness import Engine, chain, flow, script, timer

START_END = '<bpmn:startEvent id="start"/><bpmn:endEvent id="end"/>'


@pytest.mark.parametrize(("value", "expected"), [(1, ["a"]), (2, ["b"]), (3, ["other"])])
def test_exclusive_gateway_takes_the_first_true_flow_else_its_default(engine: Engine, value: int,
                                                                         expected: list[str]) -> None:
    engine.deploy(f"""<bpmn:process id="p" isExecutable="true">{START_END}
      <bpmn:exclusiveGateway id="x" default="x__other"/>{script("a")}{script("b")}{script("other")}
      {flow("start", "x")}{flow("x", "a", "n == 1")}{flow("x", "b", "n == 2")}{flow("x", "other")}
      <bpmn:exclusiveGateway id="merge"/>{chain("a", "merge")}{chain("b", "merge")}{chain("other", "merge", "end")}
    </bpmn:process>""")
    assert engine.run_to_end(n=value) == expected


def test_exclusive_gateway_without_a_true_flow_raises_an_incident(engine: Engine) -> None:
    engine.deploy(f"""<bpmn:process id="p" isExecutable="true">{START_END}
      <bpmn:exclusiveGateway id="x"/>{script("a")}{script("b")}
      {flow("start", "x")}{flow("x", "a", "n == 1")}{flow("x", "b", "n == 2")}{chain("a", "end")}{chain("b", "end")}
    </bpmn:process>""")
    instance = engine.start(n=3)
    assert engine.trace == []
    assert [i.element_id for i in engine.runtime.queries.incidents()] == ["x"]
    assert engine.status(instance) == "active"


def _split_and_join(engine: Engine, kind: str) -> None:
    """A split and a join of `kind`; the split's flows to `a` and `b` have the conditions `a` and `b`."""
    engine.deploy(f"""<bpmn:process id="p" isExecutable="true">{START_END}
      <bpmn:{kind} id="split"/><bpmn:{kind} id="join"/>{script("a")}{script("b")}{script("after")}
      {flow("start", "split")}{flow("split", "a", "a")}{flow("split", "b", "b")}
      {chain("a", "join")}{chain("b", "join", "after", "end")}
    </bpmn:process>""")


@pytest.mark.parametrize(("a", "b", "expected"), [
    (True, True, ["a", "b", "after"]), (True, False, ["a", "after"]), (False, True, ["b", "after"])])
def test_inclusive_join_waits_for_every_branch_the_split_took(engine: Engine, a: bool, b: bool,
                                                               expected: list[str]) -> None:
    _split_and_join(engine, "inclusiveGateway")
    instance = engine.start(a=a, b=b)
    assert sorted(engine.trace) == sorted(expected)
    assert engine.trace.count("after") == 1
    assert engine.status(instance) == "completed"


def test_parallel_gateway_takes_every_flow_without_evaluating_conditions(engine: Engine) -> None:
    _split_and_join(engine, "parallelGateway")
    engine.start(a=False, b=False)
    assert sorted(engine.trace) == ["a", "after", "b"]


def test_an_activity_takes_its_default_flow_when_no_conditional_flow_holds_besides_unconditional_ones(
        engine: Engine) -> None:
    """BPMN 13.2.1: the default flow of an activity ignores its unconditional outgoing flows."""
    engine.deploy(f"""<bpmn:process id="p" isExecutable="true">
      <bpmn:startEvent id="start"/><bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/><bpmn:endEvent id="e3"/>
      <bpmn:scriptTask id="first" default="first__fallback"><bpmn:script>run</bpmn:script></bpmn:scriptTask>
      {script("conditional")}{script("plain")}{script("fallback")}
      {flow("start", "first")}{flow("first", "conditional", "go")}{flow("first", "plain")}{flow("first", "fallback")}
      {chain("conditional", "e1")}{chain("plain", "e2")}{chain("fallback", "e3")}
    </bpmn:process>""")
    engine.start(go=False)
    assert sorted(engine.trace) == ["fallback", "first", "plain"]
    engine.trace.clear()
    engine.start(go=True)
    assert sorted(engine.trace) == ["conditional", "first", "plain"]


def _event_gateway(engine: Engine) -> None:
    engine.deploy(f"""<bpmn:process id="p" isExecutable="true">{START_END}
      <bpmn:eventBasedGateway id="g"/>
      <bpmn:intermediateCatchEvent id="paid"><bpmn:messageEventDefinition messageRef="m"/></bpmn:intermediateCatchEvent>
      <bpmn:intermediateCatchEvent id="late">{timer("Duration", "PT1H")}</bpmn:intermediateCatchEvent>
      {script("ship")}{script("remind")}
      {flow("start", "g")}{flow("g", "paid")}{flow("g", "late")}{chain("paid", "ship", "end")}{chain("late", "remind")}
      {flow("remind", "end")}
    </bpmn:process>""", '<bpmn:message id="m" name="payment"/>')


def test_event_based_gateway_takes_the_message_that_comes_first(engine: Engine) -> None:
    _event_gateway(engine)
    instance = engine.start()
    engine.runtime.correlate_message("payment")
    engine.settle()
    assert engine.trace == ["ship"]
    assert engine.status(instance) == "completed"


def test_event_based_gateway_takes_the_timer_when_no_message_comes(engine: Engine) -> None:
    _event_gateway(engine)
    instance = engine.start()
    engine.settle()
    assert engine.trace == ["remind"]
    assert engine.status(instance) == "completed"


def _complex_join(engine: Engine, outgoing: str) -> None:
    """A complex split to `a`, `b` and `c` (taken when the variable of that name is true; `c` after a timer
    of an hour) joined by a complex gateway `g` that activates once two tokens are there; `outgoing` are
    its outgoing flows and what they lead to."""
    engine.deploy(f"""<bpmn:process id="p" isExecutable="true">{START_END}
      <bpmn:complexGateway id="split"/>{script("a")}{script("b")}{script("c")}
      <bpmn:intermediateCatchEvent id="wait">{timer("Duration", "PT1H")}</bpmn:intermediateCatchEvent>
      <bpmn:complexGateway id="g"><bpmn:activationCondition xsi:type="bpmn:tFormalExpression">activationCount &gt;= 2
      </bpmn:activationCondition></bpmn:complexGateway>
      {flow("start", "split")}{flow("split", "a", "a")}{flow("split", "b", "b")}{flow("split", "wait", "c")}
      {chain("a", "g")}{chain("b", "g")}{chain("wait", "c", "g")}{outgoing}
    </bpmn:process>""")


@pytest.mark.parametrize("c", [True, False])
def test_complex_gateway_activates_on_its_activation_count_and_resets_without_a_second_token(
        engine: Engine, c: bool) -> None:
    """BPMN 13.4.3: two tokens activate the gateway; the third (or the certainty that none comes) resets it, and
    an unconditional outgoing flow gets no token on reset."""
    _complex_join(engine, f'{script("after")}{chain("g", "after", "end")}')
    instance = engine.start(a=True, b=True, c=c)
    assert engine.trace == ["a", "b", "after"]
    engine.settle()
    assert engine.trace == ["a", "b", "after", "c"] if c else ["a", "b", "after"]
    assert engine.status(instance) == "completed"


def test_complex_gateway_outgoing_conditions_tell_activation_from_reset_by_waiting_for_start(engine: Engine) -> None:
    _complex_join(engine, f'{script("first")}{script("late")}<bpmn:endEvent id="end2"/>'
                          f'{flow("g", "first", "waitingForStart")}{flow("g", "late", "not waitingForStart")}'
                          f'{chain("first", "end")}{chain("late", "end2")}')
    instance = engine.start(a=True, b=True, c=True)
    engine.settle()
    assert engine.trace == ["a", "b", "first", "c", "late"]
    assert engine.status(instance) == "completed"


def test_complex_gateway_that_never_activates_keeps_its_token_waiting(engine: Engine) -> None:
    """BPMN 13.4.3: an activation condition that never holds blocks the tokens at the gateway."""
    _complex_join(engine, f'{script("after")}{chain("g", "after", "end")}')
    instance = engine.start(a=True, b=False, c=False)
    engine.settle()
    assert engine.trace == ["a"]
    assert engine.status(instance) == "active" and engine.waiting_at(instance) == ["g"]


def test_a_complex_gateway_in_a_loop_activates_once_per_round(engine: Engine) -> None:
    """A discriminator (activationCount >= 1) in a loop: each round the first token activates it and the second
    resets it, so the loop body after it runs once per round."""
    engine.deploy(f"""<bpmn:process id="p" isExecutable="true">{START_END}{script("init", code="n = 0")}
      <bpmn:parallelGateway id="fork"/>{script("a")}{script("b")}{script("count", code="n = n + 1")}
      <bpmn:complexGateway id="g"><bpmn:activationCondition xsi:type="bpmn:tFormalExpression">activationCount &gt;= 1
      </bpmn:activationCondition></bpmn:complexGateway><bpmn:exclusiveGateway id="again" default="again__end"/>
      <bpmn:exclusiveGateway id="merge"/>
      {chain("start", "init", "merge", "fork", "a", "g", "count", "again")}{chain("fork", "b", "g")}
      {flow("again", "merge", "n &lt; 2")}{flow("again", "end")}
    </bpmn:process>""")
    assert engine.run_to_end() == ["init", "a", "b", "count", "a", "b", "count"]
