"""The BPMN document indexed by id, for the rules that look past the process graph at the XML itself.

References are QNames: `tns:Order` names the element with id `Order` in the document whose namespace the
prefix `tns` is bound to. A prefix bound to the namespace of an `<import>`ed BPMN file looks there; any other
prefix (the file's own target namespace, or none) looks in this file.
"""
from __future__ import annotations

import functools
import re
from typing import Mapping, cast

from lxml import etree

from bpmn_runtime.errors import Problem
from bpmn_runtime.parser.dialects import dialect_of
from bpmn_runtime.parser.namespaces import BPMN, bpmn, local_name, namespace

EVENT_DEFINITION_TAGS = frozenset({
    "messageEventDefinition", "timerEventDefinition", "signalEventDefinition", "errorEventDefinition",
    "escalationEventDefinition", "compensateEventDefinition", "terminateEventDefinition", "cancelEventDefinition",
    "conditionalEventDefinition", "linkEventDefinition",
})


def text_of(node: etree._Element) -> str:
    """The text inside `node`, its children's included."""
    return "".join(part for part in node.itertext() if isinstance(part, str))


def drawn_as(node: etree._Element) -> str:
    """An element as the modeler shows it: its kind, name and id ("the user task 'Approve' (approve)")."""
    name, ident = node.get("name"), node.get("id", "")
    kind = re.sub(r"(?<!^)([A-Z])", r" \1", local_name(node.tag)).lower()
    return f"the {kind} '{name}' ({ident})" if name else f"the {kind} {ident}"


def line_of(node: etree._Element) -> int:
    """The line `node` starts on (0 when unknown)."""
    return cast("int | None", node.sourceline) or 0


class Document:
    """One BPMN document: its elements by id, and how to follow and report on its references."""

    def __init__(self, root: etree._Element, file: str, imports: Mapping[str, list[Document]] | None = None) -> None:
        self.root = root
        self.file = file
        self.target_namespace = root.get("targetNamespace") or ""
        # The BPMN documents this one imports, by the namespace they were imported under.
        self.imports: Mapping[str, list[Document]] = imports or {}
        # The namespaces the file imports BPMN files under (loaded into `imports` when the files were found).
        self.imported_namespaces = {(node.get("namespace") or "").strip() for node in root.iterfind(bpmn("import"))
                                    if (node.get("importType") or "").strip() == BPMN}
        self.ids: dict[str, etree._Element] = {}
        for node in root.iter(f"{{{BPMN}}}*"):
            ident = node.get("id")
            if ident:
                self.ids.setdefault(ident, node)

    def problem(self, node: etree._Element, message: str) -> Problem:
        """A problem at `node`'s line, under the id of `node` or of its nearest ancestor that has one: a BPMN
        element's (an extension element's `id`, such as a SpiffWorkflow operator's, is no element of the model)."""
        owner: etree._Element | None = node
        while owner is not None and not (owner.get("id") and namespace(owner.tag) == BPMN):
            owner = owner.getparent()
        return Problem(self.file, line_of(node), owner.get("id", "") if owner is not None else "", message)

    # References

    def references(self, node: etree._Element | None, where: str) -> list[tuple[etree._Element, str]]:
        """The raw references `node` makes by an attribute ("@name") or by child elements, each with the element
        that carries it (whose namespace declarations give the reference its meaning)."""
        if node is None:
            return []
        if where.startswith("@"):
            value = (node.get(where[1:]) or "").strip()
            return [(node, value)] if value else []
        return [(child, (child.text or "").strip()) for child in node.iterfind(bpmn(where))]

    def resolve(self, carrier: etree._Element, value: str) -> etree._Element | None:
        """The element a QName reference names, here or in an imported BPMN file (None when nothing is there)."""
        prefix, _, local = value.strip().rpartition(":")
        namespace = carrier.nsmap.get(prefix) if prefix else None
        if namespace and namespace != self.target_namespace and namespace in self.imported_namespaces:
            return next((found for document in self.imports.get(namespace, [])
                         if (found := document.ids.get(local)) is not None), None)
        return self.ids.get(local)

    def import_of(self, carrier: etree._Element, value: str) -> str | None:
        """The imported namespace the reference's prefix stands for (None for a reference into this file)."""
        prefix = value.strip().rpartition(":")[0]
        namespace = carrier.nsmap.get(prefix) if prefix else None
        if namespace and namespace != self.target_namespace and namespace in self.imported_namespaces:
            return str(namespace)
        return None

    def is_imported(self, carrier: etree._Element, value: str) -> bool:
        """True when the reference's prefix is bound to the namespace of an imported BPMN file."""
        return self.import_of(carrier, value) is not None

    def import_missing(self, carrier: etree._Element, value: str) -> bool:
        """True when the reference names an imported file that could not be loaded (EXT.001 says why)."""
        namespace = self.import_of(carrier, value)
        return namespace is not None and namespace not in self.imports

    def named(self, node: etree._Element | None, where: str) -> list[str]:
        """The ids `node` refers to by an attribute ("@name") or by child elements (without their prefix)."""
        return [value.rpartition(":")[2] for _, value in self.references(node, where)]

    def target(self, node: etree._Element | None, where: str) -> etree._Element | None:
        """The element the first reference of `node` at `where` names, if it is declared."""
        return next((self.resolve(carrier, value) for carrier, value in self.references(node, where)), None)

    def targets(self, node: etree._Element | None, where: str) -> list[etree._Element]:
        """Every declared element `node` refers to at `where`."""
        return [found for carrier, value in self.references(node, where)
                if (found := self.resolve(carrier, value)) is not None]

    # Sequence flows

    @functools.cached_property
    def sequence_flows(self) -> list[etree._Element]:
        return list(self.root.iter(bpmn("sequenceFlow")))

    @functools.cached_property
    def _flow_ends(self) -> tuple[dict[str, list[etree._Element]], dict[str, list[etree._Element]]]:
        incoming: dict[str, list[etree._Element]] = {}
        outgoing: dict[str, list[etree._Element]] = {}
        for flow in self.sequence_flows:
            outgoing.setdefault((flow.get("sourceRef") or "").strip(), []).append(flow)
            incoming.setdefault((flow.get("targetRef") or "").strip(), []).append(flow)
        return incoming, outgoing

    def incoming(self, node: etree._Element) -> list[etree._Element]:
        """The sequence flows whose targetRef is `node`."""
        return self._flow_ends[0].get(node.get("id", ""), [])

    def outgoing(self, node: etree._Element) -> list[etree._Element]:
        """The sequence flows whose sourceRef is `node`."""
        return self._flow_ends[1].get(node.get("id", ""), [])

    @functools.cached_property
    def message_flows(self) -> list[etree._Element]:
        return list(self.root.iter(bpmn("messageFlow")))

    # What surrounds an element

    @staticmethod
    def process_of(node: etree._Element) -> etree._Element | None:
        """The process `node` belongs to (itself when it is one)."""
        if local_name(node.tag) == "process":
            return node
        return next(node.iterancestors(bpmn("process")), None)

    def executable(self, node: etree._Element) -> bool:
        """True when `node` is part of a process the engine would run (isExecutable is not "false")."""
        process = self.process_of(node)
        return process is not None and (process.get("isExecutable") or "true").strip().lower() != "false"

    @functools.cached_property
    def dialect(self) -> str | None:
        """The engine the file was made for (see `parser.dialects`); None for a plain BPMN 2.0 file."""
        return dialect_of(self.root)

    def event_definitions(self, event: etree._Element) -> list[etree._Element]:
        """The event definitions of an event: its own, then those it refers to with eventDefinitionRef."""
        own = [child for child in event if local_name(child.tag) in EVENT_DEFINITION_TAGS]
        return own + [found for found in self.targets(event, "eventDefinitionRef")
                      if local_name(found.tag) in EVENT_DEFINITION_TAGS]

    def definition_kinds(self, event: etree._Element) -> list[str]:
        """The kinds of the event's definitions ("message", "timer", ...), own and referred to."""
        return [local_name(definition.tag)[:-len("EventDefinition")] for definition in self.event_definitions(event)]


def children(node: etree._Element, *tags: str) -> list[etree._Element]:
    """The BPMN children of `node` with one of `tags` (every BPMN child when no tag is given)."""
    return [child for child in node if isinstance(child.tag, str) and child.tag.startswith(f"{{{BPMN}}}")
            and (not tags or local_name(child.tag) in tags)]


def structure_of(item: etree._Element) -> tuple[str | None, str] | None:
    """What an item definition holds: its structureRef as a qualified name (the namespace its prefix stands for,
    or the prefix when it is not declared, and the local name), so that `xsd:string` and `xs:string` are one
    type; None when it does not say."""
    value = (item.get("structureRef") or "").strip()
    if not value:
        return None
    prefix, _, local = value.rpartition(":")
    return item.nsmap.get(prefix or None, prefix or None), local


def same_structure(one: etree._Element, other: etree._Element) -> bool:
    """Two item definitions that say what they hold say the same: one type, both collections or neither."""
    return structure_of(one) is not None and structure_of(one) == structure_of(other) and \
        (one.get("isCollection") or "false") == (other.get("isCollection") or "false")
