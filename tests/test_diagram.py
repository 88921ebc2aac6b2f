"""SVG rendering of BPMNDI against the BPMN MIWG test-suite files (real files, no mocks)."""
from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from lxml import etree

from bpmn_runtime.web.diagram import render_svg

CORPUS = Path(__file__).resolve().parent / "data" / "miwg"
FILES = sorted(CORPUS.rglob("*.bpmn"))
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
SVG = "http://www.w3.org/2000/svg"
PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
CHROMIUM = Path("/usr/bin/chromium")


def parse(path: Path) -> etree._Element:
    return etree.parse(str(path), PARSER).getroot()


def parse_svg(text: str | None) -> etree._Element:
    assert text is not None, "nothing was drawn"
    return etree.fromstring(text.encode(), etree.XMLParser(resolve_entities=False, no_network=True))


def local(node: etree._Element) -> str:
    return str(etree.QName(node).localname)


def groups(svg: etree._Element) -> dict[str, list[etree._Element]]:
    found: dict[str, list[etree._Element]] = {}
    for g in svg.iter(f"{{{SVG}}}g"):
        if g.get("data-element-id") is not None:
            found.setdefault(g.get("data-element-id"), []).append(g)
    return found


def icons(group: etree._Element) -> set[str]:
    return {c for node in group.iter() for c in (node.get("class") or "").split() if c.startswith("icon-")}


def group_named(svg: etree._Element, root: etree._Element, name: str) -> etree._Element:
    ids = [e.get("id") for e in root.iter() if isinstance(e.tag, str) and e.get("name") == name]
    matches = [g for i in ids for g in groups(svg).get(i, [])]
    assert len(matches) == 1, f"{name!r}: {len(matches)} groups"
    return matches[0]


def shown(group: etree._Element) -> str:
    return " ".join(t.text for t in group.iter(f"{{{SVG}}}tspan"))


def outline(group: etree._Element) -> etree._Element:
    return next(n for n in group.iter() if "outline" in (n.get("class") or "").split())


@pytest.fixture(scope="module")
def b20() -> tuple[etree._Element, etree._Element]:
    root = parse(CORPUS / "reference" / "B.2.0.bpmn")
    text = render_svg(root)
    assert text is not None
    return root, parse_svg(text)


def test_corpus_is_there() -> None:
    assert len(FILES) > 50, CORPUS


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_every_di_element_is_drawn_inside_the_viewbox(path: Path) -> None:
    root = parse(path)
    diagrams = list(root.iter(f"{{{BPMNDI}}}BPMNDiagram"))
    if not diagrams:
        assert render_svg(root) is None
        return
    for index, diagram in enumerate(diagrams):
        svg = parse_svg(render_svg(root, diagram_index=index))
        di = list(diagram.iter(f"{{{BPMNDI}}}BPMNShape", f"{{{BPMNDI}}}BPMNEdge"))
        drawn = groups(svg)
        assert sum(len(v) for v in drawn.values()) == len(di)
        assert {d.get("bpmnElement") or "" for d in di} == set(drawn)
        x, y, w, h = map(float, svg.get("viewBox").split())
        assert float(svg.get("width")) >= w and float(svg.get("height")) >= h
        for b in diagram.iter(f"{{{DC}}}Bounds"):
            bx, by, bw, bh = (float(b.get(k)) for k in ("x", "y", "width", "height"))
            assert x <= bx and y <= by and bx + bw <= x + w and by + bh <= y + h, b.getparent().get("id")
        for p in diagram.iter(f"{{{DI}}}waypoint"):
            assert x <= float(p.get("x")) <= x + w and y <= float(p.get("y")) <= y + h
        for g in svg.iter(f"{{{SVG}}}g"):
            if g.get("data-element-id") is not None:
                assert g[0].tag == f"{{{SVG}}}title" and g.get("class").startswith("shape kind-")


def expected_icons(sem: etree._Element, di: etree._Element) -> set[str]:
    """What the BPMN spec says must be visible for this element (a small independent oracle)."""
    kind = local(sem)
    defs = [local(d)[: -len("EventDefinition")] for d in sem if local(d).endswith("EventDefinition")]
    want = {f"icon-{defs[0]}"} if len(defs) == 1 else set()
    if kind in ("userTask", "serviceTask", "scriptTask", "sendTask", "receiveTask", "manualTask",
                "businessRuleTask"):
        want.add(f"icon-{kind}")
    want |= {"parallelGateway": {"icon-parallel"}, "inclusiveGateway": {"icon-inclusive"},
             "complexGateway": {"icon-complex"}}.get(kind, set())
    if kind == "exclusiveGateway" and di.get("isMarkerVisible") == "true":
        want.add("icon-exclusive")
    if kind == "subProcess" and di.get("isExpanded") != "true":
        want.add("icon-collapsed")
    for loop in sem:
        if local(loop) == "standardLoopCharacteristics":
            want.add("icon-loop")
        elif local(loop) == "multiInstanceLoopCharacteristics":
            want.add("icon-mi-sequential" if loop.get("isSequential") == "true" else "icon-mi-parallel")
    if sem.get("isForCompensation") == "true":
        want.add("icon-compensation")
    return want


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_markers_appear_where_the_model_has_them(path: Path) -> None:
    root = parse(path)
    index = {e.get("id"): e for e in root.iter() if isinstance(e.tag, str) and e.get("id")}
    for n, diagram in enumerate(root.iter(f"{{{BPMNDI}}}BPMNDiagram")):
        drawn = groups(parse_svg(render_svg(root, diagram_index=n)))
        for di in diagram.iter(f"{{{BPMNDI}}}BPMNShape"):
            sem = index.get(di.get("bpmnElement"))
            if sem is not None:
                have = set().union(*(icons(g) for g in drawn[di.get("bpmnElement")]))
                assert expected_icons(sem, di) <= have, (di.get("bpmnElement"), have)


def test_b20_reference_markers(b20: tuple[etree._Element, etree._Element]) -> None:
    root, svg = b20
    assert "icon-timer" in icons(group_named(svg, root, "Start Event 1 Timer"))
    assert "icon-timer" in icons(group_named(svg, root, "Intermediate Event Timer Catch"))
    for gateway in ("Parallel Gateway 2", "Parallel Gateway 5", "Parallel Gateway 7"):
        assert icons(group_named(svg, root, gateway)) == {"icon-parallel"}
    assert icons(group_named(svg, root, "Inclusive Gateway 1")) == {"icon-inclusive"}
    assert icons(group_named(svg, root, "Event Base Gateway 3")) == {"icon-event"}
    assert icons(group_named(svg, root, "User Task 12 Muti-Inst. Seq.")) == {"icon-userTask", "icon-mi-sequential"}
    assert icons(group_named(svg, root, "User Task 7 Standard Loop")) == {"icon-userTask", "icon-loop"}
    assert icons(group_named(svg, root, "Collapsed Sub-Process 1 Multi-Instances")) == {
        "icon-collapsed", "icon-mi-parallel"}
    assert "icon-collapsed" not in icons(group_named(svg, root, "Expanded Sub-Process 1"))
    assert icons(group_named(svg, root, "Send Task 2")) == {"icon-sendTask"}
    assert icons(group_named(svg, root, "Receive Task 16")) == {"icon-receiveTask"}
    assert icons(group_named(svg, root, "End Event 5 Terminate")) == {"icon-terminate"}
    # a call activity of a global user task: thick border and the user icon instead of '+'
    call = group_named(svg, root, "Call Activity calling a Global User Task")
    assert float(outline(call).get("stroke-width")) >= 4 and icons(call) == {"icon-userTask"}
    # interrupting boundary events are solid, non-interrupting ones dashed
    assert outline(group_named(svg, root, "Boundary Intermediate Event Interrupting Timer")).get(
        "stroke-dasharray") is None
    assert outline(group_named(svg, root, "Boundary Intermediate Event Non-Interrupting Timer")).get(
        "stroke-dasharray")
    # throw events have filled icons, catch events outlined ones
    throw = group_named(svg, root, "Intermediate Event Message Throw").find(f".//{{{SVG}}}g[@class='icon icon-message']")
    catch = group_named(svg, root, "Intermediate Event Message Catch").find(f".//{{{SVG}}}g[@class='icon icon-message']")
    assert throw[0].get("fill") == "currentColor" and catch[0].get("fill") == "white"


def test_b20_edges(b20: tuple[etree._Element, etree._Element]) -> None:
    root, svg = b20

    def line(name: str) -> etree._Element:
        return group_named(svg, root, name).find(f".//{{{SVG}}}path[@class='line']")

    assert line("Default Sequence Flow 1").get("marker-start") == "url(#bpmn-default-start)"
    assert line("Default Sequence Flow 1").get("marker-end") == "url(#bpmn-seq-end)"
    message = line("Message Flow 1")
    assert message.get("stroke-dasharray") and message.get("marker-start") == "url(#bpmn-message-start)"
    assert message.get("marker-end") == "url(#bpmn-message-end)"
    marker_ids = {m.get("id") for m in svg.iter(f"{{{SVG}}}marker")}
    for path in svg.iter(f"{{{SVG}}}path"):
        for attr in ("marker-start", "marker-end"):
            if path.get(attr):
                assert path.get(attr)[5:-1] in marker_ids
    # pool and lane names are written in their band
    texts = {"".join(t.itertext()) for t in svg.iter(f"{{{SVG}}}text")}
    assert {"Participant", "Pool", "Lane 1", "Lane 2", "Message Flow 1"} <= texts


def test_conditional_flow_from_an_activity_gets_a_diamond() -> None:
    root = etree.fromstring(MINIMAL.format(name="x", fill="").encode(), PARSER)
    flow = root.find(f".//{{{BPMN}}}sequenceFlow")
    etree.SubElement(flow, f"{{{BPMN}}}conditionExpression").text = "${ok}"
    svg = parse_svg(render_svg(root))
    assert groups(svg)["f1"][0].find(f".//{{{SVG}}}path").get("marker-start") == "url(#bpmn-conditional-start)"


MINIMAL = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:bioc="http://bpmn.io/schema/bpmn/biocolor/1.0"
  id="d" targetNamespace="t">
  <process id="p">
    <task id="t1" name="{name}"/>
    <endEvent id="e1" name="{name}"/>
    <sequenceFlow id="f1" name="{name}" sourceRef="t1" targetRef="e1"/>
    <textAnnotation id="a1"><text>{name}</text></textAnnotation>
  </process>
  <bpmndi:BPMNDiagram id="dia"><bpmndi:BPMNPlane id="pl" bpmnElement="p">
    <bpmndi:BPMNShape id="t1_di" bpmnElement="t1" {fill}><dc:Bounds x="100" y="80" width="100" height="80"/></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="e1_di" bpmnElement="e1"><dc:Bounds x="262" y="102" width="36" height="36"/></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="a1_di" bpmnElement="a1"><dc:Bounds x="300" y="10" width="120" height="40"/></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="x_di" bpmnElement="nowhere"><dc:Bounds x="400" y="80" width="50" height="50"/></bpmndi:BPMNShape>
    <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1"><di:waypoint x="200" y="120"/><di:waypoint x="262" y="120"/>
    </bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</definitions>"""


RARE = """<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="d" targetNamespace="t">
  <collaboration id="c"><participant id="pool" name="Vertical" processRef="p"/><participant id="bb" name="Partner"/>
  </collaboration>
  <process id="p">
    <transaction id="tx"/><adHocSubProcess id="ah"/><complexGateway id="cg"/>
    <subProcess id="es" triggeredByEvent="true"><startEvent id="ni" isInterrupting="false"/></subProcess>
    <eventBasedGateway id="eg" eventGatewayType="Parallel"/><eventBasedGateway id="ei" instantiate="true"/>
    <intermediateCatchEvent id="mu"><messageEventDefinition/><signalEventDefinition/></intermediateCatchEvent>
    <startEvent id="pm" parallelMultiple="true"><messageEventDefinition/><timerEventDefinition/></startEvent>
    <endEvent id="ca"><cancelEventDefinition/></endEvent>
    <intermediateThrowEvent id="co"><compensateEventDefinition/></intermediateThrowEvent>
    <dataObject id="do" isCollection="true"/><dataObjectReference id="dr" dataObjectRef="do"/>
    <group id="gr" categoryValueRef="cv"/><task id="t1"/><task id="t2"/>
    <association id="as" sourceRef="t1" targetRef="t2" associationDirection="Both"/>
  </process>
  <category id="cat"><categoryValue id="cv" value="My group"/></category>
  <bpmndi:BPMNDiagram id="dia"><bpmndi:BPMNPlane id="pl" bpmnElement="c">{shapes}
    <bpmndi:BPMNEdge id="as_di" bpmnElement="as"><di:waypoint x="10" y="10"/><di:waypoint x="90" y="10"/>
    </bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</definitions>"""


def test_rarer_constructs() -> None:
    ids = ["tx", "ah", "cg", "ni", "eg", "ei", "mu", "pm", "ca", "co", "dr", "gr", "t1", "t2", "bb"]
    shapes = "".join(f'<bpmndi:BPMNShape id="{i}_di" bpmnElement="{i}"><dc:Bounds x="{n * 60}" y="100" '
                     f'width="50" height="50"/></bpmndi:BPMNShape>' for n, i in enumerate(ids))
    shapes += ('<bpmndi:BPMNShape id="es_di" bpmnElement="es" isExpanded="true"><dc:Bounds x="0" y="300" '
               'width="200" height="100"/></bpmndi:BPMNShape><bpmndi:BPMNShape id="pool_di" bpmnElement="pool" '
               'isHorizontal="false"><dc:Bounds x="-20" y="0" width="1000" height="500"/></bpmndi:BPMNShape>')
    svg = parse_svg(render_svg(etree.fromstring(RARE.format(shapes=shapes).encode(), PARSER)))
    drawn = {i: g[0] for i, g in groups(svg).items()}
    assert icons(drawn["tx"]) == {"icon-collapsed"} and len(drawn["tx"].findall(f"{{{SVG}}}rect")) == 2
    assert icons(drawn["ah"]) == {"icon-collapsed", "icon-adhoc"}
    assert icons(drawn["cg"]) == {"icon-complex"}
    assert icons(drawn["eg"]) == {"icon-event-parallel"} and icons(drawn["ei"]) == {"icon-event-instantiate"}
    assert icons(drawn["mu"]) == {"icon-multiple"} and icons(drawn["pm"]) == {"icon-parallelMultiple"}
    assert icons(drawn["ca"]) == {"icon-cancel"} and icons(drawn["co"]) == {"icon-compensate"}
    assert icons(drawn["dr"]) == {"icon-collection"} and icons(drawn["es"]) == set()
    assert outline(drawn["es"]).get("stroke-dasharray") and outline(drawn["ni"]).get("stroke-dasharray")
    assert shown(drawn["gr"]) == "My group"
    line = drawn["as"].find(f"{{{SVG}}}path")
    assert line.get("marker-start") == line.get("marker-end") == "url(#bpmn-association-end)"
    # a vertical pool writes its name horizontally in a top band; a black-box pool has no band
    assert drawn["pool"].find(f".//{{{SVG}}}g[@transform]") is None and shown(drawn["pool"]) == "Vertical"
    assert len(drawn["bb"].findall(f"{{{SVG}}}path")) == 0


def test_names_are_escaped_never_markup() -> None:
    evil = """<script>alert(1)</script> & "quoted" 'single' <img src=x onerror=alert(2)>"""
    escaped = evil.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    colour = 'bioc:fill="red;}&lt;/style&gt;&lt;script&gt;x()&lt;/script&gt;" bioc:stroke="url(http://evil/)"'
    root = etree.fromstring(MINIMAL.format(name=escaped, fill=colour).encode(), PARSER)
    text = render_svg(root)
    assert text is not None and "<script" not in text and "<img" not in text and "evil" not in text
    svg = parse_svg(text)
    assert {local(n) for n in svg.iter() if isinstance(n.tag, str)} <= {
        "svg", "defs", "marker", "style", "g", "title", "path", "rect", "circle", "text", "tspan"}
    assert svg.find(f".//{{{SVG}}}style").text.count("<") == 0
    titles = [t.text for t in svg.iter(f"{{{SVG}}}title")]
    assert f"{evil} (t1)" in titles and "nowhere" in titles
    shown = "".join("".join(t.itertext()) for t in svg.iter(f"{{{SVG}}}text")).replace(" ", "")
    assert "<script>alert(1)</script>&\"quoted\"" in shown  # shown as text (word-wrapped), never as markup
    assert "kind-unknown" in groups(svg)["nowhere"][0].get("class")


def test_overlay_classes_and_badges() -> None:
    root = parse(CORPUS / "reference" / "A.1.0.bpmn")
    index = {e.get("name"): e.get("id") for e in root.iter() if isinstance(e.tag, str) and e.get("name")}
    overlay = {index["Task 1"]: "completed", index["Task 2"]: "active", index["Task 3"]: "incident",
               index["Start Event"]: "compensated", "not-in-this-file": "active"}
    svg = parse_svg(render_svg(root, overlay))
    drawn = groups(svg)
    for element_id, state in overlay.items():
        if element_id in drawn:
            assert f"state-{state}" in drawn[element_id][0].get("class").split()
    assert not any("state-" in g[0].get("class") for i, g in drawn.items() if i not in overlay)
    badges = {i: [n.get("class") for n in g[0].iter() if "badge" in (n.get("class") or "")] for i, g in drawn.items()}
    assert badges[index["Task 2"]] == ["badge badge-active"]
    assert badges[index["Task 3"]] == ["badge badge-incident", "badge-text"]
    assert badges[index["Task 1"]] == [] and badges[index["Start Event"]] == []
    css = svg.find(f".//{{{SVG}}}style").text
    for state in ("active", "completed", "incident", "compensated"):
        assert f".state-{state} .outline" in css
    with pytest.raises(ValueError):
        render_svg(root, {index["Task 1"]: "running"})


def test_no_bpmndi_and_diagram_choice() -> None:
    root = parse(CORPUS / "reference" / "C.4.0.bpmn")
    first, second = (groups(parse_svg(render_svg(root, diagram_index=i))) for i in (0, 1))
    assert first and second and set(first) != set(second)
    with pytest.raises(IndexError):
        render_svg(root, diagram_index=4)
    for diagram in list(root.iter(f"{{{BPMNDI}}}BPMNDiagram")):
        diagram.getparent().remove(diagram)
    assert render_svg(root) is None


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium is not installed")
def test_chromium_rasterises_the_svg(tmp_path: Path) -> None:
    svg = tmp_path / "b20.svg"
    drawn = render_svg(parse(CORPUS / "reference" / "B.2.0.bpmn"))
    assert drawn is not None
    svg.write_text(drawn, encoding="utf-8")
    png = tmp_path / "b20.png"
    subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={png}",
                    "--window-size=1000,700", svg.as_uri()], check=True, capture_output=True, timeout=120,
                   env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000


@pytest.mark.parametrize("words", [False, True], ids=["one word", "words"])
def test_a_200000_character_name_is_drawn_at_once_and_cut(words: bool) -> None:
    from tests.hostile.deploy_models import deploy_long_label
    root = etree.fromstring(deploy_long_label(200_000, words=words))
    began = time.perf_counter()
    svg = render_svg(root)
    assert time.perf_counter() - began < 1
    assert svg is not None and len(svg) < 20_000
    assert "…" in svg
