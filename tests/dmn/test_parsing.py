"""Reading DMN 1.1 to 1.5 files, and what a deployment refuses, each problem located as `file:line id: message`."""
from __future__ import annotations

import pytest

from bpmn_runtime.dmn import DecisionModel, checked_model, is_dmn, parse_dmn
from bpmn_runtime.errors import DeploymentError
from tests.dmn.models import decision, input_data, literal, model, requires, table

DMN11 = b"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/DMN/20151101/dmn.xsd" xmlns:feel="http://www.omg.org/spec/FEEL/20140401"
    id="d" name="old" namespace="http://example.org/old">
  <decision id="dish" name="Dish">
    <decisionTable id="t" hitPolicy="RULE ORDER">
      <input id="i1" label="Season"><inputExpression typeRef="feel:string"><text>season</text></inputExpression></input>
      <output id="o1" name="dish" typeRef="feel:string"/>
      <rule id="r1"><inputEntry><text>"Fall"</text></inputEntry><outputEntry><text>"Stew"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>"""


def problems(data: bytes) -> list[str]:
    with pytest.raises(DeploymentError) as refused:
        checked_model(parse_dmn(data, "t.dmn"), {})
    return [str(problem) for problem in refused.value.problems]


def test_a_dmn_1_1_file_with_prefixed_types_is_read() -> None:
    definitions = parse_dmn(DMN11, "old.dmn")
    assert is_dmn(DMN11) and not is_dmn(b"<bpmn:definitions xmlns:bpmn='x'/>")
    result = DecisionModel(definitions).evaluate("Dish", {"season": "Fall"}, inputs_in_scope=True)
    assert result.value == ["Stew"]
    assert [match.rules for match in result.matches] == [((1, "r1"),)]


def test_feel_that_does_not_parse_is_refused_where_it_is_written() -> None:
    found = problems(model(input_data("a", "number") + decision("d", literal("a +* 2"), name="Total price",
                                                                needs=requires("a"))))
    assert found == ["t.dmn:3 d: decision 'Total price': the expression 'a +* 2' is not FEEL: line 1, column 4: "
                     "expected an expression, but found '*'"]


def test_an_input_entry_that_does_not_parse_names_its_rule_and_input() -> None:
    found = problems(model(decision("d", table(["x"], ["y"], [(["[1..]"], ["1"])]))))
    assert len(found) == 1 and "rule 1, input 'x': the entry '[1..]' is not FEEL unary tests" in found[0]


@pytest.mark.parametrize(("body", "message"), [
    (decision("d", '<functionDefinition kind="Java"/>'), "a function of kind Java would run Java code"),
    (decision("d", '<literalExpression expressionLanguage="javascript"><text>1</text></literalExpression>'),
     "the expression language 'javascript' is not FEEL"),
    (decision("d", literal("1"), type_ref="tMissing"), "the type 'tMissing' is neither a FEEL type nor an item"),
    (decision("d", literal("1"), needs=requires(decisions=("gone",))), "decision 'd' requires 'gone', which is not"),
    (decision("a", literal("b"), needs=requires(decisions=("b",))) + decision(
        "b", literal("a"), needs=requires(decisions=("a",))), "requires itself through the decisions it requires"),
    (decision("d", table(["x"], ["y"], [], hit_policy="SOMETIMES")), "the hit policy 'SOMETIMES' is not one of"),
    (decision("d", table(["x"], ["y"], [], hit_policy="FIRST", aggregation="SUM")),
     "the aggregation 'SUM' needs the hit policy COLLECT"),
    (decision("d", table(["x"], ["y"], [(["1", "2"], ["3"])])), "the rule has 2 input and 1 output entries"),
    ('<import namespace="urn:elsewhere" name="lib" importType="https://www.omg.org/spec/DMN/20230324/MODEL/"/>',
     "the imported model 'lib' (namespace urn:elsewhere) is not deployed"),
])
def test_what_cannot_run_as_drawn_is_refused(body: str, message: str) -> None:
    found = problems(model(body))
    assert any(message in problem for problem in found), found


def test_a_file_that_is_not_dmn_or_declares_a_dtd_is_refused() -> None:
    with pytest.raises(DeploymentError, match="not a DMN file"):
        parse_dmn(b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"/>', "t.dmn")
    with pytest.raises(DeploymentError, match="declares a DTD"):
        parse_dmn(b'<!DOCTYPE x [<!ENTITY e "e">]>' + model(""), "t.dmn")
