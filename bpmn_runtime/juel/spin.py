"""Camunda Spin's JSON reading in expressions: `S(json)` and `JSON(json)`, with the read-only calls models use
(`S(order).prop("customer").stringValue()`).

A Spin JSON node wraps a JSON variable (a map, list or value here) or JSON text, which it parses. Reading
follows Spin: `prop` of a missing property, or `stringValue()` of a node that is not a string, is an error;
`isNull()`, `hasProp(...)` and the `is...()` checks say what a node holds. A node that leaves an expression
becomes the plain value it wraps, as a JSON variable is stored here. Spin's writing calls (`prop(name, value)`,
`append`, `remove`) change a variable in place in Camunda 7 and are refused, as is `XML(...)`.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from bpmn_runtime.juel.coercion import JavaObject, describe
from bpmn_runtime.juel.errors import Failure
from bpmn_runtime.juel.limits import Budget

SPIN_FUNCTIONS = ("S", "JSON")  # XML(...) is refused: no XML is read here


class SpinJson(JavaObject):
    """A node of a JSON document, as Spin's SpinJsonNode reads it."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def java_text(self) -> str:
        return json.dumps(self.value, separators=(",", ":"), ensure_ascii=False, default=str)

    def java_equals(self, other: Any) -> bool:
        return isinstance(other, SpinJson) and other.value == self.value


def spin(value: Any, budget: Budget) -> SpinJson:
    """`S(value)`: a JSON variable as it is, or JSON text parsed (sized against the expression's budget)."""
    if isinstance(value, SpinJson):
        return value
    if type(value) is str:
        budget.string(len(value))
        try:
            return SpinJson(json.loads(value))
        except (ValueError, RecursionError) as error:
            raise Failure(f"S(...) cannot read the text as JSON: {error}") from None
    if value is None or isinstance(value, (Mapping, list, tuple, bool, int, float)):
        return SpinJson(list(value) if isinstance(value, tuple) else value)
    raise Failure(f"S(...) reads JSON text or a JSON variable, not {describe(value)}")


def _kind(value: Any) -> str:
    return "null" if value is None else "Boolean" if type(value) is bool else \
        "Number" if type(value) in (int, float) else "String" if type(value) is str else \
        "Array" if isinstance(value, list) else "Object"


def _typed(expected: str) -> Callable[[SpinJson, list[Any], Budget], Any]:
    def value_of(node: SpinJson, arguments: list[Any], budget: Budget) -> Any:
        if _kind(node.value) != expected:
            raise Failure(f"the JSON node holds {_kind(node.value)}, not {expected}")
        return node.value
    return value_of


def _name(arguments: list[Any]) -> str:
    (name,) = arguments
    if type(name) is not str:
        raise Failure("a JSON property name must be text")
    return name


def _prop(node: SpinJson, arguments: list[Any], budget: Budget) -> SpinJson:
    name = _name(arguments)
    if not isinstance(node.value, Mapping):
        raise Failure(f"the JSON node holds {_kind(node.value)}, which has no property '{name}'")
    if name not in node.value:
        raise Failure(f"the JSON object has no property '{name}'")
    return SpinJson(node.value[name])


def _elements(node: SpinJson, arguments: list[Any], budget: Budget) -> list[SpinJson]:
    if not isinstance(node.value, list):
        raise Failure(f"the JSON node holds {_kind(node.value)}, not Array")
    budget.charge(len(node.value))
    return [SpinJson(item) for item in node.value]


def _field_names(node: SpinJson, arguments: list[Any], budget: Budget) -> list[str]:
    if not isinstance(node.value, Mapping):
        raise Failure(f"the JSON node holds {_kind(node.value)}, not Object")
    budget.charge(len(node.value))
    return list(node.value)


def _is(*kinds: str) -> Callable[[SpinJson, list[Any], Budget], bool]:
    return lambda node, arguments, budget: _kind(node.value) in kinds


SPIN_METHODS: dict[str, tuple[tuple[int, ...], Callable[[SpinJson, list[Any], Budget], Any]]] = {
    "prop": ((1,), _prop),
    "hasProp": ((1,), lambda node, arguments, budget:
                isinstance(node.value, Mapping) and _name(arguments) in node.value),
    "stringValue": ((0,), _typed("String")),
    "numberValue": ((0,), _typed("Number")),
    "boolValue": ((0,), _typed("Boolean")),
    "value": ((0,), lambda node, arguments, budget: node.value),
    "elements": ((0,), _elements),
    "fieldNames": ((0,), _field_names),
    "isNull": ((0,), _is("null")),
    "isString": ((0,), _is("String")),
    "isNumber": ((0,), _is("Number")),
    "isBoolean": ((0,), _is("Boolean")),
    "isArray": ((0,), _is("Array")),
    "isObject": ((0,), _is("Object")),
    "isValue": ((0,), _is("String", "Number", "Boolean")),
}
