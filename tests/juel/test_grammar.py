"""The grammar: literals, every operator and its precedence, property access, composite text, errors."""
from __future__ import annotations

from typing import Any

import pytest

from bpmn_runtime.juel import JuelSyntaxError, compile_template, render


def evaluate(text: str, **variables: Any) -> Any:
    return compile_template(text).evaluate(variables)


@pytest.mark.parametrize(("text", "expected"), [
    ("${'single'}", "single"),
    ('${"double"}', "double"),
    (r"${'it\'s'}", "it's"),
    (r'${"say \"hi\""}', 'say "hi"'),
    (r"${'back\\slash'}", "back\\slash"),
    ("${'a \"quote\"'}", 'a "quote"'),
    ('${"}"}', "}"),
    ("${0}", 0),
    ("${9223372036854775807}", 2**63 - 1),
    ("${1.5}", 1.5),
    ("${1.}", 1.0),
    ("${.5}", 0.5),
    ("${1e3}", 1000.0),
    ("${1.5E-3}", 0.0015),
    ("${true}", True),
    ("${false}", False),
    ("${null}", None),
])
def test_literals(text: str, expected: Any) -> None:
    result = evaluate(text)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize(("text", "expected"), [
    ("${1 + 2 * 3}", 7),
    ("${(1 + 2) * 3}", 9),
    ("${10 - 4 - 3}", 3),  # left to right
    ("${2 * 3 % 4}", 2),
    ("${7 / 2}", 3.5),
    ("${7 div 2}", 3.5),
    ("${7 % 3}", 1),
    ("${7 mod 3}", 1),
    ("${-7 % 3}", -1),  # Java's remainder keeps the dividend's sign
    ("${-2 * 3}", -6),
    ("${- -2}", 2),
    ("${1 < 2}", True), ("${1 lt 2}", True), ("${2 > 1}", True), ("${2 gt 1}", True),
    ("${2 <= 2}", True), ("${2 le 1}", False), ("${2 >= 3}", False), ("${3 ge 3}", True),
    ("${1 == 1}", True), ("${1 eq 2}", False), ("${1 != 2}", True), ("${1 ne 1}", False),
    ("${1 < 2 == true}", True),  # relational binds tighter than equality
    ("${true && false}", False), ("${true and true}", True),
    ("${false || true}", True), ("${false or false}", False),
    ("${true || false && false}", True),  # && binds tighter than ||
    ("${!true}", False), ("${not false}", True),
    ("${!false && false}", False),  # ! binds tighter than &&
    ("${empty ''}", True), ("${empty 'x'}", False),
    ("${not empty ''}", False),
    ("${empty null == true}", True),  # empty binds tighter than ==
    ("${true ? 1 : 2}", 1),
    ("${false ? 1 : true ? 2 : 3}", 2),  # ? : nests to the right
    ("${1 + 2 > 2 ? 'big' : 'small'}", "big"),  # ? : binds loosest
    ("${1 == 1 || x}", True),  # || stops at the first true operand: x is never read
    ("${1 == 2 && x}", False),
])
def test_operators_and_their_precedence(text: str, expected: Any) -> None:
    assert evaluate(text) == expected


def test_property_access_with_a_dot_and_brackets() -> None:
    order = {"customer": {"name": "Ada"}, "lines": [{"sku": "A-1"}], "from": "web", "class": "gold"}
    assert evaluate("${order.customer.name}", order=order) == "Ada"
    assert evaluate("${order['customer']['name']}", order=order) == "Ada"
    assert evaluate('${order["lines"][0].sku}', order=order) == "A-1"
    assert evaluate("${order.from} ${order.class}", order=order) == "web gold"  # Python keywords are plain names
    assert evaluate("${order[key]}", order=order, key="from") == "web"


def test_whitespace_and_lines_inside_expressions() -> None:
    assert evaluate("${ a\n  &&\tb }", a=True, b=True) is True


@pytest.mark.parametrize(("text", "expected"), [
    ("plain text", "plain text"),
    ("", ""),
    ("kermit_${loopCounter}", "kermit_3"),
    ("${loopCounter}${loopCounter}", "33"),
    ("#{loopCounter} of #{total}", "3 of 5"),
    ("Dear ${name},\nyour order ${id} is ${state}.", "Dear Ada,\nyour order 7 is null-free."),
    ("\\${not evaluated}", "${not evaluated}"),
    ("\\#{not evaluated}", "#{not evaluated}"),
    ("\\\\${loopCounter}", "\\${loopCounter}"),  # JUEL: a run of backslashes loses one and escapes ${
    ("a \\ b $ c # d { e } f", "a \\ b $ c # d { e } f"),
    ("cost: $${total}", "cost: $5"),
    ("${flag} and ${none}", "true and "),  # null is empty text
])
def test_composite_text(text: str, expected: str) -> None:
    variables = {"loopCounter": 3, "total": 5, "name": "Ada", "id": 7, "state": "null-free", "flag": True,
                 "none": None}
    assert render(text, variables) == expected


def test_a_lone_expression_keeps_its_type_and_composite_text_is_text() -> None:
    assert evaluate("${items}", items=[1, 2]) == [1, 2]
    assert evaluate(" ${n}", n=1) == " 1"
    assert evaluate("${n}${n}", n=1.0) == "1.01.0"


def test_render_returns_text_without_expressions_unchanged() -> None:
    assert render("Approve order", {}) == "Approve order"
    assert render("PT5M", {}) == "PT5M"


@pytest.mark.parametrize(("text", "column", "reason"), [
    ("${a +}", 6, "expected a value"),
    ("${a b}", 5, "expected an operator or '}', found 'b'"),
    ("${f(a b)}", 7, "expected an operator or ')'"),
    ("${a[1}", 6, "expected an operator or ']'"),
    ("${a ? b}", 8, "expected an operator or ':'"),
    ("${a", 1, "the text ends before this '${' is closed with '}'"),
    ("x ${(a", 5, "the text ends before this '(' is closed with ')'"),
    ("${'open}", 3, "this string is never closed"),
    ('${"tab\\t"}', 7, "'\\t' is not an escape EL knows"),
    ("${a = 1}", 5, "compare with '==' or 'eq'"),
    ("${a & b}", 5, "write '&&' or 'and'"),
    ("${a instanceof b}", 5, "'instanceof' is reserved"),
    ("${x.empty}", 5, "'empty' is a reserved word of EL and cannot follow '.'"),
    ("${9**9**9 > 1}", 5, "expected a value"),  # EL has no power operator
    ("${}", 3, "expected a value"),
    ("${[1, 2]}", 3, "expected a value"),  # no collection literals in Camunda 7's EL
    ("${99999999999999999999}", 3, "too large for EL"),
    ("${a} #{b}", 6, "mixes ${...} and #{...}"),
    ("${a +\n  }", 3, "expected a value"),
])
def test_syntax_errors_are_located_and_plain(text: str, column: int, reason: str) -> None:
    with pytest.raises(JuelSyntaxError) as caught:
        compile_template(text)
    assert caught.value.column == column
    assert reason in str(caught.value)
    assert str(caught.value).startswith(f'cannot parse "{text}": line ')


def test_errors_on_later_lines_name_that_line() -> None:
    with pytest.raises(JuelSyntaxError) as caught:
        compile_template("first line\n${a +\n }")
    assert (caught.value.line, caught.value.column) == (3, 2)


def test_templates_are_parsed_once_and_cached() -> None:
    compile_template.cache_clear()
    for counter in range(100):
        compile_template("${counter < 50}").evaluate({"counter": counter})
    info = compile_template.cache_info()
    assert (info.misses, info.hits) == (1, 99)


def test_threads_can_compile_and_evaluate_at_once() -> None:
    from concurrent.futures import ThreadPoolExecutor

    def work(number: int) -> Any:
        return compile_template(f"${{n + {number}}} and ${{s.substring({number % 3})}}").evaluate({"n": 1, "s": "abc"})

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(400)))
    assert results[5] == "6 and c" and len(set(results)) == 400
