"""Evaluation: the syntax tree is turned once into nested closures, which run against the variables.

Operations raise Failure without knowing where they stand; each closure that runs one catches it and
adds the place in the text, so every error names the expression, the line and the column.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

from bpmn_runtime.juel.coercion import to_boolean, to_string
from bpmn_runtime.juel.dates import FUNCTIONS
from bpmn_runtime.juel.errors import Failure, JuelError, JuelEvaluationError, JuelLimitError, LimitExceeded
from bpmn_runtime.juel.execution import ExecutionAccess, ExecutionView, TaskAccess
from bpmn_runtime.juel.spin import SPIN_FUNCTIONS, SpinJson, spin
from bpmn_runtime.juel.limits import Budget
from bpmn_runtime.juel.methods import call_method, read_property
from bpmn_runtime.juel.operators import BINARY, is_empty, negate
from bpmn_runtime.juel.syntax import (
    Access, Bracket, Chain, Choice, Dot, Eval, Expression, FunctionCall, Identifier, Literal, Logical, Part, Text,
    Unary,
)


class Run:
    """One evaluation: what it reads, and the work it may still do."""

    __slots__ = ("variables", "execution", "budget")

    def __init__(self, variables: Mapping[str, Any], execution: ExecutionView | None) -> None:
        self.variables = variables
        self.execution = execution
        self.budget = Budget()

    def now(self) -> datetime:
        """The engine's clock when it gave one (so virtual time in tests moves dates too), else the system's."""
        if self.execution is not None and self.execution.now is not None:
            return self.execution.now
        return datetime.now(timezone.utc)


Compiled = Callable[[Run], Any]


def compile_parts(text: str, parts: tuple[Part, ...]) -> Compiled:
    """One closure for the whole text: a lone `${...}` keeps its value's type, anything else is text."""
    if len(parts) == 1 and isinstance(parts[0], Eval):
        return _Compiler(text).expression(parts[0].expression)
    if not any(isinstance(part, Eval) for part in parts):
        literal = "".join(part.value for part in parts if isinstance(part, Text))
        return lambda run: literal
    compiled: list[tuple[int, Compiled]] = []
    for part in parts:
        if isinstance(part, Text):
            compiled.append((part.offset, _constant(part.value)))
        else:
            compiled.append((part.offset, _Compiler(text).expression(part.expression)))

    def concatenate(run: Run) -> str:
        pieces = []
        length = 0
        for offset, piece in compiled:
            try:
                value = to_string(piece(run), run.budget)
                length += len(value)
                run.budget.string(length, added=len(value))
            except Failure as failure:
                raise _located(text, offset, failure) from None
            pieces.append(value)
        return "".join(pieces)

    return concatenate


def _constant(value: Any) -> Compiled:
    return lambda run: value


def _located(text: str, offset: int, failure: Failure) -> JuelError:
    """The error to raise for a Failure of the operation at `offset` of `text`."""
    kind = JuelLimitError if isinstance(failure, LimitExceeded) else JuelEvaluationError
    return kind(text, str(failure), offset)


class _Compiler:
    """Builds the closure of each kind of node."""

    def __init__(self, text: str) -> None:
        self.text = text

    def expression(self, node: Expression) -> Compiled:
        if isinstance(node, Literal):
            return _constant(node.value)
        if isinstance(node, Identifier):
            return self._identifier(node)
        if isinstance(node, FunctionCall):
            return self._function(node)
        if isinstance(node, Access):
            return self._access(node)
        if isinstance(node, Unary):
            return self._unary(node)
        if isinstance(node, Chain):
            return self._chain(node)
        if isinstance(node, Logical):
            return self._logical(node)
        return self._choice(node)

    def _identifier(self, node: Identifier) -> Compiled:
        name, text, offset = node.name, self.text, node.offset

        def load(run: Run) -> Any:
            if name == "execution" and run.execution is not None:
                return ExecutionAccess(run.execution, run.variables)
            if name == "task" and run.execution is not None and run.execution.task is not None:
                return TaskAccess(run.execution, run.variables)
            try:
                return run.variables[name]
            except KeyError:
                hint = "; it is only known while an instance runs" if name == "execution" else \
                    "; it is only known in a task listener" if name == "task" else ""
                raise JuelEvaluationError(text, f"no variable named '{name}' is set here{hint}", offset) from None

        return load

    def _function(self, node: FunctionCall) -> Compiled:
        if node.name in SPIN_FUNCTIONS:  # refusals let these through with one argument
            (argument,), text, offset = [self.expression(a) for a in node.arguments], self.text, node.offset

            def read(run: Run) -> SpinJson:
                try:
                    return spin(argument(run), run.budget)
                except Failure as failure:
                    raise _located(text, offset, failure) from None

            return read
        make = FUNCTIONS[node.name]  # refusals let only these through
        return lambda run: make(run.now())

    def _access(self, node: Access) -> Compiled:
        base = self.expression(node.base)
        steps = [self._member(node, member) for member in node.members]

        def access(run: Run) -> Any:
            value = base(run)
            for step in steps:
                value = step(run, value)
            return value

        return access

    def _member(self, access: Access, member: Dot | Bracket) -> Callable[[Run, Any], Any]:
        text, offset = self.text, member.offset
        key = self.expression(member.key) if isinstance(member, Bracket) else None
        name = None if isinstance(member, Bracket) else member.name
        arguments = None if member.arguments is None else [self.expression(a) for a in member.arguments]
        owner = text[access.offset:offset].rstrip(" \t\r\n.[") or "the value"

        def step(run: Run, value: Any) -> Any:
            property_name = key(run) if key is not None else name
            if arguments is None and (value is None or property_name is None):
                return None  # EL: a property of null, or a null property, is null
            values = None if arguments is None else [argument(run) for argument in arguments]
            try:
                if values is None:
                    return read_property(value, property_name, run.budget)
                method = to_string(property_name, run.budget)
                if value is None:
                    raise Failure(f"'{owner}' is null, so its method '{method}' cannot be called")
                return call_method(value, method, values, run.budget)
            except Failure as failure:
                raise _located(text, offset, failure) from None

        return step

    def _unary(self, node: Unary) -> Compiled:
        operand, text, offset = self.expression(node.operand), self.text, node.offset
        if node.operator == "empty":
            return lambda run: is_empty(operand(run))

        def apply(run: Run) -> Any:
            value = operand(run)
            try:
                return negate(value, run.budget) if node.operator == "-" else not to_boolean(value)
            except Failure as failure:
                raise _located(text, offset, failure) from None

        return apply

    def _chain(self, node: Chain) -> Compiled:
        first, text = self.expression(node.first), self.text
        rest = [(BINARY[operator], offset, self.expression(operand)) for operator, offset, operand in node.rest]

        def chain(run: Run) -> Any:
            value = first(run)
            for apply, offset, operand in rest:
                right = operand(run)
                try:
                    value = apply(value, right, run.budget)
                except Failure as failure:
                    raise _located(text, offset, failure) from None
            return value

        return chain

    def _logical(self, node: Logical) -> Compiled:
        text = self.text
        operands = [(operand.offset, self.expression(operand)) for operand in node.operands]
        stop_at = node.operator == "||"  # `||` stops at the first true operand, `&&` at the first false

        def logical(run: Run) -> bool:
            for offset, operand in operands:
                value = operand(run)
                try:
                    truth = to_boolean(value)
                except Failure as failure:
                    raise _located(text, offset, failure) from None
                if truth is stop_at:
                    return stop_at
            return not stop_at

        return logical

    def _choice(self, node: Choice) -> Compiled:
        condition, then, otherwise = (self.expression(part) for part in (node.condition, node.then, node.otherwise))
        text, offset = self.text, node.condition.offset

        def choose(run: Run) -> Any:
            value = condition(run)
            try:
                chosen = to_boolean(value)
            except Failure as failure:
                raise _located(text, offset, failure) from None
            return then(run) if chosen else otherwise(run)

        return choose
