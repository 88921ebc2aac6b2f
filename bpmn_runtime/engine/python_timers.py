"""Timers of SpiffWorkflow files, whose timeDate, timeDuration and timeCycle SpiffWorkflow evaluates as Python:
a text such as "PT30S" (quoted: a Python string), or timedelta(...) / datetime(...) built from sandbox
expressions. The call itself is read here (the sandbox has no keyword arguments and no constructors); each of its
arguments, or the whole text when it is no such call, is an expression of the engine's Python sandbox.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Mapping

from bpmn_runtime import expressions, juel
from bpmn_runtime.engine import timers
from bpmn_runtime.errors import ExpressionError

# The constructors a SpiffWorkflow timer may call, and the keyword arguments each takes.
CONSTRUCTORS: dict[str, tuple[Callable[..., Any], frozenset[str]]] = {
    "timedelta": (timedelta, frozenset({"weeks", "days", "hours", "minutes", "seconds", "milliseconds",
                                        "microseconds"})),
    "datetime": (datetime, frozenset({"year", "month", "day", "hour", "minute", "second", "microsecond"})),
}


@dataclass(frozen=True, slots=True)
class TimerCall:
    """A timer's Python text taken apart: `constructor` (None: the text is one sandbox expression, `args[0]`)."""

    constructor: str | None
    args: tuple[str, ...]
    kwargs: tuple[tuple[str, str], ...] = ()

    def sandbox_expressions(self) -> list[str]:
        """The sandbox expressions evaluated for the timer."""
        return [*self.args, *(value for _, value in self.kwargs)]


def read(kind: str, text: str) -> TimerCall:
    """The timer text `text` (of a timer of `kind`: date, duration or cycle) as SpiffWorkflow evaluates it;
    ExpressionError says why it cannot run here."""
    if text.startswith("=") or juel.is_template(text):
        raise ExpressionError(f"\"{text[:60]}\" would be read here as FEEL or JUEL, not as the Python expression "
                              f"SpiffWorkflow evaluates; write it in Python, such as \"PT5M\" or timedelta(minutes=5)")
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError as error:
        raise ExpressionError(f"\"{text[:60]}\" is not a Python expression: {error.msg}") from None
    if isinstance(tree, ast.Name) and _is_timer_text(kind, text):
        raise ExpressionError(f"SpiffWorkflow evaluates the timer as Python, where {text} is an unknown name; "
                              f"quote it as a text: \"{text}\"")
    call = tree if isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name) and tree.func.id in CONSTRUCTORS \
        else None
    inner = [*call.args, *(k.value for k in call.keywords)] if call is not None else [tree]
    if any(isinstance(n, ast.Name) and n.id in CONSTRUCTORS for part in inner for n in ast.walk(part)):
        raise ExpressionError("timedelta(...) and datetime(...) are run here only as the whole timer, such as "
                              "timedelta(minutes=5); compute anything more in a script task before the timer")
    if call is None:
        return TimerCall(None, (text,))
    name = ast.unparse(call.func)
    allowed = CONSTRUCTORS[name][1]
    for keyword in call.keywords:
        if keyword.arg not in allowed:
            given = f"'{keyword.arg}'" if keyword.arg else "**"
            raise ExpressionError(f"{name}() takes no argument {given} here; use {', '.join(sorted(allowed))}")
    return TimerCall(name, tuple(ast.unparse(a) for a in call.args),
                     tuple((k.arg or "", ast.unparse(k.value)) for k in call.keywords))


def is_constructor_call(text: str) -> bool:
    """Whether a timer's text is a call of timedelta(...) or datetime(...): Python, which only SpiffWorkflow
    evaluates, even in a file that carries no SpiffWorkflow extension."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        return False
    return isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name) and tree.func.id in CONSTRUCTORS


def evaluate(kind: str, text: str, variables: Mapping[str, Any]) -> Any:
    """What the timer text gives against `variables`: a text, a timedelta or a datetime (ExpressionError when
    it cannot be evaluated)."""
    call = read(kind, text)
    if call.constructor is None:
        return expressions.evaluate(call.args[0], variables)
    args = [expressions.evaluate(arg, variables) for arg in call.args]
    kwargs = {name: expressions.evaluate(value, variables) for name, value in call.kwargs}
    try:
        return CONSTRUCTORS[call.constructor][0](*args, **kwargs)
    except (TypeError, ValueError, OverflowError) as error:
        raise ExpressionError(f"cannot evaluate {text[:60]}: {error}") from None


def _is_timer_text(kind: str, text: str) -> bool:
    try:
        timers.parse(kind, text)
    except timers.TimerError:
        return False
    return True
