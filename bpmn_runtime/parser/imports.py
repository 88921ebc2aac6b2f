"""`<import>`: a BPMN file may use what another BPMN file declares (messages, errors, processes to call, ...).

An import of a BPMN file (importType "http://www.omg.org/spec/BPMN/20100524/MODEL") names the file (location)
and the namespace its elements are known under; a reference whose prefix is bound to that namespace names an
element of that file. The imported file is one of the files deployed together (matched by its location, or by
the last part of it); a file that cannot be found there is refused at the import. Imports of other kinds (XML
Schema, WSDL, DMN) are allowed where BPMN allows them, and left unread: their content describes data and services
the engine does not execute.

A deployed file keeps the files it imports: `bundle` appends them to it as XML comments after the root element
(which a reader of the file ignores), and `parse` finds them there when the file is read again.
"""
from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Mapping
from urllib.parse import quote, unquote

from lxml import etree

from bpmn_runtime.errors import DeploymentError, Problem
from bpmn_runtime.parser.namespaces import BPMN, bpmn
from bpmn_runtime.parser.validation.catalogue import rule
from bpmn_runtime.parser.validation.document import Document, line_of
from bpmn_runtime.parser.xml_loading import load_xml

BPMN_IMPORT = BPMN
_BUNDLED = re.compile(rb"\n<!-- bpmn-runtime import (\S+) ([A-Za-z0-9+/=]*) -->")
_MARK = b"\n<!-- bpmn-runtime import "


@dataclass
class Imports:
    """The BPMN documents a file imports, by namespace, the files they came from, and what was wrong."""

    documents: dict[str, list[Document]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)  # every imported file, transitively, by name
    problems: list[Problem] = field(default_factory=list)


def bundle(data: bytes, imported: Mapping[str, bytes]) -> bytes:
    """The file with the files it imports kept after it (nothing is appended when it imports none)."""
    return data + b"".join(b"\n<!-- bpmn-runtime import " + quote(name, safe="").encode() + b" "
                           + base64.b64encode(content) + b" -->" for name, content in sorted(imported.items()))


def unbundle(data: bytes) -> tuple[bytes, dict[str, bytes]]:
    """The file as written, and the imported files kept with it."""
    start = data.find(_MARK)
    if start < 0:
        return data, {}
    kept = {unquote(name.decode()): base64.b64decode(content) for name, content in _BUNDLED.findall(data[start:])}
    return data[:start], kept


def imported_names(root: etree._Element) -> list[str]:
    """The locations of the BPMN files `root` imports."""
    return [(node.get("location") or "").strip() for node in root.iterfind(bpmn("import"))
            if (node.get("importType") or "").strip() == BPMN_IMPORT]


def find(location: str, files: Mapping[str, bytes]) -> str | None:
    """The name of the deployed file an import's location names: the same name, or the same last part."""
    if location in files:
        return location
    last = re.split(r"[/\\]", location)[-1]
    return next((name for name in files if re.split(r"[/\\]", name)[-1] == last), None)


def resolve(root: etree._Element, file: str, files: Mapping[str, bytes],
            _seen: frozenset[str] = frozenset()) -> Imports:
    """Load the BPMN files `root` imports from `files`, with what they import in turn."""
    imports = Imports()
    for node in root.iterfind(bpmn("import")):
        if (node.get("importType") or "").strip() != BPMN_IMPORT:
            continue
        location, namespace = (node.get("location") or "").strip(), (node.get("namespace") or "").strip()
        name = find(location, files)
        if name is None:
            imports.problems.append(_problem(file, node, f"the imported file '{location}' is not among the files "
                                                         f"deployed with this one; deploy them together"))
            continue
        try:
            imported_root = load_xml(files[name], name).getroot()
        except DeploymentError as error:
            imports.problems.append(_problem(file, node, f"the imported file '{location}' cannot be read: "
                                                         f"{error.problems[0].message}"))
            continue
        declared = (imported_root.get("targetNamespace") or "").strip()
        if declared != namespace:
            imports.problems.append(_problem(file, node, f"the import says the elements of '{location}' are in "
                                                         f"namespace '{namespace}', but that file's targetNamespace "
                                                         f"is '{declared}'"))
            continue
        imports.files[name] = files[name]
        inner = resolve(imported_root, name, files, _seen | {file}) if name not in _seen | {file} else Imports()
        imports.files.update(inner.files)
        imports.documents.setdefault(namespace, []).append(Document(imported_root, name, inner.documents))
    return imports


def _problem(file: str, node: etree._Element, message: str) -> Problem:
    return Problem(file, line_of(node), node.get("id", ""), message)


@rule("EXT.001")
def import_problems(imports: Imports) -> list[Problem]:
    """EXT.001: every imported BPMN file is there: deployed together with the file that imports it, readable,
    and declaring the namespace the import names."""
    return list(imports.problems)
