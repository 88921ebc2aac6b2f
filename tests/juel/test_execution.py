"""`execution` accessors and Camunda 7's date functions, read against an ExecutionView."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from bpmn_runtime.juel import ExecutionView, JuelEvaluationError, JuelUnsupportedError, compile_template, render

NOW = datetime(2026, 1, 31, 9, 30, tzinfo=timezone.utc)
VIEW = ExecutionView(process_instance_id="42", id="42:7", business_key="ORDER-1", activity_id="approve",
                     activity_name="Approve order", process_definition_key="order", process_definition_version=3,
                     event_name="start", local_variables={"local": "here"}, now=NOW)
VARIABLES = {"amount": 150, "local": "here", "customer": "Ada"}


def evaluate(text: str, view: ExecutionView | None = VIEW) -> Any:
    return compile_template(text).evaluate(VARIABLES, view)


@pytest.mark.parametrize(("text", "expected"), [
    ('${execution.getVariable("amount")}', 150),
    ('${execution.getVariable("missing")}', None),  # Camunda gives null, not an error
    ('${execution.getVariableLocal("local")}', "here"),
    ('${execution.getVariableLocal("amount")}', None),
    ('${execution.hasVariable("amount")}', True),
    ('${execution.hasVariableLocal("amount")}', False),
    ("${execution.getVariables()}", VARIABLES),
    ("${execution.variables.customer}", "Ada"),
    ("${execution.getVariablesLocal()}", {"local": "here"}),
    ("${execution.variableNames}", ["amount", "customer", "local"]),
    ("${execution.processBusinessKey}", "ORDER-1"),
    ("${execution.getProcessBusinessKey()}", "ORDER-1"),
    ("${execution.businessKey}", "ORDER-1"),
    ("${execution.processInstanceId}", "42"),
    ("${execution.getProcessInstanceId()}", "42"),
    ("${execution.id}", "42:7"),
    ("${execution.activityId}", "approve"),
    ("${execution.getCurrentActivityId()}", "approve"),
    ("${execution.currentActivityName}", "Approve order"),
    ("${execution.processDefinitionId}", "order:3"),
    ("${execution.eventName}", "start"),
    ("${execution.processInstanceId == 42}", True),  # a text id compares with a number as EL coerces
    ("order ${execution.processBusinessKey} at ${execution.activityId}", "order ORDER-1 at approve"),
])
def test_execution_accessors(text: str, expected: Any) -> None:
    assert evaluate(text) == expected


def test_execution_is_only_known_while_an_instance_runs() -> None:
    with pytest.raises(JuelEvaluationError, match="no variable named 'execution' is set here; it is only known"):
        evaluate("${execution.id}", view=None)


def test_the_definition_id_is_the_key_when_the_version_is_unknown() -> None:
    view = ExecutionView(process_instance_id="1", id="1:0", process_definition_key="order")
    assert compile_template("${execution.processDefinitionId}").evaluate({}, view) == "order"


def test_unknown_execution_properties_are_refused_before_they_run() -> None:
    with pytest.raises(JuelUnsupportedError, match="'execution.tenantId': the execution offers only the properties") \
            as refused:
        evaluate("${execution.tenantId}")
    assert (refused.value.line, refused.value.column) == (1, 3)


@pytest.mark.parametrize(("text", "expected"), [
    ("${now()}", "2026-01-31T09:30:00.000Z"),
    ("${dateTime()}", "2026-01-31T09:30:00.000Z"),
    ("${dateTime().toDate()}", "2026-01-31T09:30:00.000Z"),
    ("${dateTime().plusDays(2).toDate()}", "2026-02-02T09:30:00.000Z"),
    ("${dateTime().plusHours(1).plusMinutes(15)}", "2026-01-31T10:45:00.000Z"),
    ("${dateTime().plusWeeks(1)}", "2026-02-07T09:30:00.000Z"),
    ("${dateTime().plusMonths(1)}", "2026-02-28T09:30:00.000Z"),  # Joda cuts to the month's last day
    ("${dateTime().plusYears(1).minusMonths(12)}", "2026-01-31T09:30:00.000Z"),
    ("${dateTime().minusDays(31)}", "2025-12-31T09:30:00.000Z"),
    ("${dateTime().plusSeconds('30')}", "2026-01-31T09:30:30.000Z"),
    ("${dateTime().toString()}", "2026-01-31T09:30:00.000Z"),
    ("due ${dateTime().plusDays(1)}", "due 2026-02-01T09:30:00.000Z"),
    ("${dateTime().plusDays(1) > dateTime()}", True),
    ("${now() == now()}", True),
    ("${now() == dateTime()}", False),  # a Date never equals a DateTime
])
def test_date_functions_read_the_engines_clock(text: str, expected: Any) -> None:
    assert evaluate(text) == expected


def test_without_a_view_the_date_functions_read_the_system_clock() -> None:
    before = datetime.now(timezone.utc).replace(microsecond=0)
    moment = datetime.fromisoformat(render("${now()}", {}))
    assert before <= moment.replace(microsecond=0) <= datetime.now(timezone.utc)


@pytest.mark.parametrize(("text", "reason"), [
    ("${dateTime().plusYears(9000)}", "outside the years 1 to 9999"),
    ("${dateTime().plusDays(null)}", "the amount is null"),
    ("${now().plusDays(1)}", "has no method 'plusDays'"),  # a java.util.Date has no Joda arithmetic
    ("${dateTime() < 'x' && dateTime() < 1}", "cannot be compared"),
])
def test_date_errors(text: str, reason: str) -> None:
    with pytest.raises(JuelEvaluationError) as caught:
        evaluate(text)
    assert reason in str(caught.value)
