"""String functions of DMN 1.5 10.3.4.3 and Camunda's extract(), trim(), uuid(), to base64(), is blank()..."""
from __future__ import annotations

import base64
import json
import uuid
from decimal import Decimal
from typing import Any

from bpmn_runtime.feel.builtins.arguments import integer, string
from bpmn_runtime.feel.builtins.regex import compile_pattern, expand, matches_empty
from bpmn_runtime.feel.functions import BuiltinFunction, NullResult, Signature
from bpmn_runtime.feel.scope import Env
from bpmn_runtime.feel.values import to_feel, to_python


def _substring(env: Env, text: Any, start: Any, length: Any = None) -> str:
    """1-based start; a negative start counts from the end; characters are Unicode code points."""
    value = string(text, "string")
    first = integer(start, "start position")
    index = first - 1 if first > 0 else len(value) + first
    if first == 0 or index < 0 or index > len(value):
        raise NullResult(f"start position {first} is outside a string of {len(value)} characters")
    if length is None:
        return value[index:]
    count = integer(length, "length")
    if count < 0:
        raise NullResult(f"length must not be negative, not {count}")
    return value[index:index + count]


def _before(env: Env, text: Any, match: Any) -> str:
    value, part = string(text, "string"), string(match, "match")
    position = value.find(part)
    return value[:position] if position >= 0 else ""


def _after(env: Env, text: Any, match: Any) -> str:
    value, part = string(text, "string"), string(match, "match")
    position = value.find(part)
    return value[position + len(part):] if position >= 0 else ""


def _pattern(pattern: Any, flags: Any) -> Any:
    return compile_pattern(string(pattern, "pattern"), "" if flags is None else string(flags, "flags"))


def _matches(env: Env, text: Any, pattern: Any, flags: Any = None) -> bool:
    return _pattern(pattern, flags).search(string(text, "input")) is not None


def _replace(env: Env, text: Any, pattern: Any, replacement: Any, flags: Any = None) -> str:
    compiled = _pattern(pattern, flags)
    if matches_empty(compiled):
        raise NullResult("the pattern matches an empty string, which replace() does not allow")
    template = string(replacement, "replacement")
    value = string(text, "input")
    size = 0
    parts = []
    end = 0
    for match in compiled.finditer(value):
        parts.append(value[end:match.start()])
        parts.append(expand(template, match))
        size += len(parts[-1]) + len(parts[-2])
        env.state.check_string(size)
        end = match.end()
    parts.append(value[end:])
    return "".join(parts)


def _split(env: Env, text: Any, delimiter: Any) -> list[str]:
    compiled = _pattern(delimiter, None)
    if matches_empty(compiled):
        raise NullResult("the delimiter matches an empty string")
    value = string(text, "string")
    pieces = []
    end = 0
    for match in compiled.finditer(value):
        pieces.append(value[end:match.start()])
        end = match.end()
    pieces.append(value[end:])
    env.state.check_list(len(pieces))
    return pieces


def _extract(env: Env, text: Any, pattern: Any) -> list[str]:
    found = [match.group() for match in _pattern(pattern, None).finditer(string(text, "input"))]
    env.state.check_list(len(found))
    return found


def _to_json(env: Env, value: Any) -> str:
    try:
        text = json.dumps(to_python(value), ensure_ascii=False)
    except Exception as error:  # FeelEvaluationError for functions; a FEEL null is better here
        raise NullResult(str(error)) from None
    env.state.check_string(len(text))
    return text


def _from_json(env: Env, value: Any) -> Any:
    try:
        parsed = json.loads(string(value, "value"), parse_float=Decimal, parse_int=Decimal)
    except (ValueError, RecursionError):
        raise NullResult("the string is not JSON") from None
    return to_feel(parsed)


FUNCTIONS = [
    BuiltinFunction("substring", [Signature(("string", "start position"), _substring),
                                  Signature(("string", "start position", "length"), _substring)]),
    BuiltinFunction("string length", [Signature(("string",), lambda env, text: Decimal(len(string(text, "string"))))]),
    BuiltinFunction("upper case", [Signature(("string",), lambda env, text: string(text, "string").upper())]),
    BuiltinFunction("lower case", [Signature(("string",), lambda env, text: string(text, "string").lower())]),
    BuiltinFunction("substring before", [Signature(("string", "match"), _before)]),
    BuiltinFunction("substring after", [Signature(("string", "match"), _after)]),
    BuiltinFunction("replace", [Signature(("input", "pattern", "replacement"), _replace),
                                Signature(("input", "pattern", "replacement", "flags"), _replace)]),
    BuiltinFunction("contains", [Signature(("string", "match"), lambda env, text, match:
                                           string(match, "match") in string(text, "string"))]),
    BuiltinFunction("starts with", [Signature(("string", "match"), lambda env, text, match:
                                              string(text, "string").startswith(string(match, "match")))]),
    BuiltinFunction("ends with", [Signature(("string", "match"), lambda env, text, match:
                                            string(text, "string").endswith(string(match, "match")))]),
    BuiltinFunction("matches", [Signature(("input", "pattern"), _matches),
                                Signature(("input", "pattern", "flags"), _matches)]),
    BuiltinFunction("split", [Signature(("string", "delimiter"), _split)]),
    BuiltinFunction("extract", [Signature(("input", "pattern"), _extract), Signature(("string", "pattern"), _extract)]),
    BuiltinFunction("trim", [Signature(("string",), lambda env, text: string(text, "string").strip())]),
    BuiltinFunction("is blank", [Signature(("string",), lambda env, text: not string(text, "string").strip())]),
    BuiltinFunction("uuid", [Signature((), lambda env: str(uuid.uuid4()))]),
    BuiltinFunction("to base64", [Signature(("value",), lambda env, text:
                                            base64.b64encode(string(text, "value").encode()).decode("ascii"))]),
    BuiltinFunction("to json", [Signature(("value",), _to_json)]),
    BuiltinFunction("from json", [Signature(("value",), _from_json)]),
]
