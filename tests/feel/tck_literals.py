"""The DMN TCK's literal expressions with their expected results, as an oracle for the FEEL package.

Only what is FEEL alone is taken: decisions whose logic is a literal expression, or a boxed expression
that FEEL can write as text (context, list, conditional, filter, for, some, every), and that need
nothing but input data and other such decisions (no business knowledge models, no decision tables). The decision's declared type is
applied as DMN would (a singleton list stands for its item; a value of another type gives null) when
the type is a FEEL built-in one; decisions with other declared types are left to the DMN engine.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from lxml import etree

from bpmn_runtime.feel import FeelError, compile_expression
from bpmn_runtime.feel.types import simple
from bpmn_runtime.feel.values import equal
from tests.conformance.dmn_tck import value_of as _value

TCK = Path(__file__).resolve().parents[1] / "data" / "dmn-tck"
TESTS = "{http://www.omg.org/spec/DMN/20160719/testcase}"
FOLDERS = ("compliance-level-2", "compliance-level-3")


@dataclass(frozen=True)
class Case:
    folder: str
    name: str
    text: str
    inputs: dict[str, Any]
    expected: Any
    type_ref: str | None
    collection: bool = False
    decisions: dict[str, Decision] | None = None  # the model's FEEL decisions, which this one may require

    def run(self) -> tuple[bool, Any]:
        """Whether FEEL gives the expected value, and what it gave (a FeelError counts as null)."""
        values = dict(self.inputs)
        decision = Decision(self.text, self.type_ref, self.collection, ())
        if self.decisions is not None:
            decision = self.decisions[self.name]
        try:
            result = decision.evaluate(values, self.decisions or {})
        except FeelError as error:
            result = error
        value = None if isinstance(result, FeelError) else _as_declared(result, self.type_ref, self.collection)
        return same(value, self.expected), result


@dataclass(frozen=True)
class Decision:
    text: str
    type_ref: str | None
    collection: bool
    requires: tuple[str, ...]

    def evaluate(self, values: dict[str, Any], decisions: dict[str, Decision]) -> Any:
        """The decision's value, after the decisions it requires (whose values join `values`)."""
        for name in self.requires:
            if name not in values:
                required = decisions[name]
                try:
                    result = required.evaluate(values, decisions)
                except FeelError:
                    result = None
                values[name] = _as_declared(result, required.type_ref, required.collection)
        return compile_expression(self.text, values.keys()).evaluate(_Scope(values))


def _Scope(values: dict[str, Any]) -> Any:
    from bpmn_runtime.feel import Scope

    return Scope(values)


def _as_declared(value: Any, type_ref: str | None, collection: bool) -> Any:
    test = simple(type_ref) if type_ref else None
    if test is None or value is None:
        return value
    if collection:
        items = value if type(value) is list else [value]
        return items if all(item is None or test(item) for item in items) else None
    if type(value) is list and len(value) == 1 and not test(value):
        value = value[0]
    return value if test(value) else None


def _as_text(element: Any, ns: str) -> str | None:
    """A boxed expression written as FEEL text, or None when it is not one FEEL can write."""
    if not isinstance(element.tag, str):
        return None
    tag = element.tag.removeprefix(ns)
    children = [child for child in element if isinstance(child.tag, str) and child.tag != ns + "extensionElements"]
    parts = [_as_text(grandchild, ns) for child in children for grandchild in child
             if isinstance(grandchild.tag, str)] if tag in ("conditional", "filter", "for", "some", "every") else []
    if tag == "literalExpression":
        text = element.find(ns + "text")
        return None if text is None else f"({text.text or ''})"
    if tag == "list":
        items = [_as_text(child, ns) for child in children]
        return None if None in items else "[" + ", ".join(items) + "]"  # type: ignore[arg-type]
    if tag == "context":
        return _context_text(children, ns)
    if None in parts or not parts:
        return None
    variable = element.get("iteratorVariable")
    if tag == "conditional" and len(parts) == 3:
        return f"(if {parts[0]} then {parts[1]} else {parts[2]})"
    if tag == "filter" and len(parts) == 2:
        return f"({parts[0]}[{parts[1]}])"
    if tag == "for" and len(parts) == 2:
        return f"(for {variable} in {parts[0]} return {parts[1]})"
    if tag in ("some", "every") and len(parts) == 2:
        return f"({tag} {variable} in {parts[0]} satisfies {parts[1]})"
    return None


def _context_text(entries: list[Any], ns: str) -> str | None:
    written, result = [], None
    for entry in entries:
        variable = entry.find(ns + "variable")
        value = next((_as_text(child, ns) for child in entry if child.tag != ns + "variable"), None)
        if value is None:
            return None
        if variable is None:
            result = value
        else:
            written.append(f"{json.dumps(variable.get('name'))}: {value}")
    if result is not None:
        written.append(f'"__result": {result}')
    text = "{" + ", ".join(written) + "}"
    return f"({text}.__result)" if result is not None else text


def _item_types(root: Any, ns: str) -> dict[str, tuple[str, bool] | None]:
    """Item definitions that rename a FEEL type (or a list of one); None for structured ones."""
    found: dict[str, tuple[str, bool] | None] = {}
    for definition in root.iter(ns + "itemDefinition"):
        type_ref = definition.find(ns + "typeRef")
        simple_type = type_ref is not None and simple(type_ref.text or "") is not None
        collection = definition.get("isCollection") == "true"
        found[definition.get("name") or ""] = ((type_ref.text or ""), collection) if simple_type else None
    return found


def same(actual: Any, expected: Any) -> bool:
    """Equal as FEEL sees it, numbers within 1e-8 (the TCK rounds irrational results), zones compared too."""
    if isinstance(expected, Decimal) and isinstance(actual, Decimal):
        return abs(actual - expected) <= Decimal("1e-8") * max(Decimal(1), abs(expected))
    if isinstance(expected, list) and isinstance(actual, list):
        return len(actual) == len(expected) and all(same(a, e) for a, e in zip(actual, expected))
    if isinstance(expected, dict) and isinstance(actual, dict):
        return actual.keys() == expected.keys() and all(same(actual[k], expected[k]) for k in expected)
    if type(actual) is not type(expected):
        return False
    if expected is None or isinstance(expected, (bool, str)):
        return bool(actual == expected)
    return equal(actual, expected) is True and str(actual) == str(expected)


def cases() -> list[Case]:
    found = []
    for level in FOLDERS:
        for model in sorted((TCK / level).glob("*/*.dmn")):
            found.extend(_cases_of(model))
    return found


def _cases_of(model: Path) -> list[Case]:
    root = etree.parse(str(model)).getroot()
    ns = root.tag.split("}")[0] + "}"
    item_types = _item_types(root, ns)
    names = {element.get("id"): element.get("name") for element in root.iter(ns + "decision")}
    candidates: dict[str, Decision] = {}
    for decision in root.iter(ns + "decision"):
        text = next((_as_text(child, ns) for child in decision if _as_text(child, ns) is not None), None)
        if text is None or decision.find(ns + "knowledgeRequirement") is not None:
            continue
        variable = decision.find(ns + "variable")
        type_ref = variable.get("typeRef") if variable is not None else None
        if type_ref in item_types:
            resolved = item_types[type_ref]
            if resolved is None:
                continue  # a structured type: the DMN engine's business
            type_ref, collection = resolved
        else:
            collection = False
        if type_ref is not None and simple(type_ref) is None:
            continue
        hrefs = [required.get("href", "").lstrip("#")
                 for required in decision.findall(f"{ns}informationRequirement/{ns}requiredDecision")]
        requires = tuple(names.get(href) or "" for href in hrefs)
        candidates[decision.get("name") or ""] = Decision(text, type_ref, collection, requires)
    decisions = {name: decision for name, decision in candidates.items() if _usable(name, candidates, set())}
    found = []
    for test_file in sorted(model.parent.glob("*-test-*.xml")):
        for test_case in etree.parse(str(test_file)).getroot().iter(TESTS + "testCase"):
            if test_case.get("type") not in (None, "decision"):
                continue
            inputs = {node.get("name") or "": _value(node) for node in test_case.findall(TESTS + "inputNode")}
            for result in test_case.findall(TESTS + "resultNode"):
                name = result.get("name") or ""
                if name in decisions:
                    decision = decisions[name]
                    expected = result.find(TESTS + "expected")
                    found.append(Case(model.parent.name, name, decision.text, inputs,
                                      _value(expected) if expected is not None else None, decision.type_ref,
                                      decision.collection, decisions))
    return found


def _usable(name: str, candidates: dict[str, Decision], visiting: set[str]) -> bool:
    """Whether a decision and every decision it requires, transitively, are FEEL that can run here."""
    if name not in candidates or name in visiting:
        return False
    visiting.add(name)
    return all(_usable(required, candidates, visiting) for required in candidates[name].requires)
