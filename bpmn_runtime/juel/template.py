"""Templates: a model text compiled once (parsed, checked, turned into closures) and cached."""
from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from bpmn_runtime.juel.dates import Instant
from bpmn_runtime.juel.evaluation import Run, compile_parts
from bpmn_runtime.juel.execution import ExecutionView
from bpmn_runtime.juel.grammar import parse
from bpmn_runtime.juel.refusals import refuse_unsupported
from bpmn_runtime.juel.spin import SpinJson


class Template:
    """A compiled text: literal text, one `${...}`, or text with expressions embedded."""

    __slots__ = ("text", "_run")

    def __init__(self, text: str) -> None:
        parts = parse(text)
        refuse_unsupported(text, parts)
        self.text = text
        self._run = compile_parts(text, parts)

    def evaluate(self, variables: Mapping[str, Any], execution: ExecutionView | None = None) -> Any:
        """The value: a lone `${...}` keeps its type, a date becomes ISO 8601 text, a Spin JSON node the value it
        wraps, anything else is text.

        Raises JuelEvaluationError or JuelLimitError, located in the text.
        """
        result = self._run(Run(variables, execution))
        if isinstance(result, SpinJson):  # stored as a JSON variable is here: its plain value
            return result.value
        return result.java_text() if isinstance(result, Instant) else result


@functools.lru_cache(maxsize=4096)
def compile_template(text: str) -> Template:
    """The compiled template of `text`, from a bounded cache (lru_cache locks its bookkeeping, so threads
    can share it; two threads may both compile a new text, which is harmless)."""
    return Template(text)


def is_template(text: str) -> bool:
    """Whether `text` holds a `${...}` or `#{...}` (escaped ones included: they evaluate to literal text)."""
    return "${" in text or "#{" in text


def check(text: str) -> None:
    """Refuse, at deployment, a text that cannot run: JuelSyntaxError, JuelUnsupportedError or
    JuelLimitError, each with line and column."""
    compile_template(text)


def render(text: str, variables: Mapping[str, Any], execution: ExecutionView | None = None) -> Any:
    """The value of an attribute that may embed expressions (`kermit_${loopCounter}`); the text itself
    when it has none."""
    if not is_template(text):
        return text
    return compile_template(text).evaluate(variables, execution)
