"""Property tests: any text gives a value or a JuelError, and texts and numbers survive round trips."""
from __future__ import annotations

import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bpmn_runtime.juel import JuelError, coerce_to_string, compile_template, render

_EL_PIECES = st.sampled_from([
    "${", "#{", "}", "\\", "'", '"', "(", ")", "[", "]", ".", ",", "?", ":", "+", "-", "*", "/", "%", "!", "=",
    "==", "<", ">=", "&&", "||", " and ", " or ", " not ", " empty ", " div ", " mod ", " eq ", "true", "null",
    "a", "b", "s", "items", "m", "execution", "now()", "dateTime()", ".size()", ".length()", ".substring(1)",
    ".get(0)", ".trim()", '.split(",")', "0", "1", "2.5", "1e3", " ", "\n", "x", "é", "$", "#",
])
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=10,
)
_VARIABLES = st.fixed_dictionaries({"a": _JSON, "b": _JSON, "s": st.text(max_size=20),
                                    "items": st.lists(_JSON, max_size=4), "m": st.dictionaries(st.text(max_size=3), _JSON)})


@settings(max_examples=400, deadline=None)
@given(pieces=st.lists(_EL_PIECES | st.text(max_size=3), max_size=30), variables=_VARIABLES)
def test_any_text_gives_a_value_or_a_juel_error(pieces: list[str], variables: dict[str, Any]) -> None:
    text = "".join(pieces)
    try:
        compile_template(text).evaluate(variables)
    except JuelError:
        pass


def _el_string(text: str, quote: str) -> str:
    return quote + text.replace("\\", "\\\\").replace(quote, "\\" + quote) + quote


@given(st.text())
def test_string_literals_round_trip(text: str) -> None:
    assert render("${" + _el_string(text, '"') + "}", {}) == text
    assert render("${" + _el_string(text, "'") + "}", {}) == text


@given(st.text())
def test_escaped_text_renders_as_itself(text: str) -> None:
    escaped = text.replace("${", "\\${").replace("#{", "\\#{")
    assert render(escaped, {}) == text


@given(value=_JSON, before=st.text(min_size=1, max_size=5).filter(lambda t: "{" not in t and "\\" not in t))
def test_a_variable_comes_back_whole_or_as_its_text(value: Any, before: str) -> None:
    assert render("${x}", {"x": value}) == value
    assert render(before + "${x}", {"x": value}) == before + coerce_to_string(value)


@given(st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_whole_numbers_round_trip_through_text(number: int) -> None:
    assert render("${t + 0}", {"t": str(number)}) == number


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_doubles_round_trip_through_javas_text(number: float) -> None:
    text = render("${x}.", {"x": number})[:-1]
    assert float(text) == number and math.copysign(1, float(text)) == math.copysign(1, number)
