"""The process diagram on a page, with an instance's state drawn over it: where tokens wait (active),
what has completed, what was compensated, and where an incident stops it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from bpmn_runtime.web.diagram import BPMNDI, render_svg
from bpmn_runtime.parser.xml_loading import load_xml
from bpmn_runtime.runtime.records import InstanceDetail
from bpmn_runtime.web.security import trusted_svg
from bpmn_runtime.web.services import runtime

# When an element has several states, the most urgent one is drawn.
URGENCY = ("completed", "compensated", "stopped", "active", "incident")
SCOPES = {"subProcess", "transaction", "adHocSubProcess"}


@dataclass(frozen=True)
class Plane:
    """One diagram of a file: the process (or collaboration), or the inside of a collapsed subprocess."""

    element_id: str
    title: str
    svg: Markup


@dataclass(frozen=True)
class Diagram:
    planes: list[Plane]  # the file's first diagram first; none when the file has no diagram (no BPMNDI)
    names: dict[str, str]  # element id -> name, to name elements in lists

    @property
    def svg(self) -> Markup | None:
        return self.planes[0].svg if self.planes else None

    def name(self, element_id: str | None) -> str:
        return self.names.get(element_id or "") or element_id or ""


def draw(definition_id: int, overlay: dict[str, str] | None = None, links: dict[str, str] | None = None) -> Diagram:
    """Every diagram of the version's file, with the state drawn over it. A collapsed subprocess links to
    its own diagram (further down the page), and is drawn waiting while a token waits inside it."""
    key, xml = runtime().queries.definition_xml(definition_id)
    root = load_xml(xml, key).getroot()
    names = {node.get("id"): node.get("name") or "" for node in root.iter()
             if isinstance(node.tag, str) and node.get("id")}
    index = {node.get("id"): node for node in root.iter() if isinstance(node.tag, str) and node.get("id")
             and not node.tag.startswith(f"{{{BPMNDI}}}")}
    shown = [plane.get("bpmnElement") or "" for plane in root.iter(f"{{{BPMNDI}}}BPMNPlane")]
    inside = {element: f"#diagram-{element}" for element in shown[1:] if element in index}
    states = _with_scopes(dict(overlay or {}), index)
    planes = []
    for number, element in enumerate(shown):
        svg = render_svg(root, states, number, {**inside, **(links or {})})
        if svg:
            title = names.get(element) or element if number else ""
            planes.append(Plane(element, title, trusted_svg(svg)))
    return Diagram(planes, names)


def _with_scopes(states: dict[str, str], index: dict[str, Any]) -> dict[str, str]:
    """Mark the subprocesses around a waiting token (or an incident) as waiting too: collapsed, they are all
    that the process's diagram shows of it."""
    for element_id, state in list(states.items()):
        if state not in ("active", "incident"):
            continue
        node = index.get(element_id)
        parent = node.getparent() if node is not None else None
        while parent is not None and parent.tag.rsplit("}", 1)[-1] in SCOPES:
            scope_id = parent.get("id") or ""
            if URGENCY.index(states.get(scope_id, "completed")) < URGENCY.index("active"):
                states[scope_id] = "active"
            parent = parent.getparent()
    return states


def definition_of(detail: InstanceDetail) -> int:
    """The id of the definition version an instance runs."""
    summary = detail.summary
    found: int = next(d["id"] for d in runtime().queries.definitions()
                      if d["key"] == summary.process_key and d["version"] == summary.version)
    return found


def stopped_at(detail: InstanceDetail) -> list[str]:
    """Where an instance that was cancelled or ended early stopped: the elements it left unfinished when it
    ended (their last history entry is 'element_terminated', at the time it ended)."""
    ended = detail.summary.ended_at
    if ended is None or detail.summary.status == "completed":
        return []
    last: dict[str, str] = {}
    for entry in detail.history:
        if entry.element_id and entry.kind in ("element_activated", "element_completed", "element_terminated"):
            last[entry.element_id] = entry.kind if entry.at >= ended else "earlier"
    return [element for element, kind in last.items()
            if kind == "element_terminated" and element != detail.summary.process_key]


def overlay(detail: InstanceDetail) -> dict[str, str]:
    """Element id -> state for `render_svg`, from the history, the waiting tokens and the open incidents."""
    states: dict[str, str] = {}

    def mark(element_id: str | None, state: str) -> None:
        if element_id and URGENCY.index(state) >= URGENCY.index(states.get(element_id, "completed")):
            states[element_id] = state

    for entry in detail.history:
        if entry.kind == "element_completed":
            mark(entry.element_id, "completed")
        elif entry.kind == "compensation_completed" and entry.data and entry.data.get("result") == "completed":
            mark(entry.data.get("activity"), "compensated")
    for token in detail.tokens:
        mark(token.element_id, "active")
    for incident in detail.incidents:
        if incident.resolved_at is None:
            mark(incident.element_id, "incident")
    for element_id in stopped_at(detail):
        mark(element_id, "stopped")
    return states
