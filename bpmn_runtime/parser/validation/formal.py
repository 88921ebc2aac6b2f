"""Expressions in the XML: an executable process computes with formal expressions that have a body, in a
language named by a URI (BPMN 2.0.2 sections 8.3.6, 10.3.3).

An expression without xsi:type="tFormalExpression" is, for BPMN 2.0, natural-language text that no engine can
evaluate. Camunda, Flowable, Activiti and SpiffWorkflow read such text as an expression in their own language;
files made for those engines keep their engine's reading (`catalogue.LENIENT_FOR_ENGINE_FILES`), plain BPMN 2.0
files are held to the specification.
"""
from __future__ import annotations

import re

from lxml import etree

from bpmn_runtime.errors import Problem
from bpmn_runtime.parser.languages import declared_language, language_of
from bpmn_runtime.parser.namespaces import BPMN, local_name
from bpmn_runtime.parser.reader import FLOW_NODES
from bpmn_runtime.parser.validation.catalogue import rule
from bpmn_runtime.parser.validation.document import Document, text_of

XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
# The elements of type tExpression whose value the engine computes, and how messages name each.
EXPRESSIONS = {
    "conditionExpression": "condition of the sequence flow", "completionCondition": "completion condition",
    "activationCondition": "activation condition", "loopCardinality": "loop cardinality",
    "loopCondition": "loop condition", "timeDate": "timer date", "timeDuration": "timer duration",
    "timeCycle": "timer cycle", "condition": "condition", "from": "assignment source", "to": "assignment target",
}
# The expressions the engine evaluates (assignments are not read).
EVALUATED = frozenset(EXPRESSIONS) - {"from", "to"}
# Elements whose content is a formal expression by their type, whatever xsi:type says.
FORMAL_BY_TYPE = {"dataPath": "data path", "messagePath": "message path", "transformation": "transformation",
                  "formalExpression": "expression"}
# RFC 3986 URI-reference: only these characters, and % only as an escape of two hex digits (xsd:anyURI).
_URI_REFERENCE = re.compile(r"^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?#\[\]]|%[0-9A-Fa-f]{2})*$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*$")


def problems(document: Document) -> list[Problem]:
    """Every rule of this module, element by element."""
    found: list[Problem] = []
    for node in document.root.iter(f"{{{BPMN}}}*"):
        found += natural_language(document, node) + empty_body(document, node) + language_uri(document, node)
        found += language_evaluated(document, node)
    return found


def is_formal(node: etree._Element) -> bool:
    """True when the element declares itself a formal expression (xsi:type="tFormalExpression", any prefix)."""
    return (node.get(XSI_TYPE) or "").strip().rpartition(":")[2] == "tFormalExpression"


def _described(node: etree._Element) -> str:
    tag = local_name(node.tag)
    parent = node.getparent()
    if tag == "condition" and parent is not None and local_name(parent.tag) == "complexBehaviorDefinition":
        return "condition of the complex behavior"
    if tag == "condition":
        return "condition of the conditional event"
    return EXPRESSIONS.get(tag) or FORMAL_BY_TYPE.get(tag) or f"bpmn:{tag}"


@rule("EXT.012")
def natural_language(document: Document, node: etree._Element) -> list[Problem]:
    """EXT.012: an executable process uses formal expressions (xsi:type="tFormalExpression") wherever it computes
    something; an expression without it is natural-language text."""
    tag = local_name(node.tag)
    if tag not in EXPRESSIONS or is_formal(node) or not document.executable(node):
        return []
    parent = node.getparent()
    if tag == "condition" and (parent is None or local_name(parent.tag) != "conditionalEventDefinition"):
        return []  # a complex behavior's condition is formal by its type
    if tag in ("from", "to") and (parent is None or local_name(parent.tag) != "assignment"):
        return []
    return [document.problem(node, f"the {_described(node)} is natural-language text (it has no "
                                   f"xsi:type=\"tFormalExpression\"), which an executable process cannot evaluate; "
                                   f"mark it as a formal expression or make the process non-executable")]


@rule("EXT.013")
def empty_body(document: Document, node: etree._Element) -> list[Problem]:
    """EXT.013: a formal expression has a body: the text of the expression."""
    tag = local_name(node.tag)
    parent = node.getparent()
    formal = is_formal(node) or tag in FORMAL_BY_TYPE or (
        tag == "condition" and parent is not None and local_name(parent.tag) == "complexBehaviorDefinition")
    if not formal or text_of(node).strip():
        return []
    return [document.problem(node, f"the {_described(node)} is a formal expression without a body; write the "
                                   f"expression, or remove the element")]


@rule("EXT.014")
def language_uri(document: Document, node: etree._Element) -> list[Problem]:
    """EXT.014: the language of an expression (and the expression and type languages of the definitions) is given
    as a URI."""
    found = []
    for attribute in ("language", "expressionLanguage", "typeLanguage"):
        value = node.get(attribute)
        if value is None or _is_uri_reference(value.strip()):
            continue
        found.append(document.problem(node, f"{attribute} '{value}' is not a URI; name the language by a URI such "
                                            f"as http://www.w3.org/1999/XPath"))
    return found


@rule("EXPR.LANGUAGE")
def language_evaluated(document: Document, node: etree._Element) -> list[Problem]:
    """EXPR.LANGUAGE: an expression the engine evaluates is in a language it has (FEEL, JUEL, Python, or the
    default, see `languages`): read in another language, it would compute something else than the modeler wrote."""
    if local_name(node.tag) not in EVALUATED or not text_of(node).strip() or not document.executable(node):
        return []
    declared = declared_language(node)
    if declared is None or language_of(declared[1]) is not None:
        return []
    attribute, uri = declared
    where = "the expressionLanguage of the definitions" if attribute != "language" else \
        "its language, the script Format in Camunda Modeler" if local_name(node.tag) == "conditionExpression" else \
        "its language"
    owner = next((n for n in node.iterancestors() if local_name(n.tag) in FLOW_NODES | {"sequenceFlow"}), None)
    described = _described(node)
    if owner is not None:
        described += (" " if local_name(owner.tag) == "sequenceFlow" else " of ") + _label(owner)
    return [document.problem(node, f"the {described} is written in '{uri}' ({where}), which this "
                                   f"engine does not evaluate; write it in FEEL, JUEL or Python and name that "
                                   f"language, or leave the language out")]


def _label(node: etree._Element) -> str:
    name = " ".join((node.get("name") or "").split())
    return f"'{name}' ({node.get('id', '')})" if name else f"'{node.get('id', '')}'"


def _is_uri_reference(value: str) -> bool:
    if not _URI_REFERENCE.match(value):
        return False
    head = re.split(r"[/?#]", value, maxsplit=1)[0]
    # Before the first slash, a colon ends a scheme (a relative reference has none there).
    return ":" not in head or bool(_SCHEME.match(head.partition(":")[0]))
