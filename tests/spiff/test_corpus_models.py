"""SpiffWorkflow models of the real-world corpus run end to end on the real runtime (SQLite file): one handler
registered for every topic (CATCH_ALL) takes each operator's job, reads the parameters the model evaluates, and
its result lands in the operator's result variable, as SpiffWorkflow's service call result does; a tutorial's
order runs its JSON-schema form, its decision and its script."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bpmn_runtime.handlers import CATCH_ALL, HandlerRegistry, JobContext
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.worker import Worker
from tests.dmn.models import decision, model, table

CORPUS = Path(__file__).resolve().parents[1] / "data" / "real-world"


def run(database: Path, name: str, process_id: str, variables: dict[str, Any],
        parameters: tuple[str, ...]) -> tuple[str, list[tuple[str, dict[str, Any]]], dict[str, Any]]:
    """Run the model with a catch-all handler that answers {"answered": <topic>}: the instance's status, each job's
    topic with the `parameters` it was handed, and the instance's variables."""
    runtime = Runtime(f"sqlite:///{database}")
    jobs: list[tuple[str, dict[str, Any]]] = []

    def service(job: JobContext) -> dict[str, Any]:
        jobs.append((job.topic, {name: job.variables[name] for name in parameters}))
        return {"answered": job.topic}

    registry = HandlerRegistry()
    registry.register(CATCH_ALL, service)
    try:
        runtime.deploy((CORPUS / name).read_bytes(), Path(name).name)
        instance = runtime.start(process_id, variables)
        worker = Worker(runtime, registry)
        while worker.run_once():
            pass
        detail = runtime.queries.instance(instance)
        return detail.summary.status, jobs, detail.variables
    finally:
        runtime.close()


def test_the_currency_converter_calls_its_http_operator_with_the_evaluated_parameters(tmp_path: Path) -> None:
    status, jobs, variables = run(
        tmp_path / "run.db", "spiff-sample-models/misc__service-tests__xe-currency-converter__xe_convert_from.bpmn",
        "Xe_ConvertFrom", {"xe_convert_from_currency": "EUR", "xe_convert_to_currency": "USD", "xe_amount": 10,
                           "xe_decimal_places": 2}, ("url", "params", "headers", "basic_auth_username"))
    assert status == "completed"
    assert jobs == [("http/GetRequest", {
        "url": "https://xecdapi.xe.com/v1/convert_from",
        "params": {"from": "EUR", "to": "USD", "amount": 10, "decimal_places": 2},
        "headers": {"Accept": "application/json"}, "basic_auth_username": "secret:XE_ACCOUNT_ID"})]
    assert variables["xe_convert_from"] == {"answered": "http/GetRequest"}


def test_an_operator_without_result_variable_stores_its_result_where_spiff_does(tmp_path: Path) -> None:
    status, jobs, variables = run(
        tmp_path / "run.db", "spiff-sample-models/misc__category_number_one__service-tasks__service_tasks.bpmn",
        "Process_category_number_one_service_tasks_service_tasks_bd2e724", {}, ("amount", "contact_name"))
    assert (status, jobs) == ("completed", [("xero/CreateInvoice", {"amount": "25005", "contact_name": "Foo Bar"})])
    assert variables["spiff__service_task_one_result"] == {"answered": "xero/CreateInvoice"}


def test_the_threaded_service_task_runs_one_job_per_instance_and_collects_the_results(tmp_path: Path) -> None:
    status, jobs, variables = run(tmp_path / "run.db", "spiff-example-cli/bpmn__tutorial__threaded_service_task.bpmn",
                                  "threaded_service", {}, ("job_id",))
    assert status == "completed"
    assert sorted(job["job_id"] for _, job in jobs) == list(range(15))
    assert variables["results"] == [{"answered": "wait"}] * 15


def test_the_tutorials_order_runs_its_form_decision_and_script(tmp_path: Path) -> None:
    """task_types: the JSON-schema form of the user task (written here: the corpus keeps only the model), the
    product_prices decision (a FEEL table here) merged into the variables, the script task's total, and the
    manual task, which waits until the person says the order is reviewed."""
    form = {"type": "object", "required": ["product_name", "product_quantity"], "properties": {
        "product_name": {"type": "string", "title": "Product", "enum": ["product_a", "product_b"]},
        "product_quantity": {"type": "integer", "title": "Quantity", "minimum": 1}}}
    (tmp_path / "select_product_and_quantity.json").write_text(json.dumps(form))
    (tmp_path / "product_prices.dmn").write_bytes(model(decision("product_prices", table(
        ["product_name"], ["product_price"], [(['"product_a"'], ["15.0"]), (['"product_b"'], ["22.5"])]))))
    runtime = Runtime(f"sqlite:///{tmp_path / 'run.db'}")
    try:
        runtime.deploy([tmp_path / "select_product_and_quantity.json", tmp_path / "product_prices.dmn",
                        CORPUS / "spiff-example-cli/bpmn__tutorial__task_types.bpmn"])
        instance = runtime.start("order_product", {})
        task = runtime.queries.tasks(everyone=True)[0][0]
        runtime.complete_task(task.id, {"product_name": "product_b", "product_quantity": 2})
        review = runtime.queries.tasks(everyone=True)[0]
        assert [t.element_id for t in review] == ["Activity_0h1938t"]  # the manual task waits for the person
        assert runtime.queries.instance(instance).variables == {
            "product_name": "product_b", "product_quantity": 2, "product_price": 22.5, "order_total": 45.0}
        runtime.complete_task(review[0].id, {})
        assert runtime.queries.instance(instance).summary.status == "completed"
    finally:
        runtime.close()
