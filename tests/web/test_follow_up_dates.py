"""Camunda 7's camunda:followUpDate is evaluated as the due date is (ISO text, or an expression giving a date or
ISO text) and, as in Camunda Tasklist, the inbox and the API filter tasks whose follow-up date has come and
sort by it. A value that is not a date is an incident on the task, never a task with a date nobody can read."""
from __future__ import annotations

from flask import Flask

from bpmn_runtime.runtime import Runtime
from tests.web.conftest import bearer, log_in

FOLLOW_UP = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://example.com/follow-up">
  <bpmn:process id="call-back" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="call" name="Call ${customer} back" camunda:candidateGroups="sales"
        camunda:dueDate="2030-01-31" camunda:followUpDate="${followUp}"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="call"/>
    <bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def start_calls(runtime: Runtime) -> None:
    runtime.deploy(FOLLOW_UP, "call-back.bpmn")
    runtime.start("call-back", {"customer": "Ana", "followUp": "2020-03-01T09:00:00Z"})
    runtime.start("call-back", {"customer": "Ben", "followUp": "2099-01-01"})
    runtime.start("call-back", {"customer": "Cy", "followUp": "2019-05-01"})


def test_the_follow_up_date_of_the_model_is_shown_filtered_and_sorted_in_the_inbox(runtime: Runtime,
                                                                                    app: Flask) -> None:
    start_calls(runtime)
    sam = log_in(app, "sam")
    reached = sam.get("/tasks?due=follow-up&sort=follow-up").text
    assert "Call Cy back" in reached and "Call Ana back" in reached and "Call Ben back" not in reached
    assert reached.index("Call Cy back") < reached.index("Call Ana back")
    assert "follow up 2020-03-01T09:00:00Z" in reached
    every = sam.get("/tasks?sort=follow-up").text
    assert every.index("Call Ana back") < every.index("Call Ben back")
    assert '<option value="follow-up" selected>' in every


def test_the_api_filters_and_sorts_by_the_follow_up_date(runtime: Runtime, app: Flask) -> None:
    start_calls(runtime)
    api = app.test_client()
    headers = bearer(runtime, "sam")
    listed = api.get("/api/v1/tasks?due=follow-up&sort=follow-up", headers=headers).get_json()
    assert [(t["name"], t["followUp"], t["due"]) for t in listed["tasks"]] == [
        ("Call Cy back", "2019-05-01", "2030-01-31"), ("Call Ana back", "2020-03-01T09:00:00Z", "2030-01-31")]
    refused = api.get("/api/v1/tasks?due=someday", headers=headers)
    assert refused.status_code == 400 and "'due' must be one of" in refused.get_data(as_text=True)


def test_a_follow_up_date_that_is_not_a_date_is_an_incident_on_the_task(runtime: Runtime) -> None:
    runtime.deploy(FOLLOW_UP, "call-back.bpmn")
    instance = runtime.start("call-back", {"customer": "Ana", "followUp": "next Tuesday"})
    detail = runtime.queries.instance(instance)
    assert not detail.tasks
    [incident] = detail.incidents
    assert incident.element_id == "call"
    assert "the Follow up date \"${followUp}\" of 'Call ${customer} back' (call) gives 'next Tuesday'" \
        in incident.message
