"""Declared types (typeRef, item definitions) and the conversions DMN 1.5 applies when a value meets one.

A value that conforms to its declared type is kept. Otherwise DMN 10.3.2.9.4 allows two conversions, a
singleton list to its item and an item to a singleton list, and gives null for anything else; the
reason goes to the evaluation's notes, which is how a modeler learns why a decision gave null.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bpmn_runtime.dmn.model import Definitions, ItemDefinition
from bpmn_runtime.feel import FeelError, FeelFunction, UnaryTests, compile_expression, compile_unary_tests, feel_text
from bpmn_runtime.feel import Scope, type_name
from bpmn_runtime.feel.types import simple


class TypeProblem(Exception):
    """A typeRef names no type, or an item definition cannot be understood; the message says which."""


class DmnType:
    """A type a value can be checked against and converted to."""

    name: str = "Any"
    is_collection = False

    def conforms(self, value: Any) -> bool:
        return True

    def coerce(self, value: Any, notes: list[str] | None = None, what: str = "the value") -> Any:
        """The value as this type, by DMN's conversions, or None (noting why) when it cannot be one."""
        if value is None or self.conforms(value):
            return value
        if not self.is_collection and type(value) is list and len(value) == 1 and self.conforms(value[0]):
            return value[0]
        if self.is_collection and type(value) is not list and self.conforms([value]):
            return [value]
        if notes is not None:
            notes.append(f"{what} is {_shown(value)}, which is not of the type {self.name}: it becomes null")
        return None


def _shown(value: Any) -> str:
    text = feel_text(value)
    return f"{type_name(value)} {text}" if len(text) <= 60 else type_name(value)


ANY = DmnType()


class FeelType(DmnType):
    """A FEEL built-in type: number, string, date and time, context, list ... (null conforms to every type)."""

    def __init__(self, name: str, test: Callable[[Any], bool]) -> None:
        self.name = name
        self.test = test
        self.is_collection = name == "list"

    def conforms(self, value: Any) -> bool:
        return value is None or self.test(value)


class CollectionType(DmnType):
    is_collection = True

    def __init__(self, name: str, item: DmnType) -> None:
        self.name = name
        self.item = item

    def conforms(self, value: Any) -> bool:
        return value is None or (type(value) is list and all(self.item.conforms(item) for item in value))


class StructureType(DmnType):
    """An item definition with components: a context with at least these entries, each of its type."""

    def __init__(self, name: str, components: dict[str, DmnType]) -> None:
        self.name = name
        self.components = components

    def conforms(self, value: Any) -> bool:
        if value is None:
            return True
        if not isinstance(value, Mapping):
            return False
        return all(key in value and component.conforms(value[key]) for key, component in self.components.items())


class ConstrainedType(DmnType):
    """A type narrowed by allowed values or a type constraint (FEEL unary tests)."""

    def __init__(self, name: str, base: DmnType, tests: UnaryTests) -> None:
        self.name = name
        self.base = base
        self.tests = tests
        self.is_collection = base.is_collection

    def conforms(self, value: Any) -> bool:
        if value is None:
            return self.tests.matches(None) is True
        if not self.base.conforms(value):
            return False
        if self.is_collection and type(value) is list:  # the constraint is on the items
            return all(self.tests.matches(item) is True for item in value)
        return self.tests.matches(value) is True


class FeelTypeExpression(DmnType):
    """A typeRef written as a FEEL type (`list<string>`, `context<a: number>`), checked with `instance of`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.check = compile_expression(f"__value instance of {name}")
        self.is_collection = name.startswith("list<")

    def conforms(self, value: Any) -> bool:
        return value is None or self.check.evaluate(Scope({"__value": value})) is True


class FunctionType(DmnType):
    def __init__(self, name: str) -> None:
        self.name = name

    def conforms(self, value: Any) -> bool:
        return value is None or isinstance(value, FeelFunction)


@dataclass
class TypeSpace:
    """The types one model can name: FEEL's, its item definitions, and those of the models it imports
    (`prefix.tName`). Types are built once, on first use, and shared by every evaluation."""

    definitions: Definitions
    imported: Mapping[str, TypeSpace]  # by import name

    def __post_init__(self) -> None:
        self._built: dict[str, DmnType] = {}
        self._building: set[str] = set()

    def resolve(self, type_ref: str | None) -> DmnType:
        """The type a typeRef names; TypeProblem when it names none."""
        if type_ref is None or not type_ref.strip():
            return ANY
        name = type_ref.strip()
        built = self._built.get(name)
        if built is None:
            built = self._built[name] = self._build(name)
        return built

    def _build(self, name: str) -> DmnType:
        item = self.definitions.item_definitions.get(name)
        if item is not None:
            if name in self._building:
                raise TypeProblem(f"the item definition '{name}' is defined in terms of itself")
            self._building.add(name)
            try:
                return self.item_type(item)
            finally:
                self._building.discard(name)
        prefix, dot, rest = name.partition(".")
        if dot and prefix in self.imported:
            return self.imported[prefix].resolve(rest)
        test = simple(name)
        if test is not None:
            return ANY if name in ("Any", "anyType") else FeelType(name, test)
        if "<" in name:
            try:
                return FeelTypeExpression(name)
            except FeelError as error:
                raise TypeProblem(f"the type '{name}' is not a FEEL type: {error}") from None
        raise TypeProblem(f"the type '{name}' is neither a FEEL type nor an item definition of the model")

    def item_type(self, item: ItemDefinition) -> DmnType:
        """The type an item definition (or an item component) declares."""
        base: DmnType
        if item.components:
            base = StructureType(item.name, {component.name: self.item_type(component)
                                             for component in item.components})
        elif item.function_output is not None or item.function_parameters is not None:
            base = FunctionType(item.name)
        else:
            base = self.resolve(item.type_ref)
        for constraint in (item.allowed_values, item.type_constraint):
            if constraint is not None and constraint.strip():
                try:
                    tests = compile_unary_tests(constraint)
                except FeelError as error:
                    raise TypeProblem(f"the allowed values of '{item.name}' are not FEEL unary tests: {error}") \
                        from None
                base = ConstrainedType(item.name, base, tests)
        if item.collection:
            return CollectionType(item.name, base)
        if base.name != item.name and item.name:
            return _Renamed(item.name, base)
        return base


class _Renamed(DmnType):
    """An item definition that names another type: messages use the modeler's name."""

    def __init__(self, name: str, base: DmnType) -> None:
        self.name = name
        self.base = base
        self.is_collection = base.is_collection

    def conforms(self, value: Any) -> bool:
        return self.base.conforms(value)
