"""A link throw event that names its target jumps there, whatever the two links are called."""
from __future__ import annotations

import pytest

from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.parser import parse
from bpmn_runtime.runtime import Runtime
from tests.rules.cases import catch, link, links, throw
from tests.rules.models import file_with


def test_a_link_jumps_to_the_catch_its_target_names(sqlite_url: str) -> None:
    runtime = Runtime(sqlite_url)
    runtime.deploy(file_with(links(link("to the end", "lj", "<bpmn:target>lk</bpmn:target>"),
                                   link("the end", "lk", "<bpmn:source>lj</bpmn:source>"))), file_name="links.bpmn")
    instance = runtime.start("p")
    assert runtime.queries.instance(instance).summary.status == "completed"


def test_a_target_whose_name_another_catch_has_too_is_refused() -> None:
    body = links(link("to the end", "lj", "<bpmn:target>lk</bpmn:target>"),
                 link("the end", "lk", "<bpmn:source>lj</bpmn:source>"),
                 catch_extra=catch(link("the end", "lk2"), "k2") + '<bpmn:endEvent id="e2"/>'
                 + '<bpmn:sequenceFlow id="k2_e2" sourceRef="k2" targetRef="e2"/>'
                 + throw(link("the end", "lj2"), "j2") + '<bpmn:sequenceFlow id="s_j2" sourceRef="s" targetRef="j2"/>')
    with pytest.raises(DeploymentError) as refused:
        parse(file_with(body), "links.bpmn")
    assert any("another link catch event of its level has the same name 'the end'" in p.message
               for p in refused.value.problems)
