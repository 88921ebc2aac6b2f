"""Camunda Spin's JSON reading: `S(...)` and `JSON(...)` over JSON text or a JSON variable, read-only, with
Spin's errors for what a node does not hold."""
from __future__ import annotations

from typing import Any

import pytest

from bpmn_runtime.juel import JuelEvaluationError, JuelLimitError, render

VARIABLES = {"text": '{"id": 7, "name": "Ada", "tags": ["a", "b"], "address": {"city": "Paris"}, "gone": null}',
             "order": {"id": 7, "lines": [{"qty": 2}]}, "big": '"' + "x" * 1_000_001 + '"'}


@pytest.mark.parametrize(("text", "expected"), [
    ("${S(text).prop('name').stringValue()}", "Ada"),
    ("${S(text).prop('id').numberValue() + 1}", 8),
    ("${S(text).prop('address').prop('city').stringValue()}", "Paris"),
    ("${S(text).prop('tags').elements().size()}", 2),
    ("${S(text).prop('tags').elements().get(0).stringValue()}", "a"),
    ("${S(text).prop('gone').isNull()}", True),
    ("${S(text).hasProp('name') and not S(text).hasProp('age')}", True),
    ("${S(text).fieldNames()}", ["id", "name", "tags", "address", "gone"]),
    ("${S(text).prop('tags').isArray() and S(text).isObject() and S(text).prop('id').isValue()}", True),
    ("${JSON(order).prop('lines').elements().get(0).prop('qty').numberValue()}", 2),
    ("${S(order).prop('lines')}", [{"qty": 2}]),  # a node leaving the expression is the value it holds
    ("lines: ${S(order).prop('lines')}", 'lines: [{"qty":2}]'),  # in text, its JSON
    ("${S(order).prop('id').value()}", 7),
])
def test_spin_reads_json(text: str, expected: Any) -> None:
    assert render(text, VARIABLES) == expected


@pytest.mark.parametrize(("text", "reason"), [
    ("${S(text).prop('age')}", "the JSON object has no property 'age'"),
    ("${S(text).prop('id').stringValue()}", "the JSON node holds Number, not String"),
    ("${S(text).prop('name').prop('x')}", "the JSON node holds String, which has no property 'x'"),
    ("${S(text).prop('name').elements()}", "the JSON node holds String, not Array"),
    ("${S('{not json')}", "S(...) cannot read the text as JSON"),
    ("${S(text).prop(7)}", "a JSON property name must be text"),
])
def test_what_a_node_does_not_hold_is_an_error_at_its_place(text: str, reason: str) -> None:
    with pytest.raises(JuelEvaluationError) as caught:
        render(text, VARIABLES)
    assert reason in str(caught.value) and caught.value.line == 1


def test_json_text_is_sized_before_it_is_read() -> None:
    with pytest.raises(JuelLimitError):
        render("${S(big).stringValue()}", VARIABLES)
