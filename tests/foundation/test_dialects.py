"""Which engine a file was made for is decided once (`parser.dialects`), and the reader and the deployment checks
act on that one decision: a file that validation reads as Camunda 8 is also run as Camunda 8, a SpiffWorkflow file
stays one when Camunda Modeler stamped its own platform on it."""
from __future__ import annotations

from pathlib import Path

import pytest

from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.parser import parse
from bpmn_runtime.parser.dialects import dialect_of
from bpmn_runtime.parser.validation.document import Document
from bpmn_runtime.parser.xml_loading import load_xml
from tests.conftest import DATA

REAL_WORLD = DATA / "real-world"
CAMUNDA = 'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"'
ZEEBE = 'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"'
SPIFF = 'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"'
MODELER = 'xmlns:modeler="http://camunda.org/schema/modeler/1.0"'


def stamped(platform: str) -> str:
    return f'{MODELER} modeler:executionPlatform="{platform}"'


def document(root_attributes: str, task: str = '<bpmn:task id="work"/>') -> bytes:
    """One executable process: start, `task` (whose id is `work`), end."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" {root_attributes}
    id="d" targetNamespace="http://example.com/dialects">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start"/>{task}<bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work"/>
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


def dialect(data: bytes) -> str | None:
    root = load_xml(data, "d.bpmn").getroot()
    decided = dialect_of(root)
    assert Document(root, "d.bpmn").dialect == decided
    return decided


@pytest.mark.parametrize(("name", "expected"), [
    # saved by Camunda Modeler, which stamped "Camunda Platform" and kept camunda: settings beside SpiffWorkflow's
    ("spiff-example-cli/bpmn__tutorial__top_level_multi.bpmn", "SpiffWorkflow"),
    ("spiff-sample-models/misc__category_number_one__lanes-with-dict__lanes_with_dict.bpmn", "SpiffWorkflow"),
    # the stamp alone, no engine namespace
    ("bpmn-engine-js/test__resources__call-activity.bpmn", "Camunda 7"),
    # the camunda namespace declared, no setting of it used
    ("bpmn-engine-js/test__resources__mother-of-all.bpmn", "Camunda 7"),
    ("c8-get-started/csharp__send-email.bpmn", "Camunda 8"),
    ("flowable/__flowable-engine__src__test__resources__org__flowable__examples__bpmn__callactivity__"
     "dynamicallyCalledChildProcess.bpmn", "Activiti"),
    ("flowable/modules__flowable-bpmn-converter__src__test__resources__externalWorkerServiceTask.bpmn", "Flowable"),
    # Camunda Modeler's exporter, no engine's mark
    ("spiff-sample-models/misc__test__a405__A.4.0.5.bpmn", "Camunda Modeler"),
])
def test_real_files_are_read_as_made_for_the_engine_their_modeler_marked(name: str, expected: str) -> None:
    assert dialect((REAL_WORLD / name).read_bytes()) == expected


def test_the_miwg_reference_files_are_plain_bpmn_except_the_ones_camunda_marked() -> None:
    assert dialect((DATA / "miwg/reference/A.1.0.bpmn").read_bytes()) is None
    # Web Modeler stamps Camunda 8 on a file that also carries camunda: settings
    assert dialect((DATA / "miwg/reference/C.9.0.bpmn").read_bytes()) == "Camunda 8"


@pytest.mark.parametrize(("attributes", "task", "expected"), [
    (f"{SPIFF} {CAMUNDA} {stamped('Camunda Platform')}",
     '<bpmn:task id="work" camunda:asyncBefore="true"><bpmn:extensionElements><spiffworkflow:preScript>x = 1'
     '</spiffworkflow:preScript></bpmn:extensionElements></bpmn:task>', "SpiffWorkflow"),
    (f"{CAMUNDA} {ZEEBE} {stamped('Camunda Cloud')}", '<bpmn:task id="work" camunda:asyncBefore="true"/>',
     "Camunda 8"),
    (f"{CAMUNDA} {ZEEBE} {stamped('Camunda Platform')}",
     '<bpmn:serviceTask id="work"><bpmn:extensionElements><zeebe:taskDefinition type="t"/>'
     '</bpmn:extensionElements></bpmn:serviceTask>', "Camunda 7"),
    # no stamp: the namespace whose settings are used, before the ones merely declared
    (f"{CAMUNDA} {ZEEBE}", '<bpmn:serviceTask id="work"><bpmn:extensionElements><zeebe:taskDefinition type="t"/>'
                           '</bpmn:extensionElements></bpmn:serviceTask>', "Camunda 8"),
    (f"{CAMUNDA} {ZEEBE}", '<bpmn:task id="work"/>', "Camunda 7"),
    (ZEEBE, '<bpmn:task id="work"/>', "Camunda 8"),
    (SPIFF, '<bpmn:task id="work"/>', "SpiffWorkflow"),
    # declared on an element below the root
    ("", f'<bpmn:task id="work" {CAMUNDA} camunda:asyncBefore="true"/>', "Camunda 7"),
    (stamped("Camunda Someday"), '<bpmn:task id="work"/>', "Camunda Modeler"),
    ('exporter="Camunda Modeler" exporterVersion="3.7.3"', '<bpmn:task id="work"/>', "Camunda Modeler"),
    ('exporter="bpmn-js (https://demo.bpmn.io)"', '<bpmn:task id="work"/>', None),
])
def test_the_first_mark_that_applies_decides(attributes: str, task: str, expected: str | None) -> None:
    assert dialect(document(attributes, task)) == expected


def test_a_file_read_as_camunda_8_is_held_to_camunda_8s_rules_when_it_declares_camunda_7_too() -> None:
    """Declaring both namespaces without a stamp and using Zeebe's: validation and reading agree it is Camunda 8,
    so a service task without a job type is refused as Zeebe refuses it (it was once read as Camunda 7 here and
    as neither there, and ran with its element id as topic)."""
    task = ('<bpmn:serviceTask id="work"><bpmn:extensionElements><zeebe:taskHeaders><zeebe:header key="k" value="v"/>'
            '</zeebe:taskHeaders></bpmn:extensionElements></bpmn:serviceTask>')
    with pytest.raises(DeploymentError, match="the task has no job type"):
        parse(document(f"{CAMUNDA} {ZEEBE}", task), "d.bpmn")
    definitions = parse(document(f"{CAMUNDA} {ZEEBE}", task.replace(
        "<zeebe:taskHeaders>", '<zeebe:taskDefinition type="charge"/><zeebe:taskHeaders>')), "d.bpmn")
    process = definitions.processes["p"]
    assert process.loop_counter_from == 1
    assert not process.embedded_expressions


def test_a_spiffworkflow_file_stamped_by_camunda_modeler_is_run_as_spiffworkflow_runs_it() -> None:
    """Its multi-instance counts from 1 and its call activities pass everything both ways, as in any SpiffWorkflow
    file, not as Camunda 7 does (nothing unless camunda:in and camunda:out say so)."""
    call = ('<bpmn:callActivity id="work" calledElement="child"><bpmn:extensionElements><spiffworkflow:preScript>'
            'x = 1</spiffworkflow:preScript></bpmn:extensionElements></bpmn:callActivity>')
    for attributes in (SPIFF, f"{SPIFF} {CAMUNDA} {stamped('Camunda Platform')}"):
        definitions = parse(document(attributes, call), "d.bpmn")
        process = definitions.processes["p"]
        assert process.loop_counter_from == 1
        passing = process.elements["work"].extensions.passing
        assert passing is not None and passing.ins[0].all and passing.outs[0].all
