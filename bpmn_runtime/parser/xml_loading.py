"""Reading untrusted XML safely, then checking it against the BPMN 2.0 schema.

Model files come from people and from uploads: no DTDs or entities (billion laughs, external
entities), no network, a size limit, and SpiffWorkflow's BPMN 2.0 XSD for structure.
"""
from __future__ import annotations

import functools
import re

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator

from bpmn_runtime.errors import DeploymentError, Problem

MAX_FILE_BYTES = 20 * 1024 * 1024
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def load_xml(data: bytes, file_name: str) -> etree._ElementTree:
    """Parse `data` or raise DeploymentError saying why it is not a safe, well-formed BPMN file."""
    if len(data) > MAX_FILE_BYTES:
        raise DeploymentError([Problem(file_name, 0, "", (
            f"the file is {len(data) / 1e6:.1f} MB; the limit is {MAX_FILE_BYTES // 1_000_000} MB"))])
    found = _DOCTYPE.search(data)
    if found:
        line = data.count(b"\n", 0, found.start()) + 1
        raise DeploymentError([Problem(file_name, line, "", (
            "the file declares a DTD or entities; BPMN files never need them, and they are refused "
            "because they can read local files or expand without bound"))])
    try:
        tree = etree.ElementTree(etree.fromstring(data, _parser()))
    except etree.XMLSyntaxError as error:
        raise DeploymentError([Problem(file_name, error.lineno or 0, "", f"not well-formed XML: {error.msg}")]) from None
    return tree


@functools.cache
def _validator() -> BpmnValidator:
    return BpmnValidator()


def schema_problems(tree: etree._ElementTree, file_name: str) -> list[Problem]:
    """Every violation of the BPMN 2.0 XSD, located."""
    validator = _validator()
    validator.preprocess(tree)
    if validator.validator.validate(tree):
        return []
    problems = []
    for entry in validator.validator.error_log:
        message = re.sub(r"\{http://www\.omg\.org/spec/BPMN/20100524/MODEL\}", "bpmn:", entry.message)
        problems.append(Problem(file_name, entry.line, _element_id_at(tree, entry.line), f"schema: {message}"))
    return problems


def _element_id_at(tree: etree._ElementTree, line: int) -> str:
    for element in tree.iter():
        if element.sourceline == line and element.get("id"):
            return element.get("id")
    return ""
