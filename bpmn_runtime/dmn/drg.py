"""The decision requirements graph compiled: decisions evaluate the decisions and input data they require,
with the business knowledge models and decision services they require as functions.

Elements of imported models are in scope under the import's name (`Model B.Greeting`, `lib.Discount(x)`);
a decision is evaluated once per evaluation however many decisions require it. A decision service is a
function of its input decisions and input data that evaluates its own decisions afresh.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Union

from bpmn_runtime.dmn.boxed import BoxedCompiler
from bpmn_runtime.dmn.evaluation import Compiled, DecisionError, DecisionResult, Run
from bpmn_runtime.dmn.functions import DmnFunction
from bpmn_runtime.dmn.model import (
    BusinessKnowledgeModel, Decision, DecisionService, Definitions, InputData, Reference,
)
from bpmn_runtime.dmn.types import DmnType, TypeProblem, TypeSpace
from bpmn_runtime.errors import Problem
from bpmn_runtime.feel import Budget, FeelBudgetError, FeelEvaluationError, Scope, to_feel

Element = Union[Decision, InputData, BusinessKnowledgeModel, DecisionService]
Key = tuple[str, str]  # (namespace, id)


@dataclass(frozen=True)
class _Requirement:
    """One name in a decision's scope: `prefix` is the import name for an element of another model."""

    prefix: str | None
    name: str
    key: Key
    kind: str  # decision, input, knowledge, service


@dataclass
class _Evaluation:
    """One evaluation: given values, and the values of decisions and functions already computed."""

    run: Run
    inputs: Mapping[str, Any]  # input data of the evaluated model, by name
    namespaced_inputs: Mapping[str, Mapping[str, Any]]  # input data of imported models: namespace -> name -> value
    outer: Scope | None = None  # names every decision sees besides its requirements (see `inputs_in_scope`)
    given: dict[Key, Any] = field(default_factory=dict)  # input decisions of a service, input data by key
    values: dict[Key, Any] = field(default_factory=dict)
    functions: dict[Key, DmnFunction] = field(default_factory=dict)
    evaluating: set[Key] = field(default_factory=set)


class DecisionModel:
    """A DMN model and the models it imports, compiled once; evaluate its decisions and decision services.

    `problems` lists what would keep a decision from being evaluated as drawn (the deployment refuses
    the file when there are any); the evaluation of a broken part gives null with a note.
    """

    def __init__(self, definitions: Definitions, imported: Mapping[str, Definitions] | None = None) -> None:
        self.definitions = definitions
        self.models: dict[str, Definitions] = {**(imported or {}), definitions.namespace: definitions}
        self.problems: list[Problem] = []
        self._types: dict[str, TypeSpace] = {}
        self._requirements: dict[Key, list[_Requirement]] = {}
        self._logic: dict[Key, Compiled] = {}
        self._declared: dict[Key, DmnType] = {}
        for model in self.models.values():
            self._compile_model(model)
        self._check_cycles()

    # --- compiling --------------------------------------------------------------------------------

    def _type_space(self, model: Definitions) -> TypeSpace:
        space = self._types.get(model.namespace)
        if space is None:
            imported = {item.name: self._type_space(self.models[item.namespace])
                        for item in model.imports if item.namespace in self.models and item.name}
            space = self._types[model.namespace] = TypeSpace(model, imported)
        return space

    def _compile_model(self, model: Definitions) -> None:
        types = self._type_space(model)
        for name, item in model.item_definitions.items():
            try:
                types.resolve(name)
            except TypeProblem as error:
                self.problems.append(Problem(model.file, item.origin.line, "", str(error)))
        elements: list[Element] = [*model.input_data.values(), *model.decisions.values(),
                                   *model.knowledge_models.values(), *model.decision_services.values()]
        for element in elements:
            self._compile_element(model, element, types)

    def _compile_element(self, model: Definitions, element: Element, types: TypeSpace) -> None:
        key = (model.namespace, element.id)
        kind = _KINDS[type(element)]
        compiler = BoxedCompiler(types, self.problems, element.id, f"{kind} '{element.name}'")
        self._declared[key] = compiler.declared(element.type_ref, element.origin)
        if isinstance(element, Decision):
            requirements = self._requirements_of(model, element, element.required_decisions, "decision") \
                + self._requirements_of(model, element, element.required_inputs, "input") \
                + self._requirements_of(model, element, element.required_knowledge, "knowledge")
            self._requirements[key] = requirements
            self._logic[key] = compiler.compile(element.logic, _names(requirements))
        elif isinstance(element, BusinessKnowledgeModel):
            requirements = self._requirements_of(model, element, element.required_knowledge, "knowledge")
            self._requirements[key] = requirements
            if element.logic is not None:  # without logic it is null, like a decision without logic
                self._logic[key] = compiler.function(element.logic, _names(requirements), element.name)
        elif isinstance(element, DecisionService):
            for reference in (*element.output_decisions, *element.encapsulated_decisions, *element.input_decisions,
                              *element.input_data):
                self._resolve(model, element, reference)

    def _requirements_of(self, model: Definitions, owner: Element, references: tuple[Reference, ...],
                         kind: str) -> list[_Requirement]:
        found = []
        for reference in references:
            resolved = self._resolve(model, owner, reference)
            if resolved is None:
                continue
            target_model, target = resolved
            prefix = None
            if target_model is not model:
                prefix = next((item.name for item in model.imports if item.namespace == target_model.namespace), "")
            if kind == "knowledge":
                kind = "service" if isinstance(target, DecisionService) else "knowledge"
            found.append(_Requirement(prefix or None, target.name, (target_model.namespace, target.id), kind))
        return found

    def _resolve(self, model: Definitions, owner: Element, reference: Reference) -> tuple[Definitions, Element] | None:
        """The element a reference names, or None and a problem saying which is not there."""
        found = self._find(model, reference)
        if found is None:
            where = f" of the model {reference.namespace}" if reference.namespace else ""
            self.problems.append(Problem(model.file, owner.origin.line, owner.id, (
                f"{_KINDS[type(owner)]} '{owner.name}' requires '{reference.id}'{where}, which is not there")))
        return found

    def _find(self, model: Definitions, reference: Reference) -> tuple[Definitions, Element] | None:
        target_model = model if reference.namespace in ("", model.namespace) else self.models.get(reference.namespace)
        if target_model is None:
            return None
        target: Element | None = (target_model.decisions.get(reference.id) or target_model.input_data.get(reference.id)
                                  or target_model.knowledge_models.get(reference.id)
                                  or target_model.decision_services.get(reference.id))
        return (target_model, target) if target is not None else None

    def _check_cycles(self) -> None:
        """Decisions that require themselves, directly or not, can never be evaluated."""
        state: dict[Key, int] = {}  # 1: on the path, 2: done

        def visit(key: Key) -> bool:
            if state.get(key) == 2:
                return False
            if state.get(key) == 1:
                return True
            state[key] = 1
            cyclic = any(visit(requirement.key) for requirement in self._requirements.get(key, ())
                         if requirement.kind == "decision")
            state[key] = 2
            return cyclic

        for namespace, model in self.models.items():
            for decision in model.decisions.values():
                state_before = dict(state)
                if visit((namespace, decision.id)) and state_before.get((namespace, decision.id)) is None:
                    self.problems.append(Problem(model.file, decision.origin.line, decision.id, (
                        f"decision '{decision.name}' requires itself through the decisions it requires")))

    # --- evaluating -------------------------------------------------------------------------------

    def evaluate(self, decision: str, inputs: Mapping[str, Any] | None = None, *, now: Any = None,
                 budget: Budget | None = None, given: Mapping[str, Any] | None = None,
                 namespaced_inputs: Mapping[str, Mapping[str, Any]] | None = None,
                 inputs_in_scope: bool = False) -> DecisionResult:
        """Evaluate a decision of the model (by id or name as drawn) with input data values by name (JSON or
        FEEL values). `given` are values of decisions to take as they are instead of evaluating them.
        With `inputs_in_scope`, every input is in scope of every decision, below its requirements: Camunda's
        models read process variables without drawing input data. Raises DecisionError when the decision is
        not in the model or the evaluation exceeds its budget."""
        found = self.definitions.decision_named(decision)
        if found is None:
            known = ", ".join(sorted(f"'{d.name}'" for d in self.definitions.decisions.values()))
            raise DecisionError(f"the model '{self.definitions.name}' has no decision '{decision}'"
                                f"{'; its decisions: ' + known if known else ''}")
        run = Run(now=now, budget=budget or Budget())
        evaluation = _Evaluation(run, _converted(inputs), {namespace: _converted(values) for namespace, values
                                                           in (namespaced_inputs or {}).items()})
        if inputs_in_scope:
            evaluation.outer = Scope(evaluation.inputs)
        for name, value in (given or {}).items():
            target = self.definitions.decision_named(name)
            if target is not None:
                evaluation.values[(self.definitions.namespace, target.id)] = to_feel(value)
        value = _guarded(lambda: self._decision(evaluation, self.definitions, found))
        return DecisionResult(found.id, found.name, value, tuple(run.matches), tuple(run.notes))

    def evaluate_service(self, service: str, arguments: Mapping[str, Any] | None = None, *, now: Any = None,
                         budget: Budget | None = None) -> DecisionResult:
        """Invoke a decision service of the model with its parameters (input decisions and input data) by name."""
        found = self.definitions.service_named(service)
        if found is None:
            raise DecisionError(f"the model '{self.definitions.name}' has no decision service '{service}'")
        run = Run(now=now, budget=budget or Budget())
        function = self._service_function(_Evaluation(run, {}, {}), self.definitions, found)
        values = _converted(arguments)
        named = {name: values.get(name) for name, _ in function.parameters}
        value = _guarded(lambda: function.call_with(run, named))
        return DecisionResult(found.id, found.name, value, tuple(run.matches), tuple(run.notes))

    def _decision(self, evaluation: _Evaluation, model: Definitions, decision: Decision) -> Any:
        key = (model.namespace, decision.id)
        if key in evaluation.values:
            return evaluation.values[key]
        if key in evaluation.given:
            return evaluation.given[key]
        run = evaluation.run
        if key in evaluation.evaluating:
            run.note(f"decision '{decision.name}' requires itself")
            return None
        evaluation.evaluating.add(key)
        try:
            scope = self._scope(evaluation, key)
            owner, run.owner = run.owner, (decision.id, decision.name)
            try:
                value = self._logic[key](scope, run) if decision.logic is not None else None
            except FeelEvaluationError as error:
                run.note(f"decision '{decision.name}': {error}")
                value = None
            finally:
                run.owner = owner
        finally:
            evaluation.evaluating.discard(key)
        value = self._declared[key].coerce(value, run.notes, f"the value of decision '{decision.name}'")
        evaluation.values[key] = value
        return value

    def _scope(self, evaluation: _Evaluation, key: Key) -> Scope:
        values: dict[str, Any] = {}
        for requirement in self._requirements.get(key, ()):
            value = self._value_of(evaluation, requirement)
            if requirement.prefix is None:
                values[requirement.name] = value
            else:  # `prefix.name` is read as one name or as a path into the import's context
                values[f"{requirement.prefix}.{requirement.name}"] = value
                imported = values.setdefault(requirement.prefix, {})
                if isinstance(imported, dict):
                    imported[requirement.name] = value
        return Scope(values, evaluation.outer)

    def _value_of(self, evaluation: _Evaluation, requirement: _Requirement) -> Any:
        namespace, ident = requirement.key
        model = self.models[namespace]
        if requirement.kind == "decision":
            return self._decision(evaluation, model, model.decisions[ident])
        if requirement.kind == "input":
            return self._input(evaluation, model, model.input_data[ident])
        if requirement.kind == "service":
            return self._service_function(evaluation, model, model.decision_services[ident])
        return self._knowledge_function(evaluation, model, model.knowledge_models[ident])

    def _input(self, evaluation: _Evaluation, model: Definitions, input_data: InputData) -> Any:
        key = (model.namespace, input_data.id)
        if key in evaluation.given:
            value = evaluation.given[key]
        elif model is self.definitions:
            value = evaluation.inputs.get(input_data.name)
        else:
            by_namespace = evaluation.namespaced_inputs.get(model.namespace, {})
            value = by_namespace.get(input_data.name)
            prefix = next((item.name for item in self.definitions.imports if item.namespace == model.namespace), None)
            if input_data.name not in by_namespace and prefix and isinstance(evaluation.inputs.get(prefix), dict):
                value = evaluation.inputs[prefix].get(input_data.name)
        return self._declared[key].coerce(value, evaluation.run.notes, f"the input data '{input_data.name}'")

    def _knowledge_function(self, evaluation: _Evaluation, model: Definitions,
                            knowledge: BusinessKnowledgeModel) -> Any:
        key = (model.namespace, knowledge.id)
        function = evaluation.functions.get(key)
        if function is None and key in self._logic:
            requirements: dict[str, Any] = {}
            function = evaluation.functions[key] = self._logic[key](Scope(requirements), evaluation.run)
            # filled once the function exists, since a knowledge model may require itself
            requirements.update(self._scope(evaluation, key).values)
        return function

    def _service_function(self, evaluation: _Evaluation, model: Definitions, service: DecisionService) -> DmnFunction:
        key = (model.namespace, service.id)
        existing = evaluation.functions.get(key)
        if existing is not None:
            return existing
        parameters: list[tuple[str, Key, DmnType]] = []  # input decisions, then input data
        for reference in (*service.input_decisions, *service.input_data):
            found = self._find(model, reference)
            if found is not None:
                target_key = (found[0].namespace, found[1].id)
                parameters.append((found[1].name, target_key, self._declared[target_key]))
        outputs = [(target_model, target) for target_model, target in
                   filter(None, (self._find(model, ref) for ref in service.output_decisions))
                   if isinstance(target, Decision)]
        run = evaluation.run

        def body(arguments: dict[str, Any], inner_run: Run) -> Any:
            inner = _Evaluation(inner_run, {}, {})
            for name, target_key, _ in parameters:
                inner.given[target_key] = arguments.get(name)
            results = {target.name: self._decision(inner, target_model, target) for target_model, target in outputs}
            if len(outputs) == 1:
                return next(iter(results.values()))
            return results

        function = DmnFunction(service.name, [(name, declared) for name, _, declared in parameters], body, run,
                               self._declared[key])
        evaluation.functions[key] = function
        return function


_KINDS: dict[type, str] = {Decision: "decision", InputData: "input data", BusinessKnowledgeModel: "business knowledge model",
                           DecisionService: "decision service"}


def _names(requirements: list[_Requirement]) -> frozenset[str]:
    return frozenset(requirement.prefix or requirement.name for requirement in requirements) | frozenset(
        f"{requirement.prefix}.{requirement.name}" for requirement in requirements if requirement.prefix)


def _converted(values: Mapping[str, Any] | None) -> dict[str, Any]:
    return {name: to_feel(value) for name, value in (values or {}).items()}


def _guarded(evaluate: Any) -> Any:
    try:
        return evaluate()
    except FeelBudgetError as error:
        raise DecisionError(f"the evaluation went past its budget: {error}") from None
    except RecursionError:
        raise DecisionError("the evaluation nested too deeply (a knowledge model calling itself without end?)") \
            from None
