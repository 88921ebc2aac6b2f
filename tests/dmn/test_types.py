"""Item definitions: allowed values, collections, structures, the singleton-list conversions of DMN
10.3.2.9.4, and null (with a note) for a value that does not conform."""
from __future__ import annotations

from typing import Any

import pytest

from bpmn_runtime.dmn import DecisionModel, parse_dmn
from bpmn_runtime.feel import to_python
from tests.dmn.models import decision, input_data, literal, model, requires

TYPES = """
<itemDefinition name="tGrade"><typeRef>string</typeRef><allowedValues><text>"A","B","C"</text></allowedValues></itemDefinition>
<itemDefinition name="tGrades" isCollection="true"><typeRef>tGrade</typeRef></itemDefinition>
<itemDefinition name="tPerson">
  <itemComponent name="name"><typeRef>string</typeRef></itemComponent>
  <itemComponent name="age"><typeRef>number</typeRef><allowedValues><text>[0..150]</text></allowedValues></itemComponent>
</itemDefinition>
"""


def echo(type_ref: str, value: Any) -> tuple[Any, tuple[str, ...]]:
    """What an input of the type gives a decision that returns it unchanged, and the notes."""
    body = TYPES + input_data("x", type_ref) + decision("d", literal("x"), needs=requires("x"))
    result = DecisionModel(parse_dmn(model(body), "t.dmn")).evaluate("d", {"x": value})
    return to_python(result.value), result.notes


@pytest.mark.parametrize(("type_ref", "value", "expected"), [
    ("tGrade", "B", "B"),
    ("tGrade", "D", None),
    ("tGrade", ["A"], "A"),
    ("tGrades", ["A", "C"], ["A", "C"]),
    ("tGrades", "A", ["A"]),
    ("tGrades", ["A", "Z"], None),
    ("tPerson", {"name": "Ann", "age": 30, "extra": True}, {"name": "Ann", "age": 30, "extra": True}),
    ("tPerson", {"name": "Ann", "age": 200}, None),
    ("tPerson", {"name": "Ann"}, None),
    ("number", "12", None),
    ("date", "2024-01-01", None),
    ("list&lt;number&gt;", [1, 2], [1, 2]),
    ("list&lt;number&gt;", ["a"], None),
    ("Any", "anything", "anything"),
])
def test_values_are_kept_converted_or_null(type_ref: str, value: Any, expected: Any) -> None:
    assert echo(type_ref, value)[0] == expected


def test_a_value_of_another_type_is_null_and_the_note_says_why() -> None:
    assert echo("tGrade", "D") == (None, ('the input data \'x\' is string "D", which is not of the type tGrade: it '
                                          "becomes null",))


def test_a_decision_result_is_converted_to_the_decision_type() -> None:
    body = TYPES + decision("one", literal('["B"]'), type_ref="tGrade") + decision(
        "bad", literal("42"), type_ref="tGrade")
    compiled = DecisionModel(parse_dmn(model(body), "t.dmn"))
    assert compiled.evaluate("one").value == "B"
    bad = compiled.evaluate("bad")
    assert bad.value is None and "the value of decision 'bad' is number 42" in bad.notes[0]
