"""Data inputs, outputs, their sets and the associations that fill them (BPMN 2.0.2 sections 10.4.1-10.4.4):
every input belongs to an input set, the sets agree with each other, an association copies between items of one
kind, and a callable element exposed as a service binds its data to the operations it offers."""
from __future__ import annotations

from lxml import etree

from bpmn_runtime.errors import Problem
from bpmn_runtime.parser.namespaces import BPMN, bpmn, local_name
from bpmn_runtime.parser.reader import GLOBAL_TASKS
from bpmn_runtime.parser.validation.catalogue import rule
from bpmn_runtime.parser.validation.document import Document, children, same_structure, structure_of
from bpmn_runtime.parser.validation.shared import THROW_EVENTS

CALLABLE = frozenset({"process", *GLOBAL_TASKS})
ASSOCIATIONS = ("dataInputAssociation", "dataOutputAssociation")


def problems(document: Document) -> list[Problem]:
    """Every rule of this module, element by element."""
    found: list[Problem] = []
    for node in document.root.iter(f"{{{BPMN}}}*"):
        tag = local_name(node.tag)
        if tag == "dataInput":
            found += input_in_a_set(document, node)
        elif tag == "dataOutput":
            found += output_in_a_set(document, node)
        elif tag == "inputSet":
            found += optional_inputs(document, node) + while_executing_inputs(document, node)
            found += paired_sets(document, node)
        elif tag == "outputSet":
            found += optional_outputs(document, node) + while_executing_outputs(document, node)
            found += paired_sets(document, node)
        elif tag in ASSOCIATIONS:
            found += association_direction(document, node) + one_source(document, node)
            found += association_items(document, node)
        elif tag in CALLABLE:
            found += service_binding(document, node) + binding_items(document, node)
        elif tag == "multiInstanceLoopCharacteristics":
            found += loop_input_is_task_input(document, node)
        elif tag in ("startEvent", "intermediateCatchEvent", "boundaryEvent", *THROW_EVENTS):
            found += event_data_count(document, node)
    return found


def _holder(node: etree._Element) -> etree._Element | None:
    """The ioSpecification (or throw/catch event) a data input or output is declared in."""
    return node.getparent()


def _set_refs(owner: etree._Element | None, set_tag: str, ref_tag: str) -> list[str]:
    if owner is None:
        return []
    return [(ref.text or "").strip().rpartition(":")[2]
            for data_set in children(owner, set_tag) for ref in children(data_set, ref_tag)]


@rule("EXT.084")
def input_in_a_set(document: Document, data: etree._Element) -> list[Problem]:
    """EXT.084: every data input of an ioSpecification (or of a throw event that has an input set) is listed by at
    least one input set."""
    holder = _holder(data)
    if holder is None or (local_name(holder.tag) != "ioSpecification" and not children(holder, "inputSet")):
        return []
    if data.get("id") in _set_refs(holder, "inputSet", "dataInputRefs"):
        return []
    return [document.problem(data, f"the data input '{data.get('name') or data.get('id')}' is in no input set; "
                                   f"list it in the dataInputRefs of an input set")]


@rule("EXT.088")
def output_in_a_set(document: Document, data: etree._Element) -> list[Problem]:
    """EXT.088: every data output of an ioSpecification (or of a catch event that has an output set) is listed by
    at least one output set."""
    holder = _holder(data)
    if holder is None or (local_name(holder.tag) != "ioSpecification" and not children(holder, "outputSet")):
        return []
    if data.get("id") in _set_refs(holder, "outputSet", "dataOutputRefs"):
        return []
    return [document.problem(data, f"the data output '{data.get('name') or data.get('id')}' is in no output set; "
                                   f"list it in the dataOutputRefs of an output set")]


def _subset(document: Document, data_set: etree._Element, listed: str, part: str, what: str) -> list[Problem]:
    members = {value.rpartition(":")[2] for _, value in document.references(data_set, listed)}
    return [document.problem(data_set, f"the {what} '{value}' is not among the set's {listed}; list it there too")
            for _, value in document.references(data_set, part) if value.rpartition(":")[2] not in members]


@rule("EXT.085")
def optional_inputs(document: Document, data_set: etree._Element) -> list[Problem]:
    """EXT.085: an optional input of an input set is one of the set's data inputs."""
    return _subset(document, data_set, "dataInputRefs", "optionalInputRefs", "optional input")


@rule("EXT.086")
def while_executing_inputs(document: Document, data_set: etree._Element) -> list[Problem]:
    """EXT.086: an input an input set reads while the activity runs is one of the set's data inputs."""
    return _subset(document, data_set, "dataInputRefs", "whileExecutingInputRefs", "while-executing input")


@rule("EXT.089")
def optional_outputs(document: Document, data_set: etree._Element) -> list[Problem]:
    """EXT.089: an optional output of an output set is one of the set's data outputs."""
    return _subset(document, data_set, "dataOutputRefs", "optionalOutputRefs", "optional output")


@rule("EXT.090")
def while_executing_outputs(document: Document, data_set: etree._Element) -> list[Problem]:
    """EXT.090: an output an output set writes while the activity runs is one of the set's data outputs."""
    return _subset(document, data_set, "dataOutputRefs", "whileExecutingOutputRefs", "while-executing output")


@rule("EXT.087")
def paired_sets(document: Document, data_set: etree._Element) -> list[Problem]:
    """EXT.087: an input set and an output set that name each other do so both ways (outputSetRefs of the one,
    inputSetRefs of the other)."""
    mine, theirs = ("outputSetRefs", "inputSetRefs") if local_name(data_set.tag) == "inputSet" \
        else ("inputSetRefs", "outputSetRefs")
    found = []
    for other in document.targets(data_set, mine):
        if data_set.get("id") not in document.named(other, theirs):
            found.append(document.problem(data_set, f"the set names '{other.get('id')}' in its {mine}, but "
                                                    f"'{other.get('id')}' does not name it back in its {theirs}"))
    return found


@rule("EXT.082")
def association_direction(document: Document, association: etree._Element) -> list[Problem]:
    """EXT.082: data flows from inputs and into outputs: a data input association never reads a data output, and
    a data output association never writes a data input."""
    reads_input = local_name(association.tag) == "dataInputAssociation"
    where, wrong = ("sourceRef", "dataOutput") if reads_input else ("targetRef", "dataInput")
    advice = "read data objects, properties or data inputs" if reads_input else \
        "write data objects, properties or data outputs"
    what = "reads the data output" if reads_input else "writes the data input"
    return [document.problem(association, f"the data association {what} '{found.get('id')}'; {advice} instead")
            for found in document.targets(association, where) if local_name(found.tag) == wrong]


@rule("EXT.092")
def one_source(document: Document, association: etree._Element) -> list[Problem]:
    """EXT.092: a data association without a transformation copies from a single source."""
    if association.find(bpmn("transformation")) is None and len(children(association, "sourceRef")) > 1:
        return [document.problem(association, "the data association has several sources but no transformation to "
                                              "combine them; keep one source or add a transformation")]
    return []


def item_of(document: Document, node: etree._Element | None) -> etree._Element | None:
    """The item definition of an item-aware element (through its data object or data store reference)."""
    if node is None:
        return None
    tag = local_name(node.tag)
    if tag == "dataObjectReference" and node.get("itemSubjectRef") is None:
        node = document.target(node, "@dataObjectRef")
    elif tag == "dataStoreReference" and node.get("itemSubjectRef") is None:
        node = document.target(node, "@dataStoreRef")
    return document.target(node, "@itemSubjectRef")


def same_kind(one: etree._Element | None, other: etree._Element | None) -> bool:
    """False only when both item definitions say what they hold and say different things."""
    if one is None or other is None or one is other:
        return True
    if structure_of(one) is None or structure_of(other) is None:
        return True
    return same_structure(one, other)


def _describe(item: etree._Element) -> str:
    collection = ", a collection" if item.get("isCollection") == "true" else ""
    return f"'{item.get('id')}' ({item.get('structureRef')}{collection})"


@rule("EXT.091")
def association_items(document: Document, association: etree._Element) -> list[Problem]:
    """EXT.091: a data association without a transformation (or assignments) copies between items of the same
    item definition."""
    if association.find(bpmn("transformation")) is not None or association.find(bpmn("assignment")) is not None:
        return []
    sources, target = document.targets(association, "sourceRef"), document.target(association, "targetRef")
    target_item = item_of(document, target)
    found = []
    for source in sources:
        source_item = item_of(document, source)
        if not same_kind(source_item, target_item) and source_item is not None and target_item is not None:
            found.append(document.problem(association, f"the data association copies '{source.get('id')}', of "
                                                       f"item definition {_describe(source_item)}, into "
                                                       f"'{target.get('id') if target is not None else ''}', of "
                                                       f"{_describe(target_item)}; add a transformation or use "
                                                       f"items of one kind"))
    return found


@rule("EXT.064")
def service_binding(document: Document, callable_element: etree._Element) -> list[Problem]:
    """EXT.064: a process or global task offered as a service (supportedInterfaceRef) binds its data to the
    operations with at least one ioBinding."""
    if children(callable_element, "supportedInterfaceRef") and not children(callable_element, "ioBinding"):
        return [document.problem(callable_element, "it is offered as a service (supportedInterfaceRef) but binds no "
                                                   "data to the service's operations; add an ioBinding")]
    return []


@rule("EXT.065")
def binding_items(document: Document, callable_element: etree._Element) -> list[Problem]:
    """EXT.065: an ioBinding binds one of the element's own data inputs and outputs to an operation of an
    interface it supports, with the items of the operation's messages."""
    spec = callable_element.find(bpmn("ioSpecification"))
    own_inputs = set(map(id, children(spec, "dataInput"))) if spec is not None else set()
    own_outputs = set(map(id, children(spec, "dataOutput"))) if spec is not None else set()
    interfaces = document.targets(callable_element, "supportedInterfaceRef")
    found = []
    for binding in children(callable_element, "ioBinding"):
        operation = document.target(binding, "@operationRef")
        if operation is None:
            continue
        if interfaces and operation.getparent() not in interfaces:
            found.append(document.problem(binding, f"the ioBinding binds operation '{operation.get('id')}', which "
                                                   f"is not an operation of an interface the element supports"))
        for where, own, message_ref, what in (("@inputDataRef", own_inputs, "inMessageRef", "input"),
                                              ("@outputDataRef", own_outputs, "outMessageRef", "output")):
            data = document.target(binding, where)
            if data is None:
                continue
            if id(data) not in own:
                found.append(document.problem(binding, f"the ioBinding binds '{data.get('id')}', which is not a "
                                                       f"data {what} of this element's ioSpecification"))
                continue
            message = document.target(operation, message_ref)
            data_item, message_item = item_of(document, data), document.target(message, "@itemRef")
            if message is None or not same_kind(data_item, message_item) or (data_item is None) != (
                    message_item is None):
                carried = _describe(message_item) if message_item is not None else "nothing"
                found.append(document.problem(binding, f"the ioBinding binds the data {what} '{data.get('id')}' "
                                                       f"to operation '{operation.get('id')}', whose {what} message "
                                                       f"carries {carried}; bind data of the message's item"))
    return found


@rule("EXT.068")
def loop_input_is_task_input(document: Document, loop: etree._Element) -> list[Problem]:
    """EXT.068: in an executable process, the collection a multi-instance task iterates (loopDataInputRef) is one
    of the task's own data inputs."""
    activity = loop.getparent()
    if activity is None or local_name(activity.tag) in ("subProcess", "transaction", "adHocSubProcess") \
            or not document.executable(loop):
        return []
    found = []
    spec = activity.find(bpmn("ioSpecification"))
    own = set(map(id, children(spec, "dataInput"))) if spec is not None else set()
    for carrier, value in document.references(loop, "loopDataInputRef"):
        target = document.resolve(carrier, value)
        if target is not None and id(target) not in own:
            found.append(document.problem(loop, f"the multi-instance task iterates '{value}', which is not a data "
                                                f"input of the task; declare the collection as a data input of the "
                                                f"task's ioSpecification and name that"))
    return found


@rule("EXT.093")
def event_data_count(document: Document, event: etree._Element) -> list[Problem]:
    """EXT.093: an event that declares data inputs (a throw event) or data outputs (a catch event) declares one
    for each of its event definitions."""
    throws = local_name(event.tag) in THROW_EVENTS
    data = children(event, "dataInput" if throws else "dataOutput")
    definitions = document.event_definitions(event)
    if not data or len(data) == len(definitions):
        return []
    what = "data inputs" if throws else "data outputs"
    return [document.problem(event, f"the event has {len(data)} {what} for {len(definitions)} event "
                                    f"definition{'s' if len(definitions) != 1 else ''}; declare one for each "
                                    f"event definition, in the same order")]
