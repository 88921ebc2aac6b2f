"""The parser on real files: every MIWG corpus file deploys or is refused with located messages, and
hostile files are refused with a clear message while nothing is stored."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.parser import parse
from bpmn_runtime.runtime import Runtime
from tests.conftest import DATA

CORPUS = DATA / "miwg"
CORPUS_FILES = sorted(CORPUS.rglob("*.bpmn"))
LOCATED = re.compile(r"^\S+\.bpmn(:\d+)? \S+: .+")


def test_the_corpus_is_there() -> None:
    assert len(CORPUS_FILES) >= 80, f"expected the MIWG corpus at {CORPUS}"


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_file_deploys_or_is_refused_with_located_messages(path: Path) -> None:
    try:
        definitions = parse(path.read_bytes(), path.name)
    except DeploymentError as error:
        assert error.problems
        for problem in error.problems:
            assert problem.file == path.name
            assert problem.message and not problem.message.startswith("Traceback")
            assert LOCATED.match(str(problem)), str(problem)
        located = [p for p in error.problems if p.line or "no executable process" in p.message]
        assert located == error.problems, "every problem names a line, or is about the whole file"
        return
    assert definitions.executable_processes()
    for process in definitions.executable_processes():
        for element in process.walk():
            assert element.origin.line > 0


def _bpmn(body: str, header: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>{header}
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="http://example.com">
  <bpmn:process id="p" isExecutable="true">{body}</bpmn:process>
</bpmn:definitions>""".encode()


SIMPLE = """
    <bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="e"/><bpmn:endEvent id="e"/>"""


def _refused(runtime: Runtime, data: bytes) -> str:
    with pytest.raises(DeploymentError) as caught:
        runtime.deploy(data, "hostile.bpmn")
    assert runtime.queries.definitions() == [], "nothing is stored"
    return str(caught.value)


def test_external_entity_is_refused(sqlite_url: str, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    header = f'<!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}">]>'
    message = _refused(Runtime(sqlite_url), _bpmn(SIMPLE.replace('id="s"/>', 'id="s" name="&x;"/>'), header))
    assert "DTD or entities" in message and "top secret" not in message


def test_billion_laughs_is_refused(sqlite_url: str) -> None:
    levels = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)]
    header = f"<!DOCTYPE d [{''.join(levels)}]>"
    message = _refused(Runtime(sqlite_url), _bpmn(SIMPLE.replace('id="s"/>', 'id="s" name="&lol9;"/>'), header))
    assert "DTD or entities" in message


def test_a_50_megabyte_file_is_refused(sqlite_url: str) -> None:
    padding = "<bpmn:documentation>" + "x" * (50 * 1024 * 1024) + "</bpmn:documentation>"
    message = _refused(Runtime(sqlite_url), _bpmn(padding + SIMPLE))
    assert "the limit is 20 MB" in message


@pytest.mark.parametrize("condition", [
    "${__import__('os').system('touch /tmp/pwned')}",
    "().__class__.__bases__[0].__subclasses__()",
    "open('/etc/passwd').read() == ''",
])
def test_sandbox_escapes_in_conditions_are_refused_at_deployment(sqlite_url: str, condition: str) -> None:
    body = f"""
    <bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="g"/>
    <bpmn:exclusiveGateway id="g" default="f3"/>
    <bpmn:sequenceFlow id="f2" sourceRef="g" targetRef="e">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression"><![CDATA[{condition}]]></bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f3" sourceRef="g" targetRef="e"/><bpmn:endEvent id="e"/>"""
    message = _refused(Runtime(sqlite_url), _bpmn(body))
    assert "hostile.bpmn:" in message and " g: " in message
    assert "refused" in message or "cannot" in message
    assert not Path("/tmp/pwned").exists()


def test_a_hostile_script_is_refused_at_deployment(sqlite_url: str) -> None:
    body = """
    <bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>
    <bpmn:scriptTask id="t" scriptFormat="python"><bpmn:script>x = __import__('os').getcwd()</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/><bpmn:endEvent id="e"/>"""
    message = _refused(Runtime(sqlite_url), _bpmn(body))
    assert "t: refused script" in message and "'_'" in message


def test_every_semantic_problem_is_listed_with_its_line(sqlite_url: str) -> None:
    body = """
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="ghost"/>
    <bpmn:sequenceFlow id="f2" sourceRef="e" targetRef="s"/>
    <bpmn:exclusiveGateway id="g"/>
    <bpmn:sequenceFlow id="f3" sourceRef="s" targetRef="g"/>
    <bpmn:endEvent id="e"/>"""
    message = _refused(Runtime(sqlite_url), _bpmn(body))
    for expected in ("f1: the sequence flow leads to 'ghost', which is declared nowhere in this file",
                     "s: a start event cannot have incoming sequence flows",
                     "e: an end event cannot have outgoing sequence flows",
                     "g: exclusive gateway 'g' has 1 incoming and 0 outgoing sequence flows"):
        assert expected in message, message
    assert re.search(r"hostile\.bpmn:\d+ g:", message)


def test_not_well_formed_xml_is_located(sqlite_url: str) -> None:
    message = _refused(Runtime(sqlite_url), b"<bpmn:definitions>\n<unclosed>\n")
    assert "hostile.bpmn:" in message and "not well-formed XML" in message


def test_schema_violations_are_reported(sqlite_url: str) -> None:
    message = _refused(Runtime(sqlite_url), _bpmn(SIMPLE.replace("<bpmn:endEvent", "<bpmn:endEvnt")))
    assert "schema:" in message and "endEvnt" in message


def test_java_delegates_are_refused_with_advice(sqlite_url: str) -> None:
    body = SIMPLE.replace('<bpmn:endEvent id="e"/>', """<bpmn:endEvent id="e"/>""").replace(
        'targetRef="e"/>', 'targetRef="t"/><bpmn:serviceTask id="t" camunda:class="com.acme.Charge"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>')
    data = _bpmn(body).replace(b'xmlns:xsi=', b'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:xsi=')
    message = _refused(Runtime(sqlite_url), data)
    assert "camunda:class names Java code" in message and "camunda:topic" in message


def test_camunda_8_extensions_are_read() -> None:
    data = (CORPUS / "reference" / "C.9.1.bpmn").read_bytes()
    definitions = parse(data, "C.9.1.bpmn")
    elements = {e.id: e for p in definitions.executable_processes() for e in p.walk()}
    send = elements["SendTask_SendReminderEmail"]
    assert send.extensions.topic == "email"  # zeebe:taskDefinition type
    assert send.extensions.async_before is True  # camunda:asyncBefore in the same file



def test_a_huge_power_raises_an_incident_instead_of_hanging(sqlite_url: str) -> None:
    body = """
    <bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="g"/>
    <bpmn:exclusiveGateway id="g" default="f3"/>
    <bpmn:sequenceFlow id="f2" sourceRef="g" targetRef="e">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">9**9**9 &gt; 1</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f3" sourceRef="g" targetRef="e"/><bpmn:endEvent id="e"/>"""
    runtime = Runtime(sqlite_url)
    runtime.deploy(_bpmn(body), "power.bpmn")
    instance_id = runtime.start("p")
    detail = runtime.queries.instance(instance_id)
    assert detail.summary.status == "active"
    [incident] = detail.incidents
    assert incident.element_id == "g" and "9**9**9" in incident.message
