"""Events in every position: boundary (interrupting or not), intermediate, end, event subprocess starts."""
from __future__ import annotations

from typing import Callable

import pytest

from tests.engine.harness import Engine, chain, flow, guarded, script, subprocess, timer

MESSAGES = '<bpmn:message id="m" name="go"/><bpmn:message id="poke" name="poke"/>'
SIGNALS = '<bpmn:signal id="s" name="alarm"/>'
SIGNAL = '<bpmn:signalEventDefinition signalRef="s"/>'
ESCALATION = '<bpmn:escalationEventDefinition escalationRef="esc"/>'
ESCALATIONS = '<bpmn:escalation id="esc" escalationCode="LATE"/>'
WAIT = '<bpmn:receiveTask id="wait" messageRef="m"/>'  # waits for the message 'go'

# A boundary event definition and how to make it happen.
BOUNDARY_EVENTS = pytest.mark.parametrize(("definition", "fire"), [
    (timer("Duration", "PT10M"), lambda engine: engine.settle()),
    ('<bpmn:messageEventDefinition messageRef="poke"/>', lambda engine: engine.runtime.correlate_message("poke")),
    (SIGNAL, lambda engine: engine.runtime.broadcast_signal("alarm")),
], ids=["timer", "message", "signal"])


@BOUNDARY_EVENTS
@pytest.mark.parametrize("interrupting", [True, False], ids=["interrupting", "non-interrupting"])
def test_a_boundary_event_ends_the_activity_only_when_interrupting(engine: Engine, definition: str,
                                                                   fire: Callable[[Engine], object],
                                                                   interrupting: bool) -> None:
    engine.deploy(guarded(WAIT, "wait", definition, interrupting), MESSAGES + SIGNALS)
    instance = engine.start()
    fire(engine)
    assert engine.trace == ["caught"]
    if interrupting:
        history = [(h.kind, h.element_id) for h in engine.runtime.queries.instance(instance).history]
        assert ("element_terminated", "wait") in history
    else:
        assert set(engine.waiting_at(instance)) == {"wait"}  # message and signal boundaries stay subscribed
        engine.runtime.correlate_message("go")
        assert engine.trace == ["caught", "after"]
    assert engine.status(instance) == "completed"


def test_a_non_interrupting_timer_cycle_on_a_boundary_fires_each_time(engine: Engine) -> None:
    engine.deploy(guarded(WAIT, "wait", timer("Cycle", "R3/PT10M"), interrupting=False), MESSAGES)
    instance = engine.start()
    engine.settle()
    assert engine.trace == ["caught"] * 3
    assert engine.waiting_at(instance) == ["wait"]


def test_an_intermediate_timer_cycle_passes_a_token_on_at_each_firing(engine: Engine) -> None:
    engine.deploy(f"""<bpmn:process id="p" isExecutable="true">
      <bpmn:startEvent id="start"/><bpmn:intermediateCatchEvent id="tick">{timer("Cycle", "R4/PT1S")}
      </bpmn:intermediateCatchEvent>{script("work")}<bpmn:endEvent id="end"/>{chain("start", "tick", "work", "end")}
    </bpmn:process>""")
    assert engine.run_to_end() == ["work"] * 4


def test_a_signal_end_event_inside_a_subprocess_is_caught_on_its_own_boundary(engine: Engine) -> None:
    engine.deploy(guarded(subprocess("sub", "", end=SIGNAL), "sub", SIGNAL), SIGNALS)
    assert engine.run_to_end() == ["caught"]


def test_a_signal_reaches_catch_events_of_a_parallel_branch_in_the_same_instance(engine: Engine) -> None:
    engine.deploy(f"""<bpmn:process id="p" isExecutable="true">
      <bpmn:startEvent id="start"/><bpmn:parallelGateway id="fork"/>
      <bpmn:intermediateThrowEvent id="shout">{SIGNAL}</bpmn:intermediateThrowEvent>
      <bpmn:intermediateCatchEvent id="listen">{SIGNAL}</bpmn:intermediateCatchEvent>
      {script("heard")}<bpmn:endEvent id="end"/><bpmn:endEvent id="end2"/>
      {chain("start", "fork", "shout", "end")}{chain("fork", "listen", "heard", "end2")}
    </bpmn:process>""", SIGNALS)
    assert engine.run_to_end() == ["heard"]


def test_an_interrupting_signal_event_subprocess_stops_its_scope(engine: Engine) -> None:
    handler = f"""<bpmn:subProcess id="handler" triggeredByEvent="true">
      <bpmn:startEvent id="h1">{SIGNAL}</bpmn:startEvent>{script("handled")}<bpmn:endEvent id="h2"/>
      {chain("h1", "handled", "h2")}</bpmn:subProcess>"""
    inside = f'{handler}<bpmn:intermediateThrowEvent id="shout">{SIGNAL}</bpmn:intermediateThrowEvent>' \
             f'{script("skipped")}'
    engine.deploy(f"""<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="start"/>
      {subprocess("sub", inside, "shout", "skipped")}<bpmn:endEvent id="end"/>{chain("start", "sub", "end")}
    </bpmn:process>""", SIGNALS)
    assert engine.run_to_end() == ["handled"]


@pytest.mark.parametrize(("interrupting", "expected"), [(True, ["caught"]), (False, ["after", "caught", "inside"])])
def test_a_conditional_boundary_event_whose_condition_already_holds_fires_at_once(
        engine: Engine, interrupting: bool, expected: list[str]) -> None:
    condition = '<bpmn:conditionalEventDefinition><bpmn:condition xsi:type="bpmn:tFormalExpression">urgent' \
                '</bpmn:condition></bpmn:conditionalEventDefinition>'
    engine.deploy(guarded(subprocess("sub", script("inside"), "inside"), "sub", condition, interrupting))
    assert sorted(engine.run_to_end(urgent=True)) == expected


def test_an_escalation_caught_by_a_non_interrupting_boundary_lets_the_subprocess_finish(engine: Engine) -> None:
    inside = f'<bpmn:intermediateThrowEvent id="raise">{ESCALATION}</bpmn:intermediateThrowEvent>{script("inside")}'
    engine.deploy(guarded(subprocess("sub", inside, "raise", "inside"), "sub", ESCALATION, interrupting=False),
                  ESCALATIONS)
    assert sorted(engine.run_to_end()) == ["after", "caught", "inside"]


def test_an_escalation_a_called_process_does_not_catch_reaches_the_call_activity(engine: Engine) -> None:
    engine.deploy(guarded('<bpmn:callActivity id="call" calledElement="child"/>', "call", ESCALATION) + f"""
    <bpmn:process id="child" isExecutable="true">
      <bpmn:startEvent id="c1"/>{script("work")}<bpmn:endEvent id="c2">{ESCALATION}</bpmn:endEvent>
      {chain("c1", "work", "c2")}
    </bpmn:process>""", ESCALATIONS)
    assert engine.run_to_end() == ["work", "caught"]


def test_an_error_end_event_is_caught_on_the_subprocess_and_an_uncaught_one_fails_the_instance(
        engine: Engine) -> None:
    error = '<bpmn:errorEventDefinition errorRef="err"/>'
    engine.deploy(guarded(subprocess("sub", "", end=error), "sub", error) + f"""
    <bpmn:process id="bare" isExecutable="true">
      <bpmn:startEvent id="b1"/><bpmn:endEvent id="b2">{error}</bpmn:endEvent>{chain("b1", "b2")}
    </bpmn:process>""", '<bpmn:error id="err" errorCode="BROKEN"/>')
    assert engine.run_to_end() == ["caught"]
    assert engine.status(engine.start("bare")) == "failed"


def test_a_link_throw_event_jumps_to_its_catch_event(engine: Engine) -> None:
    engine.deploy(f"""<bpmn:process id="p" isExecutable="true">
      <bpmn:startEvent id="start"/>{script("before")}
      <bpmn:intermediateThrowEvent id="jump"><bpmn:linkEventDefinition name="L"/></bpmn:intermediateThrowEvent>
      <bpmn:intermediateCatchEvent id="land"><bpmn:linkEventDefinition name="L"/></bpmn:intermediateCatchEvent>
      {script("after")}<bpmn:endEvent id="end"/>{chain("start", "before", "jump")}{chain("land", "after", "end")}
    </bpmn:process>""")
    assert engine.run_to_end() == ["before", "after"]


def test_a_terminate_end_event_stops_every_other_path(engine: Engine) -> None:
    engine.deploy(f"""<bpmn:process id="p" isExecutable="true">
      <bpmn:startEvent id="start"/><bpmn:parallelGateway id="fork"/>
      <bpmn:intermediateCatchEvent id="later">{timer("Duration", "PT1M")}</bpmn:intermediateCatchEvent>
      {script("never")}<bpmn:endEvent id="end"/>
      <bpmn:endEvent id="stop"><bpmn:terminateEventDefinition/></bpmn:endEvent>
      {chain("start", "fork", "later", "never", "end")}{flow("fork", "stop")}
    </bpmn:process>""")
    instance = engine.start()
    engine.settle()
    assert engine.trace == []
    assert engine.status(instance) == "terminated"


def _conditional_event_subprocess(engine: Engine, interrupting: bool) -> None:
    """Process 'p': a parallel split to a receive task `wait` (message 'go') and to a script `raise` that sets
    `level` from `raised` then a second receive task `hold` (message 'release'); an event subprocess starts
    when `level > 3` and runs script `handled`."""
    engine.deploy(f"""<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="start"/>
      <bpmn:parallelGateway id="fork"/><bpmn:receiveTask id="wait" messageRef="m"/>
      {script("raise", code="level = raised")}<bpmn:receiveTask id="hold" messageRef="release"/>
      <bpmn:parallelGateway id="join"/>{script("after")}<bpmn:endEvent id="end"/>
      {chain("start", "fork", "wait", "join", "after", "end")}{chain("fork", "raise", "hold", "join")}
      <bpmn:subProcess id="handler" triggeredByEvent="true">
        <bpmn:startEvent id="h1" isInterrupting="{str(interrupting).lower()}"><bpmn:conditionalEventDefinition>
          <bpmn:condition xsi:type="bpmn:tFormalExpression">level &gt; 3</bpmn:condition>
        </bpmn:conditionalEventDefinition></bpmn:startEvent>{script("handled")}<bpmn:endEvent id="h2"/>
        {chain("h1", "handled", "h2")}</bpmn:subProcess>
    </bpmn:process>""", f'{MESSAGES}<bpmn:message id="release" name="release"/>')


@pytest.mark.parametrize("interrupting", [True, False])
def test_a_conditional_event_subprocess_starts_when_a_variable_change_makes_its_condition_true(
        engine: Engine, interrupting: bool) -> None:
    """BPMN 13.5.5: the condition is evaluated as variables change, here by an operator while the process waits."""
    _conditional_event_subprocess(engine, interrupting)
    instance = engine.start(level=0, raised=1)
    assert engine.trace == ["raise"] and engine.waiting_at(instance) == ["h1", "hold", "wait"]
    engine.runtime.set_variables(instance, {"level": 5})
    assert engine.trace == ["raise", "handled"]
    if interrupting:  # the process's other work is cancelled, and the event subprocess ends the process
        assert engine.status(instance) == "completed" and engine.waiting_at(instance) == []
        return
    assert engine.waiting_at(instance) == ["h1", "hold", "wait"]
    engine.runtime.set_variables(instance, {"level": 9})  # still true: it does not start again
    engine.runtime.correlate_message("go")
    engine.runtime.correlate_message("release")
    assert engine.trace == ["raise", "handled", "after"]
    assert engine.status(instance) == "completed"


def test_an_interrupting_conditional_event_subprocess_cancels_the_work_of_the_script_that_made_it_true(
        engine: Engine) -> None:
    _conditional_event_subprocess(engine, interrupting=True)
    instance = engine.start(level=0, raised=7)
    assert engine.trace == ["raise", "handled"]
    assert engine.status(instance) == "completed"
    cancelled = sorted(h.element_id for h in engine.runtime.queries.history(instance) if h.kind == "element_terminated")
    assert cancelled == ["hold", "wait"]
