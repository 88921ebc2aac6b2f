"""Reading untrusted XML safely, then checking it against the BPMN 2.0 schema.

Model files come from people and from uploads: no DTDs or entities (billion laughs, external
entities), no network, a size limit, and SpiffWorkflow's BPMN 2.0 XSD for structure.
"""
from __future__ import annotations

import codecs
import threading
import re
from collections import Counter

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator

from bpmn_runtime.errors import DeploymentError, Problem

MAX_FILE_BYTES = 20 * 1024 * 1024
# Elements in one file: the largest real models have a few thousand. Every check after parsing is linear in
# this number, so it bounds the time and memory a deployment can take.
MAX_ELEMENTS = 20_000
# Schema problems located by line: libxml2 spends time proportional to the file on locating each one.
LOCATED_SCHEMA_PROBLEMS = 100
_DOCTYPE = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
# The first characters "<?" without a byte-order mark (XML 1.0, appendix F).
_UNMARKED = ((b"\x00\x00\x00<", "utf-32-be"), (b"<\x00\x00\x00", "utf-32-le"), (b"\x00<\x00?", "utf-16-be"),
             (b"<\x00?\x00", "utf-16-le"))
_DECLARED_ENCODING = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
# Encodings in which every ASCII character is the one byte it is in ASCII.
_ASCII_COMPATIBLE = {"utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "iso-8859-15",
                     "windows-1252", "cp1252"}


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


def load_xml(data: bytes, file_name: str, max_elements: int | None = MAX_ELEMENTS) -> etree._ElementTree:
    """Parse `data` or raise DeploymentError saying why it is not a safe, well-formed BPMN file of at most
    `max_elements` XML elements."""
    if len(data) > MAX_FILE_BYTES:
        raise DeploymentError([Problem(file_name, 0, "", (
            f"the file is {len(data) / 1e6:.1f} MB; the limit is {MAX_FILE_BYTES // 1_000_000} MB"))])
    text = _text(data, file_name)
    found = _DOCTYPE.search(text)
    if found:
        _refuse_dtd(file_name, text.count("\n", 0, found.start()) + 1)
    if max_elements is not None and text.count("<") > 2 * max_elements + 10:  # refused before parsing
        _refuse_size(file_name, f"more than {max_elements:,}", max_elements)
    try:
        tree = etree.ElementTree(etree.fromstring(data, _parser()))
    except etree.XMLSyntaxError as error:
        raise DeploymentError([Problem(file_name, error.lineno or 0, "", f"not well-formed XML: {error.msg}")]) from None
    if tree.docinfo.internalDTD is not None or tree.docinfo.doctype:  # however it was spelled
        _refuse_dtd(file_name, 1)
    elements = sum(1 for _ in tree.iter())
    if max_elements is not None and elements > max_elements:
        _refuse_size(file_name, f"{elements:,}", max_elements)
    return tree


def _refuse_size(file_name: str, elements: str, limit: int) -> None:
    raise DeploymentError([Problem(file_name, 0, "", (
        f"the file has {elements} XML elements; a file may have at most {limit:,} "
        f"(split the model into processes that call each other)"))])


def _refuse_dtd(file_name: str, line: int) -> None:
    raise DeploymentError([Problem(file_name, line, "", (
        "the file declares a DTD or entities; BPMN files never need them, and they are refused "
        "because they can read local files or expand without bound"))])


def _text(data: bytes, file_name: str) -> str:
    """The file as text, decoded as the XML parser will read it, so that a check on the text sees what the
    parser sees: a DTD written in UTF-16, UTF-32 or UTF-7 is still a DTD. Other encodings are refused."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _decode(data[len(bom):], encoding, file_name)
    for start, encoding in _UNMARKED:
        if data.startswith(start):
            return _decode(data, encoding, file_name)
    declared = _DECLARED_ENCODING.match(data)
    encoding = declared.group(1).decode("ascii").lower() if declared else "utf-8"
    if encoding not in _ASCII_COMPATIBLE:
        raise DeploymentError([Problem(file_name, 1, "", (
            f"the file is encoded in {encoding}; save it as UTF-8 (every modeler does by default)"))])
    return data.decode("latin-1")  # every byte stays one character: "<!DOCTYPE" reads the same


def _decode(data: bytes, encoding: str, file_name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise DeploymentError([Problem(file_name, 0, "", f"not well-formed XML: not valid {encoding} ({error.reason})")]) \
            from None


class _PerThread(threading.local):
    validator: BpmnValidator | None = None


_VALIDATORS = _PerThread()


def _validator() -> BpmnValidator:
    """This thread's schema validator: a validator keeps the error log of its last run, so threads (the web
    server's, a worker's) must not share one. The XSD is read once per thread."""
    if _VALIDATORS.validator is None:
        _VALIDATORS.validator = BpmnValidator()
    return _VALIDATORS.validator


def schema_problems(tree: etree._ElementTree, file_name: str) -> list[Problem]:
    """Every violation of the BPMN 2.0 XSD; the first ones located by line.

    A first pass validates the document as a stream, which is linear however many problems it has. Only
    when there are few are they found again in the tree, with their lines: locating one costs libxml2
    time in proportion to its siblings, so ten thousand of them would take minutes.
    """
    validator = _validator()
    validator.preprocess(tree)
    streamed = etree.XMLParser(schema=validator.validator, resolve_entities=False, no_network=True, load_dtd=False,
                               huge_tree=False)
    try:
        etree.fromstring(etree.tostring(tree), streamed)
        return []
    except etree.XMLSyntaxError:
        pass
    entries = list(streamed.error_log)
    if len(entries) > LOCATED_SCHEMA_PROBLEMS:
        counted = Counter(_plain(entry.message) for entry in entries)
        return [Problem(file_name, 0, "", f"schema: {message}" + (f" ({count:,} times)" if count > 1 else ""))
                for message, count in counted.items()]
    validator.validator.validate(tree)
    ids = _ids_by_line(tree)
    return [Problem(file_name, entry.line, ids.get(entry.line, ""), f"schema: {_plain(entry.message)}")
            for entry in validator.validator.error_log]


def _plain(message: str) -> str:
    return re.sub(r"\{http://www\.omg\.org/spec/BPMN/20100524/MODEL\}", "bpmn:", message)


def _ids_by_line(tree: etree._ElementTree) -> dict[int, str]:
    """The id of the first element with one on each line: one pass, however many errors there are."""
    ids: dict[int, str] = {}
    for element in tree.iter():
        ident = element.get("id")
        if ident and element.sourceline is not None:
            ids.setdefault(element.sourceline, ident)
    return ids
