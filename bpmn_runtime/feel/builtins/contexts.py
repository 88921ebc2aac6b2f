"""Context functions of DMN 1.5 10.3.4.8, with Camunda's paths (`get value(c, ["a", "b"])`) and old names."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bpmn_runtime.feel.builtins.arguments import context, items, string
from bpmn_runtime.feel.functions import BuiltinFunction, NullResult, Signature
from bpmn_runtime.feel.scope import Env


def _keys(key: Any) -> list[str]:
    """One key, or a path of keys given as a list of strings."""
    if type(key) is list:
        if not key or not all(type(part) is str for part in key):
            raise NullResult("keys must be a non-empty list of strings")
        return key
    return [string(key, "key")]


def _get_value(env: Env, source: Any, key: Any) -> Any:
    value: Any = context(source, "context")
    for part in _keys(key):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _get_entries(env: Env, source: Any) -> list[dict[str, Any]]:
    entries = context(source, "context")
    env.state.tick(len(entries))
    return [{"key": key, "value": value} for key, value in entries.items()]


def _put(env: Env, source: Any, key: Any, value: Any) -> dict[str, Any]:
    """A new context with the entry added or replaced; a path creates the contexts it passes through."""
    path = _keys(key)
    result = dict(context(source, "context"))
    if len(path) == 1:
        result[path[0]] = value
        return result
    inner = result.get(path[0])
    result[path[0]] = _put(env, inner if isinstance(inner, Mapping) else {}, path[1:], value)
    return result


def _merge(env: Env, contexts: Any) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for entry in items(contexts, "contexts"):
        result.update(context(entry, "each of contexts"))
    env.state.tick(len(result))
    return result


FUNCTIONS = [
    BuiltinFunction("get value", [Signature(("m", "key"), _get_value), Signature(("context", "key"), _get_value),
                                  Signature(("context", "keys"), _get_value)]),
    BuiltinFunction("get entries", [Signature(("m",), _get_entries), Signature(("context",), _get_entries)]),
    BuiltinFunction("context put", [Signature(("context", "key", "value"), _put),
                                    Signature(("context", "keys", "value"), _put)]),
    BuiltinFunction("context merge", [Signature(("contexts",), _merge)]),
    BuiltinFunction("put", [Signature(("context", "key", "value"), _put)]),
    BuiltinFunction("put all", [Signature(("contexts",), _merge, "list")]),
]
