"""Property-based tests: whatever text a model holds, the expression sandbox answers or raises
ExpressionError, quickly; whatever values a person submits, a form accepts them or says per field what is
wrong. The CI budget is fixed; set BPMN_RUNTIME_FUZZ_EXAMPLES (say 5000) for a longer run."""
from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpmn_runtime import expressions
from bpmn_runtime.errors import ExpressionError
from bpmn_runtime.forms import FIELD_TYPES, FormErrors, field_problems
from bpmn_runtime.model import Element, Extensions, FormField, Source
from bpmn_runtime.runtime.task_rules import accepted_values
from bpmn_runtime.runtime.variables import VariableLimits
from bpmn_runtime.web.html_forms import RowErrors, read_rows

EXAMPLES = int(os.environ.get("BPMN_RUNTIME_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize="BPMN_RUNTIME_FUZZ_EXAMPLES" not in os.environ,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
SECONDS = 2  # what one evaluation or one form may take at most


class Hung(Exception):
    pass


@contextmanager
def bounded_time() -> Iterator[None]:
    def stop(signum: int, frame: FrameType | None) -> None:
        raise Hung(f"took more than {SECONDS} s")
    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, SECONDS)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# --- the expression sandbox ---------------------------------------------------------------------

TOKENS = ["x", "y", "items", "order", "order.amount", "name", "len", "sum", "sorted", "max", "str", "int",
          "round", "empty", "not", "and", "or", "in", "if", "else", "True", "None", "null", "true", "eq", "&&",
          "||", "!", "+", "-", "*", "/", "//", "%", "**", "<<", ">>", "&", "|", "^", "~", "==", "!=", "<", ">=",
          "(", ")", "[", "]", "{", "}", ",", ":", ".", "0", "1", "2", "9", "99", "1e308", "0.5", "-1", "999999",
          "10000", "'a'", '"b"', "'x' * 999", "[1, 2]", "{'k': 1}", "${", "#{", "=", "string length",
          "starts with", ".split", ".join", ".replace", ".count", ".get", ".keys", "__class__", "_x", "lambda",
          "[x for x in items]", "f'{x}'", "\\", "#", "\n", " "]
VARIABLES = {"x": 3, "y": 2.5, "items": [1, 2, 3], "order": {"amount": 120, "lines": ["a", "b"]}, "name": "Ada"}


@st.composite
def expression_like(draw: st.DrawFn) -> str:
    return " ".join(draw(st.lists(st.sampled_from(TOKENS), max_size=25)))


TEXT = st.one_of(st.text(max_size=200), expression_like())


@FUZZ
@given(TEXT)
def test_an_expression_answers_or_raises_expression_error(text: str) -> None:
    with bounded_time():
        for run in (lambda: expressions.evaluate(text, VARIABLES), lambda: expressions.check(text),
                    lambda: expressions.is_true(text, VARIABLES), lambda: expressions.literal(text),
                    lambda: expressions.run_assignments(text, VARIABLES), lambda: expressions.check_script(text)):
            try:
                run()
            except ExpressionError:
                pass


# --- forms --------------------------------------------------------------------------------------

PATTERNS = [None, r"\d+", r"[A-Z]{3}-\d{2}", "(a+)+$", r"\w+@\w+\.\w+", ".*"]
BOUND = st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
LENGTH = st.one_of(st.none(), st.integers(min_value=0, max_value=300))


@st.composite
def form_fields(draw: st.DrawFn) -> list[FormField]:
    fields = []
    for number in range(draw(st.integers(min_value=0, max_value=4))):
        kind = draw(st.sampled_from(sorted(FIELD_TYPES)))
        options = tuple((v, v.upper()) for v in draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=1,
                                                               max_size=3, unique=True))) if kind == "enum" else ()
        field = FormField(id=f"f{number}", label=f"Field {number}", type=kind, required=draw(st.booleans()),
                          min=draw(BOUND), max=draw(BOUND), minlength=draw(LENGTH), maxlength=draw(LENGTH),
                          pattern=draw(st.sampled_from(PATTERNS)), readonly=draw(st.booleans()), options=options)
        if not field_problems(field):  # deployment refuses the others
            fields.append(field)
    return fields


JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=50),
              st.sampled_from(["\ud800", "ABC-12\udfff", "1e400", "-0", "NaN", " 42 ", "2026-02-30", "x" * 2_000])),
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(st.text(max_size=5), children,
                                                                                 max_size=3)),
    max_leaves=10)
NAMES = st.one_of(st.sampled_from(["f0", "f1", "f2", "f3", "loopCounter", "nrOfInstances", "note", "_x", "2x", ""]),
                  st.text(max_size=10))


@FUZZ
@given(form_fields(), st.dictionaries(NAMES, JSON_VALUES, max_size=6), st.booleans())
def test_a_submission_is_accepted_or_refused_field_by_field(fields: list[FormField], submitted: dict[str, Any],
                                                            allow_any: bool) -> None:
    headers = (("allowVariables", "*"),) if allow_any else ()
    element = Element("task", "userTask", "Approve", "p", Source("f", 1),
                      extensions=Extensions(form_fields=tuple(fields), headers=headers))
    with bounded_time():
        try:
            values = accepted_values(element, submitted, VariableLimits(value_bytes=1_000, instance_bytes=5_000))
        except FormErrors as refused:
            assert refused.errors and all(isinstance(k, str) and isinstance(m, str) and m
                                          for k, m in refused.errors.items())
            return
    assert set(values) <= set(submitted) | {f.id for f in fields}


@FUZZ
@given(st.dictionaries(st.sampled_from([f"{kind}_{n}" for kind in ("name", "value") for n in range(4)] + ["x"]),
                       st.text(max_size=40), max_size=8))
def test_name_value_rows_are_read_or_refused_row_by_row(form: dict[str, str]) -> None:
    with bounded_time():
        try:
            read_rows(form)
        except RowErrors as refused:
            assert all(row.error is None or row.error for row in refused.rows)
