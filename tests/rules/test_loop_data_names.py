"""SpiffWorkflow reads a multi-instance activity's loopDataInputRef and loopDataOutputRef as the names of the
variables it iterates and fills (its `MultiInstanceTask` reads the text of both as data names, the items by the
name of inputDataItem and outputDataItem). A file made for SpiffWorkflow deploys with such names and runs as
SpiffWorkflow runs it; a plain BPMN 2.0 file is still held to naming declared data (REF.EXISTS)."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from bpmn_runtime.errors import DeploymentError
from tests.engine.harness import Engine

SPIFF = 'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"'
# SpiffWorkflow's tutorials are drawn in Camunda Modeler, which stamps its execution platform on them; the
# SpiffWorkflow extension they use says which engine they are made for.
SPIFF_IN_CAMUNDA_MODELER = (f'{SPIFF} xmlns:modeler="http://camunda.org/schema/modeler/1.0" '
                            'modeler:executionPlatform="Camunda Platform"')
INSTRUCTIONS = ('<bpmn:extensionElements><spiffworkflow:instructionsForEndUser>Price it'
                '</spiffworkflow:instructionsForEndUser></bpmn:extensionElements>')


def model(namespaces: str, extensions: str = "") -> bytes:
    """A process that doubles each of `products` into `prices` with a multi-instance script task."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" {namespaces}
    id="loops" targetNamespace="http://example.com/loops">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:scriptTask id="price" name="Price each product" scriptFormat="python">{extensions}
      <bpmn:multiInstanceLoopCharacteristics isSequential="true">
        <bpmn:loopDataInputRef>products</bpmn:loopDataInputRef>
        <bpmn:loopDataOutputRef>prices</bpmn:loopDataOutputRef>
        <bpmn:inputDataItem id="product" name="product"/>
        <bpmn:outputDataItem id="cost" name="cost"/>
      </bpmn:multiInstanceLoopCharacteristics>
      <bpmn:script>cost = product * 2</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="price"/>
    <bpmn:sequenceFlow id="f2" sourceRef="price" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    harness = Engine(f"sqlite:///{tmp_path / 'loops.db'}")
    yield harness
    harness.runtime.close()


@pytest.mark.parametrize("spiff_file", [model(SPIFF), model(SPIFF_IN_CAMUNDA_MODELER, INSTRUCTIONS)],
                         ids=["spiffworkflow", "drawn-in-camunda-modeler"])
def test_a_spiffworkflow_file_iterates_and_fills_the_variables_its_loop_data_refs_name(engine: Engine,
                                                                                       spiff_file: bytes) -> None:
    engine.runtime.deploy(spiff_file, "loops.bpmn")
    instance = engine.start(products=[1, 5, 7])
    assert engine.status(instance) == "completed"
    assert engine.trace == ["price", "price", "price"]
    assert engine.variables(instance)["prices"] == [2, 10, 14]


def test_a_plain_file_must_still_declare_the_data_its_loop_data_refs_name(engine: Engine) -> None:
    with pytest.raises(DeploymentError) as refused:
        engine.runtime.deploy(model(""), "loops.bpmn")
    messages = [problem.message for problem in refused.value.problems]
    assert "loopDataInputRef 'products' names nothing declared in this file" in messages
    assert "loopDataOutputRef 'prices' names nothing declared in this file" in messages
