"""From `.bpmn` bytes to a checked model: hardened XML, the BPMN 2.0 schema, then graph checks.

`parse` either returns the definitions or raises `DeploymentError` listing every problem; `parse_files` does the
same for files deployed together, which may import one another (see `imports`); `read_deployed` reads a file
that was deployed before.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping

from bpmn_runtime.errors import DeploymentError, Problem
from bpmn_runtime.model import Definitions
from bpmn_runtime.parser.imports import bundle, find, import_problems, imported_names, resolve, unbundle
from bpmn_runtime.parser.reader import read_definitions
from bpmn_runtime.parser.validation import document_problems, process_problems
from bpmn_runtime.parser.validation.catalogue import engine_reading
from bpmn_runtime.parser.validation.document import Document
from bpmn_runtime.parser.xml_loading import load_xml, schema_problems

MAX_PROBLEMS = 100  # reported for one file


@dataclass(frozen=True)
class Parsed:
    """One file of a deployment: its model, and the bytes to store (the file with the files it imports)."""

    name: str
    definitions: Definitions
    stored: bytes


def parse(data: bytes, file_name: str, *, check_scripts: bool = True, files: Mapping[str, bytes] | None = None,
          library: bool = False) -> Definitions:
    """The model of a BPMN file that the engine can run exactly as drawn, or DeploymentError.

    Scripts are checked against the sandbox unless the embedding program gives them meaning itself. `files` are
    the other files deployed with this one, which its imports may name (a stored file carries its own); a
    `library`, a file that another file of the deployment imports, need not declare a process of its own.
    """
    main, kept = unbundle(data)
    tree = load_xml(main, file_name)
    root = tree.getroot()
    imports = resolve(root, file_name, {**kept, **(files or {})})
    document = Document(root, file_name, imports.documents)
    schema = [replace(found, rule="XSD") for found in schema_problems(tree, file_name)]
    problems = schema + import_problems(imports) + document_problems(root, file_name, imports.documents, library)
    if schema:  # the reader relies on what the schema guarantees
        raise DeploymentError(_unique(engine_reading(problems, document.dialect)))
    definitions, reading_problems = read_definitions(root, file_name, document.dialect, document.resolve)
    problems = engine_reading(problems + reading_problems + process_problems(definitions, check_scripts, library),
                              document.dialect)
    if problems:
        raise DeploymentError(_unique(problems))
    return definitions


def read_deployed(data: bytes, file_name: str) -> Definitions:
    """The model of a file stored at its deployment, without checking the deployment rules again: they
    may have grown stricter since (a limit, a pattern RE2 cannot run), and an instance must still go on.
    The XML is loaded with the same hardening, without the limit on its number of elements; the files it
    imported were stored with it."""
    main, kept = unbundle(data)
    root = load_xml(main, file_name, max_elements=None).getroot()
    imports = resolve(root, file_name, kept)
    document = Document(root, file_name, imports.documents)
    definitions, _ = read_definitions(root, file_name, document.dialect, document.resolve)
    return definitions


def parse_files(files: Mapping[str, bytes], *, check_scripts: bool = True) -> list[Parsed]:
    """Every file of a deployment, each checked with the others at hand for its imports; DeploymentError lists
    the problems of all of them. The deployment as a whole needs an executable process."""
    problems: list[Problem] = []
    roots = {}
    for name, data in files.items():
        try:
            roots[name] = load_xml(unbundle(data)[0], name).getroot()
        except DeploymentError as error:
            problems += error.problems
    libraries = {found for root in roots.values() for location in imported_names(root)
                 if (found := find(location, files)) is not None}
    parsed = []
    for name, data in files.items():
        if name not in roots:
            continue
        others = {other: content for other, content in files.items() if other != name}
        try:
            definitions = parse(data, name, check_scripts=check_scripts, files=others, library=name in libraries)
        except DeploymentError as error:
            problems += error.problems
            continue
        parsed.append(Parsed(name, definitions, bundle(unbundle(data)[0], resolve(roots[name], name, others).files)))
    if not problems and not any(p.definitions.executable_processes() for p in parsed):
        problems.append(Problem(", ".join(files), 0, "", "none of the files has an executable process; mark the "
                                                         "process to run as executable in the modeler"))
    if problems:
        raise DeploymentError(_unique(problems))
    return parsed


def _unique(problems: list[Problem]) -> list[Problem]:
    """Each problem once, and at most MAX_PROBLEMS of them: a person fixes the first ones and deploys again."""
    unique = list(dict.fromkeys(problems))
    if len(unique) <= MAX_PROBLEMS:
        return unique
    return unique[:MAX_PROBLEMS] + [Problem(unique[0].file, 0, "", (
        f"and {len(unique) - MAX_PROBLEMS:,} more problems; only the first {MAX_PROBLEMS} are listed"))]
