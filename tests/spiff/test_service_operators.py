"""spiffworkflow:serviceTaskOperator: a job for the handler of the operator's id, its parameters (Python
expressions) evaluated as the task starts and handed to the handler, the handler's whole result stored in
resultVariable (SpiffWorkflow's default: spiff__<task id>_result). Nothing is registered for the topic."""
from __future__ import annotations

from typing import Any

import pytest

from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.handlers import HandlerRegistry, JobContext
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.worker import Worker
from tests.spiff.models import extensions, process


def operator(result: str = ' resultVariable="invoice"', parameters: str = "") -> bytes:
    parameters = parameters or ('<spiffworkflow:parameter id="amount" type="int" value="price * 2"/>'
                                '<spiffworkflow:parameter id="customer" type="str" value="\'ACME\'"/>')
    return process('<bpmn:serviceTask id="create-invoice" name="Create invoice">' + extensions(
        f'<spiffworkflow:serviceTaskOperator id="xero/CreateInvoice"{result}><spiffworkflow:parameters>'
        f"{parameters}</spiffworkflow:parameters></spiffworkflow:serviceTaskOperator>") + "</bpmn:serviceTask>",
        "create-invoice")


def run(runtime: Runtime, bpmn: bytes) -> tuple[list[tuple[str, dict[str, Any]]], dict[str, Any]]:
    """The jobs the handler ran (topic, the parameters it read), and the variables after the task."""
    jobs: list[tuple[str, dict[str, Any]]] = []

    def create_invoice(job: JobContext) -> dict[str, Any]:
        jobs.append((job.topic, {name: job.variables.get(name) for name in ("amount", "customer")}))
        return {"number": "INV-7", "total": job.variables["amount"]}

    runtime.deploy(bpmn, "p.bpmn")
    instance = runtime.start("p", {"price": 21})
    registry = HandlerRegistry()
    registry.register("xero/CreateInvoice", create_invoice)
    Worker(runtime, registry).run_once()
    return jobs, runtime.queries.instance(instance).variables


def test_the_handler_gets_the_parameters_and_its_result_goes_to_the_result_variable(runtime: Runtime) -> None:
    jobs, variables = run(runtime, operator())
    assert jobs == [("xero/CreateInvoice", {"amount": 42, "customer": "ACME"})]
    assert variables == {"price": 21, "invoice": {"number": "INV-7", "total": 42}}


def test_without_a_result_variable_the_result_goes_where_spiff_puts_it(runtime: Runtime) -> None:
    _, variables = run(runtime, operator(result=""))
    assert variables == {"price": 21, "spiff__create_invoice_result": {"number": "INV-7", "total": 42}}


def test_no_handler_is_registered_for_the_operator(runtime: Runtime) -> None:
    runtime.deploy(operator(), "p.bpmn")
    instance = runtime.start("p", {"price": 1})
    assert Worker(runtime, HandlerRegistry()).run_once() == 0
    assert "invoice" not in runtime.queries.instance(instance).variables


@pytest.mark.parametrize(("parameter", "reason"), [
    ('<spiffworkflow:parameter id="amount" type="int" value="=price"/>',
     "the operator parameter 'amount' is \"=price\", which this engine would read as FEEL or JUEL"),
    ('<spiffworkflow:parameter id="the amount" type="int" value="price"/>',
     "the operator parameter 'the amount' is not a variable name"),
    ('<spiffworkflow:parameter id="amount" type="int" value="price +"/>', "price +"),
])
def test_a_parameter_that_cannot_be_evaluated_is_refused_at_the_task(runtime: Runtime, parameter: str,
                                                                   reason: str) -> None:
    with pytest.raises(DeploymentError) as refused:
        runtime.deploy(operator(parameters=parameter), "p.bpmn")
    assert [p.element_id for p in refused.value.problems if reason in p.message] == ["create-invoice"]


def test_an_operator_off_a_service_task_is_refused(runtime: Runtime) -> None:
    task = ('<bpmn:userTask id="work" name="Ask">' + extensions(
        '<spiffworkflow:serviceTaskOperator id="http/GetRequest"/>') + "</bpmn:userTask>")
    with pytest.raises(DeploymentError) as refused:
        runtime.deploy(process(task), "p.bpmn")
    assert [p.message for p in refused.value.problems] == [
        "spiffworkflow:serviceTaskOperator on 'Ask' (work): this setting of SpiffWorkflow is not run by this engine; "
        "remove it, or run the model on SpiffWorkflow"]
