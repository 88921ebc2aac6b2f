"""The console modeler's two timing targets, measured in Debian's chromium against a real `bpmn-runtime serve`:

    python tests/benchmarks/modeler.py

- opening a deployed 300-element diagram (a third of its tasks business rule tasks calling a decision) in the modeler until it is drawn and editable: under 2 s;
- the deployment check's round trip for that diagram (POST of its XML to /api/v1/deployments/check, from the
  modeler page, with its session and CSRF token): under 300 ms.

Each figure is the median of several runs; the script prints it with "met" or "missed". It asserts nothing: the
figures depend on the machine.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPOSITORY))

from tests.dmn.models import decision, literal, model  # noqa: E402
from tests.web.conftest import Server, run_cli  # noqa: E402
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

TASKS = 150  # with their flows, the start and the end event: 303 elements
DECISION = "approve"
RUNS = 5
CHECKS = 10
OPEN_TARGET_MS = 2000
CHECK_TARGET_MS = 300
PASSWORD = "bench-secret-1"
CHECK_FROM_PAGE = """async () => {
  const page = document.getElementById('modeler').dataset;
  const xml = await (await fetch(page.fileUrl)).text();
  const started = performance.now();
  const answer = await fetch(page.checkUrl, {method: 'POST', body: xml,
    headers: {'Content-Type': 'application/xml', 'X-CSRFToken': page.csrfToken}});
  const problems = (await answer.json()).problems;
  return [performance.now() - started, answer.status, problems.length];
}"""


def diagram(tasks: int = TASKS) -> str:
    """A Camunda 8 process the engine would deploy: a start event, `tasks` service, business rule (calling the
    deployed decision) and user tasks in rows of ten, an end event, each joined to the next by a sequence flow, with the diagram's shapes and edges."""
    ids = ["Start", *(f"Task_{n}" for n in range(tasks)), "End"]
    nodes, shapes, flows, edges = [], [], [], []
    for n, ident in enumerate(ids):
        x, y = 100 + (n % 10) * 160, 100 + (n // 10) * 140
        if ident in ("Start", "End"):
            kind = "startEvent" if ident == "Start" else "endEvent"
            nodes.append(f'<bpmn:{kind} id="{ident}" name="{ident}"/>')
            shapes.append(f'<bpmndi:BPMNShape id="{ident}_di" bpmnElement="{ident}">'
                          f'<dc:Bounds x="{x + 32}" y="{y + 22}" width="36" height="36"/></bpmndi:BPMNShape>')
        else:
            if n % 3 == 1:
                nodes.append(f'<bpmn:serviceTask id="{ident}" name="Step {n}"><bpmn:extensionElements>'
                             f'<zeebe:taskDefinition type="step-{n}"/></bpmn:extensionElements></bpmn:serviceTask>')
            elif n % 3 == 2:
                nodes.append(f'<bpmn:businessRuleTask id="{ident}" name="Decide {n}"><bpmn:extensionElements>'
                             f'<zeebe:calledDecision decisionId="{DECISION}" resultVariable="decided_{n}"/>'
                             f'</bpmn:extensionElements></bpmn:businessRuleTask>')
            else:
                nodes.append(f'<bpmn:userTask id="{ident}" name="Review {n}"><bpmn:extensionElements>'
                             f'<zeebe:assignmentDefinition candidateGroups="reviewers"/></bpmn:extensionElements>'
                             f'</bpmn:userTask>')
            shapes.append(f'<bpmndi:BPMNShape id="{ident}_di" bpmnElement="{ident}">'
                          f'<dc:Bounds x="{x}" y="{y}" width="100" height="80"/></bpmndi:BPMNShape>')
        if n:
            source, (px, py) = ids[n - 1], (100 + ((n - 1) % 10) * 160, 100 + ((n - 1) // 10) * 140)
            flows.append(f'<bpmn:sequenceFlow id="Flow_{n}" sourceRef="{source}" targetRef="{ident}"/>')
            edges.append(f'<bpmndi:BPMNEdge id="Flow_{n}_di" bpmnElement="Flow_{n}">'
                         f'<di:waypoint x="{px + 100}" y="{py + 40}"/><di:waypoint x="{x}" y="{y + 40}"/>'
                         f'</bpmndi:BPMNEdge>')
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
  xmlns:modeler="http://camunda.org/schema/modeler/1.0" modeler:executionPlatform="Camunda Cloud"
  id="Definitions_bench" targetNamespace="http://example.com/bench">
  <bpmn:process id="bench-300" name="300 elements" isExecutable="true">
    {"".join(nodes)}{"".join(flows)}
  </bpmn:process>
  <bpmndi:BPMNDiagram id="Diagram_1"><bpmndi:BPMNPlane id="Plane_1" bpmnElement="bench-300">
    {"".join(shapes)}{"".join(edges)}
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def verdict(value: float, target: int) -> str:
    return "met" if value < target else "missed"


def main() -> None:
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        sys.exit(f"{CHROMIUM} is missing: install Debian's chromium package")
    with tempfile.TemporaryDirectory() as folder:
        work, db = Path(folder) / "work", Path(folder) / "bench.db"
        work.mkdir()
        (work / "bench_300.bpmn").write_text(diagram(), encoding="utf-8")
        (work / "decision.dmn").write_bytes(model(decision(DECISION, literal('"yes"'))))
        run_cli(work, db, "deploy", "decision.dmn", "bench_300.bpmn")
        server = Server(work, db, Path(folder) / "serve.log",
                        {"BPMN_RUNTIME_ADMIN_USER": "admin", "BPMN_RUNTIME_ADMIN_PASSWORD": PASSWORD})
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
                page.goto(f"{server.url}/login")
                page.get_by_label("User name").fill("admin")
                page.get_by_label("Password").fill(PASSWORD)
                page.get_by_role("button", name="Log in").click()
                opened = []
                for _ in range(RUNS):
                    page.goto(f"{server.url}/console/modeler/1")
                    page.wait_for_selector('#modeler[data-ready="true"]', timeout=30_000)
                    opened.append(page.evaluate("performance.now()"))  # since this page's navigation started
                elements = page.locator(".djs-element[data-element-id]:not(.djs-root)").count()
                checks = [page.evaluate(CHECK_FROM_PAGE) for _ in range(CHECKS)]
                browser.close()
        finally:
            server.stop()
    assert all(status == 200 and problems == 0 for _, status, problems in checks), checks
    open_ms = statistics.median(opened)
    check_ms = statistics.median(ms for ms, _, _ in checks)
    print(f"diagram: {elements} elements drawn; machine: {os.cpu_count()} cores")
    print(f"open in the modeler: {open_ms:.0f} ms (median of {RUNS}; target under {OPEN_TARGET_MS} ms): "
          f"{verdict(open_ms, OPEN_TARGET_MS)}")
    print(f"check round trip: {check_ms:.0f} ms (median of {CHECKS}; target under {CHECK_TARGET_MS} ms): "
          f"{verdict(check_ms, CHECK_TARGET_MS)}")


if __name__ == "__main__":
    main()
