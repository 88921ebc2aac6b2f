"""Data: what an activity or event takes and gives (ioSpecification, data inputs and outputs) matches the item
definitions of what it exchanges (BPMN 10.2.3, 10.2.5, 10.2.8, 10.4)."""
from __future__ import annotations

from lxml import etree

from bpmn_runtime.errors import Problem
from bpmn_runtime.parser.namespaces import bpmn, local_name
from bpmn_runtime.parser.reader import GLOBAL_TASKS
from bpmn_runtime.parser.validation.document import Document
from bpmn_runtime.parser.validation.shared import THROW_EVENTS

# The elements that hold data described by an item definition (BPMN ItemAwareElement).
ITEM_AWARE = frozenset({"dataObject", "dataObjectReference", "property", "dataStore", "dataStoreReference",
                        "dataInput", "dataOutput"})
# What an event definition carries: the reference to what is thrown, and that one's item definition.
CARRIED_BY = {
    "messageEventDefinition": ("messageRef", "itemRef"),
    "signalEventDefinition": ("signalRef", "structureRef"),
    "errorEventDefinition": ("errorRef", "structureRef"),
    "escalationEventDefinition": ("escalationRef", "structureRef"),
}


def collection_problems(document: Document, node: etree._Element) -> list[Problem]:
    """A data element is a collection exactly when its item definition says so."""
    item = _item(document, node)
    if item is not None and node.get("isCollection", "false") != item.get("isCollection", "false"):
        return [document.problem(node, f"isCollection=\"{node.get('isCollection', 'false')}\" contradicts its "
                                       f"{_describe(item)}")]
    return []


def loop_item_problems(document: Document, loop: etree._Element) -> list[Problem]:
    """The item a multi-instance activity works on is one of its collection's items (BPMN 10.2.8)."""
    problems = []
    for collection_ref, item_tag in (("loopDataInputRef", "inputDataItem"), ("loopDataOutputRef", "outputDataItem")):
        collection, single = document.target(loop, collection_ref), loop.find(bpmn(item_tag))
        collection_item, single_item = _item(document, collection), _item(document, single)
        if collection_item is not None and single_item is not None \
                and collection_item.get("structureRef") != single_item.get("structureRef"):
            problems.append(document.problem(single, f"the {item_tag} has {_describe(single_item)}, but the items "
                                                     f"of the collection '{collection.get('id')}' are "
                                                     f"{collection_item.get('structureRef') or 'undefined'}"))
    return problems


def subprocess_data_problems(document: Document, subprocess: etree._Element) -> list[Problem]:
    """A subprocess works on the data of the process around it and declares none of its own."""
    if subprocess.find(bpmn("ioSpecification")) is not None:
        return [document.problem(subprocess, "a subprocess cannot have its own data inputs and outputs "
                                             "(ioSpecification); it sees the data of the process around it")]
    return []


def task_message_problems(document: Document, task: etree._Element) -> list[Problem]:
    """The data of a service, send or receive task is the message it exchanges (BPMN 10.2.3)."""
    tag = local_name(task.tag)
    inputs, outputs = _io(task, "dataInput"), _io(task, "dataOutput")
    input_sets, output_sets = _io(task, "inputSet"), _io(task, "outputSet")
    if tag == "serviceTask":
        operation = document.target(task, "@operationRef")
        if operation is None or local_name(operation.tag) != "operation":
            return []
        problems = []
        if task.find(bpmn("ioSpecification")) is not None and (len(input_sets) != 1 or len(output_sets) > 1):
            problems.append(document.problem(task, "a service task has exactly one inputSet and at most one "
                                                   "outputSet"))
        problems += _message_data_problems(document, task, inputs, document.target(operation, "inMessageRef"),
                                           "input")
        problems += _message_data_problems(document, task, outputs, document.target(operation, "outMessageRef"),
                                           "output")
        return problems
    data, sets, what = (inputs, input_sets, "input") if tag == "sendTask" else (outputs, output_sets, "output")
    if len(sets) > 1 or len(data) > 1:
        return [document.problem(task, f"a {tag[:-4]} task has at most one {what}Set and one data {what}, for its "
                                       f"message")]
    if data:
        return _message_data_problems(document, task, data, document.target(task, "@messageRef"), what)
    return []


def called_data_problems(document: Document, call: etree._Element) -> list[Problem]:
    """A call activity passes exactly the data its called process or global task declares (BPMN 10.2.5)."""
    called = document.ids.get(call.get("calledElement", ""))
    if called is None or local_name(called.tag) not in {"process", *GLOBAL_TASKS}:
        return []
    problems = []
    for what in ("dataInput", "dataOutput"):
        mine, theirs = _io(call, what), _io(called, what)
        if len(mine) != len(theirs) or not all(_same_item(_item(document, a), _item(document, b))
                                               for a, b in zip(mine, theirs)):
            problems.append(document.problem(call, f"the call activity's {what}s ({_listed(document, mine)}) do not "
                                                   f"match those of the called '{called.get('id')}' "
                                                   f"({_listed(document, theirs)})"))
    return problems


def event_data_problems(document: Document, event: etree._Element) -> list[Problem]:
    """A throw event's data inputs (a catch event's data outputs) are what its event definitions carry."""
    data = list(event.iterfind(bpmn("dataInput" if local_name(event.tag) in THROW_EVENTS else "dataOutput")))
    definitions = [d for d in event if local_name(d.tag) in CARRIED_BY]
    definitions += [d for d in map(document.ids.get, document.named(event, "eventDefinitionRef"))
                    if d is not None and local_name(d.tag) in CARRIED_BY]
    problems = []
    for node, definition in zip(data, definitions):
        reference, attribute = CARRIED_BY[local_name(definition.tag)]
        thing = document.target(definition, f"@{reference}")
        carried = document.target(thing, f"@{attribute}")
        if carried is not None and not _same_item(_item(document, node), carried):
            problems.append(document.problem(node, f"the {local_name(node.tag)} has {_describe(_item(document, node))}"
                                                   f", but '{thing.get('id')}' carries {_describe(carried)}"))
    return problems


def _io(owner: etree._Element, tag: str) -> list[etree._Element]:
    """The `tag` children (dataInput, outputSet, ...) of `owner`'s ioSpecification."""
    spec = owner.find(bpmn("ioSpecification"))
    return list(spec.iterfind(bpmn(tag))) if spec is not None else []


def _message_data_problems(document: Document, owner: etree._Element, data: list[etree._Element],
                           message: etree._Element | None, what: str) -> list[Problem]:
    """The one data input (output) of a task that sends (receives) `message` holds what the message carries."""
    if message is None:
        return []
    if len(data) != 1:
        return [document.problem(owner, f"the activity needs exactly one data {what} for message "
                                        f"'{message.get('id')}', not {len(data)}")]
    if not _same_item(_item(document, data[0]), _item(document, message)):
        return [document.problem(data[0], f"the data {what} has {_describe(_item(document, data[0]))}, but message "
                                          f"'{message.get('id')}' carries {_describe(_item(document, message))}")]
    return []


def _item(document: Document, node: etree._Element | None) -> etree._Element | None:
    """The item definition that describes the data `node` holds or carries."""
    for where in ("@itemSubjectRef", "@itemRef", "@structureRef"):
        found = document.target(node, where)
        if found is not None:
            return found
    return None


def _same_item(one: etree._Element | None, other: etree._Element | None) -> bool:
    """Equivalent item definitions: the same one, or the same structure and collection-ness."""
    if one is None or other is None:
        return one is other
    return one is other or (one.get("structureRef") is not None
                            and one.get("structureRef") == other.get("structureRef")
                            and one.get("isCollection", "false") == other.get("isCollection", "false"))


def _describe(item: etree._Element | None) -> str:
    """How messages name an item definition: its id, structure and collection-ness."""
    if item is None:
        return "no item definition"
    return f"item definition '{item.get('id')}' ({item.get('structureRef') or 'no structure'}" \
           f"{', a collection' if item.get('isCollection') == 'true' else ''})"


def _listed(document: Document, data: list[etree._Element]) -> str:
    """The item definitions of `data`, for a message that compares two lists."""
    return ", ".join(_describe(_item(document, node)) for node in data) or "none"
