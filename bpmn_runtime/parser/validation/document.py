"""The BPMN document indexed by id, for the rules that look past the process graph at the XML itself."""
from __future__ import annotations

from lxml import etree

from bpmn_runtime.errors import Problem
from bpmn_runtime.parser.namespaces import BPMN, bpmn


class Document:
    """One BPMN document: its elements by id, and how to follow and report on its references."""

    def __init__(self, root: etree._Element, file: str) -> None:
        self.root = root
        self.file = file
        self.ids = {node.get("id"): node for node in root.iter(f"{{{BPMN}}}*") if node.get("id")}

    def problem(self, node: etree._Element, message: str) -> Problem:
        """A problem at `node`'s line, under the id of `node` or of its nearest ancestor that has one."""
        owner = node
        while owner is not None and not owner.get("id"):
            owner = owner.getparent()
        return Problem(self.file, node.sourceline or 0, owner.get("id", "") if owner is not None else "", message)

    def named(self, node: etree._Element | None, where: str) -> list[str]:
        """The ids `node` refers to by an attribute ("@name") or by child elements."""
        if node is None:
            return []
        if where.startswith("@"):
            value = node.get(where[1:])
            return [value.rpartition(":")[2]] if value else []
        return [(child.text or "").strip().rpartition(":")[2] for child in node.iterfind(bpmn(where))]

    def target(self, node: etree._Element | None, where: str) -> etree._Element | None:
        """The element the first reference of `node` at `where` names, if it is declared."""
        return next((self.ids.get(ref) for ref in self.named(node, where)), None)
