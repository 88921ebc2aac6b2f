"""The decision model: immutable dataclasses built by the DMN parser and read by the evaluator.

No lxml here. Every element keeps the file and line it came from, for messages; names are kept as
drawn (`Loan Pre-Qualification`), since FEEL refers to decisions, input data and knowledge models by name.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from bpmn_runtime.model import Source

HIT_POLICIES = ("UNIQUE", "FIRST", "PRIORITY", "ANY", "COLLECT", "RULE ORDER", "OUTPUT ORDER")
AGGREGATIONS = ("SUM", "MIN", "MAX", "COUNT")


@dataclass(frozen=True, slots=True)
class Reference:
    """A reference to a DRG element by id, in this model (namespace "") or an imported one."""

    namespace: str
    id: str


@dataclass(frozen=True, slots=True)
class TypedName:
    """A name with its declared type (a DMN information item: a variable, a parameter, a column)."""

    name: str
    type_ref: str | None = None


# --- boxed expressions ----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Expression:
    """What every boxed expression has: an id, a declared type, where it was drawn."""

    id: str
    type_ref: str | None
    origin: Source


@dataclass(frozen=True, slots=True)
class LiteralExpression(Expression):
    text: str


@dataclass(frozen=True, slots=True)
class InputClause:
    id: str
    label: str
    expression: LiteralExpression
    allowed_values: str | None  # unary tests the input value must satisfy


@dataclass(frozen=True, slots=True)
class OutputClause:
    id: str
    name: str  # the entry name in a multi-output result
    label: str
    type_ref: str | None
    allowed_values: str | None  # also the priority order of PRIORITY and OUTPUT ORDER
    default: LiteralExpression | None


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    input_entries: tuple[str, ...]  # unary tests, one per input clause
    output_entries: tuple[LiteralExpression, ...]  # one per output clause
    annotations: tuple[str, ...]
    origin: Source


@dataclass(frozen=True, slots=True)
class DecisionTable(Expression):
    inputs: tuple[InputClause, ...]
    outputs: tuple[OutputClause, ...]
    rules: tuple[Rule, ...]
    hit_policy: str = "UNIQUE"
    aggregation: str | None = None  # COLLECT only
    annotation_names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ContextEntry:
    variable: TypedName | None  # None: the entry giving the context's result
    value: Expression | None


@dataclass(frozen=True, slots=True)
class Context(Expression):
    entries: tuple[ContextEntry, ...]


@dataclass(frozen=True, slots=True)
class ListExpression(Expression):
    items: tuple[Expression | None, ...]


@dataclass(frozen=True, slots=True)
class Relation(Expression):
    columns: tuple[TypedName, ...]
    rows: tuple[tuple[Expression | None, ...], ...]


@dataclass(frozen=True, slots=True)
class Binding:
    parameter: TypedName
    value: Expression | None


@dataclass(frozen=True, slots=True)
class Invocation(Expression):
    function: Expression  # usually a literal expression naming a business knowledge model
    bindings: tuple[Binding, ...]


@dataclass(frozen=True, slots=True)
class FunctionDefinition(Expression):
    parameters: tuple[TypedName, ...]
    body: Expression | None
    kind: str = "FEEL"  # FEEL, Java or PMML; only FEEL can run


@dataclass(frozen=True, slots=True)
class Conditional(Expression):
    condition: Expression | None
    then: Expression | None
    otherwise: Expression | None


@dataclass(frozen=True, slots=True)
class Filter(Expression):
    source: Expression | None
    match: Expression | None


@dataclass(frozen=True, slots=True)
class Iterator(Expression):
    """A boxed for (`return`), some or every (`satisfies`)."""

    kind: str  # for, some, every
    variable: str
    source: Expression | None
    body: Expression | None


# --- item definitions -----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ItemDefinition:
    """A named type: a FEEL type or another item definition (`type_ref`), or components (a structure), or a
    function type; narrowed by allowed values or a type constraint (unary tests), possibly a collection."""

    name: str
    type_ref: str | None
    collection: bool = False
    allowed_values: str | None = None
    type_constraint: str | None = None
    components: tuple[ItemDefinition, ...] = ()
    function_output: str | None = None  # a functionItem's output type
    function_parameters: tuple[TypedName, ...] | None = None
    origin: Source = Source("", 0)


# --- the decision requirements graph --------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class InputData:
    id: str
    name: str
    type_ref: str | None
    origin: Source


@dataclass(frozen=True, slots=True)
class Decision:
    id: str
    name: str
    type_ref: str | None
    required_decisions: tuple[Reference, ...]
    required_inputs: tuple[Reference, ...]
    required_knowledge: tuple[Reference, ...]  # business knowledge models and decision services
    logic: Expression | None
    origin: Source
    question: str = ""

    @property
    def label(self) -> str:
        return f"'{self.name}'"


@dataclass(frozen=True, slots=True)
class BusinessKnowledgeModel:
    id: str
    name: str
    type_ref: str | None
    logic: FunctionDefinition | None
    required_knowledge: tuple[Reference, ...]
    origin: Source


@dataclass(frozen=True, slots=True)
class DecisionService:
    id: str
    name: str
    type_ref: str | None
    output_decisions: tuple[Reference, ...]
    encapsulated_decisions: tuple[Reference, ...]
    input_decisions: tuple[Reference, ...]
    input_data: tuple[Reference, ...]
    origin: Source


@dataclass(frozen=True, slots=True)
class Import:
    namespace: str
    name: str  # the prefix the importing model writes: `name.Decision`
    location: str | None
    import_type: str
    origin: Source


@dataclass(frozen=True, slots=True, eq=False)
class Definitions:
    """What one `.dmn` file declares. Compared and hashed by identity, like a BPMN process."""

    file: str
    id: str
    name: str
    namespace: str
    imports: tuple[Import, ...] = ()
    item_definitions: dict[str, ItemDefinition] = field(default_factory=dict)
    input_data: dict[str, InputData] = field(default_factory=dict)
    decisions: dict[str, Decision] = field(default_factory=dict)
    knowledge_models: dict[str, BusinessKnowledgeModel] = field(default_factory=dict)
    decision_services: dict[str, DecisionService] = field(default_factory=dict)

    def decision_named(self, key: str) -> Decision | None:
        """A decision by id, else by name as drawn."""
        found = self.decisions.get(key)
        if found is not None:
            return found
        return next((decision for decision in self.decisions.values() if decision.name == key), None)

    def service_named(self, key: str) -> DecisionService | None:
        found = self.decision_services.get(key)
        if found is not None:
            return found
        return next((service for service in self.decision_services.values() if service.name == key), None)
