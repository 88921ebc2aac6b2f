"""Every model of the real-world corpus either deploys or is refused with a located reason, as
`real_world_corpus.tsv` records after review.

A file recorded as deploying must deploy and must carry no engine extension that was not reviewed as one the
engine runs or one that changes nothing about a run (`REVIEWED_EXTENSIONS`): a file that deploys while its
listeners, connectors, forms or scripts would be ignored fails here. A refused file must be refused with its
recorded reason at its recorded element among the problems, and every problem must give its line (or be about
the whole file).
"""
from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.parser import parse

CORPUS = Path(__file__).resolve().parents[1] / "data" / "real-world"
RECORD = Path(__file__).with_name("real_world_corpus.tsv")
ROWS = [line.split("\t") for line in RECORD.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")]
VENDORS = {"http://camunda.org/schema/1.0/bpmn": "camunda", "http://camunda.org/schema/zeebe/1.0": "zeebe",
           "http://activiti.org/bpmn": "activiti", "http://flowable.org/bpmn": "flowable",
           "http://spiffworkflow.org/bpmn/schema/1.0/core": "spiffworkflow"}
# The engine extensions found in the files that deploy, each reviewed: read and run by the engine (parser/camunda.py,
# parser/zeebe.py, parser/spiff.py, parser/flowable.py, the runtime's history cleanup), or changing nothing about a
# run (versionTag, SpiffArena's instructions for the person doing a task, an extension element Flowable keeps only
# for a program's own code).
# An extension not listed here in a deploying file fails the test until it is reviewed.
REVIEWED_EXTENSIONS = frozenset({
    "camunda:@assignee", "camunda:@collection", "camunda:@decisionRef", "camunda:@dueDate", "camunda:@elementVariable",
    "camunda:@errorCodeVariable", "camunda:@errorMessageVariable",
    "camunda:@formKey", "camunda:@historyTimeToLive", "camunda:@initiator", "camunda:@resultVariable", "camunda:@topic",
    "camunda:@type",
    "camunda:@versionTag", "camunda:constraint", "camunda:formData", "camunda:formField", "camunda:inputOutput",
    "camunda:inputParameter", "camunda:outputParameter", "camunda:properties", "camunda:property",
    "camunda:validation", "camunda:value", "zeebe:calledElement", "zeebe:formDefinition", "zeebe:header",
    "zeebe:input", "zeebe:ioMapping", "zeebe:loopCharacteristics", "zeebe:output", "zeebe:subscription",
    "zeebe:taskDefinition", "zeebe:taskHeaders", "zeebe:userTaskForm",
    "spiffworkflow:calledDecisionId", "spiffworkflow:preScript", "spiffworkflow:postScript",
    "spiffworkflow:serviceTaskOperator", "spiffworkflow:parameters", "spiffworkflow:parameter",
    "spiffworkflow:messagePayload", "spiffworkflow:messageVariable", "spiffworkflow:properties",
    "spiffworkflow:property", "spiffworkflow:instructionsForEndUser", "spiffworkflow:variableName",
    "spiffworkflow:payloadExpression",
    "flowable:@type", "flowable:@topic", "flowable:@skipExpression", "flowable:externalWorkerInParameter",
    "flowable:externalWorkerOutParameter", "flowable:customValue", "activiti:@skipExpression",
})


def test_the_record_covers_every_file_of_the_corpus_once() -> None:
    files = sorted(str(path.relative_to(CORPUS)) for path in CORPUS.rglob("*.bpmn"))
    assert len(files) == 195
    assert sorted(row[0] for row in ROWS) == files
    assert {row[1] for row in ROWS} == {"deploys", "refused"}
    assert all(row[3] in ("true", "wrong") for row in ROWS if row[1] == "refused")


def extensions(data: bytes) -> set[str]:
    """The engine extensions (elements, and attributes written @name) a file uses."""
    found = set()
    for node in etree.fromstring(data).iter():
        if not isinstance(node.tag, str):
            continue
        name = etree.QName(node)
        if name.namespace in VENDORS:
            found.add(f"{VENDORS[name.namespace]}:{name.localname}")
        for attribute in node.attrib:
            qualified = etree.QName(attribute)
            if qualified.namespace in VENDORS:
                found.add(f"{VENDORS[qualified.namespace]}:@{qualified.localname}")
    return found


@pytest.mark.parametrize("row", ROWS, ids=[row[0].rpartition("/")[2][-60:] for row in ROWS])
def test_each_file_deploys_or_is_refused_as_recorded(row: list[str]) -> None:
    name, outcome, element, _, reason = row
    data = (CORPUS / name).read_bytes()
    if outcome == "deploys":
        parse(data, Path(name).name)
        assert extensions(data) <= REVIEWED_EXTENSIONS, "deploys with extensions nobody checked the engine runs"
        return
    with pytest.raises(DeploymentError) as refused:
        parse(data, Path(name).name)
    problems = refused.value.problems
    assert any(reason in problem.message and (problem.element_id or "-") == element for problem in problems), \
        "\n".join(map(str, problems))
    for problem in problems:  # at its line (under the element's id when it has one), or about the whole file
        assert problem.line > 0 or "no executable process" in problem.message, f"not located: {problem}"
