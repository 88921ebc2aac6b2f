"""Boxed expressions compiled once into functions of a scope: literal expressions, contexts, lists,
relations, invocations, function definitions, conditionals, filters and iterators (decision tables are
in `decision_tables`).

`names` is what is in scope where an expression stands, so that FEEL can read names with spaces and
symbols (`Loan-Pre-Qualification`). Problems (FEEL that does not parse, a type that is not there) are
collected, located at the expression, for the deployment to refuse; the compiled form of a broken part
gives null with a note, so that the checks can report every problem of a file at once.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bpmn_runtime.dmn.decision_tables import compile_table
from bpmn_runtime.dmn.evaluation import Compiled, Run
from bpmn_runtime.dmn.functions import DmnFunction, calling_env
from bpmn_runtime.dmn.model import (
    Conditional, Context, DecisionTable, Expression, Filter, FunctionDefinition, Invocation, Iterator,
    ListExpression, LiteralExpression, Relation,
)
from bpmn_runtime.dmn.types import ANY, DmnType, TypeProblem, TypeSpace
from bpmn_runtime.errors import Problem
from bpmn_runtime.feel import (
    FeelError, FeelEvaluationError, FeelFunction, Scope, UnaryTests, compile_expression, compile_unary_tests,
    type_name,
)
from bpmn_runtime.model import Source


class BoxedCompiler:
    """Compiles the boxed expressions of one decision or knowledge model (`owner`, for messages)."""

    def __init__(self, types: TypeSpace, problems: list[Problem], owner_id: str, owner: str) -> None:
        self.types = types
        self.problems = problems
        self.owner_id = owner_id
        self.owner = owner

    def problem(self, origin: Source, message: str) -> None:
        self.problems.append(Problem(origin.file, origin.line, self.owner_id, f"{self.owner}: {message}"))

    def declared(self, type_ref: str | None, origin: Source) -> DmnType:
        """The type a typeRef names; a problem (and no type) when it names none."""
        try:
            return self.types.resolve(type_ref)
        except TypeProblem as error:
            self.problem(origin, str(error))
            return ANY

    def unary_tests(self, text: str | None, names: frozenset[str], what: str, origin: Source) -> UnaryTests | None:
        if text is None or not text.strip():
            return None
        try:
            return compile_unary_tests(text, names)
        except FeelError as error:
            self.problem(origin, f"{what} are not FEEL unary tests: {error}")
            return None

    def compile(self, expression: Expression | None, names: frozenset[str]) -> Compiled:
        """The expression's value in a scope, converted to its declared type; null where there is none."""
        if expression is None:
            return _null
        compiled = self._compile(expression, names)
        if expression.type_ref is None or isinstance(expression, FunctionDefinition):
            return compiled
        declared = self.declared(expression.type_ref, expression.origin)
        if declared is ANY:
            return compiled
        return lambda scope, run: declared.coerce(compiled(scope, run), run.notes)

    def _compile(self, expression: Expression, names: frozenset[str]) -> Compiled:
        if isinstance(expression, LiteralExpression):
            return self.literal(expression, names)
        if isinstance(expression, DecisionTable):
            return compile_table(self, expression, names)
        if isinstance(expression, Context):
            return self._context(expression, names)
        if isinstance(expression, ListExpression):
            items = [self.compile(item, names) for item in expression.items]
            return lambda scope, run: [item(scope, run) for item in items]
        if isinstance(expression, Relation):
            columns = [(column.name, self.declared(column.type_ref, expression.origin)) for column in expression.columns]
            rows = [[self.compile(cell, names) for cell in row] for row in expression.rows]
            return lambda scope, run: [
                {name: declared.coerce(cell(scope, run), run.notes) for (name, declared), cell in zip(columns, row)}
                for row in rows]
        if isinstance(expression, Invocation):
            return self._invocation(expression, names)
        if isinstance(expression, FunctionDefinition):
            return self.function(expression, names, "anonymous function")
        if isinstance(expression, Conditional):
            return self._conditional(expression, names)
        if isinstance(expression, Filter):
            return self._filter(expression, names)
        if isinstance(expression, Iterator):
            return self._iterator(expression, names)
        self.problem(expression.origin, f"{type(expression).__name__} expressions are not supported")
        return _null

    def literal(self, expression: LiteralExpression, names: frozenset[str]) -> Compiled:
        text = expression.text
        if not text.strip():
            return _null
        try:
            compiled = compile_expression(text, names)
        except FeelError as error:
            self.problem(expression.origin, f"the expression {_short(text)} is not FEEL: {error}")
            return _null

        def evaluate(scope: Scope, run: Run) -> Any:
            try:
                return compiled.evaluate(scope, notes=run.notes, budget=run.budget, now=run.now)
            except FeelEvaluationError as error:
                run.note(f"{_short(text)}: {error}")
                return None
        return evaluate

    def _context(self, context: Context, names: frozenset[str]) -> Compiled:
        inner_names = names | {entry.variable.name for entry in context.entries if entry.variable is not None}
        entries: list[tuple[str | None, DmnType, Compiled]] = []
        for entry in context.entries:
            if entry.variable is None:
                entries.append((None, ANY, self.compile(entry.value, inner_names)))
            else:
                declared = self.declared(entry.variable.type_ref, context.origin)
                entries.append((entry.variable.name, declared, self.compile(entry.value, inner_names)))
        has_result = any(name is None for name, _, _ in entries)

        def evaluate(scope: Scope, run: Run) -> Any:
            values: dict[str, Any] = {}
            inner = Scope(values, scope)  # later entries (and functions defined here) see earlier ones
            result = None
            for name, declared, compute in entries:
                value = compute(inner, run)
                if name is None:
                    result = value
                else:
                    values[name] = declared.coerce(value, run.notes, f"the context entry '{name}'")
            return result if has_result else dict(values)
        return evaluate

    def _invocation(self, invocation: Invocation, names: frozenset[str]) -> Compiled:
        callee = self.compile(invocation.function, names)
        bindings = [(binding.parameter.name, self.compile(binding.value, names)) for binding in invocation.bindings]
        called = invocation.function.text if isinstance(invocation.function, LiteralExpression) else "the function"

        def evaluate(scope: Scope, run: Run) -> Any:
            function = callee(scope, run)
            if not isinstance(function, FeelFunction):
                run.note(f"{_short(called)} is {type_name(function)}, not a function that can be invoked")
                return None
            arguments = {name: compute(scope, run) for name, compute in bindings}
            if isinstance(function, DmnFunction):
                return function.call_with(run, arguments)
            return function.invoke(calling_env(run), None, arguments)
        return evaluate

    def function(self, definition: FunctionDefinition, names: frozenset[str], name: str) -> Compiled:
        """A function definition's value: a function closing over the scope where it is evaluated."""
        parameters = [(parameter.name, self.declared(parameter.type_ref, definition.origin))
                      for parameter in definition.parameters]
        body = self.compile(definition.body, names | {parameter.name for parameter in definition.parameters})
        result_type = self.declared(definition.type_ref, definition.origin)

        def evaluate(scope: Scope, run: Run) -> Any:
            return DmnFunction(name, parameters, lambda arguments, inner_run: body(Scope(arguments, scope), inner_run),
                               run, result_type)
        return evaluate

    def _conditional(self, conditional: Conditional, names: frozenset[str]) -> Compiled:
        condition, then, otherwise = (self.compile(part, names) for part in
                                      (conditional.condition, conditional.then, conditional.otherwise))

        def evaluate(scope: Scope, run: Run) -> Any:
            holds = condition(scope, run)
            if holds is not None and not isinstance(holds, bool):
                run.note(f"the condition gives {type_name(holds)}, not true or false: the conditional gives null")
                return None
            return then(scope, run) if holds is True else otherwise(scope, run)
        return evaluate

    def _filter(self, boxed: Filter, names: frozenset[str]) -> Compiled:
        source = self.compile(boxed.source, names)
        match = self.compile(boxed.match, names | {"item"})

        def evaluate(scope: Scope, run: Run) -> Any:
            items = _as_list(source(scope, run))
            if items is None:
                return None
            kept = []
            for item in items:
                own = {"item": item, **item} if isinstance(item, Mapping) else {"item": item}
                holds = match(Scope(own, scope), run)
                if holds is not None and not isinstance(holds, bool):
                    run.note(f"the filter's match gives {type_name(holds)}, not true or false: the filter gives null")
                    return None
                if holds is True:
                    kept.append(item)
            return kept
        return evaluate

    def _iterator(self, iterator: Iterator, names: frozenset[str]) -> Compiled:
        source = self.compile(iterator.source, names)
        body = self.compile(iterator.body, names | {iterator.variable})
        variable, kind = iterator.variable, iterator.kind

        def evaluate(scope: Scope, run: Run) -> Any:
            items = _as_list(source(scope, run))
            if items is None:
                return None
            results = [body(Scope({variable: item}, scope), run) for item in items]
            if kind == "for":
                return results
            if any(result is not None and not isinstance(result, bool) for result in results):
                run.note(f"the {kind} condition gives something other than true or false: the result is null")
                return None
            return any(result is True for result in results) if kind == "some" \
                else all(result is True for result in results)
        return evaluate


def _null(scope: Scope, run: Run) -> Any:
    return None


def _as_list(value: Any) -> list[Any] | None:
    if value is None:
        return None
    return value if isinstance(value, list) else [value]


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= 60 else flat[:57] + "...")
