"""Every `${...}` text in the real-world and conformance models either compiles or is refused with a
located reason; none makes the parser or the checks fail in another way."""
from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from bpmn_runtime.juel import JuelError, check, is_template

DATA = Path(__file__).resolve().parents[1] / "data"


def _texts() -> list[str]:
    texts = set()
    for path in sorted(DATA.rglob("*.bpmn")):
        try:
            root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
        except etree.XMLSyntaxError:
            continue
        for node in root.iter():
            if not isinstance(node.tag, str):
                continue
            for value in [node.text or "", *node.attrib.values()]:
                if is_template(value) and not value.lstrip().startswith("="):
                    texts.add(value.strip())
    return sorted(texts)


def test_the_corpus_has_juel_texts() -> None:
    assert len(_texts()) > 50


def test_every_corpus_text_compiles_or_is_refused_with_a_place() -> None:
    refused = {}
    for text in _texts():
        try:
            check(text)
        except JuelError as error:
            assert error.line is not None or "characters long" in str(error), str(error)
            refused[text] = str(error)
    java_only = [text for text in refused if re.search(r"Bean|Service|Delegate|bean\.", text)]
    assert all("Java method" in refused[text] or "cannot parse" in refused[text] for text in java_only)
    assert len(refused) < len(_texts()) / 4, "\n".join(refused.values())
