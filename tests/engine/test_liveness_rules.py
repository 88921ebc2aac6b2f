"""Deployment refuses what could never stop (validation/liveness.py), and only that: a loop that may end or
that waits deploys."""
from __future__ import annotations

import pytest

from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.parser import parse
from tests.engine.harness import HEADER, chain, flow, timer

USER = '<bpmn:userTask id="u" name="Look"/>'


def _deploy(body: str) -> list[str]:
    """The problems of process 'p' (start 's' and end 'e' given), none when it deploys."""
    xml = f'{HEADER}<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s"/><bpmn:endEvent id="e"/>' \
          f'{body}</bpmn:process></bpmn:definitions>'
    try:
        parse(xml.encode(), "loops.bpmn")
    except DeploymentError as refused:
        return [problem.message for problem in refused.problems]
    return []


LOOP = "form a loop that never waits and that no condition can end"


@pytest.mark.parametrize("body", [
    # a task that leads back to itself, besides the way out
    '<bpmn:task id="t" name="Again"/>' + flow("s", "t") + flow("t", "t") + flow("t", "e"),
    # a parallel split whose one path goes round (a token leaves, another goes on, forever)
    '<bpmn:exclusiveGateway id="x"/><bpmn:parallelGateway id="g"/>' + chain("s", "x", "g", "e") + flow("g", "x"),
    # a loop through a parallel join whose other token comes round the loop too
    '<bpmn:exclusiveGateway id="x"/><bpmn:parallelGateway id="fork"/><bpmn:task id="a"/><bpmn:task id="b"/>'
    '<bpmn:parallelGateway id="join"/><bpmn:parallelGateway id="out"/>'
    + chain("s", "x", "fork", "a", "join", "out", "e") + chain("fork", "b", "join") + flow("out", "x"),
    # an inclusive split with an unconditional way back
    '<bpmn:inclusiveGateway id="g"/><bpmn:scriptTask id="t"><bpmn:script>n = 1</bpmn:script></bpmn:scriptTask>'
    + chain("s", "t", "g") + flow("g", "t") + flow("g", "e", "n &gt; 5"),
    # a link that jumps back
    '<bpmn:intermediateCatchEvent id="c"><bpmn:linkEventDefinition name="L"/></bpmn:intermediateCatchEvent>'
    '<bpmn:task id="t"/><bpmn:intermediateThrowEvent id="j"><bpmn:linkEventDefinition name="L"/>'
    '</bpmn:intermediateThrowEvent><bpmn:parallelGateway id="g"/>'
    + chain("c", "t", "g", "j") + flow("g", "e") + flow("s", "t"),
], ids=["self-loop", "parallel-split", "fork-and-join", "inclusive", "link"])
def test_a_loop_nothing_can_leave_or_stop_is_refused(body: str) -> None:
    assert any(LOOP in problem for problem in _deploy(body)), _deploy(body)


@pytest.mark.parametrize("body", [
    # an exclusive gateway with a condition
    '<bpmn:task id="t"/><bpmn:exclusiveGateway id="x" default="back"/>' + chain("s", "t", "x")
    + flow("x", "e", "n &gt; 3") + flow("x", "t", flow_id="back"),
    # a condition on the way back
    '<bpmn:task id="t"/><bpmn:exclusiveGateway id="x" default="out"/>' + chain("s", "t", "x")
    + flow("x", "t", "n &lt; 3") + flow("x", "e", flow_id="out"),
    # the first flow of the exclusive gateway leaves the loop
    '<bpmn:task id="t"/><bpmn:exclusiveGateway id="x"/>' + chain("s", "t", "x", "e") + flow("x", "t"),
    # a user task on the loop waits each time round
    USER + '<bpmn:exclusiveGateway id="x"/>' + chain("s", "u", "x") + flow("x", "u") + flow("x", "e"),
    # a timer on the loop waits each time round
    '<bpmn:intermediateCatchEvent id="w">' + timer("Duration", "PT1H") + '</bpmn:intermediateCatchEvent>'
    '<bpmn:exclusiveGateway id="x"/>' + chain("s", "w", "x") + flow("x", "w") + flow("x", "e"),
    # a parallel join that needs a token from outside the loop stops it
    '<bpmn:parallelGateway id="fork"/><bpmn:parallelGateway id="join"/><bpmn:task id="t"/>'
    + chain("s", "fork", "join", "t", "e") + flow("fork", "join", flow_id="second") + flow("t", "join"),
    # an interrupting boundary event may end it
    '<bpmn:scriptTask id="t"><bpmn:script>n = 1</bpmn:script></bpmn:scriptTask>'
    '<bpmn:boundaryEvent id="b" attachedToRef="t"><bpmn:errorEventDefinition/></bpmn:boundaryEvent>'
    '<bpmn:exclusiveGateway id="x"/>' + chain("s", "t", "x") + flow("x", "t") + flow("x", "e") + flow("b", "e"),
    # a subprocess on the loop is not judged from outside
    '<bpmn:subProcess id="sub"><bpmn:startEvent id="ss"/>' + USER + '<bpmn:endEvent id="se"/>'
    + chain("ss", "u", "se") + '</bpmn:subProcess><bpmn:exclusiveGateway id="x"/>'
    + chain("s", "sub", "x") + flow("x", "sub") + flow("x", "e"),
], ids=["condition-out", "condition-back", "first-flow-out", "user-task", "timer", "join-from-outside",
        "error-boundary", "subprocess"])
def test_a_loop_that_may_end_or_waits_deploys(body: str) -> None:
    assert _deploy(body) == []


@pytest.mark.parametrize(("definition", "expected"), [
    (timer("Cycle", "R/PT0S"), "the timeCycle 'R/PT0S' has a zero interval"),
    (timer("Cycle", "R5/PT0M"), "the timeCycle 'R5/PT0M' has a zero interval"),
    (timer("Cycle", "R/2026-01-01T00:00:00Z/PT0S"), "has a zero interval"),
])
def test_a_timer_cycle_without_time_between_its_firings_is_refused(definition: str, expected: str) -> None:
    body = USER + chain("s", "u", "e") + '<bpmn:boundaryEvent id="b" attachedToRef="u" cancelActivity="false">' \
        + definition + '</bpmn:boundaryEvent><bpmn:endEvent id="e2"/>' + flow("b", "e2")
    assert any(expected in problem for problem in _deploy(body)), _deploy(body)


def test_a_zero_timer_is_refused_on_a_loop_only() -> None:
    wait = '<bpmn:intermediateCatchEvent id="w" name="Pause">' + timer("Duration", "PT0S") + \
           '</bpmn:intermediateCatchEvent>'
    assert _deploy(wait + chain("s", "w", "e")) == []
    looped = _deploy(wait + '<bpmn:exclusiveGateway id="x"/>' + chain("s", "w", "x") + flow("x", "w")
                     + flow("x", "e"))
    assert looped == ["the timer waits 'PT0S', no time at all, on a loop: each time round it fires at once; let it "
                      "wait longer than zero"]


def test_a_standard_loop_that_is_always_true_needs_a_maximum() -> None:
    def looping(attributes: str) -> str:
        return f'<bpmn:task id="t"><bpmn:standardLoopCharacteristics {attributes}><bpmn:loopCondition xsi:type="bpmn:tFormalExpression">true' \
               f'</bpmn:loopCondition></bpmn:standardLoopCharacteristics></bpmn:task>' + chain("s", "t", "e")
    assert _deploy(looping("")) == ['the standard loop repeats forever: its condition "true" is always true and it '
                                    'has no loopMaximum']
    assert _deploy(looping('loopMaximum="3"')) == []
