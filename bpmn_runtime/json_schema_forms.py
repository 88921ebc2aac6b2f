"""SpiffArena's user-task forms: a JSON schema (the file a task's formJsonSchemaFilename names), read into the
fields the inbox shows and checks, as it does a form-js form.

Each property of the schema's top-level object is a field: a string (a date with format "date"), an integer, a
number or a boolean, or a choice among `enum` values or `oneOf` constants with titles; `title` is its label,
`default`, `minimum`/`maximum`, `minLength`/`maxLength`, `pattern` and `readOnly` apply, and the object's `required`
list says which must be filled in; a field left empty sets no variable, as SpiffArena submits only what was
entered. What the inbox cannot show or check (nested objects, arrays, references,
conditional schemas) is a problem, refused when the file is deployed.
"""
from __future__ import annotations

import json
from typing import Any

from bpmn_runtime.forms import duplicate_field_problems, field_problems, option_text, whole_or_none
from bpmn_runtime.model import FormField

TYPES = {"string": "string", "integer": "long", "number": "number", "boolean": "boolean"}
# Keywords that make a schema more than a flat list of fields the inbox checks.
UNSUPPORTED = ("$ref", "allOf", "anyOf", "if", "dependencies", "dependentSchemas", "patternProperties")


def is_json_schema(text: str) -> bool:
    """Whether a form file holds a JSON schema (an object with `properties`) rather than a form-js form."""
    try:
        schema = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return False
    return isinstance(schema, dict) and "components" not in schema and "properties" in schema


def read_json_schema(text: str) -> tuple[tuple[FormField, ...], list[str]]:
    """The fields of a JSON-schema form, and what is wrong with it (each problem a sentence)."""
    try:
        schema = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return (), ["the form is not valid JSON"]
    if not isinstance(schema, dict) or not isinstance(schema.get("properties"), dict):
        return (), ["the form must be a JSON schema: an object with 'properties'"]
    problems = [f"the form uses '{keyword}', which the inbox cannot show or check" for keyword in UNSUPPORTED
                if keyword in schema]
    required = schema.get("required", [])
    if not isinstance(required, list):
        problems.append("'required' must be a list of property names")
        required = []
    fields = []
    for name, spec in schema["properties"].items():
        field, found = _field(name, spec, name in required)
        problems += found
        if field is not None:
            fields.append(field)
    return tuple(fields), problems + duplicate_field_problems(fields)


def _field(name: str, spec: Any, required: bool) -> tuple[FormField | None, list[str]]:
    """One property of the schema as a field of the form."""
    if not isinstance(spec, dict):
        return None, [f"property '{name}' of the form is not a JSON object"]
    title = spec.get("title")
    label = title if isinstance(title, str) and title.strip() else name
    kind = spec.get("type")
    options = _options(spec)
    if kind not in TYPES:
        return None, [f"field '{label}' has type {json.dumps(kind)}, which the inbox cannot show or check; use "
                      f"string, integer, number or boolean"]
    problems: list[str] = []
    bounds: dict[str, float | None] = {}
    for keyword in ("minimum", "maximum", "minLength", "maxLength"):
        value = spec.get(keyword)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            problems.append(f"field '{label}': '{keyword}' must be a number")
            value = None
        bounds[keyword] = value
    pattern = spec.get("pattern")
    if pattern is not None and not isinstance(pattern, str):
        problems.append(f"field '{label}': 'pattern' must be text")
        pattern = None
    default = spec.get("default")
    field = FormField(
        id=name, label=label,
        type="enum" if options else ("date" if kind == "string" and spec.get("format") == "date" else TYPES[kind]),
        default=None if default is None else option_text(default), required=required, min=bounds["minimum"],
        max=bounds["maximum"], minlength=whole_or_none(bounds["minLength"]), maxlength=whole_or_none(bounds["maxLength"]),
        pattern=pattern, readonly=spec.get("readOnly") is True, options=options, absent_when_empty=True)
    return field, problems + field_problems(field)


def _options(spec: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """A choice's options (value, label): `enum` values, or `oneOf` constants with their titles."""
    if isinstance(spec.get("enum"), list):
        return tuple((option_text(value), option_text(value)) for value in spec["enum"])
    choices = spec.get("oneOf")
    if isinstance(choices, list) and all(isinstance(c, dict) and "const" in c for c in choices):
        return tuple((option_text(c["const"]), option_text(c.get("title", c["const"]))) for c in choices)
    return ()
