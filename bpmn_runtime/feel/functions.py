"""FEEL functions as values: built-ins, user-defined `function(a, b) a + b` closures, and Python callables."""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from bpmn_runtime.feel.errors import FeelBudgetError
from bpmn_runtime.feel.scope import Env, Scope
from bpmn_runtime.feel.values import to_feel

Compiled = Callable[[Env], Any]


class NullResult(Exception):
    """Raised inside an operator or built-in to make its result null; the message says why."""


class FeelFunction:
    """A function value. Calls go through `invoke` with positional or named FEEL arguments."""

    name: str = "anonymous function"

    def invoke(self, env: Env, positional: Sequence[Any] | None, named: Mapping[str, Any] | None) -> Any:
        raise NotImplementedError

    def accepts(self, count: int) -> bool:
        """Whether a call with `count` positional arguments can bind."""
        raise NotImplementedError

    def call(self, env: Env, *arguments: Any) -> Any:
        return self.invoke(env, arguments, None)

    def __str__(self) -> str:
        return f"function {self.name}"


@dataclass(frozen=True)
class Signature:
    """One form of a built-in: its parameter names and the Python function computing it.

    collect="list": a single argument is the list itself and several arguments form the list
    (`min([1, 2])`, `min(1, 2)`); collect="rest": the last parameter takes the remaining arguments
    (`append(list, 1, 2)`).
    """

    parameters: tuple[str, ...]
    implementation: Callable[..., Any]
    collect: Literal[None, "list", "rest"] = None

    def bind_positional(self, arguments: Sequence[Any]) -> list[Any] | None:
        count, size = len(arguments), len(self.parameters)
        if self.collect == "list":
            if count == 0:
                return None
            return [arguments[0] if count == 1 else list(arguments)]
        if self.collect == "rest":
            if count < size - 1:
                return None
            return [*arguments[:size - 1], list(arguments[size - 1:])]
        return list(arguments) if count == size else None

    def bind_named(self, arguments: Mapping[str, Any]) -> list[Any] | None:
        """Arguments by name; a parameter not named is null (`is(value1: x)` compares x with null)."""
        if not set(arguments) <= set(self.parameters):
            return None
        bound = [arguments.get(name) for name in self.parameters]
        if self.collect == "rest" and not isinstance(bound[-1], list):
            bound[-1] = [bound[-1]]
        return bound


class BuiltinFunction(FeelFunction):
    """A built-in with one or more signatures; bad arguments give null and a note, never an exception."""

    def __init__(self, name: str, signatures: Sequence[Signature]) -> None:
        self.name = name
        self.signatures = tuple(signatures)

    def accepts(self, count: int) -> bool:
        return any(signature.bind_positional([None] * count) is not None for signature in self.signatures)

    def invoke(self, env: Env, positional: Sequence[Any] | None, named: Mapping[str, Any] | None) -> Any:
        env.state.tick()
        signatures = self.signatures
        if named is not None:  # the form naming exactly these parameters first, then wider ones
            signatures = tuple(sorted(signatures, key=lambda signature: len(signature.parameters)))
        for signature in signatures:
            bound = signature.bind_positional(positional or ()) if named is None else signature.bind_named(named)
            if bound is not None:
                try:
                    return signature.implementation(env, *bound)
                except NullResult as why:
                    env.state.note(f"{self.name}(): {why}")
                    return None
        env.state.note(f"{self.name}() cannot be called with {_arguments_text(positional, named)}")
        return None


def _arguments_text(positional: Sequence[Any] | None, named: Mapping[str, Any] | None) -> str:
    if named is not None:
        return "the parameters " + ", ".join(repr(name) for name in named) if named else "no arguments"
    count = len(positional or ())
    return f"{count} argument{'s' if count != 1 else ''}" if count else "no arguments"


class UserFunction(FeelFunction):
    """A function defined in FEEL: `function(a, b: number) a + b`, closing over the scope it was defined in."""

    def __init__(
        self,
        parameters: Sequence[tuple[str, Callable[[Any], bool] | None]],
        body: Compiled,
        scope: Scope,
        name: str = "anonymous function",
    ) -> None:
        self.parameters = tuple(parameters)
        self.body = body
        self.scope = scope
        self.name = name

    def accepts(self, count: int) -> bool:
        return count <= len(self.parameters)

    def invoke(self, env: Env, positional: Sequence[Any] | None, named: Mapping[str, Any] | None) -> Any:
        state = env.state
        names = [name for name, _ in self.parameters]
        values = _bind(env, self.name, names, positional, named)
        if values is None:
            return None
        for index, (name, conforms) in enumerate(self.parameters):
            if conforms is not None and values[index] is not None and not conforms(values[index]):
                state.note(f"the argument {name!r} of {self.name} does not have the declared type")
                return None
        state.depth += 1
        try:
            if state.depth > state.budget.depth:
                raise FeelBudgetError(f"function calls nested more than {state.budget.depth} deep")
            return self.body(Env(Scope(dict(zip(names, values)), self.scope), state))
        finally:
            state.depth -= 1


class PythonFunction(FeelFunction):
    """A FEEL function implemented in Python, for embedding programs (a DMN engine's BKMs, for example).

    `implementation` receives FEEL values positionally, in the order of `parameters`, and returns a FEEL
    value (JSON values are converted). It must not raise for bad input: return None (null) instead.
    """

    def __init__(self, name: str, parameters: Sequence[str], implementation: Callable[..., Any]) -> None:
        self.name = name
        self.parameters = tuple(parameters)
        self.implementation = implementation

    def accepts(self, count: int) -> bool:
        return count <= len(self.parameters)

    def invoke(self, env: Env, positional: Sequence[Any] | None, named: Mapping[str, Any] | None) -> Any:
        values = _bind(env, self.name, self.parameters, positional, named)
        return None if values is None else to_feel(self.implementation(*values))


def _bind(
    env: Env, function: str, names: Sequence[str], positional: Sequence[Any] | None, named: Mapping[str, Any] | None
) -> list[Any] | None:
    """Arguments in parameter order, missing ones null; None (with a note) when they cannot bind."""
    env.state.tick()
    if named is not None:
        unknown = [name for name in named if name not in names]
        if unknown:
            env.state.note(f"{function} has no parameter named {unknown[0]!r}")
            return None
        return [named.get(name) for name in names]
    given = list(positional or ())
    if len(given) > len(names):
        env.state.note(f"{function} takes {len(names)} arguments, not {len(given)}")
        return None
    return given + [None] * (len(names) - len(given))
