"""A zeebe value without a leading `=` is a static value, with `=` it is FEEL (as Camunda 8 reads them).

Static values are what modelers type into the properties panel with the FEEL toggle off: URLs, e-mail addresses,
`in-process`, dates, `{{secrets.X}}`; they reach the workers and the inbox as exactly that text.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.parser import parse
from tests.camunda8.models import deploy_one_task, extensions, flows, job, model, only_job, quote, runtime_on

STATIC = {
    "url": "https://api.example.com/v1/orders?status=open&limit=10",
    "email": "ops@example.com",
    "mode": "in-process",
    "day": "2026-12-31",
    "secret": "{{secrets.API_KEY}}",
    "number": "42",
    "json": '{"a": 1}',
    "list": "[1, 2]",
    "juel": "${not evaluated}",
    "words": "not a - valid expression",
}


def _inputs(values: dict[str, str]) -> str:
    return "".join(f"<zeebe:input source={quote(v)} target={quote(k)}/>" for k, v in values.items())


def test_static_input_mappings_reach_the_worker_as_their_text_and_feel_ones_are_evaluated(tmp_path: Path) -> None:
    io = f'<zeebe:ioMapping>{_inputs(STATIC)}<zeebe:input source="=amount * 2" target="doubled"/></zeebe:ioMapping>'
    runtime = deploy_one_task(tmp_path, job("send-mail", io))
    runtime.start("p", {"amount": 21})
    work = only_job(runtime)
    assert {k: work.variables[k] for k in STATIC} == STATIC
    assert work.variables["doubled"] == 42


def test_task_headers_are_static_even_with_a_leading_equals(tmp_path: Path) -> None:
    headers = ('<zeebe:taskHeaders><zeebe:header key="endpoint" value="https://example.com/hook"/>'
               '<zeebe:header key="formula" value="=amount"/></zeebe:taskHeaders>')
    runtime = deploy_one_task(tmp_path, job("hook", headers))
    runtime.start("p", {"amount": 5})
    assert only_job(runtime).headers == {"endpoint": "https://example.com/hook", "formula": "=amount"}


def test_user_task_assignment_schedule_and_priority_static_and_feel(tmp_path: Path) -> None:
    task = ('<bpmn:userTask id="approve" name="Approve">' + extensions(
        '<zeebe:assignmentDefinition assignee="anna.smith@example.com" candidateGroups="sales-emea, management"'
        ' candidateUsers="=reviewers"/>',
        '<zeebe:taskSchedule dueDate="2026-12-31T17:00:00Z" followUpDate="2026-12-24T09:00:00Z"/>',
        '<zeebe:priorityDefinition priority="70"/>') + '</bpmn:userTask>')
    runtime = deploy_one_task(tmp_path, task, "approve")
    runtime.start("p", {"reviewers": ["bob", "carla"]})
    [created] = runtime.queries.tasks(everyone=True)[0]
    assert created.assignee == "anna.smith@example.com"
    assert created.candidate_groups == ["sales-emea", "management"]
    assert created.candidate_users == ["bob", "carla"]
    assert (created.due, created.follow_up, created.priority) == ("2026-12-31T17:00:00Z", "2026-12-24T09:00:00Z", 70)


def test_feel_assignee_and_due_date_are_evaluated(tmp_path: Path) -> None:
    task = ('<bpmn:userTask id="approve">' + extensions(
        '<zeebe:assignmentDefinition assignee="=owner" candidateGroups="=[&quot;a&quot;, team]"/>',
        '<zeebe:taskSchedule dueDate="=&quot;2027-01-0&quot; + string(day) + &quot;T09:00:00Z&quot;"'
        ' followUpDate="=&quot;2027-01-0&quot; + string(day - 1) + &quot;T09:00:00Z&quot;"/>')
            + '</bpmn:userTask>')
    runtime = deploy_one_task(tmp_path, task, "approve")
    runtime.start("p", {"owner": "dora", "team": "ops", "day": 5})
    [created] = runtime.queries.tasks(everyone=True)[0]
    assert (created.assignee, created.candidate_groups) == ("dora", ["a", "ops"])
    assert (created.due, created.follow_up) == ("2027-01-05T09:00:00Z", "2027-01-04T09:00:00Z")


def _prioritised(priority: str) -> str:
    return f'<bpmn:userTask id="approve">{extensions(f"<zeebe:priorityDefinition priority={quote(priority)}/>")}' \
           '</bpmn:userTask>'


def test_a_priority_expression_giving_no_priority_camunda_8_takes_is_an_incident(tmp_path: Path) -> None:
    runtime = deploy_one_task(tmp_path, _prioritised("=level"), "approve")
    runtime.start("p", {"level": 80})
    assert runtime.queries.tasks(everyone=True)[0][0].priority == 80
    for level, shown in (("high", "'high', not a whole number"), (150, "150; Camunda 8 takes a priority between")):
        [incident] = runtime.queries.instance(runtime.start("p", {"level": level})).incidents
        assert f'the priority "=level" of approve gives {shown}' in incident.message


def test_a_static_priority_outside_0_to_100_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DeploymentError) as refused:
        deploy_one_task(tmp_path, _prioritised("500"), "approve")
    [problem] = refused.value.problems
    assert problem.element_id == "approve" and "zeebe:priorityDefinition priority" in problem.message


def test_names_embedding_juel_are_text_as_written_in_a_camunda_8_file(tmp_path: Path) -> None:
    """Zeebe has no `${...}`: a task named 'Review ${order}' is called so, and a message named 'paid-${order}' is
    the message of that name."""
    message = ('<bpmn:message id="paid" name="paid-${order}">'
               + extensions('<zeebe:subscription correlationKey="=order"/>') + '</bpmn:message>')
    body = ('<bpmn:startEvent id="s"/><bpmn:userTask id="work" name="Review ${order}">'
            + extensions('<zeebe:userTask/>') + '</bpmn:userTask><bpmn:intermediateCatchEvent id="wait">'
            '<bpmn:messageEventDefinition messageRef="paid"/></bpmn:intermediateCatchEvent><bpmn:endEvent id="e"/>'
            + flows("s", "work", "wait", "e"))
    runtime = runtime_on(tmp_path)
    runtime.deploy(model(body, message), "p.bpmn")
    instance = runtime.start("p", {"order": "o-1"})
    [task] = runtime.queries.tasks(everyone=True)[0]
    assert task.name == "Review ${order}"
    runtime.complete_task(task.id, {})
    runtime.correlate_message("paid-${order}", "o-1")
    assert runtime.queries.instance(instance).summary.status == "completed"


@pytest.mark.parametrize("event, declaration", [
    ('<bpmn:endEvent id="work"><bpmn:errorEventDefinition errorRef="no"/></bpmn:endEvent>',
     '<bpmn:error id="no" errorCode="=reason +"/>'),
    ('<bpmn:endEvent id="work"><bpmn:signalEventDefinition signalRef="no"/></bpmn:endEvent>',
     '<bpmn:signal id="no" name="=&quot;alarm-&quot; +"/>'),
], ids=["error code", "signal name"])
def test_a_feel_code_or_signal_name_that_cannot_parse_is_refused_at_deployment(event: str, declaration: str) -> None:
    with pytest.raises(DeploymentError) as refused:
        parse(model(f'<bpmn:startEvent id="s"/>{event}{flows("s", "work")}', declaration), "p.bpmn")
    assert [p.element_id for p in refused.value.problems] == ["work"]
