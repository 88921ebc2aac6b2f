"""What is refused at deployment: valid EL that only Camunda 7's Java engine can run.

A method outside the tables of `methods` is a call into Java code (a Spring bean, a Java object);
`XML()` is Camunda Spin's XML reading (its JSON reading, `S()` and `JSON()`, runs: see `spin`);
`execution.setVariable(...)` and the like change the instance, while expressions here only read. Each refusal names the call and where it stands.
"""
from __future__ import annotations

from collections.abc import Iterator

from bpmn_runtime.juel.dates import FUNCTIONS
from bpmn_runtime.juel.errors import JuelUnsupportedError
from bpmn_runtime.juel.execution import EXECUTION_METHODS, MUTATING_PREFIXES, PROPERTIES
from bpmn_runtime.juel.methods import METHOD_NAMES
from bpmn_runtime.juel.spin import SPIN_FUNCTIONS
from bpmn_runtime.juel.syntax import (
    Access, Bracket, Chain, Choice, Dot, Eval, Expression, FunctionCall, Identifier, Literal, Logical, Part, Unary,
)

_IDENTITY = ("currentUser", "currentUserGroups")
_CAMUNDA_OBJECTS = ("execution", "task")  # what Camunda 7 puts beside the variables


def refuse_unsupported(text: str, parts: tuple[Part, ...]) -> None:
    """Raise JuelUnsupportedError for the first call in `text` that cannot run here."""
    nodes = list(_nodes(parts))
    for node in nodes:  # functions first: in S(json).prop("x") the reason is Spin, not the method
        if isinstance(node, FunctionCall):
            _check_function(text, node)
    for node in nodes:
        if isinstance(node, Access):
            _check_methods(text, node)


def _nodes(parts: tuple[Part, ...]) -> Iterator[Expression]:
    """Every expression node, in text order; iterative, as deep trees are allowed up to the parser's limit."""
    pending: list[Expression] = [part.expression for part in reversed(parts) if isinstance(part, Eval)]
    while pending:
        node = pending.pop()
        yield node
        children: list[Expression] = []
        if isinstance(node, FunctionCall):
            children = list(node.arguments)
        elif isinstance(node, Access):
            children = [node.base]
            for member in node.members:
                if isinstance(member, Bracket):
                    children.append(member.key)
                children.extend(member.arguments or ())
        elif isinstance(node, Unary):
            children = [node.operand]
        elif isinstance(node, Chain):
            children = [node.first, *(operand for _, _, operand in node.rest)]
        elif isinstance(node, Logical):
            children = list(node.operands)
        elif isinstance(node, Choice):
            children = [node.condition, node.then, node.otherwise]
        pending.extend(reversed(children))


def _check_function(text: str, call: FunctionCall) -> None:
    name = call.name
    if name in FUNCTIONS:
        if call.arguments:
            raise JuelUnsupportedError(text, f"{name}() takes no arguments", call.offset)
        return
    if name in SPIN_FUNCTIONS:
        if len(call.arguments) != 1:
            raise JuelUnsupportedError(text, f"{name}(...) takes one argument, the JSON to read", call.offset)
        return
    if name == "XML":
        reason = ("'XML(...)' is Camunda Spin's XML reading, which this engine does not have (it reads JSON "
                  "with S(...)); read the values in a task with a handler instead")
    elif name in _IDENTITY:
        reason = (f"'{name}()' reads who is logged in to Camunda 7's web apps, which this engine does not "
                  f"pass to expressions; pass the user in a variable instead")
    else:
        reason = (f"'{name}(...)' calls a function that Camunda 7 does not define; "
                  f"only {', '.join(f'{known}()' for known in FUNCTIONS)} and Spin's "
                  f"{' and '.join(f'{known}(...)' for known in SPIN_FUNCTIONS)} can be called")
    raise JuelUnsupportedError(text, reason, call.offset)


def _check_methods(text: str, access: Access) -> None:
    base = access.base.name if isinstance(access.base, Identifier) else None
    for position, member in enumerate(access.members):
        if position == 0 and base == "execution" and isinstance(member, Dot) and member.arguments is None \
                and member.name not in PROPERTIES:
            raise JuelUnsupportedError(text, f"'execution.{member.name}': the execution offers only the properties "
                                             f"{', '.join(sorted(PROPERTIES))} here", access.offset)
        if member.arguments is None:
            continue
        if isinstance(member, Bracket):
            if not (isinstance(member.key, Literal) and type(member.key.value) is str):
                raise JuelUnsupportedError(text, "a method named by a computed value (x[name](...)) cannot be "
                                                 "checked before it runs, so it is refused", member.offset)
            name = member.key.value
        else:
            name = member.name
        before = text[access.offset:member.offset].rstrip(" \t\r\n.[")
        called = f"'{before}.{name}(...)'"
        if name == "prop" and len(member.arguments) != 1:
            raise JuelUnsupportedError(text, f"{called} with a value would change a JSON variable, and expressions "
                                             f"only read here; set the variable with a script task", access.offset)
        on_camunda_object = position == 0 and base in _CAMUNDA_OBJECTS
        if on_camunda_object and name.startswith(MUTATING_PREFIXES):
            raise JuelUnsupportedError(text, f"{called} would change the process instance, and expressions only "
                                             f"read; set variables with an output mapping or a script task",
                                       access.offset)
        if on_camunda_object and base == "execution" and name not in EXECUTION_METHODS:
            raise JuelUnsupportedError(text, f"{called}: the execution offers only "
                                             f"{', '.join(sorted(EXECUTION_METHODS))} here", access.offset)
        if name not in METHOD_NAMES:
            raise JuelUnsupportedError(text, f"{called} calls the Java method '{name}', which only runs in "
                                             f"Camunda 7's Java engine; use a service task with a handler instead",
                                       access.offset)
