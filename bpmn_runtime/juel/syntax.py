"""The syntax tree of a JUEL text: literal text parts and `${...}` / `#{...}` expressions.

`offset` is where a node starts in the model text, so errors can point at it. Left-associative
operator chains (`a + b - c`) and member chains (`a.b[c].d()`) are kept flat, so only real nesting
(parentheses, unary operators, arguments, `? :`) makes the tree deep.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union


@dataclass(frozen=True, slots=True)
class Literal:
    """`"text"`, `'text'`, `12` (Java long), `1.5` (Java double), `true`, `false`, `null`."""

    offset: int
    value: Any


@dataclass(frozen=True, slots=True)
class Identifier:
    """A name: a variable, or `execution`."""

    offset: int
    name: str


@dataclass(frozen=True, slots=True)
class FunctionCall:
    """`name(args)` or `prefix:name(args)`; Camunda 7 ignores the prefix."""

    offset: int
    name: str
    arguments: tuple["Expression", ...]


@dataclass(frozen=True, slots=True)
class Dot:
    """`.name`, or `.name(args)` when `arguments` is not None (a method call)."""

    offset: int
    name: str
    arguments: tuple["Expression", ...] | None


@dataclass(frozen=True, slots=True)
class Bracket:
    """`[key]`, or `[key](args)` when `arguments` is not None (a method named by a value)."""

    offset: int
    key: "Expression"
    arguments: tuple["Expression", ...] | None


@dataclass(frozen=True, slots=True)
class Access:
    """`base` followed by property reads and method calls, left to right."""

    offset: int
    base: "Expression"
    members: tuple[Dot | Bracket, ...]


@dataclass(frozen=True, slots=True)
class Unary:
    """`-x`, `!x` / `not x`, `empty x`; `operator` is "-", "!" or "empty"."""

    offset: int
    operator: str
    operand: "Expression"


@dataclass(frozen=True, slots=True)
class Chain:
    """`first op operand op operand ...` for one precedence level of arithmetic or comparison.

    Operators are spelled canonically: + - * / % < > <= >= == != (`div` is "/", `mod` is "%", ...).
    """

    offset: int
    first: "Expression"
    rest: tuple[tuple[str, int, "Expression"], ...]  # (operator, operator offset, operand)


@dataclass(frozen=True, slots=True)
class Logical:
    """`a && b && c` or `a || b || c`: short-circuit, always a boolean."""

    offset: int
    operator: str  # "&&" or "||"
    operands: tuple["Expression", ...]


@dataclass(frozen=True, slots=True)
class Choice:
    """`condition ? then : otherwise`."""

    offset: int
    condition: "Expression"
    then: "Expression"
    otherwise: "Expression"


Expression = Union[Literal, Identifier, FunctionCall, Access, Unary, Chain, Logical, Choice]


@dataclass(frozen=True, slots=True)
class Text:
    """Literal text between expressions, with JUEL's `\\${` escapes already applied."""

    offset: int
    value: str


@dataclass(frozen=True, slots=True)
class Eval:
    """One `${...}` (immediate) or `#{...}` (deferred) expression; both are evaluated alike here."""

    offset: int
    expression: Expression
    deferred: bool


Part = Union[Text, Eval]
