"""A DTD or entity declaration is refused in whatever encoding the file is written: the check reads the
text the XML parser reads."""
from __future__ import annotations

import pytest

from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.parser import parse

BODY = """<!DOCTYPE d [<!ENTITY e "EVIL">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">
  <bpmn:process id="p" name="&e;" isExecutable="true"><bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e"/><bpmn:endEvent id="e"/></bpmn:process>
</bpmn:definitions>"""


def declared(encoding: str) -> str:
    return f'<?xml version="1.0" encoding="{encoding}"?>\n{BODY}'


@pytest.mark.parametrize("data", [
    declared("UTF-16").encode("utf-16"),  # with a byte-order mark
    declared("UTF-16LE").encode("utf-16-le"),
    declared("UTF-16BE").encode("utf-16-be"),
    declared("UTF-32").encode("utf-32"),
    declared("UTF-8").encode("utf-8-sig"),
    declared("UTF-8").encode(),
], ids=["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-bom", "utf-8"])
def test_a_dtd_is_refused_in_any_unicode_encoding(data: bytes) -> None:
    with pytest.raises(DeploymentError, match="declares a DTD or entities"):
        parse(data, "entities.bpmn")


def test_an_encoding_that_hides_markup_is_refused() -> None:
    utf7 = declared("UTF-7").replace("<!DOCTYPE", "+ADw-!DOCTYPE").replace("<!ENTITY", "+ADw-!ENTITY")
    with pytest.raises(DeploymentError, match="the file is encoded in utf-7; save it as UTF-8"):
        parse(utf7.encode("ascii"), "utf7.bpmn")


def test_a_utf16_file_without_a_dtd_deploys() -> None:
    text = declared("UTF-16").replace('<!DOCTYPE d [<!ENTITY e "EVIL">]>\n', "").replace("&e;", "Pay")
    definitions = parse(text.encode("utf-16"), "utf16.bpmn")
    assert definitions.processes["p"].name == "Pay"
