"""Variables cross into the engine only as JSON values, so every stored step can be read back exactly."""
from __future__ import annotations

import json
from typing import Any, Mapping

from bpmn_runtime.errors import InvalidInput

ALLOWED = "text, whole or decimal numbers, true/false, null, lists and maps of these"
MAX_NAME = 255
MAX_DEPTH = 64  # lists and maps inside each other; far deeper ones exhaust the stack of whoever reads them


def _too_deep(value: Any) -> bool:
    """More than MAX_DEPTH lists and maps inside each other (walked without recursion, so any depth is safe)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list, tuple)):
            if depth > MAX_DEPTH:
                return True
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False


def check_variables(variables: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `variables`, or InvalidInput naming the first variable that cannot be stored."""
    if not isinstance(variables, Mapping):
        raise InvalidInput(f"variables must be a map of names to values, not {type(variables).__name__}")
    checked = {}
    for name, value in variables.items():
        if not isinstance(name, str) or not name.isidentifier() or name.startswith("_") or len(name) > MAX_NAME:
            raise InvalidInput(f"'{str(name)[:MAX_NAME]}' is not a valid variable name: use up to {MAX_NAME} letters, "
                               f"digits and underscores, starting with a letter")
        if _too_deep(value):
            raise InvalidInput(f"variable '{name}' is nested too deeply: lists and maps may nest up to {MAX_DEPTH} "
                               f"levels")
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
    except RecursionError:
        raise InvalidInput(f"the value of '{name.strip()}' is nested too deeply: lists and maps may nest up to "
                           f"{MAX_DEPTH} levels") from None
    return name.strip(), value
