"""Method calls and property reads on values, mapped from the Java classes Camunda 7 would hold.

Only the methods in these tables exist; any other name is a Java-only call, refused at deployment
(see refusals). Nothing here reads a Python attribute of a value or calls a Python method by name.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Set
from typing import Any

from bpmn_runtime.juel.coercion import describe, java_equals, to_double, to_integer, to_long, to_string
from bpmn_runtime.juel.dates import DATE_TIME_METHODS, DateTime
from bpmn_runtime.juel.errors import Failure
from bpmn_runtime.juel.execution import (
    EXECUTION_METHODS, PROPERTIES, TASK_METHODS, TASK_PROPERTIES, ExecutionAccess, TaskAccess,
)
from bpmn_runtime.juel.limits import Budget
from bpmn_runtime.juel.spin import SPIN_METHODS, SpinJson
from bpmn_runtime.juel.strings import STRING_METHODS

_Table = Mapping[str, tuple[tuple[int, ...], Callable[[Any, list[Any], Budget], Any]]]


def _map_get(mapping: Mapping[Any, Any], key: Any, budget: Budget) -> Any:
    """Map.get: a text key is looked up directly; other keys by Java's equals, so 1 never finds "1"."""
    if type(key) is str:
        return mapping.get(key)
    budget.charge(len(mapping))
    return next((value for candidate, value in mapping.items() if java_equals(candidate, key)), None)


def _contains_key(mapping: Mapping[Any, Any], key: Any, budget: Budget) -> bool:
    if type(key) is str:
        return key in mapping
    return _contains(mapping.keys(), key, budget)


def _contains(items: Any, wanted: Any, budget: Budget) -> bool:
    budget.charge(len(items))
    return any(java_equals(item, wanted) for item in items)


def _list_get(items: Any, arguments: list[Any], budget: Budget) -> Any:
    index = to_integer(arguments[0])
    if not 0 <= index < len(items):
        raise Failure(f"get({index}) is outside the list, which has {len(items)} items")
    return items[index]


def _list_index_of(items: Any, arguments: list[Any], budget: Budget) -> int:
    budget.charge(len(items))
    return next((index for index, item in enumerate(items) if java_equals(item, arguments[0])), -1)


_SIZED: _Table = {
    "size": ((0,), lambda items, arguments, budget: len(items)),
    "isEmpty": ((0,), lambda items, arguments, budget: len(items) == 0),
}
_LIST_METHODS: _Table = {
    **_SIZED,
    "get": ((1,), _list_get),
    "contains": ((1,), lambda items, arguments, budget: _contains(items, arguments[0], budget)),
    "indexOf": ((1,), _list_index_of),
}
_SET_METHODS: _Table = {
    **_SIZED,
    "contains": ((1,), lambda items, arguments, budget: _contains(items, arguments[0], budget)),
}
_MAP_METHODS: _Table = {
    **_SIZED,
    "get": ((1,), lambda mapping, arguments, budget: _map_get(mapping, arguments[0], budget)),
    "containsKey": ((1,), lambda mapping, arguments, budget: _contains_key(mapping, arguments[0], budget)),
    "containsValue": ((1,), lambda mapping, arguments, budget: _contains(mapping.values(), arguments[0], budget)),
    "keySet": ((0,), lambda mapping, arguments, budget: list(mapping.keys())),
    "values": ((0,), lambda mapping, arguments, budget: list(mapping.values())),
}
_NUMBER_METHODS: _Table = {
    "intValue": ((0,), lambda number, arguments, budget: to_integer(number)),
    "longValue": ((0,), lambda number, arguments, budget: to_long(number)),
    "doubleValue": ((0,), lambda number, arguments, budget: to_double(number)),
}
_COMMON_METHODS: _Table = {
    "equals": ((1,), lambda value, arguments, budget: java_equals(value, arguments[0])),
    "toString": ((0,), lambda value, arguments, budget: to_string(value, budget)),
}

METHOD_NAMES = frozenset().union(STRING_METHODS, _LIST_METHODS, _SET_METHODS, _MAP_METHODS, _NUMBER_METHODS,
                                 _COMMON_METHODS, DATE_TIME_METHODS, EXECUTION_METHODS, TASK_METHODS,
                                 SPIN_METHODS)


def _methods_of(value: Any) -> _Table:
    if type(value) is str:
        return STRING_METHODS
    if type(value) in (int, float):
        return _NUMBER_METHODS
    if isinstance(value, (list, tuple)):
        return _LIST_METHODS
    if isinstance(value, Mapping):
        return _MAP_METHODS
    if isinstance(value, Set):
        return _SET_METHODS
    if isinstance(value, DateTime):
        return DATE_TIME_METHODS
    if isinstance(value, SpinJson):
        return SPIN_METHODS
    if isinstance(value, TaskAccess):
        return TASK_METHODS
    if isinstance(value, ExecutionAccess):
        return EXECUTION_METHODS
    return {}


def call_method(receiver: Any, name: str, arguments: list[Any], budget: Budget) -> Any:
    """Call `receiver.name(arguments)`; the receiver is not null (the evaluator says so first)."""
    budget.charge(1)
    entry = _methods_of(receiver).get(name) or _COMMON_METHODS.get(name)
    if entry is None:
        raise Failure(f"{describe(receiver)} has no method '{name}'")
    arities, method = entry
    if len(arguments) not in arities:
        expected = " or ".join(map(str, arities))
        raise Failure(f"'{name}' takes {expected} argument{'' if arities == (1,) else 's'}, not {len(arguments)}")
    return method(receiver, arguments, budget)


def read_property(base: Any, key: Any, budget: Budget) -> Any:
    """`base.key` / `base[key]` as EL's resolvers read it: maps by key, lists by position (null when
    outside), the execution by its getters; base and key are not null."""
    budget.charge(1)
    if isinstance(base, Mapping):
        return _map_get(base, key, budget)
    if isinstance(base, (list, tuple)):
        try:
            index = to_integer(key)
        except Failure:
            raise Failure(f"a list is read by position, and {describe(key)} is not a whole number") from None
        return base[index] if 0 <= index < len(base) else None
    if isinstance(base, ExecutionAccess) and type(key) is str:
        getters = TASK_PROPERTIES if isinstance(base, TaskAccess) else PROPERTIES
        if key in getters:
            return getters[key](base, budget)
    if isinstance(base, (str, Set)) and key == "empty":  # the bean property of isEmpty()
        return len(base) == 0
    raise Failure(f"{describe(base)} has no property {repr(key) if type(key) is str else describe(key)}")
