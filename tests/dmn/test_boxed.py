"""Boxed expressions, business knowledge models and decision services, evaluated through the DRG."""
from __future__ import annotations

from typing import Any

from bpmn_runtime.dmn import DecisionModel, parse_dmn
from bpmn_runtime.feel import to_python
from tests.dmn.models import decision, input_data, literal, model, requires, table


def value_of(body: str, decision_id: str, inputs: dict[str, Any] | None = None) -> Any:
    return to_python(DecisionModel(parse_dmn(model(body), "t.dmn")).evaluate(decision_id, inputs or {}).value)


def entry(name: str, logic: str, type_ref: str = "") -> str:
    typed = f' typeRef="{type_ref}"' if type_ref else ""
    return f'<contextEntry><variable name="{name}"{typed}/>{logic}</contextEntry>'


def test_a_context_sees_its_earlier_entries_and_gives_its_result_entry() -> None:
    context = f"<context>{entry('net price', literal('price * 0.8'))}{entry('tax', literal('net price * 0.2'))}" \
              f"<contextEntry>{literal('net price + tax')}</contextEntry></context>"
    body = input_data("price", "number") + decision("d", context, needs=requires("price"))
    assert value_of(body, "d", {"price": 100}) == 96
    without_result = f"<context>{entry('a', literal('1'))}{entry('b', literal('a + 1'))}</context>"
    assert value_of(decision("d", without_result), "d") == {"a": 1, "b": 2}


def test_lists_relations_conditionals_filters_and_iterators() -> None:
    ann, bob = literal('"Ann"'), literal('"Bob"')
    relation = ('<relation><column name="name"/><column name="age" typeRef="number"/>'
                f"<row>{ann}{literal('30')}</row><row>{bob}{literal('17')}</row></relation>")
    adults = f"<filter><in>{literal('people')}</in><match>{literal('age >= 18')}</match></filter>"
    names = f'<for iteratorVariable="p"><in>{literal("adults")}</in><return>{literal("p.name")}</return></for>'
    every = f'<every iteratorVariable="p"><in>{literal("people")}</in><satisfies>{literal("p.age > 10")}</satisfies></every>'
    some = f'<some iteratorVariable="p"><in>{literal("people")}</in><satisfies>{literal("p.age > 40")}</satisfies></some>'
    one, more, two = literal('"one"'), literal('"more"'), literal('"two"')
    conditional = (f"<conditional><if>{literal('count(adults) = 1')}</if><then>{one}</then>"
                   f"<else>{more}</else></conditional>")
    listed = f"<list>{literal('1')}{two}</list>"
    body = (decision("people", relation) + decision("adults", adults, needs=requires(decisions=("people",)))
            + decision("names", names, needs=requires(decisions=("adults",)))
            + decision("every", every, needs=requires(decisions=("people",)))
            + decision("some", some, needs=requires(decisions=("people",)))
            + decision("conditional", conditional, needs=requires(decisions=("adults",)))
            + decision("listed", listed))
    assert value_of(body, "people") == [{"name": "Ann", "age": 30}, {"name": "Bob", "age": 17}]
    assert value_of(body, "names") == ["Ann"]
    assert (value_of(body, "every"), value_of(body, "some")) == (True, False)
    assert value_of(body, "conditional") == "one"
    assert value_of(body, "listed") == [1, "two"]


def knowledge(ident: str, parameters: list[str], logic: str, needs: str = "") -> str:
    formal = "".join(f'<formalParameter name="{name}" typeRef="number"/>' for name in parameters)
    return (f'<businessKnowledgeModel id="{ident}" name="{ident}"><variable name="{ident}"/>{needs}'
            f"<encapsulatedLogic>{formal}{logic}</encapsulatedLogic></businessKnowledgeModel>")


def test_knowledge_models_are_functions_invoked_from_feel_and_from_invocations() -> None:
    payment = knowledge("Payment", ["rate", "amount"], literal("amount * rate / 100"))
    tiered = knowledge("Tier", ["amount"], table(["amount"], ["tier"], [(["< 1000"], ['"small"']),
                                                                          ([">= 1000"], ['"large"'])]))
    invocation = ('<invocation>' + literal("Payment")
                  + f'<binding><parameter name="rate"/>{literal("5")}</binding>'
                  + f'<binding><parameter name="amount"/>{literal("loan")}</binding></invocation>')
    body = (payment + tiered + input_data("loan", "number")
            + decision("by feel", literal("Payment(2, loan) + Payment(amount: loan, rate: 1)"),
                       needs=requires("loan", knowledge=("Payment",)))
            + decision("by invocation", invocation, needs=requires("loan", knowledge=("Payment",)))
            + decision("by table", literal("Tier(loan)"), needs=requires("loan", knowledge=("Tier",))))
    assert value_of(body, "by feel", {"loan": 1000}) == 30
    assert value_of(body, "by invocation", {"loan": 1000}) == 50
    assert value_of(body, "by table", {"loan": 1000}) == "large"


def test_a_knowledge_model_may_call_itself() -> None:
    factorial = knowledge("fact", ["n"], literal("if n <= 1 then 1 else n * fact(n - 1)"),
                          needs='<knowledgeRequirement><requiredKnowledge href="#fact"/></knowledgeRequirement>')
    body = factorial + decision("d", literal("fact(10)"), needs=requires(knowledge=("fact",)))
    assert value_of(body, "d") == 3628800


def test_an_argument_of_the_wrong_type_makes_the_call_null_with_a_note() -> None:
    body = knowledge("double", ["x"], literal("x * 2")) + decision(
        "d", literal('double("two")'), needs=requires(knowledge=("double",)))
    result = DecisionModel(parse_dmn(model(body), "t.dmn")).evaluate("d")
    assert result.value is None
    assert result.notes == ('the argument \'x\' of \'double\' is string "two", which is not of the type number: it '
                            "becomes null",)


SERVICE = (input_data("base", "number")
           + decision("doubled", literal("base * 2"), type_ref="number", needs=requires("base"))
           + decision("plus", literal("doubled + bonus"), needs=requires(decisions=("doubled", "bonus")))
           + decision("bonus", literal("1000"))
           + '<decisionService id="svc" name="Scoring"><variable name="Scoring"/>'
             '<outputDecision href="#plus"/><encapsulatedDecision href="#doubled"/>'
             '<inputDecision href="#bonus"/><inputData href="#i_base"/></decisionService>'
           + decision("caller", literal("Scoring(5, 10)"), needs=requires(knowledge=("svc",))))


def test_a_decision_service_takes_its_input_decisions_then_its_input_data() -> None:
    compiled = DecisionModel(parse_dmn(model(SERVICE), "t.dmn"))
    assert to_python(compiled.evaluate("caller").value) == 25
    assert to_python(compiled.evaluate_service("Scoring", {"bonus": 1, "base": 2}).value) == 5
    assert to_python(compiled.evaluate("plus", {"base": 3}).value) == 1006


def test_a_decision_is_evaluated_once_however_many_decisions_require_it() -> None:
    body = (input_data("n", "number") + decision("shared", literal("n + 1"), needs=requires("n"))
            + decision("a", literal("shared * 2"), needs=requires(decisions=("shared",)))
            + decision("b", literal("shared + a"), needs=requires(decisions=("shared", "a"))))
    assert value_of(body, "b", {"n": 1}) == 6


def test_a_decision_sees_only_what_it_requires_unless_inputs_are_in_scope() -> None:
    compiled = DecisionModel(parse_dmn(model(decision("d", literal("season")), ), "t.dmn"))
    assert compiled.evaluate("d", {"season": "Fall"}).value is None
    assert compiled.evaluate("d", {"season": "Fall"}, inputs_in_scope=True).value == "Fall"
