"""Helpers for the FEEL tests: evaluate text to a FEEL value, or to JSON, with the reasons for nulls."""
from __future__ import annotations

from typing import Any

import pytest

from bpmn_runtime.feel import compile_expression


def feel(text: str, variables: dict[str, Any] | None = None, **options: Any) -> Any:
    """The FEEL value of `text` (numbers are Decimal, dates FeelDate...)."""
    return compile_expression(text, (variables or {}).keys()).evaluate(variables or {}, **options)


@pytest.fixture
def notes() -> list[str]:
    return []
