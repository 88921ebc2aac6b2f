"""Link events: a link throw event jumps to one link catch event of its (sub)process level (BPMN 2.0.2 section
10.4.5, "Link"). The engine follows a link by its name; explicit source and target references, where a file
writes them, must say the same thing."""
from __future__ import annotations

from lxml import etree

from bpmn_runtime.errors import Problem
from bpmn_runtime.parser.namespaces import bpmn, local_name
from bpmn_runtime.parser.validation.catalogue import rule
from bpmn_runtime.parser.validation.document import Document, children

THROW, CATCH = "intermediateThrowEvent", "intermediateCatchEvent"


def problems(document: Document) -> list[Problem]:
    """Every rule of this module, link event by link event."""
    found: list[Problem] = []
    for event in document.root.iter(bpmn(THROW), bpmn(CATCH)):
        definitions = [d for d in document.event_definitions(event) if local_name(d.tag) == "linkEventDefinition"]
        if not definitions:
            continue
        found += flows_of_link(document, event)
        for definition in definitions:
            if local_name(event.tag) == THROW:
                found += one_target(document, event, definition) + same_level(document, event, definition)
                found += target_found_by_name(document, event, definition)
            else:
                found += some_source(document, event, definition)
            found += references_agree(document, event, definition)
    return found


def _name(definition: etree._Element) -> str:
    return (definition.get("name") or "").strip()


def _level_links(event: etree._Element, kind: str) -> list[tuple[etree._Element, etree._Element]]:
    """The link events of `kind` beside `event` (same process or subprocess), with their link definitions."""
    parent = event.getparent()
    if parent is None:
        return []
    return [(other, definition) for other in children(parent, kind)
            for definition in children(other, "linkEventDefinition")]


def _label(event: etree._Element, definition: etree._Element) -> str:
    return _name(definition) or event.get("name") or event.get("id") or ""


@rule("EXT.125")
def one_target(document: Document, event: etree._Element, definition: etree._Element) -> list[Problem]:
    """EXT.125: a link throw event leads to exactly one link catch event: the one its target names, or else the
    one link catch event of the same name on its level."""
    if children(definition, "target"):
        return []  # checked by EXT.118 and EXT.126
    name = _name(definition)
    targets = [other for other, candidate in _level_links(event, CATCH) if _name(candidate) == name]
    if len(targets) == 1 and name:
        return []
    return [document.problem(event, f"the link throw event '{_label(event, definition)}' needs exactly one link catch "
                                    f"event of that name in the same (sub)process, not {len(targets) if name else 0}")]


@rule("EXT.124")
def some_source(document: Document, event: etree._Element, definition: etree._Element) -> list[Problem]:
    """EXT.124: a link catch event is reached from at least one link throw event: one its sources name, or one of
    the same name on its level."""
    if children(definition, "source"):
        return []  # checked by EXT.118
    name = _name(definition)
    if name and any(_name(candidate) == name for _, candidate in _level_links(event, THROW)):
        return []
    return [document.problem(event, f"no link throw event named '{_label(event, definition)}' in the same "
                                    f"(sub)process leads to this link catch event")]


@rule("EXT.126")
def same_level(document: Document, event: etree._Element, definition: etree._Element) -> list[Problem]:
    """EXT.126: a link jumps only within its process level: the target is a link catch event of the same process
    or subprocess."""
    found = []
    for target in document.targets(definition, "target"):
        catch = target.getparent()
        if local_name(target.tag) == "linkEventDefinition" and catch is not None \
                and catch.getparent() is not event.getparent():
            found.append(document.problem(event, f"the link throw event leads to '{catch.get('id')}', which is in "
                                                 f"another (sub)process; a link jumps only within its own level"))
    return found


@rule("EXT.118")
def references_agree(document: Document, event: etree._Element, definition: etree._Element) -> list[Problem]:
    """EXT.118: the explicit ends of a link agree: a throw's target is a link catch definition that lists the throw
    among its sources, and each source of a catch is a link throw definition that targets it."""
    throws = local_name(event.tag) == THROW
    mine, theirs, kind = ("target", "source", CATCH) if throws else ("source", "target", THROW)
    found = []
    for other in document.targets(definition, mine):
        owner = other.getparent()
        if local_name(other.tag) != "linkEventDefinition" or owner is None or local_name(owner.tag) != kind:
            found.append(document.problem(event, f"the link's {mine} '{other.get('id')}' is not the link definition "
                                                 f"of a link {'catch' if throws else 'throw'} event"))
            continue
        if definition.get("id") not in document.named(other, theirs):
            found.append(document.problem(event, f"the link names '{other.get('id')}' as its {mine}, but that link "
                                                 f"does not name this one as its {theirs}"))
    return found


def target_found_by_name(document: Document, event: etree._Element, definition: etree._Element) -> list[Problem]:
    """The engine finds the link catch event a throw names as its target by that catch's name, so no other link
    catch event of the level has the same name."""
    found = []
    for target in document.targets(definition, "target"):
        catch = target.getparent()
        if catch is None or local_name(target.tag) != "linkEventDefinition":
            continue
        twins = [other for other, candidate in _level_links(catch, CATCH)
                 if other is not catch and _name(candidate) == _name(target)]
        if twins:
            found.append(document.problem(event, f"the link leads to '{catch.get('id')}', but another link catch "
                                                 f"event of its level has the same name '{_name(target)}'; give each "
                                                 f"link catch event its own name"))
    return found


@rule("EXT.117")
def flows_of_link(document: Document, event: etree._Element) -> list[Problem]:
    """EXT.117: a link event is one end of a jump: a link throw event has no outgoing sequence flow, a link catch
    event no incoming one."""
    if local_name(event.tag) == THROW and document.outgoing(event):
        return [document.problem(event, "a link throw event cannot have outgoing sequence flows")]
    if local_name(event.tag) == CATCH and document.incoming(event):
        return [document.problem(event, "a link catch event cannot have incoming sequence flows")]
    return []
