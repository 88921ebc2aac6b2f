"""A faster form of simple expressions: comparisons, `and`/`or`, arithmetic and paths over JSON variables.

Most BPMN conditions are of this shape (`= amount > 1000 and status = "open"`). Such an expression
cannot loop, call or recurse, so it needs no budget, and when no notes are asked for it needs no
evaluation state: these closures read the JSON variables directly and share the operators of the
general form, so both forms give the same values. Anything else gets no fast form.
"""
from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from lark import Token, Tree

from bpmn_runtime.feel import operators
from bpmn_runtime.feel.builtins import BUILTINS
from bpmn_runtime.feel.compiler import (
    ARITHMETIC,
    FAST_COMPARISONS,
    SIMPLE,
    SIMPLE_ORDERED,
    comparator,
    logical,
    member_of,
    parts,
)
from bpmn_runtime.feel.functions import NullResult
from bpmn_runtime.feel.numbers import number
from bpmn_runtime.feel.scope import Budget, JsonScope, State
from bpmn_runtime.feel.values import EXACT_LIMIT, to_feel

Fast = Callable[[Mapping[str, Any]], Any]
# The operators take an Env for notes and steps: this one keeps no notes and has no step limit (the
# expressions given a fast form take no steps); only its counter is shared, and never read.
_QUIET = State(JsonScope({}), Budget(steps=2**62), None, None)
_LITERALS = {"TRUE": True, "FALSE": False, "NULL": None}


def fast_form(tree: Any) -> Fast | None:
    """The fast closure of a parse tree, or None when the expression is not simple enough."""
    try:
        return _build(tree.children[0])
    except _NotSimple:
        return None


class _NotSimple(Exception):
    pass


def _converted(value: Any) -> Any:
    """A JSON value as FEEL sees it (to_feel, with the common scalars first)."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return value
    if kind is int and -EXACT_LIMIT < value < EXACT_LIMIT:
        return Decimal(value)
    return to_feel(value)


def _variable(name: str) -> Fast:
    return lambda variables: _converted(variables.get(name))


def _variable_path(name: str, keys: list[str]) -> Fast:
    """`order.customer.city` read in the JSON itself, converting only what it reaches."""

    def read(variables: Mapping[str, Any]) -> Any:
        value = variables.get(name)
        for index, key in enumerate(keys):
            if type(value) is not dict:  # a list, a value without entries: the general rules decide
                value = _converted(value)
                for rest in keys[index:]:
                    value = member_of(_QUIET, value, rest)
                return value
            value = value.get(key)
        return _converted(value)

    return read


def _variable_against_constant(name: str, kind: str, constant: Any) -> Fast:
    """`amount > 1000`, `status = "open"`: a JSON int compares exactly with a Decimal, a str with a str."""
    decide = comparator(kind)
    constant_type = type(constant)
    fast = FAST_COMPARISONS.get(kind) if constant_type in SIMPLE_ORDERED else None
    if constant_type in SIMPLE and kind in ("EQUAL", "NOTEQUAL"):
        fast = operator.eq if kind == "EQUAL" else operator.ne
    raw_type = int if constant_type is Decimal else constant_type  # never bool for a number: type() is exact
    raw_constant = constant
    if constant_type is Decimal and constant == constant.to_integral_value() and abs(constant) < EXACT_LIMIT:
        raw_constant = int(constant)  # int against int: exact, and faster than against a Decimal

    def check(variables: Mapping[str, Any]) -> Any:
        value = variables.get(name)
        if fast is not None and type(value) is raw_type:
            return fast(value, raw_constant)
        return decide(_QUIET, _converted(value), constant)

    return check


def _build(node: Any) -> Fast:
    if isinstance(node, Token):
        if node.type == "NAME" and node.value not in BUILTINS:
            return _variable(node.value)
        raise _NotSimple
    kind = node.data
    if kind == "literal":
        value = _literal(node)
        return lambda variables: value
    if kind in ("name", "primary"):
        return _build(parts(node)[0])
    if kind in ("conjunction", "disjunction"):
        left, right = (_build(part) for part in parts(node))
        return logical(left, right, decisive=kind == "disjunction")
    if kind == "comparison":
        left_node, symbol, right_node = node.children
        name, constant = _plain_name(left_node), _literal(right_node)
        if name is not None and constant is not _NOT_LITERAL:
            return _variable_against_constant(name, symbol.type, constant)
        return _compared(_build(left_node), comparator(symbol.type), _build(right_node))
    if kind == "arithmetic":
        left_node, symbol, right_node = node.children
        return _computed(_build(left_node), ARITHMETIC[symbol.type], _build(right_node))
    if kind == "negation":
        operand = _build(node.children[1])
        return _computed(operand, lambda value, _: operators.negate(value), lambda variables: None)
    if kind == "path":
        keys: list[str] = []
        root = node
        while isinstance(root, Tree) and root.data == "path":
            root, member = parts(root)
            keys.insert(0, str(member))
        name = _plain_name(root)
        if name is not None:
            return _variable_path(name, keys)
        owner_node, member = parts(node)
        owner, name = _build(owner_node), str(member)
        return lambda variables: member_of(_QUIET, owner(variables), name)
    raise _NotSimple


_NOT_LITERAL = object()


def _literal(node: Any) -> Any:
    """The value of a literal node, or _NOT_LITERAL."""
    if not isinstance(node, Tree) or node.data != "literal":
        return _NOT_LITERAL
    token = node.children[0]
    if not isinstance(token, Token):
        return _NOT_LITERAL
    if token.type == "NUMBER":
        return number(token.value)
    return token.value if token.type == "STRING" else _LITERALS[token.type]


def _plain_name(node: Any) -> str | None:
    """The variable a `name` node reads, unless it could be a built-in function."""
    if isinstance(node, Tree) and node.data == "name" and str(node.children[0]) not in BUILTINS:
        return str(node.children[0])
    return None


def _compared(left: Fast, decide: Callable[[Any, Any, Any], Any], right: Fast) -> Fast:
    return lambda variables: decide(_QUIET, left(variables), right(variables))


def _computed(left: Fast, apply: Callable[[Any, Any], Any], right: Fast) -> Fast:
    def run(variables: Mapping[str, Any]) -> Any:
        try:
            result = apply(left(variables), right(variables))
        except NullResult:
            return None
        if type(result) is str:
            _QUIET.check_string(len(result))
        return result

    return run

