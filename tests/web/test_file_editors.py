"""The form and decision editors' server side: the API's deployment check for .form and .dmn files (what
deployment would refuse, as people edit), the editor pages (operators only, the only other pages that run
script), opening and downloading a deployed form or decision file, and deploying from the editors."""
from __future__ import annotations

import json
import re

from flask import Flask

from bpmn_runtime.runtime import Runtime
from tests.dmn.test_decide_cli import SCORE
from tests.web.conftest import WEB_PROCESSES, Person, flashes

CHECK = "/api/v1/deployments/check"
DEPLOY = "/console/modeler/deploy"
FORM = {"id": "ParcelForm", "type": "default", "components": [
    {"type": "textfield", "key": "code", "label": "Parcel code", "validate": {"required": True, "minLength": 5,
                                                                              "maxLength": 12}}]}
FORM_TOO_SHORT = {**FORM, "components": [{**FORM["components"][0], "validate": {"required": True, "minLength": 5,
                                                                               "maxLength": 2}}]}
BROKEN_ENTRY = SCORE.replace(b"&gt;= 90", b"&gt;= = 90")


def _post(person: Person, url: str, body: str | bytes, file_name: str) -> tuple[int, dict]:
    content_type = "application/json" if file_name.endswith(".form") else "application/xml"
    response = person.client.post(f"{url}?fileName={file_name}", data=body,
                                  headers={"Content-Type": content_type, "X-CSRFToken": person.token})
    return response.status_code, response.get_json()


def test_a_form_is_checked_as_deploying_it_would(olga: Person, runtime: Runtime) -> None:
    assert _post(olga, CHECK, json.dumps(FORM), "parcel.form") == (200, {"problems": []})
    status, body = _post(olga, CHECK, json.dumps(FORM_TOO_SHORT), "parcel.form")
    assert (status, body) == (200, {"problems": [{
        "file": "parcel.form", "line": 0, "elementId": "",
        "message": "field 'Parcel code': minlength 5 is larger than maxlength 2"}]})
    status, body = _post(olga, CHECK, json.dumps({**FORM, "id": ""}), "parcel.form")
    assert [p["message"] for p in body["problems"]] == ["the form has no 'id'; the Camunda Modeler gives every form one"]
    assert runtime.queries.forms() == [], "a check deploys nothing"


def test_a_form_body_that_is_not_json_is_refused_with_a_clear_message(olga: Person) -> None:
    for body, expected in ((b"", "Send the form JSON as the request body."),
                           (b"<form/>", "The body is not JSON that can be checked: Expecting value"),
                           (b"\xff\xfe{", "The body is not JSON that can be checked"),
                           (b"[" * 100_000, "The body is not JSON that can be checked")):
        status, answer = _post(olga, CHECK, body, "parcel.form")
        assert status == 400 and expected in answer["error"], (body[:20], answer)


def test_decisions_are_checked_by_the_engines_dmn_validation(olga: Person, runtime: Runtime) -> None:
    assert _post(olga, CHECK, SCORE, "grade.dmn") == (200, {"problems": []})
    status, body = _post(olga, CHECK, BROKEN_ENTRY, "grade.dmn")
    [problem] = body["problems"]
    assert status == 200 and (problem["elementId"], problem["line"]) == ("grade", 3)
    assert problem["message"].startswith("decision 'Grade': rule 1, input 'score': the entry '>= = 90' is not FEEL")
    status, answer = _post(olga, CHECK, b"{}", "grade.dmn")
    assert status == 400 and "The body is not XML that can be checked" in answer["error"]
    assert runtime.decisions.deployed() == [], "a check deploys nothing"


def test_the_editor_pages_run_their_bundle_and_are_for_operators(app: Flask, olga: Person, mia: Person) -> None:
    for path, bundle in (("/console/editors/forms/new", "form-editor"),
                         ("/console/editors/decisions/new", "dmn-editor")):
        page = olga.get(path)
        assert page.status_code == 200
        assert f'<script src="/static/editor/{bundle}.js" defer></script>' in page.text
        assert 'data-check-url="/api/v1/deployments/check"' in page.text and "data-file-url" not in page.text
        policy = page.headers["Content-Security-Policy"]
        assert "script-src 'self'; connect-src 'self'; font-src 'self'" in policy and "'unsafe-inline'" not in policy
        assert olga.get(f"/static/editor/{bundle}.js").status_code == 200
        assert mia.get(path).status_code == 403
        assert app.test_client().get(path).status_code == 302  # to the login page
    offered = re.search(r'data-components="([^"]*)"', olga.get("/console/editors/forms/new").text)
    assert offered and {"textfield", "checklist", "group"} <= set(offered.group(1).split())
    assert not set(offered.group(1).split()) & {"filepicker", "dynamiclist", "table", "iframe", "expression"}
    assert mia.client.post(f"{CHECK}?fileName=parcel.form", data=json.dumps(FORM),
                           headers={"X-CSRFToken": mia.token}).status_code == 403


def test_a_deployed_form_opens_downloads_and_is_listed(olga: Person, mia: Person, runtime: Runtime) -> None:
    text = json.dumps(FORM).encode()
    runtime.deploy(text, file_name="parcel.form")
    [form] = runtime.queries.forms()
    page = olga.get(f"/console/editors/forms/{form['id']}").text
    assert f'data-file-url="/console/editors/forms/{form["id"]}/file"' in page
    assert 'data-file-name="parcel.form"' in page
    downloaded = olga.get(f"/console/editors/forms/{form['id']}/file")
    assert downloaded.data == text
    assert downloaded.headers["Content-Disposition"] == "attachment; filename=parcel.form"
    assert olga.get("/console/editors/forms/99").status_code == 404
    assert mia.get(f"/console/editors/forms/{form['id']}/file").status_code == 403
    assert f'href="/console/editors/forms/{form["id"]}"' in olga.get("/console/deployments").text


def test_a_deployed_decision_opens_on_its_version_and_downloads(olga: Person, runtime: Runtime) -> None:
    runtime.deploy(SCORE, file_name="grade.dmn")
    runtime.deploy(SCORE.replace(b'"A"', b'"A+"'), file_name="grade.dmn")
    page = olga.get("/console/editors/decisions/grade?version=1").text
    assert 'data-file-url="/console/editors/decisions/grade/file?version=1"' in page
    assert 'data-decision="grade"' in page and 'data-file-name="grade.dmn"' in page
    assert olga.get("/console/editors/decisions/grade/file?version=1").data == SCORE
    assert b'"A+"' in olga.get("/console/editors/decisions/grade/file").data, "the newest version without one"
    assert olga.get("/console/editors/decisions/grade?version=7").status_code == 404
    assert olga.get("/console/editors/decisions/nope").status_code == 404
    assert 'href="/console/editors/decisions/grade"' in olga.get("/console/decisions").text


def test_deploying_from_the_editors(olga: Person, runtime: Runtime) -> None:
    status, body = _post(olga, DEPLOY, json.dumps(FORM), "parcel.form")
    assert (status, body) == (201, {"location": "/console/deployments"})
    assert "Deployed form ParcelForm version 1 from parcel.form." in flashes(olga.get(body["location"]).text)
    status, body = _post(olga, DEPLOY, json.dumps(FORM_TOO_SHORT), "parcel.form")
    assert status == 400 and body["error"] == "parcel.form cannot be deployed."
    assert [p["message"] for p in body["problems"]] == ["field 'Parcel code': minlength 5 is larger than maxlength 2"]
    assert [(f["form_id"], f["version"]) for f in runtime.queries.forms()] == [("ParcelForm", 1)]

    status, body = _post(olga, DEPLOY, SCORE, "grade.dmn")
    assert (status, body) == (201, {"location": "/console/decisions/grade"})
    assert "Deployed Grade (grade) version 1 from grade.dmn." in flashes(olga.get(body["location"]).text)
    status, body = _post(olga, DEPLOY, BROKEN_ENTRY, "grade.dmn")
    assert status == 400 and body["problems"][0]["elementId"] == "grade"
    assert [(d.key, d.version) for d in runtime.decisions.deployed()] == [("grade", 1)]


def test_a_link_to_a_form_not_deployed_is_a_problem_of_the_check_as_of_the_deployment(olga: Person) -> None:
    """The modeler's check answers what deploying would: a task linked to no deployed form is refused."""
    process = (WEB_PROCESSES / "linked_c8.bpmn").read_bytes()
    status, body = _post(olga, CHECK, process, "linked_c8.bpmn")
    assert status == 200 and [(p["elementId"], p["message"]) for p in body["problems"]] == [(
        "Check", "the form is linked to a form with id 'invoice-check', but none is deployed; deploy the .form file "
                 "first (Camunda 8 resolves linked forms at deployment too)")]
    assert _post(olga, DEPLOY, (WEB_PROCESSES / "invoice.form").read_bytes(), "invoice.form")[0] == 201
    assert _post(olga, CHECK, process, "linked_c8.bpmn") == (200, {"problems": []})


def test_the_check_refuses_what_deploying_refuses_at_start_events(olga: Person, runtime: Runtime) -> None:
    """A message that already starts another process, and a timer start that never fires, are refused by the
    deployment itself (not the parser): the check says so too."""
    def starting(process_id: str, start: str) -> str:
        return (f'<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn='
                f'"http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="http://example.com">'
                f'<bpmn:message id="M" name="parcel-arrived"/><bpmn:process id="{process_id}" isExecutable="true">'
                f'{start}<bpmn:sequenceFlow id="f" sourceRef="Start" targetRef="End"/><bpmn:endEvent id="End"/>'
                f'</bpmn:process></bpmn:definitions>')
    by_message = '<bpmn:startEvent id="Start"><bpmn:messageEventDefinition messageRef="M"/></bpmn:startEvent>'
    runtime.deploy(starting("first", by_message).encode(), file_name="first.bpmn")
    status, body = _post(olga, CHECK, starting("second", by_message), "second.bpmn")
    assert status == 200 and [(p["elementId"], p["message"]) for p in body["problems"]] == [(
        "Start", "message 'parcel-arrived' already starts process 'first' (deployed from first.bpmn); a message can "
                 "start one process only: give this start event another message")]
    assert _post(olga, CHECK, starting("first", by_message), "first.bpmn") == (200, {"problems": []})
    never = ('<bpmn:startEvent id="Start"><bpmn:timerEventDefinition><bpmn:timeCycle>R0/PT1H</bpmn:timeCycle>'
             '</bpmn:timerEventDefinition></bpmn:startEvent>')
    refused = _post(olga, DEPLOY, starting("hourly", never), "hourly.bpmn")[1]["problems"]
    assert _post(olga, CHECK, starting("hourly", never), "hourly.bpmn") == (200, {"problems": refused})
    assert refused and refused[0]["elementId"] == "Start"
