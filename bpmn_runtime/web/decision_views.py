"""A deployed decision as the console draws it: its requirements, and its logic as plain parts for HTML
(a decision table as rows and columns, other boxed expressions as their FEEL text or their entries)."""
from __future__ import annotations

from dataclasses import dataclass, field

from bpmn_runtime.dmn.model import (
    Conditional, Context, Decision, DecisionTable, Definitions, Expression, Filter, FunctionDefinition, Invocation,
    Iterator, ListExpression, LiteralExpression, Relation,
)

POLICY_LETTERS = {"UNIQUE": "U", "FIRST": "F", "PRIORITY": "P", "ANY": "A", "COLLECT": "C", "RULE ORDER": "R",
                  "OUTPUT ORDER": "O"}
AGGREGATION_SIGNS = {"SUM": "+", "MIN": "<", "MAX": ">", "COUNT": "#"}


@dataclass(frozen=True)
class TableView:
    hit_policy: str  # as written: "COLLECT SUM"
    letter: str  # as drawn: "C+"
    inputs: list[str]
    input_values: list[str]
    outputs: list[str]
    output_values: list[str]
    annotations: list[str]
    rules: list[tuple[int, str, list[str], list[str], list[str]]]  # number, id, inputs, outputs, annotations


@dataclass(frozen=True)
class LogicView:
    """Anything other than a decision table: a kind, and its FEEL text or its named parts."""

    kind: str
    text: str = ""
    parts: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class DecisionView:
    name: str
    requires: list[str]
    table: TableView | None
    logic: LogicView | None


def decision_view(definitions: Definitions, decision: Decision) -> DecisionView:
    requires = [_name(definitions, reference.id) for reference in
                (*decision.required_decisions, *decision.required_inputs, *decision.required_knowledge)]
    logic = decision.logic
    if isinstance(logic, DecisionTable):
        return DecisionView(decision.name, requires, _table(logic), None)
    return DecisionView(decision.name, requires, None, _logic(logic) if logic is not None else None)


def _name(definitions: Definitions, ident: str) -> str:
    for elements in (definitions.decisions, definitions.input_data, definitions.knowledge_models,
                     definitions.decision_services):
        element = elements.get(ident)
        if element is not None:
            return element.name
    return ident


def _table(table: DecisionTable) -> TableView:
    policy = f"{table.hit_policy} {table.aggregation}" if table.aggregation else table.hit_policy
    letter = POLICY_LETTERS.get(table.hit_policy, "?") + AGGREGATION_SIGNS.get(table.aggregation or "", "")
    return TableView(
        policy, letter,
        [clause.label or clause.expression.text for clause in table.inputs],
        [clause.allowed_values or "" for clause in table.inputs],
        [clause.label or clause.name or "Output" for clause in table.outputs],
        [clause.allowed_values or "" for clause in table.outputs],
        list(table.annotation_names),
        [(number, rule.id, [entry.strip() or "-" for entry in rule.input_entries],
          [entry.text for entry in rule.output_entries], list(rule.annotations))
         for number, rule in enumerate(table.rules, start=1)])


def _text(expression: Expression | None) -> str:
    if expression is None:
        return ""
    if isinstance(expression, LiteralExpression):
        return expression.text
    return f"({_kind(expression)})"


def _kind(expression: Expression) -> str:
    return {Context: "context", ListExpression: "list", Relation: "relation", Invocation: "invocation",
            FunctionDefinition: "function", Conditional: "conditional", Filter: "filter", DecisionTable: "decision table",
            LiteralExpression: "literal expression"}.get(type(expression), getattr(expression, "kind", "expression"))


def _logic(expression: Expression) -> LogicView:
    kind = _kind(expression)
    if isinstance(expression, LiteralExpression):
        return LogicView(kind, expression.text)
    if isinstance(expression, Context):
        return LogicView(kind, parts=[(entry.variable.name if entry.variable else "result", _text(entry.value))
                                      for entry in expression.entries])
    if isinstance(expression, Invocation):
        return LogicView(kind, _text(expression.function),
                         [(binding.parameter.name, _text(binding.value)) for binding in expression.bindings])
    if isinstance(expression, FunctionDefinition):
        return LogicView(kind, _text(expression.body), [(parameter.name, parameter.type_ref or "Any")
                                                        for parameter in expression.parameters])
    if isinstance(expression, Conditional):
        return LogicView(kind, parts=[("if", _text(expression.condition)), ("then", _text(expression.then)),
                                      ("else", _text(expression.otherwise))])
    if isinstance(expression, Filter):
        return LogicView(kind, parts=[("in", _text(expression.source)), ("match", _text(expression.match))])
    if isinstance(expression, Iterator):
        return LogicView(kind, parts=[(f"{kind} {expression.variable} in", _text(expression.source)),
                                      ("return" if kind == "for" else "satisfies", _text(expression.body))])
    if isinstance(expression, ListExpression):
        return LogicView(kind, parts=[(str(number), _text(item)) for number, item in enumerate(expression.items, 1)])
    if isinstance(expression, Relation):
        return LogicView(kind, parts=[(column.name, column.type_ref or "Any") for column in expression.columns])
    return LogicView(kind)
