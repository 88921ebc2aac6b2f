"""Server-side SVG drawing of BPMN 2.0 diagrams from their BPMNDI, with an optional run-time overlay.

The web console embeds the result, so it must look like bpmn.io and be safe: every string from the
file goes through lxml as text or attribute value, colours are whitelisted, and nothing from the file
becomes markup, script or a URL.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Callable, Mapping

from lxml import etree

BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
SVG = "http://www.w3.org/2000/svg"
_EDGE = f"{{{BPMNDI}}}BPMNEdge"
_COLOR_ATTRS = {  # (stroke, fill) attributes of the bpmn.io and OMG colour extensions
    "http://bpmn.io/schema/bpmn/biocolor/1.0": ("stroke", "fill"),
    "http://www.omg.org/spec/BPMN/non-normative/color/1.0": ("border-color", "background-color"),
}
_SAFE_COLOR = re.compile(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20}|rgba?\([0-9.,% ]{5,40}\)")
STATES = frozenset({"active", "completed", "incident", "compensated", "stopped"})
MARGIN = 20.0
INK = "currentColor"

_CSS = """
.bpmn-diagram { color: #22242a; }
.bpmn-diagram text { font-family: Arial, Helvetica, sans-serif; font-size: 12px; fill: currentColor; }
.bpmn-diagram text.label-ext { font-size: 11px; }
.bpmn-diagram .state-active .outline { stroke: #1565c0; stroke-width: 4px; }
.bpmn-diagram .state-completed .outline { stroke: #2e7d32; stroke-width: 3px; fill: #eef7ee; }
.bpmn-diagram .state-completed .line { stroke: #2e7d32; }
.bpmn-diagram .state-incident .outline { stroke: #c62828; stroke-width: 3px; }
.bpmn-diagram .state-compensated .outline { stroke: #ef6c00; stroke-width: 3px; stroke-dasharray: 6 3; }
.bpmn-diagram .state-stopped .outline { stroke: #5d4037; stroke-width: 4px; stroke-dasharray: 2 3; }
.bpmn-diagram .badge-active { fill: #1565c0; stroke: white; stroke-width: 1.5px; }
.bpmn-diagram .badge-stopped { fill: #5d4037; stroke: white; stroke-width: 1.5px; }
.bpmn-diagram .badge-incident { fill: #c62828; stroke: white; stroke-width: 1.5px; }
.bpmn-diagram text.badge-text { fill: white; font-size: 11px; font-weight: bold; }
"""


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


def _num(v: float) -> str:
    """Short, stable number text: keeps the SVG small and diff-friendly."""
    return f"{v:.2f}".rstrip("0").rstrip(".") if v != int(v) else str(int(v))


def _el(parent: etree._Element, tag: str, text: str | None = None, /, **attrs: object) -> etree._Element:
    """Add an SVG child; underscores in attribute names become hyphens (stroke_width -> stroke-width)."""
    node = etree.SubElement(parent, f"{{{SVG}}}{tag}")
    for key, value in attrs.items():
        if value is not None:
            node.set(key.rstrip("_").replace("_", "-"), _num(value) if isinstance(value, float) else str(value))
    if text is not None:
        node.text = text
    return node


def _local(node: etree._Element) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def _children(node: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in node if _local(c) == name]


def _bounds(node: etree._Element | None) -> Box | None:
    found = node.find(f"{{{DC}}}Bounds") if node is not None else None
    if found is None:
        return None
    try:
        values = [float(found.get(k, "0")) for k in ("x", "y", "width", "height")]
    except ValueError:
        return None
    return Box(*values) if all(math.isfinite(v) for v in values) else None


def _truthy(value: str | None, default: bool = False) -> bool:
    return default if value is None else value.strip().lower() == "true"


# ---------------------------------------------------------------- text

_NARROW, _WIDE = set("ijlI.,:;|!'`()[]ft "), set("mwMW@%")


MAX_LABEL = 300  # characters of a name drawn; a longer one is cut with "…"
MAX_TITLE = 1_000  # characters of a name in the tooltip


def _clipped(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _char_width(c: str) -> float:
    return 0.3 if c in _NARROW else 0.85 if c in _WIDE else 0.67 if c.isupper() else 0.54


def _text_width(text: str, size: float) -> float:
    """Estimated Arial width: good enough to wrap like bpmn.io without a font engine."""
    return sum(_char_width(c) for c in text) * size


def _wrap(text: str, width: float, size: float) -> list[str]:
    """Greedy word wrap; explicit newlines kept, over-long words cut. Linear in the text, which is cut to
    MAX_LABEL characters first: a 200,000-character name must not hold up the page."""
    text = _clipped(text, MAX_LABEL)
    lines: list[str] = []
    for para in text.replace("\r", "").split("\n"):
        line, line_width = "", 0.0
        space = _char_width(" ") * size
        for word in para.split():
            word_width = _text_width(word, size)
            if word_width > width:
                if line:
                    lines.append(line)
                pieces = _cut(word, width, size)
                lines += pieces[:-1]
                line, line_width = pieces[-1], _text_width(pieces[-1], size)
                continue
            if line and line_width + space + word_width > width:
                lines.append(line)
                line, line_width = word, word_width
            elif line:
                line, line_width = f"{line} {word}", line_width + space + word_width
            else:
                line, line_width = word, word_width
        lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _cut(word: str, width: float, size: float) -> list[str]:
    """A word wider than `width` in pieces that fit (at least one character each), in one pass."""
    pieces: list[str] = []
    start, used = 0, 0.0
    for index, c in enumerate(word):
        w = _char_width(c) * size
        if used + w > width and index > start:
            pieces.append(word[start:index])
            start, used = index, 0.0
        used += w
    pieces.append(word[start:])
    return pieces


class _Canvas:
    """The SVG under construction plus the extent of everything drawn (for the viewBox)."""

    def __init__(self, index: dict[str, etree._Element]) -> None:
        self.index = index
        self.minx = self.miny = math.inf
        self.maxx = self.maxy = -math.inf

    def extend(self, x: float, y: float, w: float = 0, h: float = 0) -> None:
        self.minx, self.miny = min(self.minx, x), min(self.miny, y)
        self.maxx, self.maxy = max(self.maxx, x + w), max(self.maxy, y + h)

    def text(self, g: etree._Element, text: str, cx: float, top: float, width: float, *,
             size: float = 12, anchor: str = "middle", css: str | None = None,
             valign_box: float | None = None, rotate: bool = False) -> None:
        """Wrapped text block; centred vertically in `valign_box` height when given, else from `top`."""
        lines = _wrap(text, max(width, 20), size)
        if not lines:
            return
        lh = size * 1.2
        if valign_box is not None:
            top += max(0.0, (valign_box - lh * len(lines)) / 2)
        node = _el(g, "text", None, class_=css, text_anchor=anchor)
        for i, line in enumerate(lines):
            _el(node, "tspan", line, x=float(cx), y=float(top + size * 0.95 + i * lh))
        if rotate:
            return  # the caller's rotation makes the local extent meaningless; its box is tracked instead
        widest = max(_text_width(s, size) for s in lines)
        left = cx - widest / 2 if anchor == "middle" else cx
        self.extend(left, top, widest, lh * len(lines))


# ---------------------------------------------------------------- icon tables
# An icon is a list of (tag, attrs) drawn inside a <g transform>; "$ink"/"$line" in a value are
# replaced by the fill of the icon body and the colour of its inner lines (catch vs throw events).

Icon = list[tuple[str, dict[str, object]]]


def _attrs(**attrs: object) -> dict[str, object]:
    return attrs


def _poly(points: list[tuple[float, float]]) -> str:
    return "M" + " L".join(f"{_num(round(x, 2))},{_num(round(y, 2))}" for x, y in points) + " Z"


def _star(n: int, r: float, rot: float = -90) -> list[tuple[float, float]]:
    return [(r * math.cos(math.radians(rot + i * 360 / n)), r * math.sin(math.radians(rot + i * 360 / n)))
            for i in range(n)]


def _gear(cx: float, cy: float, outer: float, inner: float, teeth: int = 8) -> str:
    pts: list[tuple[float, float]] = []
    for i in range(teeth):
        a = i * 360 / teeth
        for da, r in ((-14, inner), (-8, outer), (8, outer), (14, inner)):
            pts.append((cx + r * math.cos(math.radians(a + da)), cy + r * math.sin(math.radians(a + da))))
    return _poly(pts)


def _ticks() -> str:
    return " ".join(f"M{_num(round(8 * math.cos(a), 2))},{_num(round(8 * math.sin(a), 2))} "
                    f"L{_num(round(10.5 * math.cos(a), 2))},{_num(round(10.5 * math.sin(a), 2))}"
                    for a in (math.radians(i * 30) for i in range(12)))


_LINE = {"fill": "none", "stroke": "$line", "stroke_width": 1.5}
_BODY = {"fill": "$ink", "stroke": INK, "stroke_width": 1.5, "stroke_linejoin": "round"}
_PLUS = "M-3,-10 h6 v7 h7 v6 h-7 v7 h-6 v-7 h-7 v-6 h7 Z"

# Event definition icons, drawn for a 36 px event centred on the origin.
_EVENT_ICONS: dict[str, Icon] = {
    "message": [("rect", {"x": -9.0, "y": -6.5, "width": 18, "height": 13, **_BODY}),
                ("path", {"d": "M-9,-6.5 L0,1 L9,-6.5", **_LINE})],
    "timer": [("circle", {"r": 11, "fill": "white", "stroke": INK, "stroke_width": 2}),
              ("path", {"d": _ticks(), "stroke": INK, "stroke_width": 1}),
              ("path", {"d": "M0,0 L0.5,-7.5 M0,0 L5,2.5", "stroke": INK, "stroke_width": 1.5, "fill": "none"})],
    "signal": [("path", {"d": "M0,-11 L10,7 L-10,7 Z", **_BODY})],
    "error": [("path", {"d": "M-9,10 L-4,-9 L2,2 L9,-10 L4,9 L-2,-2 Z", **_BODY})],
    "escalation": [("path", {"d": "M0,-11 L8,10 L0,2 L-8,10 Z", **_BODY})],
    "compensate": [("path", {"d": "M-11,0 L-1,-7 L-1,7 Z M-1,0 L9,-7 L9,7 Z", **_BODY})],
    "terminate": [("circle", {"r": 11, "fill": INK, "stroke": INK})],
    "cancel": [("path", {"d": "M-8,-5 L-5,-8 L0,-3 L5,-8 L8,-5 L3,0 L8,5 L5,8 L0,3 L-5,8 L-8,5 L-3,0 Z",
                         **_BODY})],
    "conditional": [("rect", {"x": -7.0, "y": -9.0, "width": 14, "height": 18, "fill": "white", "stroke": INK,
                              "stroke_width": 1.5}),
                    ("path", {"d": "M-4,-5 h8 M-4,-1 h8 M-4,3 h8 M-4,6.5 h8", "stroke": INK, "stroke_width": 1})],
    "link": [("path", {"d": "M-9,-3.5 L2,-3.5 L2,-9 L10,0 L2,9 L2,3.5 L-9,3.5 Z", **_BODY})],
    "multiple": [("path", {"d": _poly(_star(5, 10.5)), **_BODY})],
    "parallelMultiple": [("path", {"d": _PLUS, **_BODY, "fill": "none"})],
}

# Task type icons, drawn in a 16 px box at the top-left corner of the activity.
_TASK_ICONS: dict[str, Icon] = {
    "userTask": [("path", {"d": "M1.5,16 C1.5,10.5 4,9.5 8,9.5 C12,9.5 14.5,10.5 14.5,16 Z", "fill": "white",
                           "stroke": INK, "stroke_width": 1.2}),
                 ("circle", {"cx": 8, "cy": 5, "r": 3.5, "fill": "white", "stroke": INK, "stroke_width": 1.2}),
                 ("path", {"d": "M5,12.5 v3.5 M11,12.5 v3.5", "stroke": INK, "stroke_width": 1})],
    "serviceTask": [("path", {"d": _gear(8, 8, 8, 5.6), "fill": "white", "stroke": INK, "stroke_width": 1.2}),
                    ("circle", {"cx": 8, "cy": 8, "r": 2.5, "fill": "white", "stroke": INK, "stroke_width": 1.2})],
    "scriptTask": [("path", {"d": "M4,1 h11 c-3,3 -3,5 0,7 s3,4 0,7 h-11 c3,-3 3,-5 0,-7 s-3,-4 0,-7 Z",
                             "fill": "white", "stroke": INK, "stroke_width": 1.2}),
                   ("path", {"d": "M5,4.5 h6.5 M6.5,8 h6 M8,11.5 h6", "stroke": INK, "stroke_width": 1})],
    "sendTask": [("rect", {"x": 0, "y": 2, "width": 17, "height": 12, "fill": INK, "stroke": INK}),
                 ("path", {"d": "M0,2 L8.5,9 L17,2", "fill": "none", "stroke": "white", "stroke_width": 1.2})],
    "receiveTask": [("rect", {"x": 0, "y": 2, "width": 17, "height": 12, "fill": "white", "stroke": INK}),
                    ("path", {"d": "M0,2 L8.5,9 L17,2", "fill": "none", "stroke": INK, "stroke_width": 1.2})],
    "manualTask": [*[("rect", _attrs(x=5, y=y, width=w, height=2.5, rx=1.25, fill="white", stroke=INK, stroke_width=0.9))
                     for y, w in ((4, 11), (6.5, 10), (9, 9), (11.5, 7))],
                   ("path", {"d": "M8,4 H3 Q1,4 1,6 V11.5 Q1,14 3.5,14 H8 M4,4 L7.5,1.2 Q8.8,0.4 9.3,1.7 L8,4",
                             "fill": "white", "stroke": INK, "stroke_width": 0.9, "stroke_linejoin": "round"})],
    "businessRuleTask": [("rect", {"x": 0, "y": 2, "width": 17, "height": 13, "fill": "white", "stroke": INK}),
                         ("rect", {"x": 0, "y": 2, "width": 17, "height": 4, "fill": "#bbb", "stroke": INK}),
                         ("path", {"d": "M0,10.5 h17 M5,6 v9", "stroke": INK})],
}

# Activity markers along the bottom edge, each in a 14 px box.
_BOTTOM_MARKERS: dict[str, Icon] = {
    "collapsed": [("rect", {"x": 0, "y": 0, "width": 14, "height": 14, "fill": "white", "stroke": INK}),
                  ("path", {"d": "M7,3 v8 M3,7 h8", "stroke": INK, "stroke_width": 1.5})],
    "loop": [("path", {"d": "M3.5,11.5 A5.5,5.5 0 1 1 10.5,11.5 M10.5,7.5 L10.5,11.5 L14,11.5", "fill": "none",
                       "stroke": INK, "stroke_width": 1.5})],
    "mi-parallel": [("path", {"d": "M2,1 v12 M7,1 v12 M12,1 v12", "stroke": INK, "stroke_width": 2})],
    "mi-sequential": [("path", {"d": "M1,2 h12 M1,7 h12 M1,12 h12", "stroke": INK, "stroke_width": 2})],
    "compensation": [("path", {"d": "M0,7 L7,1 L7,13 Z M7,7 L14,1 L14,13 Z", "fill": "none", "stroke": INK,
                               "stroke_linejoin": "round"})],
    "adhoc": [("path", {"d": "M0,9 c2,-5 5,-5 7,-2 s5,3 7,-2", "fill": "none", "stroke": INK, "stroke_width": 1.5})],
}

# Gateway markers for a 50 px diamond centred on the origin.
_GATEWAY_MARKERS: dict[str, Icon] = {
    "exclusive": [("path", {"d": "M-8,-9 L8,9 M8,-9 L-8,9", "stroke": INK, "stroke_width": 4.5})],
    "parallel": [("path", {"d": "M0,-13 V13 M-13,0 H13", "stroke": INK, "stroke_width": 4.5})],
    "inclusive": [("circle", {"r": 11, "fill": "none", "stroke": INK, "stroke_width": 2.5})],
    "complex": [("path", {"d": "M0,-13 V13 M-13,0 H13 M-9,-9 L9,9 M9,-9 L-9,9", "stroke": INK,
                          "stroke_width": 3.5})],
    "event": [("circle", {"r": 13, "fill": "none", "stroke": INK}),
              ("circle", {"r": 10.5, "fill": "none", "stroke": INK}),
              ("path", {"d": _poly(_star(5, 7)), "fill": "none", "stroke": INK, "stroke_width": 1.5})],
    "event-instantiate": [("circle", {"r": 12, "fill": "none", "stroke": INK}),
                          ("path", {"d": _poly(_star(5, 7.5)), "fill": "none", "stroke": INK, "stroke_width": 1.5})],
    "event-parallel": [("circle", {"r": 12, "fill": "none", "stroke": INK}),
                       ("path", {"d": "M-2,-8 h4 v6 h6 v4 h-6 v6 h-4 v-6 h-6 v-4 h6 Z", "fill": "none",
                                 "stroke": INK, "stroke_width": 1.2})],
}


def _icon(g: etree._Element, name: str, spec: Icon, transform: str, ink: str = "none", line: str = INK) -> None:
    holder = _el(g, "g", class_=f"icon icon-{name}", transform=transform)
    for tag, attrs in spec:
        _el(holder, tag, **{k: {"$ink": ink, "$line": line}.get(v, v) if isinstance(v, str) else v
                            for k, v in attrs.items()})


# ---------------------------------------------------------------- shapes

@dataclass
class _Shape:
    """One BPMNShape or BPMNEdge with its semantic element (None when the reference is unknown)."""
    di: etree._Element
    sem: etree._Element | None
    kind: str
    box: Box | None
    label: Box | None
    stroke: str | None
    fill: str | None

    @property
    def name(self) -> str:
        return (self.sem.get("name") or "") if self.sem is not None else ""


def _outline(g: etree._Element, tag: str, s: _Shape, default_fill: str = "white", **attrs: object) -> etree._Element:
    """The main outline: the element the overlay CSS recolours."""
    return _el(g, tag, class_="outline", fill=s.fill or default_fill, stroke=INK, **attrs)


def _external_label(c: _Canvas, g: etree._Element, s: _Shape, text: str | None = None) -> None:
    """bpmn.io-style label outside the shape: at the BPMNLabel bounds, else centred below."""
    text = s.name if text is None else text
    if not text or s.box is None:
        return
    if s.label is not None and s.label.w > 1:
        c.text(g, text, s.label.cx, s.label.y, s.label.w + 6, size=11, css="label-ext")
    else:
        c.text(g, text, s.box.cx, s.box.y + s.box.h + 5, 90, size=11, css="label-ext")


def _event_definitions(c: _Canvas, sem: etree._Element) -> list[str]:
    names = [_local(d)[: -len("EventDefinition")] for d in sem if _local(d).endswith("EventDefinition")]
    for ref in _children(sem, "eventDefinitionRef"):
        target = c.index.get((ref.text or "").strip())
        if target is not None and _local(target).endswith("EventDefinition"):
            names.append(_local(target)[: -len("EventDefinition")])
    return names


def _draw_event(c: _Canvas, g: etree._Element, s: _Shape) -> None:
    b, sem = s.box, s.sem
    assert b is not None and sem is not None
    r = min(b.w, b.h) / 2
    interrupting = _truthy(sem.get("isInterrupting"), True) and _truthy(sem.get("cancelActivity"), True)
    dash = None if interrupting else "5.5 3"
    width = {"startEvent": 2.0, "endEvent": 4.0}.get(s.kind, 1.5)
    _outline(g, "circle", s, cx=b.cx, cy=b.cy, r=r, stroke_width=width, stroke_dasharray=dash)
    if s.kind not in ("startEvent", "endEvent"):
        _el(g, "circle", cx=b.cx, cy=b.cy, r=r - 3, fill="none", stroke=INK, stroke_width=1.5, stroke_dasharray=dash)
    defs = _event_definitions(c, sem)
    name = defs[0] if len(defs) == 1 else None
    if len(defs) > 1:
        name = "parallelMultiple" if _truthy(sem.get("parallelMultiple")) else "multiple"
    if name in _EVENT_ICONS:
        throw = s.kind in ("endEvent", "intermediateThrowEvent")
        _icon(g, name, _EVENT_ICONS[name], f"translate({_num(b.cx)},{_num(b.cy)}) scale({_num(r / 18)})",
              ink=INK if throw else s.fill or "white", line="white" if throw else INK)
    _external_label(c, g, s)


def _activity_markers(s: _Shape, collapsed: bool) -> list[str]:
    sem = s.sem
    assert sem is not None
    found = []
    if _children(sem, "standardLoopCharacteristics"):
        found.append("loop")
    for mi in _children(sem, "multiInstanceLoopCharacteristics"):
        found.append("mi-sequential" if _truthy(mi.get("isSequential")) else "mi-parallel")
    if _truthy(sem.get("isForCompensation")):
        found.append("compensation")
    if s.kind == "adHocSubProcess":
        found.append("adhoc")
    if collapsed:
        found.insert(len(found) // 2, "collapsed")
    return found


def _called_task_kind(c: _Canvas, sem: etree._Element) -> str | None:
    """A call activity that calls a global task shows that task's icon instead of the '+'."""
    target = c.index.get(sem.get("calledElement") or "")
    kind = _local(target) if target is not None else ""
    return kind[6].lower() + kind[7:] if kind.startswith("global") and len(kind) > 7 else None


def _draw_activity(c: _Canvas, g: etree._Element, s: _Shape) -> None:
    b, sem = s.box, s.sem
    assert b is not None and sem is not None
    container = s.kind in ("subProcess", "transaction", "adHocSubProcess")
    expanded = (container or s.kind == "callActivity") and _truthy(s.di.get("isExpanded"))
    event_sub = container and _truthy(sem.get("triggeredByEvent"))
    width = 5.0 if s.kind == "callActivity" else 1.5 if expanded and not event_sub else 2.0
    _outline(g, "rect", s, x=b.x, y=b.y, width=b.w, height=b.h, rx=10, stroke_width=width,
             stroke_dasharray="2 3" if event_sub else None)
    if s.kind == "transaction":
        _el(g, "rect", x=b.x + 3, y=b.y + 3, width=b.w - 6, height=b.h - 6, rx=7, fill="none", stroke=INK,
            stroke_width=1.5)
    icon = _called_task_kind(c, sem) if s.kind == "callActivity" else s.kind
    if icon in _TASK_ICONS:
        _icon(g, icon, _TASK_ICONS[icon], f"translate({_num(b.x + 7)},{_num(b.y + 6)})")
    markers = _activity_markers(s, (container or s.kind == "callActivity" and icon not in _TASK_ICONS)
                                and not expanded)
    left = b.cx - (len(markers) * 14 + (len(markers) - 1) * 4) / 2
    for i, marker in enumerate(markers):
        _icon(g, marker, _BOTTOM_MARKERS[marker], f"translate({_num(left + i * 18)},{_num(b.y + b.h - 18)})")
    if expanded:
        c.text(g, s.name, b.cx, b.y + 6, b.w - 20)
        return
    top, bottom = b.y + 3, b.y + b.h - (20 if markers else 3)
    block = len(_wrap(s.name, b.w - 10, 12)) * 14.4
    if icon in _TASK_ICONS and (top + bottom - block) / 2 < b.y + 22 <= bottom - block:
        top = b.y + 22  # push the label below the type icon when it fits, instead of overprinting it
    c.text(g, s.name, b.cx, top, b.w - 10, valign_box=bottom - top)


def _draw_gateway(c: _Canvas, g: etree._Element, s: _Shape) -> None:
    b, sem = s.box, s.sem
    assert b is not None and sem is not None
    _outline(g, "path", s, d=_poly([(b.cx, b.y), (b.x + b.w, b.cy), (b.cx, b.y + b.h), (b.x, b.cy)]),
             stroke_width=2, stroke_linejoin="round")
    marker = {"parallelGateway": "parallel", "inclusiveGateway": "inclusive", "complexGateway": "complex"}.get(s.kind)
    if s.kind == "exclusiveGateway" and _truthy(s.di.get("isMarkerVisible")):
        marker = "exclusive"  # bpmn.io and the spec: the X only when the DI asks for it
    elif s.kind == "eventBasedGateway":
        marker = ("event-parallel" if sem.get("eventGatewayType") == "Parallel" else
                  "event-instantiate" if _truthy(sem.get("instantiate")) else "event")
    if marker:
        _icon(g, marker, _GATEWAY_MARKERS[marker],
              f"translate({_num(b.cx)},{_num(b.cy)}) scale({_num(min(b.w, b.h) / 50)})")
    _external_label(c, g, s)


def _draw_data_object(c: _Canvas, g: etree._Element, s: _Shape) -> None:
    b, sem = s.box, s.sem
    assert b is not None and sem is not None
    fold = min(12.0, b.w / 3)
    _outline(g, "path", s, d=_poly([(b.x, b.y), (b.x + b.w - fold, b.y), (b.x + b.w, b.y + fold),
                                    (b.x + b.w, b.y + b.h), (b.x, b.y + b.h)]), stroke_width=1.5)
    _el(g, "path", d=f"M{_num(b.x + b.w - fold)},{_num(b.y)} v{_num(fold)} h{_num(fold)}", fill="none",
        stroke=INK, stroke_width=1.5)
    target = c.index.get(sem.get("dataObjectRef") or "") if s.kind == "dataObjectReference" else sem
    if target is not None and _truthy(target.get("isCollection")):
        _icon(g, "collection", _BOTTOM_MARKERS["mi-parallel"], f"translate({_num(b.cx - 7)},{_num(b.y + b.h - 16)})")
    if s.kind in ("dataInput", "dataOutput"):
        _el(g, "path", class_=f"icon icon-{s.kind}", d=f"M{_num(b.x + 5)},{_num(b.y + 7)} h7 v-4 l6,6 l-6,6 "
            "v-4 h-7 Z", fill=INK if s.kind == "dataOutput" else "white", stroke=INK)
    state = next(iter(_children(sem, "dataState")), None)
    shown = f"[{state.get('name')}]" if state is not None and state.get("name") else ""
    # Modelers often write the state into the name as well ("Order [paid]"): it is shown once.
    text = s.name + (f"\n{shown}" if shown and shown not in s.name else "")
    _external_label(c, g, s, text)


def _draw_data_store(c: _Canvas, g: etree._Element, s: _Shape) -> None:
    b = s.box
    assert b is not None
    rx, ry = b.w / 2, min(b.h / 8, 8.0)
    arc = f"A{_num(rx)},{_num(ry)} 0 0 0 {_num(b.x + b.w)},"
    _outline(g, "path", s, d=f"M{_num(b.x)},{_num(b.y + ry)} A{_num(rx)},{_num(ry)} 0 0 1 {_num(b.x + b.w)},"
             f"{_num(b.y + ry)} V{_num(b.y + b.h - ry)} A{_num(rx)},{_num(ry)} 0 0 1 {_num(b.x)},"
             f"{_num(b.y + b.h - ry)} Z", stroke_width=1.5)
    rings = " ".join(f"M{_num(b.x)},{_num(b.y + ry + k * ry * 0.6)} {arc}{_num(b.y + ry + k * ry * 0.6)}"
                     for k in range(3))
    _el(g, "path", d=rings, fill="none", stroke=INK, stroke_width=1.5)
    _external_label(c, g, s)


def _draw_annotation(c: _Canvas, g: etree._Element, s: _Shape) -> None:
    b, sem = s.box, s.sem
    assert b is not None and sem is not None
    _el(g, "rect", class_="outline", x=b.x, y=b.y, width=b.w, height=b.h, fill="none", stroke="none",
        pointer_events="all")
    _el(g, "path", d=f"M{_num(b.x + 10)},{_num(b.y)} H{_num(b.x)} V{_num(b.y + b.h)} H{_num(b.x + 10)}",
        fill="none", stroke=INK, stroke_width=1.5)
    text = "".join(_children(sem, "text")[0].itertext()) if _children(sem, "text") else ""
    c.text(g, text, b.x + 5, b.y + 3, b.w - 10, anchor="start")


def _draw_group(c: _Canvas, g: etree._Element, s: _Shape) -> None:
    b, sem = s.box, s.sem
    assert b is not None and sem is not None
    _outline(g, "rect", s, "none", x=b.x, y=b.y, width=b.w, height=b.h, rx=10, stroke_width=1.5,
             stroke_dasharray="10 5 0.5 5", stroke_linecap="round")
    value = c.index.get(sem.get("categoryValueRef") or "")
    text = (value.get("value") or "") if value is not None else s.name
    if s.label is not None or not text:
        _external_label(c, g, s, text)
    else:
        c.text(g, text, b.cx, b.y + 4, b.w - 10, size=11, css="label-ext")


def _draw_swimlane(c: _Canvas, g: etree._Element, s: _Shape) -> None:
    """Pools and lanes: name in a 30 px band, written vertically for horizontal swimlanes."""
    b, sem = s.box, s.sem
    assert b is not None and sem is not None
    horizontal = _truthy(s.di.get("isHorizontal"), True)
    black_box = s.kind == "participant" and not sem.get("processRef")
    _outline(g, "rect", s, "white" if s.kind == "participant" else "none", x=b.x, y=b.y, width=b.w, height=b.h,
             stroke_width=1.5)
    if black_box:
        c.text(g, s.name, b.cx, b.y, b.w - 20, valign_box=b.h)
    elif horizontal:
        _el(g, "path", d=f"M{_num(b.x + 30)},{_num(b.y)} V{_num(b.y + b.h)}", stroke=INK, stroke_width=1.5)
        band = _el(g, "g", transform=f"translate({_num(b.x)},{_num(b.y + b.h)}) rotate(-90)")
        c.text(band, s.name, b.h / 2, 0, b.h - 20, valign_box=30, rotate=True)
    else:
        _el(g, "path", d=f"M{_num(b.x)},{_num(b.y + 30)} H{_num(b.x + b.w)}", stroke=INK, stroke_width=1.5)
        c.text(g, s.name, b.cx, b.y, b.w - 20, valign_box=30)


def _draw_unknown(c: _Canvas, g: etree._Element, s: _Shape) -> None:
    b = s.box
    assert b is not None
    _outline(g, "rect", s, "none", x=b.x, y=b.y, width=b.w, height=b.h, stroke_width=1, stroke_dasharray="4 2")


_ACTIVITIES = ("task", "userTask", "serviceTask", "scriptTask", "sendTask", "receiveTask", "manualTask",
               "businessRuleTask", "callActivity", "subProcess", "transaction", "adHocSubProcess")
_EVENTS = ("startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent")
_GATEWAYS = ("exclusiveGateway", "parallelGateway", "inclusiveGateway", "complexGateway", "eventBasedGateway")
ShapeDrawer = Callable[[_Canvas, etree._Element, _Shape], None]
_SHAPE_DRAWERS: dict[str, ShapeDrawer] = {
    **dict.fromkeys(_ACTIVITIES, _draw_activity),
    **dict.fromkeys(_EVENTS, _draw_event),
    **dict.fromkeys(_GATEWAYS, _draw_gateway),
    **dict.fromkeys(("dataObjectReference", "dataObject", "dataInput", "dataOutput"), _draw_data_object),
    **dict.fromkeys(("dataStoreReference", "dataStore"), _draw_data_store),
    **dict.fromkeys(("participant", "lane"), _draw_swimlane),
    "textAnnotation": _draw_annotation,
    "group": _draw_group,
}

# ---------------------------------------------------------------- edges

_MARK = "#22242a"  # markers do not inherit currentColor from the line that uses them
_MARKERS: dict[str, tuple[float, float, float, str, dict[str, object]]] = {  # refX, refY, size, tag, attrs
    "seq-end": (11, 10, 15, "path", {"d": "M1,5 L11,10 L1,15 Z", "fill": _MARK, "stroke": _MARK}),
    "default-start": (0, 10, 20, "path", {"d": "M6,4 L10,16", "stroke": _MARK, "stroke_width": 1.5}),
    "conditional-start": (-1, 10, 20, "path", {"d": "M0,10 L8,6 L16,10 L8,14 Z", "fill": "white", "stroke": _MARK}),
    "message-start": (6, 6, 28, "circle", {"cx": 6, "cy": 6, "r": 3.5, "fill": "white", "stroke": _MARK}),
    "message-end": (11, 10, 22, "path", {"d": "M1,5 L11,10 L1,15 Z", "fill": "white", "stroke": _MARK}),
    "association-end": (11, 10, 15, "path", {"d": "M1,5 L11,10 L1,15", "fill": "none", "stroke": _MARK,
                                             "stroke_width": 1.5, "stroke_linecap": "round"}),
}
_EDGE_STYLES: dict[str, tuple[str | None, str | None, str | None]] = {  # kind -> dash, start, end marker
    "sequenceFlow": (None, None, "seq-end"),
    "messageFlow": ("10 11", "message-start", "message-end"),
    "association": ("0.5 5", None, None),
    "dataInputAssociation": ("0.5 5", None, "association-end"),
    "dataOutputAssociation": ("0.5 5", None, "association-end"),
}


def _edge_style(c: _Canvas, s: _Shape) -> tuple[str | None, str | None, str | None]:
    """(dash pattern, start marker, end marker): default/conditional flows and association direction."""
    dash, start, end = _EDGE_STYLES.get(s.kind, (None, None, None))
    sem = s.sem
    if s.kind == "sequenceFlow" and sem is not None:
        source = c.index.get(sem.get("sourceRef") or "")
        if source is not None and source.get("default") == sem.get("id"):
            start = "default-start"
        elif source is not None and _local(source) in _ACTIVITIES and _children(sem, "conditionExpression"):
            start = "conditional-start"
    elif s.kind == "association" and sem is not None:
        direction = sem.get("associationDirection", "None")
        start = "association-end" if direction == "Both" else None
        end = "association-end" if direction in ("One", "Both") else None
    return dash, start, end


def _midpoint(points: list[tuple[float, float]]) -> tuple[float, float, bool]:
    """Point halfway along the polyline (where an edge label without bounds goes) and whether it is on a
    mostly vertical segment, so the label can sit beside the line instead of on it."""
    lengths = [math.dist(a, b) for a, b in zip(points, points[1:])]
    half = sum(lengths) / 2
    for (a, b), length in zip(zip(points, points[1:]), lengths):
        if half <= length and length > 0:
            t = half / length
            return a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, abs(b[1] - a[1]) > abs(b[0] - a[0])
        half -= length
    return points[0][0], points[0][1], False


def _waypoints(di: etree._Element) -> list[tuple[float, float]]:
    points = []
    for w in di.iter(f"{{{DI}}}waypoint"):
        try:
            x, y = float(w.get("x", "0")), float(w.get("y", "0"))
        except ValueError:
            continue
        if math.isfinite(x) and math.isfinite(y):
            points.append((x, y))
    return points


def _draw_edge(c: _Canvas, g: etree._Element, s: _Shape) -> None:
    points = _waypoints(s.di)
    if len(points) < 2:
        return
    for x, y in points:
        c.extend(x, y)
    dash, start, end = _edge_style(c, s)
    d = "M" + " L".join(f"{_num(x)},{_num(y)}" for x, y in points)
    _el(g, "path", class_="line", d=d, fill="none", stroke=INK, stroke_width=1.5, stroke_dasharray=dash,
        stroke_linejoin="round", stroke_linecap="round" if dash == "0.5 5" else None,
        marker_start=f"url(#bpmn-{start})" if start else None, marker_end=f"url(#bpmn-{end})" if end else None)
    if s.kind == "messageFlow" and (s.di.get("messageVisibleKind") or (s.sem is not None and s.sem.get("messageRef"))):
        _envelope(g, points, initiating=s.di.get("messageVisibleKind") != "non_initiating")
    if s.name:
        if s.label is not None and s.label.w > 1:
            c.text(g, s.name, s.label.cx, s.label.y, s.label.w + 6, size=11, css="label-ext")
        else:
            mx, my, vertical = _midpoint(points)
            if vertical:
                c.text(g, s.name, mx + 6, my - 7, 90, size=11, css="label-ext", anchor="start")
            else:
                c.text(g, s.name, mx, my - 20, 90, size=11, css="label-ext")



def _envelope(g: etree._Element, points: list[tuple[float, float]], *, initiating: bool) -> None:
    """The message a message flow carries, as bpmn.io draws it: an envelope halfway along, white when it
    starts the exchange, grey when it answers."""
    mx, my, _ = _midpoint(points)
    _el(g, "rect", class_="envelope", x=mx - 10, y=my - 7, width=20.0, height=14.0,
        fill="white" if initiating else "#bdbdbd", stroke=INK, stroke_width=1.2)
    _el(g, "path", d=f"M{_num(mx - 10)},{_num(my - 7)} L{_num(mx)},{_num(my)} L{_num(mx + 10)},{_num(my - 7)}",
        fill="none", stroke=INK, stroke_width=1.2)


# ---------------------------------------------------------------- assembly


def _safe_color(value: str | None) -> str | None:
    return value.strip() if value and _SAFE_COLOR.fullmatch(value.strip()) else None


def _colors(di: etree._Element) -> tuple[str | None, str | None]:
    for ns, (stroke, fill) in _COLOR_ATTRS.items():
        s, f = _safe_color(di.get(f"{{{ns}}}{stroke}")), _safe_color(di.get(f"{{{ns}}}{fill}"))
        if s or f:
            return s, f
    return None, None


def _layer(s: _Shape) -> tuple[int, float]:
    """Paint order: pools, lanes, expanded containers (big first), nodes, boundary events, edges, groups."""
    if s.di.tag == _EDGE:
        return 5, 0
    area = s.box.w * s.box.h if s.box else 0
    rank = {"participant": 0, "lane": 1, "boundaryEvent": 4, "group": 6}.get(s.kind, 3)
    if rank == 3 and _truthy(s.di.get("isExpanded")):
        rank = 2
    return rank, -area


def _badge(c: _Canvas, g: etree._Element, box: Box, state: str) -> None:
    """The token / incident badge at the top-right corner of a shape."""
    x, y = box.x + box.w, box.y
    if state == "active":
        _el(g, "circle", class_="badge badge-active", cx=x, cy=y, r=6.0)
    elif state == "stopped":
        _el(g, "rect", class_="badge badge-stopped", x=x - 6, y=y - 6, width=12.0, height=12.0)
    elif state == "incident":
        _el(g, "circle", class_="badge badge-incident", cx=x, cy=y, r=8.0)
        _el(g, "text", "!", class_="badge-text", x=x, y=y + 4, text_anchor="middle")
    c.extend(x - 8, y - 8, 16, 16)


def _add_defs(svg: etree._Element) -> None:
    defs = _el(svg, "defs")
    for name, (rx, ry, size, tag, attrs) in _MARKERS.items():
        marker = _el(defs, "marker", id=f"bpmn-{name}", viewBox="0 0 20 20", refX=rx, refY=ry, markerWidth=size,
                     markerHeight=size, orient="auto-start-reverse" if name == "association-end" else "auto",
                     markerUnits="userSpaceOnUse")
        _el(marker, tag, **attrs)
    _el(svg, "style", _CSS)


def render_svg(root: etree._Element, overlay: Mapping[str, str] | None = None, diagram_index: int = 0,
               links: Mapping[str, str] | None = None) -> str | None:
    """SVG text of the diagram in the parsed definitions `root`, or None when the file has no BPMNDI.

    `overlay` maps element id -> 'active' | 'completed' | 'incident' | 'compensated' | 'stopped' (where a
    cancelled instance stopped); those shapes get
    the class `state-<state>` and a visible marking. `diagram_index` picks one of several BPMNDiagrams.
    Raises ValueError for any other state and IndexError for a diagram that does not exist: both are
    caller bugs, better loud than a silently wrong picture. `links` maps element id -> a URL of the app's own
    (the diagram of a collapsed subprocess, a called instance): that shape becomes a link.
    """
    overlay = dict(overlay or {})
    bad = {v for v in overlay.values() if v not in STATES}
    if bad:
        raise ValueError(f"unknown overlay state(s): {sorted(bad)}")
    diagrams = list(root.iter(f"{{{BPMNDI}}}BPMNDiagram"))
    if not diagrams:
        return None
    if not 0 <= diagram_index < len(diagrams):
        raise IndexError(f"diagram_index {diagram_index} out of range (file has {len(diagrams)})")
    index: dict[str, etree._Element] = {}
    for node in root.iter():
        if isinstance(node.tag, str) and node.get("id") and not node.tag.startswith(f"{{{BPMNDI}}}"):
            index.setdefault(node.get("id"), node)
    c = _Canvas(index)
    shapes = []
    for di in diagrams[diagram_index].iter(f"{{{BPMNDI}}}BPMNShape", _EDGE):
        sem = index.get(di.get("bpmnElement") or "")
        kind = _local(sem) if sem is not None else "unknown"
        label = next(iter(_children(di, "BPMNLabel")), None)
        shapes.append(_Shape(di, sem, kind, _bounds(di), _bounds(label), *_colors(di)))
        for box in (shapes[-1].box, shapes[-1].label):
            if box is not None:
                c.extend(box.x, box.y, box.w, box.h)

    svg = etree.Element(f"{{{SVG}}}svg", nsmap={None: SVG})
    svg.set("class", "bpmn-diagram")
    _add_defs(svg)
    body = _el(svg, "g", class_="bpmn-viewport")
    for s in sorted(shapes, key=_layer):
        element_id = s.di.get("bpmnElement") or ""
        state = overlay.get(element_id)
        css = f"shape kind-{s.kind}" + (f" state-{state}" if state else "")
        link = (links or {}).get(element_id) if s.di.tag != _EDGE else None
        g = _el(_el(body, "a", href=link, class_="shape-link") if link else body, "g", class_=css,
                data_element_id=element_id)
        if s.stroke:
            g.set("color", s.stroke)
        _el(g, "title", f"{_clipped(s.name, MAX_TITLE)} ({element_id})" if s.name else element_id)
        if s.di.tag == _EDGE:
            _draw_edge(c, g, s)
        elif s.box is not None:
            _SHAPE_DRAWERS.get(s.kind, _draw_unknown)(c, g, s)
            if state in ("active", "incident", "stopped"):
                _badge(c, g, s.box, state)

    if c.minx == math.inf:
        c.extend(0, 0, 100, 100)
    x, y = c.minx - MARGIN, c.miny - MARGIN
    w, h = c.maxx - c.minx + 2 * MARGIN, c.maxy - c.miny + 2 * MARGIN
    svg.set("viewBox", f"{_num(x)} {_num(y)} {_num(w)} {_num(h)}")
    svg.set("width", _num(math.ceil(w)))
    svg.set("height", _num(math.ceil(h)))
    drawn: str = etree.tostring(svg, encoding="unicode")
    return drawn
