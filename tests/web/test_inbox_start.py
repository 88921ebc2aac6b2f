"""Starting a process from the inbox, as Camunda Tasklist's Start process does: a person sees the processes
they may start (camunda:candidateStarterGroups), fills in the start event's form (camunda:formData), checked
as a task's form is (a refused form starts nothing and is shown again with its messages), and the form's
business key field (formData businessKey) gives the instance its business key."""
from __future__ import annotations

import html
from pathlib import Path
from typing import Iterator

import pytest
from flask import Flask

from bpmn_runtime.runtime import Runtime
from tests.web.conftest import Person, Server, flashes, log_in, run_cli
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS, _need_chromium

LEAVE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://example.com/leave">
  <bpmn:process id="leave" name="Leave request" isExecutable="true" camunda:candidateStarterGroups="sales">
    <bpmn:startEvent id="start"><bpmn:extensionElements>
      <camunda:formData businessKey="request_id">
        <camunda:formField id="request_id" label="Request number" type="string">
          <camunda:validation><camunda:constraint name="required"/></camunda:validation></camunda:formField>
        <camunda:formField id="days" label="Days off" type="long" defaultValue="1">
          <camunda:validation><camunda:constraint name="required"/><camunda:constraint name="max" config="30"/>
          </camunda:validation></camunda:formField>
      </camunda:formData></bpmn:extensionElements></bpmn:startEvent>
    <bpmn:userTask id="approve" name="Approve ${days} day(s)" camunda:candidateGroups="managers"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="approve"/>
    <bpmn:sequenceFlow id="f2" sourceRef="approve" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_a_starter_starts_a_process_with_its_start_form_checked_as_a_task_form_is(runtime: Runtime,
                                                                                  app: Flask, mia: Person) -> None:
    [deployed] = runtime.deploy(LEAVE.encode(), "leave.bpmn")
    sam = log_in(app, "sam")
    listed = sam.get("/start").text
    assert "Leave request" in listed and "Order fulfilment" not in listed  # operators start the order example
    page = html.unescape(sam.get(f"/start/{deployed.definition_id}").text)
    assert 'name="request_id"' in page and '<input id="field-days" name="days" type="number" value="1"' in page
    assert 'name="business_key"' not in page, "the form's business key field gives the business key"

    refused = sam.post(f"/start/{deployed.definition_id}", {"request_id": "", "days": "45"})
    assert refused.status_code == 400 and "nothing was started:" in refused.text
    assert "Must be at most 30" in refused.text and 'value="45"' in refused.text
    assert runtime.queries.instances(process="leave")[1] == 0

    started = sam.post(f"/start/{deployed.definition_id}", {"request_id": "leave-7", "days": "3"},
                       follow_redirects=True)
    assert flashes(started.text)[0].startswith("Started Leave request (instance ")
    [instance] = runtime.queries.instances(process="leave")[0]
    assert instance.business_key == "leave-7"
    assert runtime.queries.instance(instance.id).variables == {"days": 3}
    assert "Approve 3 day(s)" in mia.get("/tasks").text
    assert mia.get(f"/start/{deployed.definition_id}").status_code == 404, "managers may not start it"
    [hidden] = runtime.deploy(LEAVE.replace('isExecutable="true"', 'isExecutable="true" '
                                            'camunda:isStartableInTasklist="false"').encode(), "leave.bpmn")
    assert "Leave request" not in sam.get("/start").text, "its model keeps it out of Tasklist"
    assert sam.get(f"/start/{hidden.definition_id}").status_code == 404
    assert mia.post(f"/start/{deployed.definition_id}", {"request_id": "x", "days": "1"}).status_code == 404


@pytest.mark.parametrize(("model", "where", "message"), [
    (LEAVE.replace('businessKey="request_id"', 'businessKey="order"'), "start",
     "the business key field 'order' is not a field of this start event's form"),
    (LEAVE.replace('camunda:candidateGroups="managers"/>', 'camunda:candidateGroups="managers"><bpmn:extensionElements>'
                   '<camunda:formData businessKey="ok"><camunda:formField id="ok" type="boolean"/></camunda:formData>'
                   '</bpmn:extensionElements></bpmn:userTask>'), "approve",
     "the business key field 'ok' is read only from a start event's form"),
])
def test_a_business_key_field_the_start_form_does_not_give_is_refused(model: str, where: str, message: str) -> None:
    from bpmn_runtime.errors import DeploymentError
    from bpmn_runtime.parser import parse

    with pytest.raises(DeploymentError) as refused:
        parse(model.encode(), "leave.bpmn")
    [problem] = refused.value.problems
    assert problem.element_id == where and message in problem.message


@pytest.fixture
def server(example_dir: Path, tmp_path: Path) -> Iterator[Server]:
    _need_chromium()
    (example_dir / "processes" / "leave.bpmn").write_text(LEAVE)
    served = Server(example_dir, tmp_path / "serve.db", tmp_path / "serve.log", {})
    try:
        yield served
    finally:
        served.stop()


@pytest.mark.browser
def test_in_a_browser_a_refused_start_form_says_why_and_a_right_one_starts_the_process(
        server: Server, example_dir: Path, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    run_cli(example_dir, tmp_path / "serve.db", "user", "add", "sam", "--group", "sales", "--password", "sales-pass-1")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(f"{server.url}/login")
        page.fill("input[name=name]", "sam")
        page.fill("input[name=password]", "sales-pass-1")
        page.click("button[type=submit]")
        page.get_by_role("link", name="Start a process").click()
        page.get_by_role("link", name="Leave request").click()
        page.fill("input[name=days]", "45")
        page.get_by_role("button", name="Start").click()
        expect(page.locator("#form-error")).to_contain_text("nothing was started:")
        expect(page.locator(".field.has-error")).to_have_count(2)  # request number missing, too many days
        page.fill("input[name=request_id]", "leave-9")
        page.fill("input[name=days]", "2")
        page.get_by_role("button", name="Start").click()
        expect(page.locator(".flash")).to_contain_text("Started Leave request")
        browser.close()
    listed = run_cli(example_dir, tmp_path / "serve.db", "instances", "--process", "leave")
    assert "leave-9" in listed
