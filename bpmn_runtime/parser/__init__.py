"""From `.bpmn` bytes to a checked model: hardened XML, the BPMN 2.0 schema, then graph checks.

`parse` either returns the definitions or raises `DeploymentError` listing every problem;
`read_deployed` reads a file that was deployed before.
"""
from __future__ import annotations

from bpmn_runtime.errors import DeploymentError, Problem
from bpmn_runtime.model import Definitions
from bpmn_runtime.parser.reader import read_definitions
from bpmn_runtime.parser.validation import document_problems, process_problems
from bpmn_runtime.parser.xml_loading import load_xml, schema_problems

MAX_PROBLEMS = 100  # reported for one file


def parse(data: bytes, file_name: str, *, check_scripts: bool = True) -> Definitions:
    """The model of a BPMN file that the engine can run exactly as drawn, or DeploymentError.

    Scripts are checked against the sandbox unless the embedding program gives them meaning itself.
    """
    tree = load_xml(data, file_name)
    root = tree.getroot()
    problems = schema_problems(tree, file_name) + document_problems(root, file_name)
    if problems:
        raise DeploymentError(_unique(problems))
    definitions, reading_problems = read_definitions(root, file_name)
    problems = reading_problems + process_problems(definitions, check_scripts)
    if problems:
        raise DeploymentError(_unique(problems))
    return definitions


def read_deployed(data: bytes, file_name: str) -> Definitions:
    """The model of a file stored at its deployment, without checking the deployment rules again: they
    may have grown stricter since (a limit, a pattern RE2 cannot run), and an instance must still go on.
    The XML is loaded with the same hardening, without the limit on its number of elements."""
    definitions, _ = read_definitions(load_xml(data, file_name, max_elements=None).getroot(), file_name)
    return definitions


def _unique(problems: list[Problem]) -> list[Problem]:
    """Each problem once, and at most MAX_PROBLEMS of them: a person fixes the first ones and deploys again."""
    unique = list(dict.fromkeys(problems))
    if len(unique) <= MAX_PROBLEMS:
        return unique
    return unique[:MAX_PROBLEMS] + [Problem(unique[0].file, 0, "", (
        f"and {len(unique) - MAX_PROBLEMS:,} more problems; only the first {MAX_PROBLEMS} are listed"))]
