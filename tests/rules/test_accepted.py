"""Models that BPMN 2.0.2 allows and modelers write are deployed, and run as drawn, on a real SQLite file."""
from __future__ import annotations

import pytest

from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.runtime import Runtime
from tests.rules.models import chain, definitions, file_with, flow, process


def script(element_id: str, text: str, attributes: str = "") -> str:
    return f'<bpmn:scriptTask id="{element_id}" {attributes}><bpmn:script>{text}</bpmn:script></bpmn:scriptTask>'


def completed(runtime: Runtime, instance_id: int) -> list[str]:
    return [h.element_id or "" for h in runtime.queries.instance(instance_id).history if h.kind == "element_completed"]


def test_a_compensation_event_subprocess_marked_is_for_compensation_runs_when_its_subprocess_is_compensated(
        sqlite_url: str) -> None:
    handler = ('<bpmn:subProcess id="undo" name="Undo booking" triggeredByEvent="true" isForCompensation="true">'
               '<bpmn:startEvent id="undo_start"><bpmn:compensateEventDefinition/></bpmn:startEvent>'
               + script("refund", "refunded = booked") + '<bpmn:endEvent id="undo_end"/>'
               + chain("undo_start", "refund", "undo_end") + '</bpmn:subProcess>')
    booking = ('<bpmn:subProcess id="booking"><bpmn:startEvent id="b_start"/>' + script("book", "booked = 1")
               + '<bpmn:endEvent id="b_end"/>' + chain("b_start", "book", "b_end") + handler + '</bpmn:subProcess>')
    model = file_with('<bpmn:startEvent id="s"/>', booking,
                      '<bpmn:intermediateThrowEvent id="undo_all"><bpmn:compensateEventDefinition/>'
                      '</bpmn:intermediateThrowEvent><bpmn:endEvent id="e"/>', chain("s", "booking", "undo_all", "e"))
    runtime = Runtime(sqlite_url)
    runtime.deploy(model, "compensation_event_subprocess.bpmn")
    instance_id = runtime.start("p")
    detail = runtime.queries.instance(instance_id)
    assert detail.summary.status == "completed"
    assert detail.variables["refunded"] == 1
    assert completed(runtime, instance_id).index("refund") < completed(runtime, instance_id).index("e")


def test_a_cancel_end_event_in_a_transaction_without_a_cancel_boundary_event_compensates_and_ends_the_path(
        sqlite_url: str) -> None:
    transaction = ('<bpmn:transaction id="tx" name="Book"><bpmn:startEvent id="t_start"/>' + script("book", "booked = 1")
                   + '<bpmn:boundaryEvent id="book_undo" attachedToRef="book"><bpmn:compensateEventDefinition/>'
                   '</bpmn:boundaryEvent>' + script("unbook", "unbooked = True", 'isForCompensation="true"')
                   + '<bpmn:endEvent id="cancel" name="Cancelled"><bpmn:cancelEventDefinition/></bpmn:endEvent>'
                   + chain("t_start", "book", "cancel")
                   + '<bpmn:association id="a1" sourceRef="book_undo" targetRef="unbook"/></bpmn:transaction>')
    model = file_with('<bpmn:startEvent id="s"/><bpmn:parallelGateway id="fork"/>', transaction,
                      script("other", "other = True"), '<bpmn:endEvent id="e"/><bpmn:endEvent id="e2"/>',
                      chain("s", "fork", "tx", "e"), flow("fork", "other"), flow("other", "e2"))
    runtime = Runtime(sqlite_url)
    runtime.deploy(model, "transaction.bpmn")
    instance_id = runtime.start("p")
    detail = runtime.queries.instance(instance_id)
    assert detail.summary.status == "completed"
    assert detail.variables["unbooked"] is True and detail.variables["other"] is True
    assert "e" not in completed(runtime, instance_id) and "tx" not in completed(runtime, instance_id)
    assert "e2" in completed(runtime, instance_id)


def test_sequence_flows_without_an_id_are_followed(sqlite_url: str) -> None:
    model = file_with('<bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="g"/>', script("high", "level = 'high'"),
                      script("low", "level = 'low'"), '<bpmn:endEvent id="e"/>',
                      '<bpmn:sequenceFlow sourceRef="s" targetRef="g"/>',
                      '<bpmn:sequenceFlow sourceRef="g" targetRef="high"><bpmn:conditionExpression '
                      'xsi:type="bpmn:tFormalExpression">amount &gt; 100</bpmn:conditionExpression></bpmn:sequenceFlow>',
                      '<bpmn:sequenceFlow sourceRef="g" targetRef="low"><bpmn:conditionExpression '
                      'xsi:type="bpmn:tFormalExpression">amount &lt;= 100</bpmn:conditionExpression></bpmn:sequenceFlow>',
                      '<bpmn:sequenceFlow sourceRef="high" targetRef="e"/><bpmn:sequenceFlow sourceRef="low" targetRef="e"/>')
    runtime = Runtime(sqlite_url)
    runtime.deploy(model, "no_flow_ids.bpmn")
    assert runtime.queries.instance(runtime.start("p", {"amount": 500})).variables["level"] == "high"
    instance_id = runtime.start("p", {"amount": 5})
    detail = runtime.queries.instance(instance_id)
    assert detail.summary.status == "completed" and detail.variables["level"] == "low"
    assert [h.element_id for h in detail.history if h.kind == "flow_taken"] == ["s->g", "g->low", "low->e"]


CAMUNDA_7 = ' xmlns:camunda="http://camunda.org/schema/1.0/bpmn"'
# A file Camunda Modeler saved before it marked the engine: drawn for Camunda 7, bpmn-engine or SpiffWorkflow.
CAMUNDA_MODELER = ' exporter="Camunda Modeler" exporterVersion="3.0.0"'
CAMUNDA_FILES = pytest.mark.parametrize("marks", [CAMUNDA_7, CAMUNDA_MODELER], ids=["camunda-7", "camunda-modeler"])


@CAMUNDA_FILES
def test_in_a_camunda_file_a_node_without_outgoing_flows_ends_its_path(sqlite_url: str, marks: str) -> None:
    """Camunda 7 and 8 end a path at any node without outgoing flows, with or without end events on the level."""
    model = file_with('<bpmn:startEvent id="s"/><bpmn:parallelGateway id="fork"/>', script("a", "a = 1"),
                      script("b", "b = 1"), '<bpmn:userTask id="wait" name="Wait"/>',
                      '<bpmn:boundaryEvent id="stop" attachedToRef="wait"><bpmn:messageEventDefinition messageRef="m"/>'
                      '</bpmn:boundaryEvent><bpmn:endEvent id="e"/>',
                      chain("s", "fork", "a"), chain("fork", "b", "e"), flow("fork", "wait"),
                      attributes=marks)
    runtime = Runtime(sqlite_url)
    runtime.deploy(model, "implicit_end.bpmn")
    instance_id = runtime.start("p")
    assert runtime.queries.instance(instance_id).summary.status == "active"
    runtime.correlate_message("order")
    detail = runtime.queries.instance(instance_id)
    assert detail.summary.status == "completed"
    assert detail.variables == {"a": 1, "b": 1}
    assert "wait" not in completed(runtime, instance_id) and "stop" in completed(runtime, instance_id)


def test_in_a_camunda_file_a_process_without_end_events_completes_after_its_last_node(sqlite_url: str) -> None:
    model = file_with('<bpmn:startEvent id="s"/><bpmn:parallelGateway id="fork"/>', script("a", "a = 1"),
                      '<bpmn:intermediateThrowEvent id="done" name="Done"/>',
                      '<bpmn:subProcess id="sub"><bpmn:startEvent id="sub_start"/></bpmn:subProcess>',
                      chain("s", "fork", "a", "done"), flow("fork", "sub"), attributes=CAMUNDA_7)
    runtime = Runtime(sqlite_url)
    runtime.deploy(model, "no_end_event.bpmn")
    instance_id = runtime.start("p")
    assert runtime.queries.instance(instance_id).summary.status == "completed"
    assert {"done", "sub_start", "sub"} <= set(completed(runtime, instance_id))


@CAMUNDA_FILES
def test_in_a_camunda_file_message_flows_of_plain_events_and_tasks_are_documentation(
        sqlite_url: str, marks: str) -> None:
    collaboration = ('<bpmn:collaboration id="c"><bpmn:participant id="shop" processRef="p"/>'
                     '<bpmn:participant id="customer" name="Customer"/>'
                     '<bpmn:messageFlow id="order" sourceRef="customer" targetRef="s"/>'
                     '<bpmn:messageFlow id="call" sourceRef="customer" targetRef="a"/>'
                     '<bpmn:messageFlow id="receipt" sourceRef="e" targetRef="customer"/></bpmn:collaboration>')
    body = '<bpmn:startEvent id="s"/>' + script("a", "a = 1") + '<bpmn:endEvent id="e"/>' + chain("s", "a", "e")
    runtime = Runtime(sqlite_url)
    runtime.deploy(definitions(collaboration, process(body), attributes=marks), "documented.bpmn")
    assert runtime.queries.instance(runtime.start("p")).summary.status == "completed"
    with pytest.raises(DeploymentError) as refused:  # a plain BPMN file is held to EXT.103
        runtime.deploy(definitions(collaboration, process(body)), "plain.bpmn")
    assert [(p.element_id, p.rule) for p in refused.value.problems] == [("order", "EXT.103"), ("receipt", "EXT.109")]


def routed(condition: str, language: str, attributes: str = "") -> bytes:
    """start -> gateway -> 'yes' when `condition` (in `language`) holds, else the default flow to 'no'."""
    own = f' language="{language}"' if language else ""
    return file_with('<bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="g" default="g_no"/>',
                     script("yes", "route = 'yes'"), script("no", "route = 'no'"), '<bpmn:endEvent id="e"/>',
                     flow("s", "g"), flow("g", "no", "g_no"), chain("yes", "e"), flow("no", "e"),
                     f'<bpmn:sequenceFlow id="g_yes" sourceRef="g" targetRef="yes"><bpmn:conditionExpression '
                     f'xsi:type="bpmn:tFormalExpression"{own}>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>',
                     attributes=attributes)


FEEL = "https://www.omg.org/spec/DMN/20191111/FEEL/"


@pytest.mark.parametrize("model", [
    routed('status = "gold" and amount &gt; 100', FEEL),
    routed('status = "gold" and amount &gt; 100', "", attributes=f' expressionLanguage="{FEEL}"'),
    routed("status == 'gold' and amount gt 100", "juel"),
    routed("status == 'gold' and amount > 100", "python"),
], ids=["feel", "feel-by-definitions", "juel", "python"])
def test_a_condition_is_evaluated_in_the_language_it_names(sqlite_url: str, model: bytes) -> None:
    runtime = Runtime(sqlite_url)
    runtime.deploy(model, "languages.bpmn")
    routes = [runtime.queries.instance(runtime.start("p", variables)).variables["route"]
              for variables in ({"status": "gold", "amount": 500}, {"status": "gold", "amount": 5},
                                {"status": "plain", "amount": 500})]
    assert routes == ["yes", "no", "no"]


def test_a_condition_in_a_language_the_engine_does_not_have_is_refused_by_its_name() -> None:
    with pytest.raises(DeploymentError) as refused:
        Runtime("sqlite://").deploy(routed("this.variables.amount &gt; 100", "JavaScript"), "javascript.bpmn")
    assert [(p.element_id, p.message) for p in refused.value.problems] == [(
        "g_yes", "the condition of the sequence flow 'g_yes' is written in 'JavaScript' (its language, the script "
                 "Format in Camunda Modeler), which this engine does not evaluate; write it in FEEL, JUEL or Python "
                 "and name that language, or leave the language out")]


def test_a_process_without_start_events_starts_at_every_node_without_incoming_flows(sqlite_url: str) -> None:
    """BPMN 10.4.2: without start (and end) events, the nodes without incoming flows start in parallel and a
    path ends at each node without outgoing flows."""
    model = file_with(script("a", "a = 1"), script("b", "b = a + 1"), script("c", "c = 1"), flow("a", "b"))
    runtime = Runtime(sqlite_url)
    runtime.deploy(model, "no_start_event.bpmn")
    instance_id = runtime.start("p")
    detail = runtime.queries.instance(instance_id)
    assert detail.summary.status == "completed" and detail.variables == {"a": 1, "b": 2, "c": 1}
    assert sorted(completed(runtime, instance_id)) == ["a", "b", "c"]


def test_an_empty_process_is_refused_as_doing_nothing() -> None:
    with pytest.raises(DeploymentError) as refused:
        Runtime("sqlite://").deploy(definitions(process("")), "empty.bpmn")
    assert [(p.element_id, p.message) for p in refused.value.problems] == [
        ("p", "the process is empty, so an instance would do nothing; draw its flow, or mark the pool as not "
              "executable")]


@CAMUNDA_FILES
def test_in_a_camunda_file_a_non_interrupting_boundary_event_without_outgoing_flows_ends_only_its_own_path(
        sqlite_url: str, marks: str) -> None:
    model = file_with('<bpmn:startEvent id="s"/><bpmn:userTask id="wait" name="Wait"/>',
                      '<bpmn:boundaryEvent id="note" attachedToRef="wait" cancelActivity="false">'
                      '<bpmn:messageEventDefinition messageRef="m"/></bpmn:boundaryEvent><bpmn:endEvent id="e"/>',
                      chain("s", "wait", "e"), attributes=marks)
    runtime = Runtime(sqlite_url)
    runtime.deploy(model, "noted.bpmn")
    instance_id = runtime.start("p")
    runtime.correlate_message("order", variables={"noted": True})
    detail = runtime.queries.instance(instance_id)
    assert detail.summary.status == "active" and "note" in completed(runtime, instance_id)
    tasks, _ = runtime.queries.tasks()
    runtime.complete_task(next(t.id for t in tasks if t.instance_id == instance_id))
    assert runtime.queries.instance(instance_id).summary.status == "completed"
    assert completed(runtime, instance_id)[-1] == "e"


@CAMUNDA_FILES
@pytest.mark.parametrize("gateway", ["exclusiveGateway", "parallelGateway", "inclusiveGateway"])
def test_in_a_camunda_file_a_gateway_with_one_flow_in_and_one_out_passes_the_token_on(sqlite_url: str, marks: str,
                                                                                     gateway: str) -> None:
    """Camunda 7 and 8 (and Flowable, SpiffWorkflow) run a pass-through gateway that modelers leave in place of a
    later split or join; a plain BPMN 2.0 file is held to the rule that a gateway splits or joins."""
    body = (f'<bpmn:startEvent id="s"/><bpmn:{gateway} id="g" name="Later a split"/>', script("a", "a = 1"),
            '<bpmn:endEvent id="e"/>', chain("s", "g", "a", "e"))
    runtime = Runtime(sqlite_url)
    with pytest.raises(DeploymentError, match="a gateway splits or joins the flow"):
        runtime.deploy(file_with(*body), "plain.bpmn")
    runtime.deploy(file_with(*body, attributes=marks), "pass_through.bpmn")
    instance_id = runtime.start("p")
    detail = runtime.queries.instance(instance_id)
    assert detail.summary.status == "completed" and detail.variables == {"a": 1}
    assert completed(runtime, instance_id)[:3] == ["s", "g", "a"]


def test_an_event_based_gateway_with_one_event_after_it_is_refused_in_a_camunda_file_too(sqlite_url: str) -> None:
    """Zeebe refuses an event-based gateway with fewer than two outgoing flows: it chooses between events."""
    model = file_with('<bpmn:startEvent id="s"/><bpmn:eventBasedGateway id="g"/>',
                      '<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1M'
                      '</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>',
                      '<bpmn:endEvent id="e"/>', chain("s", "g", "wait", "e"), attributes=CAMUNDA_7)
    with pytest.raises(DeploymentError, match="a gateway splits or joins the flow"):
        Runtime(sqlite_url).deploy(model, "one_event.bpmn")
