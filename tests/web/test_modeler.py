"""The modeler's server side: the deployment check in the API (for programs with a token, for the modeler page
with its session and CSRF token), the modeler pages and their Content-Security-Policy, opening, downloading and
deploying a diagram."""
from __future__ import annotations

from flask import Flask

from bpmn_runtime.runtime import Runtime
from tests.conftest import PROCESSES
from tests.web.conftest import Person, bearer, log_in

CHECK = "/api/v1/deployments/check"
XML = {"Content-Type": "application/xml"}
STRICT_POLICY = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
                 "frame-ancestors 'none'; base-uri 'none'")
SERVICE_TASK = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:modeler="http://camunda.org/schema/modeler/1.0"
    modeler:executionPlatform="Camunda Cloud" id="d" targetNamespace="http://example.com">
  <bpmn:process id="parcel" isExecutable="true">
    <bpmn:startEvent id="Start"/><bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Ship"/>
    <bpmn:serviceTask id="Ship" name="Ship parcel">{task}</bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="Ship" targetRef="End"/><bpmn:endEvent id="End"/>
  </bpmn:process>
</bpmn:definitions>"""
WITH_TOPIC = SERVICE_TASK.format(task='<bpmn:extensionElements><zeebe:taskDefinition type="ship-parcel"/>'
                                      '</bpmn:extensionElements>')
WITHOUT_TOPIC = SERVICE_TASK.format(task="")


def _check(person: Person, body: str | bytes, **headers: str) -> tuple[int, dict]:
    response = person.client.post(CHECK, data=body, headers={**XML, "X-CSRFToken": person.token, **headers})
    return response.status_code, response.get_json()


def test_a_diagram_that_would_deploy_has_no_problems(olga: Person) -> None:
    assert _check(olga, (PROCESSES / "order_fulfilment.bpmn").read_bytes()) == (200, {"problems": []})
    assert _check(olga, WITH_TOPIC) == (200, {"problems": []})


def test_a_camunda_8_service_task_without_topic_is_a_problem_at_its_element(olga: Person, runtime: Runtime) -> None:
    status, body = _check(olga, WITHOUT_TOPIC)
    assert status == 200
    assert body == {"problems": [{
        "file": "diagram.bpmn", "line": 7, "elementId": "Ship",
        "message": "the task has no job type; enter the topic its workers take (Task definition, Job type)"}]}
    assert [d["key"] for d in runtime.queries.definitions()] == ["order-fulfilment"], "a check deploys nothing"


def test_a_problem_of_the_whole_file_has_no_element(olga: Person) -> None:
    not_executable = WITH_TOPIC.replace('isExecutable="true"', 'isExecutable="false"')
    status, body = _check(olga, not_executable)
    assert status == 200
    [problem] = body["problems"]
    assert (problem["elementId"], problem["line"]) == ("", 0) and "no executable process" in problem["message"]


def test_a_body_that_is_not_xml_is_refused_with_a_clear_message(olga: Person) -> None:
    for body, expected in ((b"", "Send the BPMN or DMN XML as the request body."),
                           (b'{"xml": 1}', "The body is not XML that can be checked: not well-formed XML"),
                           (b"\xff\xfe<x", "The body is not XML that can be checked"),
                           (b'<!DOCTYPE d [<!ENTITY x "y">]><d/>', "declares a DTD or entities")):
        status, answer = _check(olga, body)
        assert status == 400 and expected in answer["error"], (body, answer)


def test_programs_check_with_a_token_and_need_the_operator_role(app: Flask, runtime: Runtime) -> None:
    client = app.test_client()
    assert client.post(CHECK, data=WITH_TOPIC, headers={**XML, **bearer(runtime, "olga")}).get_json() == \
        {"problems": []}
    refused = client.post(CHECK, data=WITH_TOPIC, headers={**XML, **bearer(runtime, "mia")})
    assert refused.status_code == 403
    assert client.post(CHECK, data=WITH_TOPIC, headers=XML).status_code == 401


def test_the_modeler_page_checks_with_its_session_only_with_the_csrf_token(app: Flask, olga: Person) -> None:
    assert _check(olga, WITH_TOPIC) == (200, {"problems": []})
    forged = olga.client.post(CHECK, data=WITH_TOPIC, headers=XML)  # a foreign page gets the cookie, not the token
    assert forged.status_code == 400 and "did not come from this site" in forged.get_json()["error"]
    status, _ = _check(olga, WITH_TOPIC, **{"X-CSRFToken": "made-up"})
    assert status == 400
    mia = log_in(app, "mia")
    assert _check(mia, WITH_TOPIC)[0] == 403, "people without the operator role cannot check"


def test_only_the_modeler_pages_may_run_script(olga: Person) -> None:
    modeler = olga.get("/console/modeler")
    assert modeler.status_code == 200
    policy = modeler.headers["Content-Security-Policy"]
    assert "script-src 'self'; connect-src 'self'; font-src 'self'" in policy
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert '<script src="/static/editor/bpmn-editor.js" defer></script>' in modeler.text
    for path in ("/tasks", "/console/instances", "/console/deployments", "/login"):
        assert olga.get(path).headers["Content-Security-Policy"] == STRICT_POLICY, path
    drawn = olga.get("/console/definitions/1").headers["Content-Security-Policy"]  # the diagram's styles by hash
    assert drawn.startswith("default-src 'none'; style-src 'self' 'sha256-") and "script-src" not in drawn
    assert "unsafe-hashes" not in drawn


def test_the_modeler_is_for_operators(app: Flask, mia: Person) -> None:
    assert mia.get("/console/modeler").status_code == 403
    assert mia.get("/console/modeler/1/diagram.bpmn").status_code == 403
    assert app.test_client().get("/console/modeler").status_code == 302  # to the login page
    assert "/console/modeler" not in mia.get("/tasks").text, "no Modeler entry for people who cannot use it"


def test_a_deployed_version_opens_and_downloads(olga: Person) -> None:
    page = olga.get("/console/modeler/1")
    assert 'data-file-url="/console/modeler/1/diagram.bpmn"' in page.text
    assert 'data-file-name="order_fulfilment.bpmn"' in page.text
    diagram = olga.get("/console/modeler/1/diagram.bpmn")
    assert diagram.data == (PROCESSES / "order_fulfilment.bpmn").read_bytes()
    assert diagram.headers["Content-Disposition"] == "attachment; filename=order_fulfilment.bpmn"
    assert olga.get("/console/modeler/99").status_code == 404
    assert 'href="/console/modeler/1"' in olga.get("/console/deployments").text


def test_deploying_from_the_modeler_makes_a_new_version(olga: Person, runtime: Runtime) -> None:
    changed = (PROCESSES / "order_fulfilment.bpmn").read_text().replace('name="Ship order"', 'name="Send order"')
    deployed = olga.client.post("/console/modeler/deploy?fileName=order_fulfilment.bpmn", data=changed,
                                headers={**XML, "X-CSRFToken": olga.token})
    assert deployed.status_code == 201
    newest = max(runtime.queries.definitions(), key=lambda d: d["version"])
    assert (newest["key"], newest["version"]) == ("order-fulfilment", 2)
    assert deployed.get_json() == {"location": f"/console/definitions/{newest['id']}"}
    assert "Deployed Order fulfilment (order-fulfilment) version 2 from order_fulfilment.bpmn." in \
        olga.get(deployed.get_json()["location"]).text


def test_the_modeler_refuses_to_deploy_a_diagram_with_problems(olga: Person, runtime: Runtime) -> None:
    for body in (WITHOUT_TOPIC, "not xml"):
        refused = olga.client.post("/console/modeler/deploy", data=body, headers={**XML, "X-CSRFToken": olga.token})
        assert refused.status_code == 400 and refused.get_json()["problems"], body
    assert len(runtime.queries.definitions()) == 1
    forged = olga.client.post("/console/modeler/deploy", data=WITH_TOPIC, headers=XML)
    assert forged.status_code == 400 and len(runtime.queries.definitions()) == 1
