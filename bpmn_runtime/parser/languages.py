"""The language an expression of a model is written in, and how the engine reads it in that language.

BPMN names the language of a formal expression by a URI: its own `language` attribute, else the `expressionLanguage`
of the definitions, else XPath (BPMN 2.0.2 8.3.6, 8.2.1). The engine reads an expression by its text: `=...` is
FEEL, `${...}` is JUEL, other text is its Python-syntax sandbox. An expression that names FEEL, JUEL or Python is
read in that language; one that names XPath (the default, which files write without meaning it: betsy's and
Camunda's conditions are not XPath) keeps the reading by its text; any other language is one the engine does not
evaluate, and the deployment check refuses the expression by the language's name.
"""
from __future__ import annotations

import re
from enum import Enum

from lxml import etree

from bpmn_runtime.juel import is_template

_FEEL = re.compile(r"^(https?://www\.omg\.org/spec/(DMN/\d+/)?FEEL(/\d+)?/?|feel)$", re.IGNORECASE)
_XPATH = re.compile(r"^https?://www\.w3\.org/(1999|TR)/XPath/?$", re.IGNORECASE)
_JUEL = frozenset({"juel", "el", "http://java.sun.com/products/jsp",
                   "https://jakarta.ee/specifications/expression-language"})
_PYTHON = frozenset({"python", "text/x-python", "http://www.python.org", "https://www.python.org"})


class Language(Enum):
    """A language the engine evaluates; DEFAULT is BPMN's default (XPath), read by the expression's text."""

    DEFAULT = "default"
    FEEL = "FEEL"
    JUEL = "JUEL"
    PYTHON = "Python"


def declared_language(node: etree._Element) -> tuple[str, str] | None:
    """The language `node` (a formal expression) names and where it names it: ("language", uri) for its own
    attribute, ("expressionLanguage", uri) for the definitions'; None when neither does."""
    own = (node.get("language") or "").strip()
    if own:
        return "language", own
    inherited = (node.getroottree().getroot().get("expressionLanguage") or "").strip()
    return ("expressionLanguage", inherited) if inherited else None


def language_of(uri: str | None) -> Language | None:
    """The engine's language for a language URI (None or empty: the default); None when it has no such language."""
    if not uri or _XPATH.match(uri):
        return Language.DEFAULT
    if _FEEL.match(uri):
        return Language.FEEL
    key = uri.lower().rstrip("/")
    if key in _JUEL:
        return Language.JUEL
    if key in _PYTHON:
        return Language.PYTHON
    return None


def read_in_language(text: str, node: etree._Element) -> str:
    """`text`, the body of the formal expression `node`, marked so the engine reads it in the language `node`
    names: FEEL gets its leading `=`, JUEL its `${...}`; other text is kept as written."""
    declared = declared_language(node)
    language = language_of(declared[1] if declared else None)
    if language is Language.FEEL and not text.lstrip().startswith("="):
        return "=" + text
    if language is Language.JUEL and not is_template(text):
        return "${" + text + "}"
    return text
