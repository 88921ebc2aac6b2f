"""What the file declares as a whole: a process to run, executable only where that has a meaning, and text
formats that say what the text is."""
from __future__ import annotations

import re

from lxml import etree

from bpmn_runtime.errors import Problem
from bpmn_runtime.model import Definitions
from bpmn_runtime.parser.namespaces import bpmn, local_name
from bpmn_runtime.parser.validation.catalogue import rule
from bpmn_runtime.parser.validation.document import Document, line_of

_MIME_TYPE = re.compile(r"^[\w.+-]+/[\w.+-]+$")


def process_declared_problems(root: etree._Element, file: str) -> list[Problem]:
    """A file without a process has nothing to deploy."""
    if not list(root.iterfind(bpmn("process"))):
        return [Problem(file, line_of(root), root.get("id", ""), "the file declares no process")]
    return []


def executable_process_problems(definitions: Definitions) -> list[Problem]:
    """A file whose processes are all isExecutable="false" has nothing the engine may run."""
    if definitions.executable_processes():
        return []
    return [Problem(definitions.file, 0, "", (
        "the file has no executable process (every bpmn:process is isExecutable=\"false\"); "
        "mark the process to run as executable in the modeler"))]


@rule("EXT.035")
def public_process_problems(document: Document, node: etree._Element) -> list[Problem]:
    """EXT.035: a public process is a partner's view of a collaboration, never something to run: it is not
    executable."""
    if local_name(node.tag) == "process" and node.get("processType") == "Public" \
            and node.get("isExecutable") == "true":
        return [document.problem(node, "a public process (processType=\"Public\") only shows what partners see and "
                                       "cannot be executable; make it private or set isExecutable=\"false\"")]
    return []


def text_format_problems(document: Document, node: etree._Element) -> list[Problem]:
    """textFormat is a MIME type, so that whoever shows the text knows how to read it."""
    return annotation_text_format(document, node) if local_name(node.tag) == "textAnnotation" \
        else documentation_text_format(document, node)


def _text_format(document: Document, node: etree._Element) -> list[Problem]:
    if node.get("textFormat") is not None and not _MIME_TYPE.match(node.get("textFormat", "")):
        return [document.problem(node, f"textFormat '{node.get('textFormat')}' is not a MIME type such as "
                                       f"text/plain")]
    return []


@rule("EXT.004")
def documentation_text_format(document: Document, node: etree._Element) -> list[Problem]:
    """EXT.004: the textFormat of documentation is a MIME type (text/plain by default)."""
    return _text_format(document, node)


@rule("EXT.010")
def annotation_text_format(document: Document, node: etree._Element) -> list[Problem]:
    """EXT.010: the textFormat of a text annotation is a MIME type (text/plain by default)."""
    return _text_format(document, node)
