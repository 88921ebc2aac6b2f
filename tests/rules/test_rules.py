"""Each rule of the catalogue, checked on a model that breaks it and one that keeps it; and the catalogue itself:
every registered rule has a test here, says its id first in its docstring, and is listed in docs/static-rules.md."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import bpmn_runtime.parser  # noqa: F401  (registers every rule)
from bpmn_runtime.errors import DeploymentError, Problem
from bpmn_runtime.parser import parse
from bpmn_runtime.parser.validation.catalogue import ALIASES, BY_SCHEMA, RULES, checked_rules
from tests.rules.cases import CASES, SCHEMA_CASES
from tests.rules.models import Case

CATALOGUE = Path(__file__).resolve().parents[2] / "docs" / "static-rules.md"


def problems_of(data: bytes) -> list[Problem]:
    try:
        parse(data, "rule.bpmn")
    except DeploymentError as refused:
        return refused.problems
    return []


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_a_model_that_breaks_the_rule_is_refused_at_the_element(case: Case) -> None:
    found = problems_of(case.broken)
    assert any(p.rule == case.rule and p.element_id == case.element for p in found), \
        f"expected {case.rule} at '{case.element}', got:\n" + "\n".join(f"{p.rule} {p}" for p in found)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_a_model_that_keeps_the_rule_is_not_refused_for_it(case: Case) -> None:
    found = problems_of(case.kept)
    if case.kept_deploys:
        assert not found, "\n".join(f"{p.rule} {p}" for p in found)
    assert not [p for p in found if p.rule == case.rule]


@pytest.mark.parametrize("case", SCHEMA_CASES, ids=lambda case: case.name)
def test_the_rules_the_schema_enforces(case: Case) -> None:
    assert any(p.rule == "XSD" for p in problems_of(case.broken))
    found = problems_of(case.kept)
    assert not [p for p in found if p.rule == "XSD"], "\n".join(map(str, found))
    if case.kept_deploys:
        assert not found, "\n".join(map(str, found))


def test_every_rule_has_a_case() -> None:
    tested = {case.rule for case in CASES}
    assert set(RULES) <= tested, sorted(set(RULES) - tested)
    assert {case.name for case in SCHEMA_CASES} == set(BY_SCHEMA)


def test_every_check_names_its_rule_first_in_its_docstring() -> None:
    for rule_id, checks in RULES.items():
        for check in checks:
            assert (check.__doc__ or "").startswith(rule_id), f"{check.__module__}.{check.__name__}"


def test_problems_carry_the_rule_but_do_not_show_it() -> None:
    found = problems_of(CASES[1].broken)
    assert found and all(p.rule is None or p.rule not in str(p) for p in found)


def test_the_catalogue_lists_every_rule_with_its_status() -> None:
    text = CATALOGUE.read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| (EXT\.\d{3}) \| [^|]+ \| (checked|not checked)", text, re.MULTILINE))
    assert sorted(rows) == [f"EXT.{n:03d}" for n in range(1, 153)], "every EXT rule has one row"
    checked = {rule for rule, status in rows.items() if status == "checked"}
    enforced = {rule for rule in checked_rules() if rule.startswith("EXT.")}
    assert checked == enforced, (sorted(checked - enforced), sorted(enforced - checked))
    for rule_id in RULES:
        if rule_id.startswith("REF."):
            assert f"| {rule_id} |" in text
    for rule_id, aliases in ALIASES.items():
        for alias in aliases:
            assert rule_id in rows or rule_id in text, alias
