"""Camunda 8 models from public repositories (tests/data/real-world) run end to end as Zeebe runs them: static and
FEEL values, correlation keys on bpmn:message, start event output mappings, task headers."""
from __future__ import annotations

from pathlib import Path

import pytest

from bpmn_runtime.errors import NotFound
from tests.camunda8.models import runtime_on
from tests.conftest import DATA

CORPUS = DATA / "real-world"


def test_send_email_get_started(tmp_path: Path) -> None:
    """camunda/camunda-platform-get-started: a form-js user task, then the 'email' job (retries="" is the default)."""
    runtime = runtime_on(tmp_path)
    runtime.deploy(CORPUS / "c8-get-started" / "process__send-email.bpmn")
    instance = runtime.start("send-email")
    [task] = runtime.queries.tasks(everyone=True)[0]
    runtime.complete_task(task.id, {"message_content": "Hello"})
    [job] = runtime.acquire_jobs("w")
    assert (job.topic, job.variables["message_content"]) == ("email", "Hello")
    runtime.complete_job(job.job_id, "w")
    assert runtime.queries.instance(instance).summary.status == "completed"


@pytest.mark.parametrize("price, insured", [(150, "true"), (50, "false")])
def test_ship_parcel_headers_follow_the_price(tmp_path: Path, price: int, insured: str) -> None:
    """zeebe-simple-monitor's ship-parcel.bpmn: the FEEL condition picks the task, whose static header says."""
    runtime = runtime_on(tmp_path)
    runtime.deploy(CORPUS / "zeebe-simple-monitor" / "src__test__resources__ship-parcel.bpmn")
    instance = runtime.start("ship-parcel", {"totalPrice": price})
    [job] = runtime.acquire_jobs("w")
    assert (job.topic, job.headers) == ("ship-parcel", {"transport-insurance": insured})
    runtime.complete_job(job.job_id, "w")
    assert runtime.queries.instance(instance).summary.status == "completed"


def test_payment_retries_wait_for_details_of_their_own_payment(tmp_path: Path) -> None:
    """zeebe-simple-monitor's payment.bpmn: a failed payment waits for 'Payment Details updated' with its id."""
    runtime = runtime_on(tmp_path)
    runtime.deploy(CORPUS / "zeebe-simple-monitor" / "src__test__resources__payment.bpmn")
    first, second = (runtime.start("payment", {"paymentId": key}) for key in ("pay-1", "pay-2"))
    for job in runtime.acquire_jobs("w"):
        runtime.complete_job(job.job_id, "w", {"success": False})
    with pytest.raises(NotFound):
        runtime.correlate_message("Payment Details updated", "pay-3", {})
    assert runtime.correlate_message("Payment Details updated", "pay-2", {"card": "new"}) == second
    [retry] = runtime.acquire_jobs("w")
    assert retry.instance_id == second
    runtime.complete_job(retry.job_id, "w", {"success": True})
    assert runtime.queries.instance(second).summary.status == "completed"
    assert runtime.queries.instance(first).summary.status == "active"


def test_message_event_of_zeebe_process_test(tmp_path: Path) -> None:
    runtime = runtime_on(tmp_path)
    runtime.deploy(CORPUS / "zeebe-process-test" / "qa__abstracts__src__main__resources__message-event.bpmn")
    instance = runtime.start("message-event", {"correlationKey": "ck-1"})
    with pytest.raises(NotFound):
        runtime.correlate_message("message", "ck-2", {})
    assert runtime.correlate_message("message", "ck-1", {}) == instance
    assert runtime.queries.instance(instance).summary.status == "completed"


def test_multiple_tasks_count_from_the_start_event(tmp_path: Path) -> None:
    """zeebe-process-test's multiple-tasks.bpmn: the start event's output mapping sets the counter to 0."""
    runtime = runtime_on(tmp_path)
    runtime.deploy(CORPUS / "zeebe-process-test" / "qa__abstracts__src__main__resources__multiple-tasks.bpmn")
    instance = runtime.start("multiple-tasks")
    done = 0
    while jobs := runtime.acquire_jobs("w"):
        for job in jobs:
            runtime.complete_job(job.job_id, "w")
            done += 1
        assert done <= 3
    detail = runtime.queries.instance(instance)
    assert (done, detail.summary.status) == (3, "completed")
    assert detail.variables["loopAmount"] == 1
