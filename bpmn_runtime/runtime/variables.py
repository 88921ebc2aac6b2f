"""Variables cross into the engine only as JSON values, so every stored step can be read back exactly."""
from __future__ import annotations

import json
from typing import Any, Mapping

from bpmn_runtime.errors import InvalidInput

ALLOWED = "text, whole or decimal numbers, true/false, null, lists and maps of these"


def check_variables(variables: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `variables`, or InvalidInput naming the first variable that cannot be stored."""
    if not isinstance(variables, Mapping):
        raise InvalidInput(f"variables must be a map of names to values, not {type(variables).__name__}")
    checked = {}
    for name, value in variables.items():
        if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
            raise InvalidInput(f"'{name}' is not a valid variable name: use letters, digits and underscores, "
                               f"starting with a letter")
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):
            raise InvalidInput(f"variable '{name}' has type {type(value).__name__}; variables hold {ALLOWED}") from None
        checked[name] = value
    return checked


def parse_assignment(text: str) -> tuple[str, Any]:
    """`name=value` from the command line: the value is read as JSON when it is JSON, else kept as text."""
    name, separator, raw = text.partition("=")
    if not separator or not name.strip():
        raise InvalidInput(f"'{text}' is not name=value")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return name.strip(), value
