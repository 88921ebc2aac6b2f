"""From `.bpmn` bytes to a checked model: hardened XML, the BPMN 2.0 schema, then graph checks.

`parse` either returns the definitions or raises `DeploymentError` listing every problem.
"""
from __future__ import annotations

from dataclasses import replace

from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.model import Definitions
from bpmn_runtime.parser.reader import read_definitions
from bpmn_runtime.parser.validation import document_problems, process_problems
from bpmn_runtime.parser.xml_loading import load_xml, schema_problems


def parse(data: bytes, file_name: str, *, check_scripts: bool = True) -> Definitions:
    """The model of a BPMN file that the engine can run exactly as drawn, or DeploymentError.

    Scripts are checked against the sandbox unless the embedding program gives them meaning itself.
    """
    tree = load_xml(data, file_name)
    root = tree.getroot()
    schema = [replace(found, rule="XSD") for found in schema_problems(tree, file_name)]
    problems = schema + document_problems(root, file_name)
    if schema:  # the reader relies on what the schema guarantees
        raise DeploymentError(_unique(problems))
    definitions, reading_problems = read_definitions(root, file_name)
    problems += reading_problems + process_problems(definitions, check_scripts)
    if problems:
        raise DeploymentError(_unique(problems))
    return definitions


def _unique(problems: list) -> list:
    return list(dict.fromkeys(problems))
