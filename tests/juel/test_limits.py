"""Budgets: hostile or runaway texts get a clean JuelError quickly, never a hang or a Python exception."""
from __future__ import annotations

import time
from typing import Any

import pytest

from bpmn_runtime.juel import JuelLimitError, JuelSyntaxError, compile_template
from bpmn_runtime.juel.limits import MAX_STRING, MAX_TEXT


def refused_quickly(text: str, variables: dict[str, Any] | None = None) -> JuelLimitError | JuelSyntaxError:
    started = time.perf_counter()
    with pytest.raises((JuelLimitError, JuelSyntaxError)) as caught:
        compile_template(text).evaluate(variables or {})
    assert time.perf_counter() - started < 1.0
    assert len(str(caught.value)) < 400  # the message quotes a shortened text
    return caught.value


def test_a_one_megabyte_expression_is_refused_before_parsing() -> None:
    error = refused_quickly("${" + "a + " * 250_000 + "a}")
    assert f"more than {MAX_TEXT:,}" in str(error) and error.line is None


def test_ten_thousand_nested_parentheses_are_refused_quickly() -> None:
    refused_quickly("${" + "(" * 10_000 + "1" + ")" * 10_000 + "}")  # by its length, or else by its depth


@pytest.mark.parametrize("text", [
    "${" + "(" * 9_990 + "1}",
    "${" + "!" * 10_000 + "true}",
    "${" + "-" * 9_000 + "1}",
    "${" + "a ? " * 2_000 + "1" + " : 2" * 2_000 + "}",
    "${" + "f(" * 5_000 + ")" * 5_000 + "}",
    "${" + "a[" * 5_000 + "0" + "]" * 5_000 + "}",
])
def test_deep_nesting_is_refused_early(text: str) -> None:
    error = refused_quickly(text)
    assert isinstance(error, JuelLimitError) and "nested too deeply" in str(error)


def test_long_flat_chains_are_not_nesting() -> None:
    text = "${" + " + ".join(["1"] * 4_000) + "}"
    assert compile_template(text).evaluate({}) == 4_000


def test_unterminated_strings_and_escapes_fail_fast() -> None:
    for text in ["${'" + "\\'" * 9_000 + "}", '${"' + "a" * 19_000, "${" + "\\" * 19_000, "${" + "'a" * 9_000 + "}"]:
        refused_quickly(text)


@pytest.mark.parametrize(("text", "variables"), [
    ('${s.replace("a", t)}', {"s": "a" * 1_000, "t": "b" * 2_000}),
    ('${s.replace("", t)}', {"s": "a" * 1_000, "t": "b" * 1_000}),
    ('${s.replaceAll("", t)}', {"s": "a" * 1_000, "t": "b" * 1_000}),
    ("${s.concat(s)}", {"s": "a" * 600_000}),
    ("${s}${s}", {"s": "a" * 600_000}),
    ("items: ${items}", {"items": ["a" * 100_000] * 20}),
])
def test_strings_are_sized_before_they_are_built(text: str, variables: dict[str, Any]) -> None:
    error = refused_quickly(text, variables)
    assert f"more than {MAX_STRING:,}" in str(error) or "longer than" in str(error)


def test_work_is_bounded() -> None:
    text = "${" + " || ".join(['s.contains("b")'] * 40) + "}"
    error = refused_quickly(text, {"s": "a" * 900_000})
    assert "units of work" in str(error)


def test_big_integers_are_bounded() -> None:
    error = refused_quickly("${b * b * b * b * b * b * b * b * b * b * b * b}", {"b": 2**20_000})
    assert "bits" in str(error)


def test_results_within_the_limits_are_computed() -> None:
    assert len(compile_template('${s.replace("a", "bb")}').evaluate({"s": "a" * 400_000})) == 800_000
    assert compile_template("${b * b}").evaluate({"b": 2**1_000}) == 2**2_000


def test_the_text_of_a_list_is_sized_as_a_whole() -> None:
    error = refused_quickly("${items.toString()}", {"items": ["a" * 100_000] * 20})
    assert f"more than {MAX_STRING:,}" in str(error)


def test_many_small_parts_are_charged_once_each() -> None:
    text = "${s}" * 2_000
    assert len(compile_template(text).evaluate({"s": "a" * 400})) == 800_000
