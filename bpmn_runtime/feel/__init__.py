"""FEEL, the Friendly Enough Expression Language of DMN 1.5 (chapter 10), with Camunda 8's extensions.

Public API:

    compile_expression(text, names=()) -> Expression      # cached; raises FeelSyntaxError
    Expression.evaluate(variables=None, *, notes=None, budget=Budget(), clock=None) -> FEEL value
    compile_unary_tests(text, names=()) -> UnaryTests
    UnaryTests.matches(input_value, variables=None, *, notes=None, budget=Budget(), clock=None) -> bool | None
    evaluate(text, variables=None, **options) -> JSON value   # compile, evaluate, to_python
    check(text, names=()) -> None                          # raises FeelSyntaxError
    special_names(variables) -> frozenset[str]             # the variable names to pass as `names`
    type_name(value) -> str                                # "number", "date and time", ... for messages
    feel_text(value) -> str                                # a value as FEEL writes it, for messages
    to_feel(json_value) -> FEEL value;  to_python(feel_value) -> JSON value
    Scope(values, parent=None)          # FEEL values in scope, evaluated without conversion
    PythonFunction(name, parameters, implementation)       # a FEEL function written in Python
    Budget(steps=1_000_000, list_items=1_000_000, string_length=10_000_000, depth=200)
    FeelError > FeelSyntaxError, FeelEvaluationError, FeelBudgetError

Values: null is None, numbers are Decimal (34 digits, decimal128), strings str, booleans bool, lists
list, contexts dict; dates, times, date-times and durations are the classes of `temporal`; ranges are
`Range`. Process variables are JSON: `to_feel` turns int and float into Decimal, `to_python` turns
integral numbers into int, others into float, and temporal values into ISO 8601 text as Zeebe stores
them ("2020-01-01", "P1D", "P1Y2M", "2020-01-01T10:00:00+01:00[Europe/Paris]"). A string that looks
like a date stays a string, as in Zeebe: compare with `date(x)`, `date and time(x)` (which read that text).

Mistakes in data give null, as the specification says; pass `notes=[]` to learn why. Mistakes in the
text raise FeelSyntaxError located by line and column. Names with spaces: see `lexer`.
"""
from bpmn_runtime.feel.api import (
    Expression,
    UnaryTests,
    check,
    compile_expression,
    compile_unary_tests,
    evaluate,
    special_names,
)
from bpmn_runtime.feel.errors import FeelBudgetError, FeelError, FeelEvaluationError, FeelSyntaxError
from bpmn_runtime.feel.functions import FeelFunction, PythonFunction
from bpmn_runtime.feel.scope import Budget, Scope
from bpmn_runtime.feel.values import Range, feel_text, to_feel, to_python, type_name

__all__ = [
    "Budget", "Expression", "FeelBudgetError", "FeelError", "FeelEvaluationError", "FeelFunction",
    "FeelSyntaxError", "PythonFunction", "Range", "Scope", "UnaryTests", "check", "compile_expression",
    "compile_unary_tests", "evaluate", "feel_text", "special_names", "to_feel", "to_python", "type_name",
]
