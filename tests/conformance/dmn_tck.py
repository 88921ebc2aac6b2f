"""Run the DMN TCK's test cases: `python tests/conformance/dmn_tck.py DIR [--levels]`.

Every folder under DIR holding `*-test-*.xml` files is a TCK test folder: its `.dmn` files are deployed as
this engine deploys them (parsed, imports resolved by namespace among the folder's models, checked),
then each test case evaluates the decisions (or invokes the decision service) it names with its inputs.
One line per case, `PASS folder/id` or `FAIL folder/id: expected ... got ...`, then `N passed, M failed`.
A case passes when every result it lists is the value expected: numbers by value (where the TCK wrote an
irrational result rounded, to 8 or more decimal places, within 1e-8 of it), temporal values by value and type, nulls
(an expected error is a null), lists item by item, contexts entry by entry.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from lxml import etree

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bpmn_runtime.dmn import DecisionError, DecisionModel, Definitions, checked_model, read_deployed  # noqa: E402
from bpmn_runtime.dmn.parser import parse_dmn  # noqa: E402
from bpmn_runtime.errors import DeploymentError  # noqa: E402
from bpmn_runtime.feel import feel_text  # noqa: E402
from bpmn_runtime.feel.temporal import parse_date, parse_date_time, parse_duration, parse_time  # noqa: E402
from bpmn_runtime.feel.values import equal  # noqa: E402

TESTS = "{http://www.omg.org/spec/DMN/20160719/testcase}"
XSI = "{http://www.w3.org/2001/XMLSchema-instance}"
ROUNDED_PLACES = 8  # the TCK writes irrational results (exp, sqrt, stddev, x ** 2.55) with 8 or more places
ROUNDED_TOLERANCE = Decimal("1e-8")


@dataclass(frozen=True)
class Outcome:
    name: str
    passed: bool
    detail: str = ""
    level: str = ""


def value_of(element: Any) -> Any:
    """A FEEL value from the TCK's XML: a value (typed, or nil), a list of items, or components."""
    value = element.find(TESTS + "value")
    if value is not None:
        if value.get(XSI + "nil") == "true":
            return None
        return _typed(value.text or "", (value.get(XSI + "type") or "").rpartition(":")[2])
    items = element.find(TESTS + "list")
    if items is not None:
        return [value_of(item) for item in items.findall(TESTS + "item")]
    components = element.findall(TESTS + "component")
    if components:
        return {component.get("name"): value_of(component) for component in components}
    return None


def _typed(text: str, kind: str) -> Any:
    parsers = {"date": parse_date, "time": parse_time, "dateTime": parse_date_time, "duration": parse_duration}
    if kind in ("decimal", "double", "integer", "int", "long", "float", "short"):
        return Decimal(text.strip())
    if kind == "boolean":
        return text.strip() == "true"
    if kind in parsers:
        return parsers[kind](text.strip())
    return text


def same(actual: Any, expected: Any) -> bool:
    if isinstance(expected, Decimal) and isinstance(actual, Decimal):
        if actual == expected:
            return True
        places = -int(expected.as_tuple().exponent)
        return places >= ROUNDED_PLACES and abs(actual - expected) <= ROUNDED_TOLERANCE * max(Decimal(1), abs(expected))
    if isinstance(expected, list) and isinstance(actual, list):
        return len(actual) == len(expected) and all(same(a, e) for a, e in zip(actual, expected))
    if isinstance(expected, dict) and isinstance(actual, dict):
        return actual.keys() == expected.keys() and all(same(actual[k], expected[k]) for k in expected)
    if type(actual) is not type(expected):
        return False
    if expected is None or isinstance(expected, (bool, str)):
        return bool(actual == expected)
    return equal(actual, expected) is True


def _shown(value: Any) -> str:
    text = feel_text(value)
    return text if len(text) <= 300 else text[:297] + "..."


def _models(folder: Path) -> tuple[dict[str, Definitions], dict[str, str]]:
    """The folder's models by file name, and the problems of those that cannot be read."""
    models: dict[str, Definitions] = {}
    refused: dict[str, str] = {}
    for path in sorted(folder.glob("*.dmn")):
        try:
            models[path.name] = parse_dmn(path.read_bytes(), path.name)
        except DeploymentError as error:
            refused[path.name] = str(error)
            models[path.name] = read_deployed(path.read_bytes(), path.name)
    return models, refused


def run_folder(folder: Path, name: str, level: str) -> list[Outcome]:
    models, refused = _models(folder)
    by_namespace = {model.namespace: model for model in models.values()}
    compiled: dict[str, DecisionModel | str] = {}
    outcomes = []
    test_files = sorted(folder.glob("*-test-*.xml"))
    for test_file in test_files:
        root = etree.parse(str(test_file)).getroot()
        model_name = (root.findtext(TESTS + "modelName") or "").strip()
        if model_name not in compiled:
            if model_name in refused:
                compiled[model_name] = refused[model_name]
            elif model_name not in models:
                compiled[model_name] = f"the model {model_name} is not in the folder"
            else:
                try:
                    compiled[model_name] = checked_model(models[model_name], by_namespace)
                except DeploymentError as error:
                    compiled[model_name] = str(error)
        model = compiled[model_name]
        prefix = f"{name}/" + (f"{test_file.stem}:" if len(test_files) > 1 else "")
        for case in root.iter(TESTS + "testCase"):
            case_name = prefix + (case.get("id") or "?")
            if isinstance(model, str):
                outcomes.append(Outcome(case_name, False, f"the model was refused: {' '.join(model.split())}", level))
            else:
                outcomes.append(_run_case(model, case, case_name, level))
    return outcomes


def _run_case(model: DecisionModel, case: Any, case_name: str, level: str) -> Outcome:
    inputs: dict[str, Any] = {}
    namespaced: dict[str, dict[str, Any]] = {}
    for node in case.findall(TESTS + "inputNode"):
        where = node.get("namespace")
        target = namespaced.setdefault(where, {}) if where and where != model.definitions.namespace else inputs
        target[node.get("name") or ""] = value_of(node)
    failures = []
    for result in case.findall(TESTS + "resultNode"):
        name = result.get("name") or ""
        expected_node = result.find(TESTS + "expected")
        expected = value_of(expected_node) if expected_node is not None else None
        try:
            if case.get("type") == "decisionService":
                service_name = case.get("invocableName") or ""
                outcome = model.evaluate_service(service_name, inputs)
                actual = outcome.value
                service = model.definitions.service_named(service_name)
                if service is not None and len(service.output_decisions) > 1 and isinstance(actual, dict):
                    actual = actual.get(name)
            else:
                actual = model.evaluate(name, inputs, given=inputs, namespaced_inputs=namespaced).value
        except DecisionError as error:
            actual = None
            if expected is not None:
                failures.append(f"{name}: expected {_shown(expected)} got an error: {error}")
                continue
        if not same(actual, expected):
            failures.append(f"{name}: expected {_shown(expected)} got {_shown(actual)}")
    if failures:
        return Outcome(case_name, False, "; ".join(failures), level)
    return Outcome(case_name, True, "", level)


def run(directory: Path) -> list[Outcome]:
    outcomes = []
    folders = sorted({path.parent for path in directory.rglob("*-test-*.xml")})
    for folder in folders:
        relative = folder.relative_to(directory)
        level = relative.parts[0] if len(relative.parts) > 1 else ""
        outcomes.extend(run_folder(folder, folder.name, level))
    return outcomes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--levels", action="store_true", help="also print the figures per compliance level")
    arguments = parser.parse_args(argv)
    outcomes = run(arguments.directory)
    for outcome in outcomes:
        print(f"PASS {outcome.name}" if outcome.passed else f"FAIL {outcome.name}: {outcome.detail}")
    if arguments.levels:
        for level in sorted({outcome.level for outcome in outcomes}):
            chosen = [outcome for outcome in outcomes if outcome.level == level]
            passed = sum(outcome.passed for outcome in chosen)
            print(f"{level or '(top)'}: {passed} of {len(chosen)} passed ({100 * passed / len(chosen):.1f}%)")
    passed = sum(outcome.passed for outcome in outcomes)
    print(f"{passed} passed, {len(outcomes) - passed} failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
