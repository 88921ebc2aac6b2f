"""JUEL: the Unified Expression Language as Camunda 7 evaluates `${...}` and `#{...}` in models.

Public API:

- `compile_template(text: str) -> Template`: parse and check once (cached, bounded, thread-safe).
- `Template.evaluate(variables: Mapping[str, Any], execution: ExecutionView | None = None) -> Any`:
  a text that is exactly one `${...}` keeps its value's type (a date becomes ISO 8601 text); literal
  text mixed with expressions (`kermit_${loopCounter}`) is their concatenation as text.
- `render(text: str, variables, execution=None) -> Any`: the same for an attribute that may embed
  expressions; the text itself when it has none.
- `is_template(text: str) -> bool`: whether the text holds `${` or `#{`.
- `check(text: str) -> None`: deployment check; raises JuelSyntaxError, JuelUnsupportedError (Java-only
  calls, Camunda Spin, calls that change the instance) or JuelLimitError, each with line and column.
- `coerce_to_boolean(value) -> bool`, `coerce_to_string(value) -> str`: EL's coercions, raising TypeError
  where EL cannot coerce.
- `ExecutionView`: what `execution` lets an expression read; the engine fills it in.
- `JuelError` (an ExpressionError) and its subclasses `JuelSyntaxError`, `JuelUnsupportedError`,
  `JuelLimitError`, `JuelEvaluationError`.

Semantics follow the EL specification as JUEL implements it: operator precedence, coercions (`"1" + 2`
is 3, `"a" + 1` is an error, `==` coerces), Java long and double arithmetic, null-safe property reads
(a property of null is null), and an unknown name is an error. No text is ever run as Python: the
grammar is parsed by Lark and evaluated by closures over a fixed table of operations.
"""
from bpmn_runtime.juel.coercion import coerce_to_boolean, coerce_to_string
from bpmn_runtime.juel.errors import (
    JuelError, JuelEvaluationError, JuelLimitError, JuelSyntaxError, JuelUnsupportedError,
)
from bpmn_runtime.juel.execution import ExecutionView
from bpmn_runtime.juel.template import Template, check, compile_template, is_template, render

__all__ = [
    "ExecutionView", "JuelError", "JuelEvaluationError", "JuelLimitError", "JuelSyntaxError", "JuelUnsupportedError",
    "Template", "check", "coerce_to_boolean", "coerce_to_string", "compile_template", "is_template", "render",
]
