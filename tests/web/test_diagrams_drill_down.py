"""The instance page draws every diagram of the file: a token inside a collapsed subprocess shows on the
subprocess, which links to its own diagram where the token is drawn; a call activity links to the instance it
called, which links back; a message flow carries its envelope; a data object's state is written once."""
from __future__ import annotations

import html
import re

from bpmn_runtime.runtime import Runtime
from tests.web.conftest import WEB_PROCESSES, Person


def _shape(page: str, element_id: str) -> str:
    found = re.search(rf'(<a href="[^"]*" class="shape-link">)?<g class="([^"]*)" data-element-id="{element_id}">',
                      page)
    assert found, element_id
    return (found.group(1) or "") + found.group(2)


def test_drill_down_into_a_collapsed_subprocess_and_a_called_instance(runtime: Runtime, olga: Person) -> None:
    runtime.deploy(WEB_PROCESSES / "three_steps.bpmn")
    runtime.deploy(WEB_PROCESSES / "drill_down.bpmn")
    parent = runtime.start("drill-down")
    page = html.unescape(olga.get(f"/console/instances/{parent}").text)
    assert page.count('class="bpmn-diagram"') == 2, "both diagrams of the file"
    assert _shape(page, "Sub") == '<a href="#diagram-Sub" class="shape-link">shape kind-subProcess state-active'
    assert 'id="diagram-Sub">\n  <figcaption>Inside <strong>Prepare</strong>' in page
    assert _shape(page, "Pack") == "shape kind-userTask state-active", "the token inside is drawn"
    assert '<rect class="envelope"' in page, "the message flow carries its message"
    assert page.count(">Order [paid]<") == 1 and ">[paid]<" not in page, "the data state is written once"

    runtime.complete_task(runtime.queries.instance(parent).tasks[0].id)
    [child] = runtime.queries.instance(parent).called
    assert child.element_id == "Review"
    page = html.unescape(olga.get(f"/console/instances/{parent}").text)
    assert _shape(page, "Review").startswith(f'<a href="/console/instances/{child.instance_id}" class="shape-link">')
    assert f'<a href="/console/instances/{child.instance_id}">#{child.instance_id}</a> three-steps' in page
    child_page = olga.get(f"/console/instances/{child.instance_id}").text
    assert f'called by <a href="/console/instances/{parent}">#{parent}</a>' in child_page
