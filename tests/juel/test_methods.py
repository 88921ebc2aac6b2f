"""Method calls models use: Java's String, List, Map and Number methods mapped onto Python values."""
from __future__ import annotations

from typing import Any

import pytest

from bpmn_runtime.juel import JuelEvaluationError, compile_template


def evaluate(text: str, **variables: Any) -> Any:
    return compile_template(text).evaluate(variables)


@pytest.mark.parametrize(("text", "expected"), [
    ('${s.contains("bc")}', True),
    ('${s.startsWith("ab")}', True), ('${s.startsWith("cd", 2)}', True), ('${s.endsWith("ef")}', True),
    ('${s.equals("abcdef")}', True), ("${s.equals(1)}", False),
    ('${s.equalsIgnoreCase("ABCDEF")}', True), ("${s.equalsIgnoreCase(null)}", False),
    ("${s.length()}", 6), ("${s.isEmpty()}", False), ("${''.isEmpty()}", True),
    ("${s.substring(2)}", "cdef"), ("${s.substring(1, 3)}", "bc"), ("${s.substring('1', 2.9)}", "b"),
    ('${s.indexOf("cd")}', 2), ('${s.indexOf("x")}', -1), ('${s.indexOf("c", 3)}', -1), ("${s.indexOf(99)}", 2),
    ('${"abab".lastIndexOf("ab")}', 2), ('${"abab".lastIndexOf("ab", 1)}', 0),
    ("${s.toUpperCase()}", "ABCDEF"), ('${"MiXed".toLowerCase()}', "mixed"),
    ('${"  x \t".trim()}', "x"),
    ('${s.replace("cd", "-")}', "ab-ef"), ('${"aaa".replace("a", "bb")}', "bbbbbb"),
    ('${"a1b22c".replaceAll("[0-9]+", "#")}', "a#b#c"),
    ('${"a1b22c".replaceFirst("[0-9]+", "#")}', "a#b22c"),
    ('${"john smith".replaceAll("(\\\\w+) (\\\\w+)", "$2, $1")}', "smith, john"),
    ('${"cost".replaceAll("cost", "\\\\$5")}', "$5"),
    ('${s.matches("[a-f]+")}', True), ('${s.matches("abc")}', False),  # the whole text must match
    ('${"a,b,,c,,".split(",")}', ["a", "b", "", "c"]),  # trailing empty pieces are dropped, as in Java
    ('${"a,b,c".split(",", 2)}', ["a", "b,c"]),
    ('${"abc".split("")}', ["a", "b", "c"]),
    ('${"".split(",")}', [""]),
    ("${s.charAt(1)}", "b"), ('${s.charAt(0) == "a"}', True),
    ('${s.concat("!")}', "abcdef!"), ("${s.concat(1)}", "abcdef1"),
    ('${"b".compareTo("a")}', 1), ('${"a".compareTo("abc")}', -2),
    ("${s.toString()}", "abcdef"),
    ('${"x".contains("")}', True),
])
def test_string_methods(text: str, expected: Any) -> None:
    assert evaluate(text, s="abcdef") == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("${items.size()}", 3), ("${items.get(1)}", "b"), ('${items.contains("c")}', True),
    ("${items.contains(1)}", False), ("${items.isEmpty()}", False), ('${items.indexOf("c")}', 2),
    ("${numbers.contains(2)}", True), ("${numbers.contains(2.0)}", False),  # Java's equals: a long is no double
    ("${tags.contains('x')}", True), ("${tags.size()}", 1),
    ('${order.get("id")}', 7), ('${order.get("none")}', None), ('${order.containsKey("id")}', True),
    ('${order.containsKey(1)}', False), ("${order.containsValue(7)}", True), ("${order.size()}", 2),
    ("${order.isEmpty()}", False), ("${order.keySet()}", ["id", "lines"]), ("${order.values()}", [7, []]),
    ("${order.keySet().contains('id')}", True),
    ("${n.intValue()}", 3), ("${x.intValue()}", 3), ("${x.longValue()}", 3), ("${n.doubleValue()}", 3.0),
    ("${x.toString()}", "3.75"), ("${n.toString()}", "3"), ("${n.equals(3)}", True), ("${n.equals(3.0)}", False),
    ("${big.intValue()}", -2147483648),  # Java's int cast keeps the low 32 bits
    ("${true.toString()}", "true"),
    ("${items.toString()}", "[a, b, c]"),
])
def test_list_map_and_number_methods(text: str, expected: Any) -> None:
    variables = {"items": ["a", "b", "c"], "numbers": [1, 2], "order": {"id": 7, "lines": []}, "n": 3, "x": 3.75,
                 "big": 2**31, "tags": {"x"}}
    assert evaluate(text, **variables) == expected


@pytest.mark.parametrize(("text", "reason"), [
    ("${s.substring(4, 2)}", 'substring(4, 2) is outside the text "abc", which has 3 characters'),
    ("${s.charAt(3)}", "charAt(3) is outside"),
    ("${s.contains(1)}", "the argument must be text, not the number 1"),
    ("${s.startsWith(null)}", "the argument is null"),
    ("${s.substring()}", "'substring' takes 1 or 2 arguments, not 0"),
    ("${s.length(1)}", "'length' takes 0 arguments, not 1"),
    ("${s.size()}", "the text \"abc\" has no method 'size'"),
    ("${items.get(5)}", "get(5) is outside the list, which has 1 items"),
    ("${items.trim()}", "a list has no method 'trim'"),
    ("${none.length()}", "'none' is null, so its method 'length' cannot be called"),
    ("${order.customer.trim()}", "'order.customer' is null, so its method 'trim' cannot be called"),
    ('${s.matches("(a)\\\\1")}', "patterns run on RE2, which has no look-around or back-references"),
    ('${s.matches("(?=a)")}', "cannot run here"),
    ('${s.replaceAll("a", "$2")}', "refers to group 2, but the pattern has 0"),
    ('${s.replaceAll("a", "$x")}', "must be followed by a group number"),
])
def test_method_errors(text: str, reason: str) -> None:
    with pytest.raises(JuelEvaluationError) as caught:
        evaluate(text, s="abc", items=[1], none=None, order={})
    assert reason in str(caught.value)


def test_a_method_name_from_brackets_is_called_like_one_after_a_dot() -> None:
    assert evaluate("${s['length']()}", s="abc") == 3
