"""Data: what an activity or event takes and gives (ioSpecification, data inputs and outputs) matches the item
definitions of what it exchanges (BPMN 10.2.3, 10.2.5, 10.2.8, 10.4)."""
from __future__ import annotations

from lxml import etree

from bpmn_runtime.errors import Problem
from bpmn_runtime.parser.namespaces import bpmn, local_name
from bpmn_runtime.parser.reader import GLOBAL_TASKS
from bpmn_runtime.parser.validation.catalogue import rule
from bpmn_runtime.parser.validation.document import Document, same_structure, structure_of
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


@rule("EXT.020", "EXT.081")
def collection_problems(document: Document, node: etree._Element) -> list[Problem]:
    """EXT.020: a data object, data input, data output or property is a collection (isCollection) exactly when
    its item definition says so."""
    item = _item(document, node)
    if item is not None and node.get("isCollection", "false") != item.get("isCollection", "false"):
        return [document.problem(node, f"isCollection=\"{node.get('isCollection', 'false')}\" contradicts its "
                                       f"{_describe(item)}")]
    return []


def loop_item_problems(document: Document, loop: etree._Element) -> list[Problem]:
    """Both item rules of a multi-instance activity."""
    return loop_input_item(document, loop) + loop_output_item(document, loop)


@rule("EXT.070")
def loop_input_item(document: Document, loop: etree._Element) -> list[Problem]:
    """EXT.070: the item a multi-instance activity works on (inputDataItem) is one item of the collection it
    iterates (loopDataInputRef)."""
    return _loop_item(document, loop, "loopDataInputRef", "inputDataItem")


@rule("EXT.069")
def loop_output_item(document: Document, loop: etree._Element) -> list[Problem]:
    """EXT.069: the item each instance produces (outputDataItem) is one item of the collection it fills
    (loopDataOutputRef)."""
    return _loop_item(document, loop, "loopDataOutputRef", "outputDataItem")


def _loop_item(document: Document, loop: etree._Element, collection_ref: str, item_tag: str) -> list[Problem]:
    collection, single = document.target(loop, collection_ref), loop.find(bpmn(item_tag))
    collection_item, single_item = _item(document, collection), _item(document, single)
    if collection is None or single is None or collection_item is None or single_item is None:
        return []
    if structure_of(collection_item) != structure_of(single_item) \
            or single_item.get("isCollection") == "true":
        return [document.problem(single, f"the {item_tag} has {_describe(single_item)}, but the items of the "
                                         f"collection '{collection.get('id')}' are "
                                         f"{collection_item.get('structureRef') or 'undefined'}")]
    return []


@rule("EXT.079")
def subprocess_data_problems(document: Document, subprocess: etree._Element) -> list[Problem]:
    """EXT.079: a subprocess works on the data of the process around it and declares no data inputs and outputs of
    its own (ioSpecification)."""
    if subprocess.find(bpmn("ioSpecification")) is not None:
        return [document.problem(subprocess, "a subprocess cannot have its own data inputs and outputs "
                                             "(ioSpecification); it sees the data of the process around it")]
    return []


def task_message_problems(document: Document, task: etree._Element) -> list[Problem]:
    """Every rule on the data of a service, send or receive task (BPMN 10.2.3)."""
    tag = local_name(task.tag)
    if tag == "serviceTask":
        return [*service_input_set(document, task), *service_output_sets(document, task),
                *service_input_item(document, task), *service_output_item(document, task)]
    if tag == "sendTask":
        return [*send_input_sets(document, task), *send_inputs(document, task), *send_item(document, task)]
    return [*receive_output_sets(document, task), *receive_outputs(document, task), *receive_item(document, task)]


def _operation(document: Document, task: etree._Element) -> etree._Element | None:
    operation = document.target(task, "@operationRef")
    return operation if operation is not None and local_name(operation.tag) == "operation" else None


@rule("EXT.042")
def service_input_set(document: Document, task: etree._Element) -> list[Problem]:
    """EXT.042: a service task that calls an operation has exactly one input set."""
    if _operation(document, task) is not None and len(_io(task, "inputSet")) != 1:
        return [document.problem(task, f"a service task that calls an operation has exactly one inputSet, not "
                                       f"{len(_io(task, 'inputSet'))}")]
    return []


@rule("EXT.043")
def service_output_sets(document: Document, task: etree._Element) -> list[Problem]:
    """EXT.043: a service task that calls an operation has at most one output set."""
    if _operation(document, task) is not None and len(_io(task, "outputSet")) > 1:
        return [document.problem(task, "a service task that calls an operation has at most one outputSet")]
    return []


@rule("EXT.044")
def service_input_item(document: Document, task: etree._Element) -> list[Problem]:
    """EXT.044: the data input of a service task holds what the operation's input message carries."""
    operation = _operation(document, task)
    if operation is None:
        return []
    return _message_data_problems(document, task, _io(task, "dataInput"), document.target(operation, "inMessageRef"),
                                  "input")


@rule("EXT.045")
def service_output_item(document: Document, task: etree._Element) -> list[Problem]:
    """EXT.045: when the operation answers with a message, the data output of the service task holds what that
    message carries."""
    operation = _operation(document, task)
    if operation is None:
        return []
    return _message_data_problems(document, task, _io(task, "dataOutput"),
                                  document.target(operation, "outMessageRef"), "output")


@rule("EXT.046")
def send_input_sets(document: Document, task: etree._Element) -> list[Problem]:
    """EXT.046: a send task has at most one input set, for its message."""
    if len(_io(task, "inputSet")) > 1:
        return [document.problem(task, "a send task has at most one inputSet, for its message")]
    return []


@rule("EXT.047")
def send_inputs(document: Document, task: etree._Element) -> list[Problem]:
    """EXT.047: a send task has at most one data input: the message it sends."""
    if len(_io(task, "dataInput")) > 1:
        return [document.problem(task, "a send task has at most one data input, for its message")]
    return []


@rule("EXT.048")
def send_item(document: Document, task: etree._Element) -> list[Problem]:
    """EXT.048: the data input of a send task holds what its message carries."""
    data = _io(task, "dataInput")
    if len(data) != 1:
        return []
    return _message_data_problems(document, task, data, document.target(task, "@messageRef"), "input")


@rule("EXT.050")
def receive_output_sets(document: Document, task: etree._Element) -> list[Problem]:
    """EXT.050: a receive task has at most one output set, for its message."""
    if len(_io(task, "outputSet")) > 1:
        return [document.problem(task, "a receive task has at most one outputSet, for its message")]
    return []


@rule("EXT.051")
def receive_outputs(document: Document, task: etree._Element) -> list[Problem]:
    """EXT.051: a receive task has at most one data output: the message it receives."""
    if len(_io(task, "dataOutput")) > 1:
        return [document.problem(task, "a receive task has at most one data output, for its message")]
    return []


@rule("EXT.052")
def receive_item(document: Document, task: etree._Element) -> list[Problem]:
    """EXT.052: the data output of a receive task holds what its message carries."""
    data = _io(task, "dataOutput")
    if len(data) != 1:
        return []
    return _message_data_problems(document, task, data, document.target(task, "@messageRef"), "output")


@rule("EXT.063")
def called_data_problems(document: Document, call: etree._Element) -> list[Problem]:
    """EXT.063: a call activity passes exactly the data its called process or global task declares: the same
    data inputs and outputs, of the same item definitions (BPMN 10.2.5)."""
    called = document.target(call, "@calledElement")
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


@rule("EXT.094")
def event_data_problems(document: Document, event: etree._Element) -> list[Problem]:
    """EXT.094: a throw event's data inputs (a catch event's data outputs) hold what its event definitions carry,
    in the order of the definitions."""
    data = list(event.iterfind(bpmn("dataInput" if local_name(event.tag) in THROW_EVENTS else "dataOutput")))
    problems = []
    for node, definition in zip(data, document.event_definitions(event)):
        if local_name(definition.tag) not in CARRIED_BY:
            continue
        reference, attribute = CARRIED_BY[local_name(definition.tag)]
        thing = document.target(definition, f"@{reference}")
        carried = document.target(thing, f"@{attribute}")
        if thing is not None and carried is not None and not _same_item(_item(document, node), carried):
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
    return one is other or same_structure(one, other)


def _describe(item: etree._Element | None) -> str:
    """How messages name an item definition: its id, structure and collection-ness."""
    if item is None:
        return "no item definition"
    return f"item definition '{item.get('id')}' ({item.get('structureRef') or 'no structure'}" \
           f"{', a collection' if item.get('isCollection') == 'true' else ''})"


def _listed(document: Document, data: list[etree._Element]) -> str:
    """The item definitions of `data`, for a message that compares two lists."""
    return ", ".join(_describe(_item(document, node)) for node in data) or "none"
