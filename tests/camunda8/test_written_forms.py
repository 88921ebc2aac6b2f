"""Zeebe attributes written in the form Camunda 8 requires: an attribute Zeebe reads only as an expression is
refused at deployment when written without '=' (Zeebe refuses it; read as text it would run differently), and one
that names a variable is refused when written as an expression; each at the element that carries it, with the
properties panel's field."""
from __future__ import annotations

from pathlib import Path

import pytest

from bpmn_runtime.errors import DeploymentError
from tests.camunda8.models import extensions, flows, job, model, quote, runtime_on

WORK = ("charge", '<zeebe:taskDefinition type="charge"/>')


def _looped(**settings: str) -> str:
    attributes = " ".join(f"{k}={quote(v)}" for k, v in settings.items())
    return (f'<bpmn:serviceTask id="work" name="Charge">{extensions(WORK[1])}'
            f'<bpmn:multiInstanceLoopCharacteristics>{extensions(f"<zeebe:loopCharacteristics {attributes}/>")}'
            '</bpmn:multiInstanceLoopCharacteristics></bpmn:serviceTask>')


def _deploy(tmp_path: Path, task: str, declarations: str = "") -> None:
    runtime_on(tmp_path).deploy(model(f'<bpmn:startEvent id="s"/>{task}<bpmn:endEvent id="e"/>'
                                      + flows("s", "work", "e"), declarations), "p.bpmn")


REFUSED = {
    "static input collection": (_looped(inputCollection="items", inputElement="item"), "work",
                                "the service task 'Charge' (work) gives 'items' where Camunda 8 requires an "
                                "expression; write it as FEEL starting with '=' (for the variable: '=items') "
                                "(Multi-instance, Input collection)"),
    "static output element": (_looped(inputCollection="=items", outputCollection="results", outputElement="result"),
                              "work", "(Multi-instance, Output element)"),
    "expression as input element": (_looped(inputCollection="=items", inputElement="=item"), "work",
                                    "the service task 'Charge' (work) gives the expression '=item' where Camunda 8 "
                                    "requires a variable name; enter the name without '=' "
                                    "(Multi-instance, Input element)"),
    "expression as output collection": (_looped(inputCollection="=items", outputCollection="=results",
                                                outputElement="=result"), "work", "(Multi-instance, Output collection)"),
    "static output source": (job("charge", '<zeebe:ioMapping><zeebe:output source="done" target="state"/>'
                                           '</zeebe:ioMapping>'), "work", "(Outputs, Variable assignment value)"),
    "expression as output target": (job("charge", '<zeebe:ioMapping><zeebe:output source="=1" target="=state"/>'
                                                  '</zeebe:ioMapping>'), "work", "(Outputs, Process variable name)"),
    "expression as input target": (job("charge", '<zeebe:ioMapping><zeebe:input source="1" target="=x"/>'
                                                 '</zeebe:ioMapping>'), "work", "(Inputs, Local variable name)"),
    "static script": ('<bpmn:scriptTask id="work">' + extensions('<zeebe:script expression="a + b" '
                                                                  'resultVariable="sum"/>') + '</bpmn:scriptTask>',
                      "work", "(Script, FEEL expression)"),
    "expression as script result": ('<bpmn:scriptTask id="work">' + extensions(
        '<zeebe:script expression="=a + b" resultVariable="=sum"/>') + '</bpmn:scriptTask>', "work",
                                    "(Script, Result variable)"),
    "nested output target": (job("charge", '<zeebe:ioMapping><zeebe:output source="=1" target="order.total"/>'
                                           '</zeebe:ioMapping>'), "work",
                             "the service task work maps to 'order.total', a path Camunda 8 sets inside the variable "
                             "'order', which this engine does not; map to a whole variable, with the value built as "
                             "FEEL (e.g. a context) (Outputs, Process variable name)"),
    "input target that is no path": (job("charge", '<zeebe:ioMapping><zeebe:input source="=1" target="from..email"/>'
                                                   '</zeebe:ioMapping>'), "work", "is not a path of names"),
    "due date without a zone": ('<bpmn:userTask id="work" name="Approve">' + extensions(
        '<zeebe:taskSchedule dueDate="2026-12-31"/>') + '</bpmn:userTask>', "work",
                                "the user task 'Approve' (work) gives '2026-12-31' where Camunda 8 requires a "
                                "date-time with its zone, such as 2026-12-31T17:00:00Z (Task schedule, Due date)"),
    "follow-up date in words": ('<bpmn:userTask id="work">' + extensions(
        '<zeebe:taskSchedule followUpDate="next monday"/>') + '</bpmn:userTask>', "work",
                                "(Task schedule, Follow up date)"),
}


@pytest.mark.parametrize("task, element, reason", REFUSED.values(), ids=list(REFUSED))
def test_an_attribute_written_in_a_form_zeebe_refuses_is_refused_at_its_element(
        tmp_path: Path, task: str, element: str, reason: str) -> None:
    with pytest.raises(DeploymentError) as refused:
        _deploy(tmp_path, task)
    [problem] = refused.value.problems
    assert problem.element_id == element and reason in problem.message and problem.line > 0


def test_a_static_correlation_key_is_refused_at_its_message(tmp_path: Path) -> None:
    message = ('<bpmn:message id="paid" name="payment-received">'
               + extensions('<zeebe:subscription correlationKey="orderId"/>') + '</bpmn:message>')
    catch = ('<bpmn:intermediateCatchEvent id="work"><bpmn:messageEventDefinition messageRef="paid"/>'
             '</bpmn:intermediateCatchEvent>')
    with pytest.raises(DeploymentError) as refused:
        _deploy(tmp_path, catch, message)
    [problem] = refused.value.problems
    assert problem.element_id == "paid"
    assert problem.message == ("the message 'payment-received' (paid) gives 'orderId' where Camunda 8 requires an "
                               "expression; write it as FEEL starting with '=' (for the variable: '=orderId') "
                               "(Message, Subscription correlation key)")


def test_the_forms_zeebe_requires_deploy_and_run(tmp_path: Path) -> None:
    task = _looped(inputCollection="=items", inputElement="item", outputCollection="results",
                   outputElement="=upper case(item)").replace(
        WORK[1], WORK[1] + '<zeebe:ioMapping><zeebe:input source="static" target="mode"/></zeebe:ioMapping>')
    runtime = runtime_on(tmp_path)
    runtime.deploy(model(f'<bpmn:startEvent id="s"/>{task}<bpmn:endEvent id="e"/>' + flows("s", "work", "e")),
                   "p.bpmn")
    instance = runtime.start("p", {"items": ["a", "b"]})
    jobs = runtime.acquire_jobs("test-worker")
    assert sorted((j.variables["item"], j.variables["mode"]) for j in jobs) == [("a", "static"), ("b", "static")]
    for done in jobs:
        runtime.complete_job(done.job_id, "test-worker", {})
    assert runtime.queries.instance(instance).variables["results"] == ["A", "B"]


def test_nested_input_targets_build_the_local_context(tmp_path: Path) -> None:
    """camunda-8 connector templates map inputs so: `from.email`, `from.name` make one local variable `from`."""
    io = ('<zeebe:ioMapping><zeebe:input source="demo@example.com" target="from.email"/>'
          '<zeebe:input source="=sender" target="from.name"/><zeebe:input source="=3" target="retry.policy.max"/>'
          '</zeebe:ioMapping>')
    runtime = runtime_on(tmp_path)
    runtime.deploy(model('<bpmn:startEvent id="s"/>' + job("mail", io) + '<bpmn:endEvent id="e"/>'
                         + flows("s", "work", "e")), "p.bpmn")
    instance = runtime.start("p", {"sender": "Ann", "from": "not a context"})
    [work] = runtime.acquire_jobs("test-worker")
    assert work.variables["from"] == {"email": "demo@example.com", "name": "Ann"}
    assert work.variables["retry"] == {"policy": {"max": 3}}
    runtime.complete_job(work.job_id, "test-worker", {})
    assert runtime.queries.instance(instance).variables == {"sender": "Ann", "from": "not a context"}

