"""Expressions and scripts: what the sandbox refuses is refused at deployment, before anything could run it."""
from __future__ import annotations

from bpmn_runtime import expressions
from bpmn_runtime.errors import ExpressionError, Problem
from bpmn_runtime.model import Element, Process
from bpmn_runtime.parser.validation.catalogue import rule
from bpmn_runtime.parser.validation.shared import problem


def sandbox_problems(process: Process, element: Element, check_scripts: bool) -> list[Problem]:
    """Every expression of `element`, and its script unless the embedding program runs scripts itself."""
    problems = []
    for text in _expressions_of(process, element):
        try:
            expressions.check(text)
        except ExpressionError as error:
            problems.append(problem(element, str(error)))
    if check_scripts and element.kind == "scriptTask" and element.script \
            and element.script_format in expressions.SANDBOX_SCRIPT_FORMATS:
        try:
            expressions.check_script(element.script)
        except ExpressionError as error:
            problems.append(problem(element, str(error)))
    return problems


def constant_condition_problems(process: Process, element: Element) -> list[Problem]:
    """A condition that reads no variable has one value forever; it must at least be true or false."""
    completion = element.loop.completion_condition if element.loop is not None and element.loop.multi_instance \
        else None
    return [*_constant_conditions([c for c in _conditions_of(process, element) if c != completion], element),
            *completion_condition_boolean(element, completion)]


@rule("EXT.071")
def completion_condition_boolean(element: Element, completion: str | None) -> list[Problem]:
    """EXT.071: the completion condition of a multi-instance activity is a boolean expression (one that reads
    no variable must be true or false)."""
    return _constant_conditions([completion] if completion else [], element)


def _constant_conditions(conditions: list[str], element: Element) -> list[Problem]:
    problems = []
    for condition in conditions:
        try:
            value = expressions.evaluate(condition, {})
        except ExpressionError:
            continue  # it reads variables: it is checked when it runs
        if not isinstance(value, bool):
            problems.append(problem(element, f"the condition \"{condition}\" is always {value!r}, not true or false"))
    return problems


def _expressions_of(process: Process, element: Element) -> list[str]:
    """Every expression the engine will evaluate for `element`: its conditions, mappings and counts."""
    found = _conditions_of(process, element)
    found += [m.source for m in element.extensions.inputs + element.extensions.outputs if m.source]
    found += [d.correlation_key for d in element.events if d.correlation_key]
    if element.loop is not None and element.loop.cardinality:
        found.append(element.loop.cardinality)
    return found


def _conditions_of(process: Process, element: Element) -> list[str]:
    """The expressions of `element` that decide something, and so must give true or false."""
    found = [process.flows[f].condition for f in element.outgoing]
    found += [d.condition for d in element.events] + [element.activation_condition, element.completion_condition]
    if element.loop is not None:
        found += [element.loop.loop_condition, element.loop.completion_condition]
        found += [behavior.condition for behavior in element.loop.complex_behaviors]
    return [text for text in found if text]
