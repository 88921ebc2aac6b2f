"""Decision tables compiled once: input expressions, input entries as matchers, output entries, hit policy.

Evaluating one: compute the inputs (each checked against its input values), match the rules in order (a
rule stops at its first input entry that does not match; FIRST stops at the first matching rule), then
let the hit policy build the result from the matched rules' outputs, each converted to its output's type
and checked against its output values. No rule matching gives the outputs' defaults, or null.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bpmn_runtime.dmn import hit_policies
from bpmn_runtime.dmn.entries import Matcher, matcher
from bpmn_runtime.dmn.evaluation import Compiled, RuleMatches, Run
from bpmn_runtime.dmn.model import DecisionTable, OutputClause
from bpmn_runtime.dmn.types import DmnType
from bpmn_runtime.feel import FeelError, Scope, UnaryTests, compile_expression, feel_text
from bpmn_runtime.feel.values import equal

if TYPE_CHECKING:
    from bpmn_runtime.dmn.boxed import BoxedCompiler


@dataclass(frozen=True)
class _Output:
    name: str
    type: DmnType
    allowed: UnaryTests | None
    priorities: list[Any] | None  # the output values in order, for PRIORITY and OUTPUT ORDER
    default: Compiled | None


def compile_table(compiler: "BoxedCompiler", table: DecisionTable, names: frozenset[str]) -> Compiled:
    """The table as a function of its scope; its problems (FEEL that does not parse, unknown types) go to
    the compiler."""
    inputs = [compiler.literal(clause.expression, names) for clause in table.inputs]
    input_labels = [clause.label or clause.expression.text for clause in table.inputs]
    allowed_inputs = [compiler.unary_tests(clause.allowed_values, names, f"the input values of '{label}'",
                                           table.origin)
                      for clause, label in zip(table.inputs, input_labels)]
    outputs = [_output(compiler, clause, names, table) for clause in table.outputs]
    rules: list[list[tuple[int, Matcher]]] = []
    results: list[list[Compiled]] = []
    for position, rule in enumerate(table.rules):
        tests: list[tuple[int, Matcher]] = []
        for index, text in enumerate(rule.input_entries[:len(inputs)]):
            try:
                test = matcher(text, names)
            except FeelError as error:
                compiler.problem(rule.origin, f"rule {position + 1}, input '{input_labels[index]}': the entry "
                                              f"{text.strip()!r} is not FEEL unary tests: {error}")
                continue
            if test is not None:
                tests.append((index, test))
        rules.append(tests)
        results.append([compiler.literal(entry, names) for entry in rule.output_entries[:len(outputs)]])
    single = len(outputs) == 1
    policy, aggregation, first = table.hit_policy, table.aggregation, table.hit_policy == "FIRST"
    rule_ids = [rule.id for rule in table.rules]

    def evaluate(scope: Scope, run: Run) -> Any:
        values = [compute(scope, run) for compute in inputs]
        for index, allowed in enumerate(allowed_inputs):
            if allowed is not None and allowed.matches(values[index], scope) is not True:
                run.note(f"the input '{input_labels[index]}' is {feel_text(values[index])}, which is not among "
                         f"its input values {table.inputs[index].allowed_values}: the table gives null")
                return None
        notes, budget, now = run.notes, run.budget, run.now
        matched: list[int] = []
        for position, tests in enumerate(rules):
            for index, test in tests:
                if test(values[index], scope, notes, budget, now) is not True:
                    break
            else:
                matched.append(position)
                if first:
                    break

        def output(position: int) -> Any:
            entries = results[position]
            if single:
                return _checked(outputs[0], entries[0](scope, run), run, position)
            return {out.name: _checked(out, entry(scope, run), run, position) for out, entry in zip(outputs, entries)}

        if not matched:
            run.matches.append(RuleMatches(run.owner[0], run.owner[1], table.id, ()))
            return _defaults(outputs, scope, run, single)
        result, hits = hit_policies.select(policy, aggregation, matched, output, _priority(outputs, single),
                                           run.note)
        run.matches.append(RuleMatches(run.owner[0], run.owner[1], table.id,
                                       tuple((position + 1, rule_ids[position]) for position in hits)))
        return result

    return evaluate


def _output(compiler: "BoxedCompiler", clause: OutputClause, names: frozenset[str], table: DecisionTable) -> _Output:
    label = clause.name or clause.label or "the output"
    allowed = compiler.unary_tests(clause.allowed_values, names, f"the output values of '{label}'", table.origin)
    priorities = None
    if clause.allowed_values:
        try:  # the output values as a list of values; ranges and tests give no order
            listed = compile_expression(f"[{clause.allowed_values}]", names).evaluate(Scope({}))
            priorities = listed if isinstance(listed, list) else None
        except FeelError:
            priorities = None
    default = compiler.literal(clause.default, names) if clause.default is not None else None
    return _Output(clause.name, compiler.declared(clause.type_ref, table.origin), allowed, priorities, default)


def _checked(output: _Output, value: Any, run: Run, position: int) -> Any:
    """A rule's output converted to its output's type and checked against its output values."""
    what = f"the output '{output.name}' of rule {position + 1}" if output.name else f"the output of rule {position + 1}"
    value = output.type.coerce(value, run.notes, what)
    if output.allowed is not None and value is not None and output.allowed.matches(value) is not True:
        run.note(f"{what} is {feel_text(value)}, which is not among its output values: it becomes null")
        return None
    return value


def _priority(outputs: list[_Output], single: bool) -> Callable[[Any], tuple[int, ...]]:
    def rank(output: _Output, value: Any) -> int:
        listed = output.priorities or []
        return next((index for index, candidate in enumerate(listed) if equal(candidate, value) is True), len(listed))

    def key(result: Any) -> tuple[int, ...]:
        if single:
            return (rank(outputs[0], result),)
        return tuple(rank(out, result.get(out.name) if isinstance(result, dict) else None)
                     for out in outputs if out.priorities)
    return key


def _defaults(outputs: list[_Output], scope: Scope, run: Run, single: bool) -> Any:
    if all(out.default is None for out in outputs):
        return None
    values = [out.type.coerce(out.default(scope, run), run.notes) if out.default is not None else None
              for out in outputs]
    return values[0] if single else {out.name: value for out, value in zip(outputs, values)}
