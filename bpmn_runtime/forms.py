"""User-task forms: the fields a model declares (camunda:formData, or a Camunda 8 form-js form), read and
checked at deployment, and the one checking and typing of submitted values, so a bad value is refused
with a message per field and changes nothing.

Patterns run with RE2, whose matching time grows linearly with the input: a model's `(a+)+$` cannot make
a form submission take seconds. A pattern RE2 cannot run (back-references, look-arounds) is a deployment
problem, not a failure when someone submits the form.
"""
from __future__ import annotations

import functools
import json
import math
import re
from datetime import date, datetime
from typing import Any, Mapping

import re2

from bpmn_runtime.errors import InvalidInput
from bpmn_runtime.model import Element, FormField

# form-js component type -> our field type
FORM_JS_TYPES = {"textfield": "string", "textarea": "text", "number": "number", "checkbox": "boolean",
                 "select": "enum", "radio": "enum", "datetime": "date"}
# form-js components that show something but hold no value
FORM_JS_DISPLAY = {"text", "html", "image", "spacer", "separator", "button", "group", "dynamiclist", "iframe",
                   "table", "documentPreview", "expression", "filepicker", "taglist", "checklist"}
FIELD_TYPES = {"string", "text", "long", "integer", "number", "boolean", "date", "enum"}
TRUE_WORDS = {"true", "on", "yes", "1"}
FALSE_WORDS = {"false", "off", "no", "0", ""}
MAX_LENGTH_BOUND = 10_000_000  # a minlength/maxlength beyond this is a typing mistake in the model
MAX_PATTERN_LENGTH = 1_000
PATTERN_MEMORY = 1 << 20  # bytes RE2 may use for one compiled pattern


class FormErrors(InvalidInput):
    """Submitted values that do not fit the form, by field id (or variable name) with a message for each."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{field}: {message}" for field, message in self.errors.items()))


def form_fields(element: Element) -> list[FormField]:
    """The fields of a user task's form (camunda:formData, or the embedded form-js form), or none."""
    return list(element.extensions.form_fields)


# --- reading and checking a form at deployment --------------------------------------------------------

def read_form_js(text: str) -> tuple[tuple[FormField, ...], list[str]]:
    """The fields of a form-js schema, and what is wrong with it (each problem a sentence)."""
    try:
        schema = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return (), ["the form is not valid JSON"]
    if not isinstance(schema, dict) or not isinstance(schema.get("components", []), list):
        return (), ["the form must be a JSON object with a list of 'components'"]
    fields: list[FormField] = []
    problems: list[str] = []
    for number, component in enumerate(schema.get("components", []), start=1):
        if not isinstance(component, dict):
            problems.append(f"component {number} of the form is not a JSON object")
            continue
        widget = component.get("type")
        if widget in FORM_JS_DISPLAY and not isinstance(component.get("key"), str):
            continue
        kind = FORM_JS_TYPES.get(widget) if isinstance(widget, str) else None
        if kind is None:
            problems.append(f"component {number} of the form has type {json.dumps(widget)}, which this engine "
                            f"cannot show; use textfield, textarea, number, checkbox, select, radio or datetime")
            continue
        field, field_problems = _form_js_field(component, str(widget), kind, number)
        problems += field_problems
        if field is not None:
            fields.append(field)
    return tuple(fields), problems + duplicate_field_problems(fields)


def _form_js_field(component: dict[str, Any], widget: str, kind: str,
                   number: int) -> tuple[FormField | None, list[str]]:
    key = component.get("key")
    if not isinstance(key, str) or not key.strip():
        return None, [f"component {number} of the form ({widget}) has no 'key', so its value has no name"]
    label = component.get("label")
    label = label if isinstance(label, str) and label.strip() else key
    problems: list[str] = []
    if widget == "datetime":
        subtype = component.get("subtype") or "date"
        widget = subtype if subtype in ("date", "time", "datetime") else "date"
        kind = "string" if widget == "time" else kind
    validate = component.get("validate", {})
    if not isinstance(validate, dict):
        problems.append(f"field '{label}': 'validate' must be a JSON object")
        validate = {}
    values = component.get("values", [])
    options: list[tuple[str, str]] = []
    if not isinstance(values, list) or not all(isinstance(v, dict) and "value" in v for v in values):
        problems.append(f"field '{label}': 'values' must be a list of objects with a 'value'")
    else:
        options = [(str(v["value"]), str(v.get("label", v["value"]))) for v in values]
    bounds = {name: _bound(validate.get(name), f"field '{label}': '{name}'", problems, whole=name.endswith("Length"))
              for name in ("min", "max", "minLength", "maxLength")}
    pattern = validate.get("pattern")
    if pattern is not None and not isinstance(pattern, str):
        problems.append(f"field '{label}': 'pattern' must be text")
        pattern = None
    default = component.get("defaultValue")
    field = FormField(
        id=key, label=label, type=kind, default=None if default is None else str(default),
        required=validate.get("required") is True, min=bounds["min"], max=bounds["max"],
        minlength=_whole(bounds["minLength"]), maxlength=_whole(bounds["maxLength"]),
        pattern=pattern or None, options=tuple(options), widget=widget, sensitive=_marked_sensitive(component))
    return field, problems + field_problems(field)


def _marked_sensitive(component: dict[str, Any]) -> bool:
    """A form-js component's custom property `sensitive` is true (form-js keeps custom properties as text)."""
    properties = component.get("properties")
    return isinstance(properties, dict) and str(properties.get("sensitive", "")).strip().lower() == "true"


def _bound(value: Any, what: str, problems: list[str], *, whole: bool) -> float | None:
    """A number from the model, or None with a problem when it is not a finite number (or whole, in range)."""
    if value is None or value == "":
        return None
    try:
        number = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError, OverflowError):
        number = math.nan
    if not math.isfinite(number):
        problems.append(f"{what} must be a number, not {json.dumps(value) if not isinstance(value, str) else value!r}")
        return None
    if whole and (not number.is_integer() or not 0 <= number <= MAX_LENGTH_BOUND):
        problems.append(f"{what} must be a whole number from 0 to {MAX_LENGTH_BOUND}, not {value}")
        return None
    return number


def _whole(number: float | None) -> int | None:
    return int(number) if number is not None else None


def read_constraint(value: str | None, what: str, problems: list[str], *, whole: bool = False) -> float | None:
    """A camunda:constraint's number (min, max, minlength, maxlength), checked like form-js bounds."""
    return _bound(value, what, problems, whole=whole)


def field_problems(field: FormField) -> list[str]:
    """What makes a field impossible to fill in as the model means: a pattern RE2 cannot run, bounds that
    exclude every value, a choice without options, a type the engine does not know."""
    label = f"field '{field.label}'"
    problems = []
    if field.type not in FIELD_TYPES:
        problems.append(f"{label} has type '{field.type}'; the types are {', '.join(sorted(FIELD_TYPES))}")
    if field.min is not None and field.max is not None and field.min > field.max:
        problems.append(f"{label}: min {_plain(field.min)} is larger than max {_plain(field.max)}")
    if field.minlength is not None and field.maxlength is not None and field.minlength > field.maxlength:
        problems.append(f"{label}: minlength {field.minlength} is larger than maxlength {field.maxlength}")
    if field.type == "enum" and not field.options:
        problems.append(f"{label} is a choice without any options")
    if field.pattern is not None:
        problem = pattern_problem(field.pattern)
        if problem:
            problems.append(f"{label}: {problem}")
    return problems


def duplicate_field_problems(fields: list[FormField] | tuple[FormField, ...]) -> list[str]:
    seen: set[str] = set()
    problems = []
    for field in fields:
        if field.id in seen:
            problems.append(f"the form has two fields named '{field.id}'")
        seen.add(field.id)
    return problems


def pattern_problem(pattern: str) -> str | None:
    """Why RE2 cannot run `pattern`, or None."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"the pattern is longer than {MAX_PATTERN_LENGTH} characters"
    try:
        _compiled(pattern)
    except re2.error as error:
        reason = error.args[0].decode() if error.args and isinstance(error.args[0], bytes) else str(error)
        return f"the pattern '{pattern}' cannot be used ({reason}); back-references and look-arounds are not supported"
    return None


@functools.lru_cache(maxsize=1024)
def _compiled(pattern: str) -> Any:
    options = re2.Options()
    options.log_errors = False
    options.max_mem = PATTERN_MEMORY
    return re2.compile(pattern, options)


# --- checking submitted values ---------------------------------------------------------------------

def convert(field: FormField, raw: Any) -> Any:
    """The typed value of one field, or ValueError with a message for the person filling in the form."""
    if isinstance(raw, (dict, list)):
        raise ValueError("enter a single value")
    empty = raw is None or (isinstance(raw, str) and raw.strip() == "")
    if field.type == "boolean":
        if isinstance(raw, bool):
            value: Any = raw
        elif str(raw).strip().lower() in TRUE_WORDS | FALSE_WORDS:
            value = str(raw).strip().lower() in TRUE_WORDS
        else:
            raise ValueError("choose yes or no")
        if field.required and raw is None:
            raise ValueError("this field is required")
        return value
    if empty:
        if field.required:
            raise ValueError("this field is required")
        return None
    if field.type in ("long", "number", "integer"):
        return _number(field, raw)
    if field.type == "date":
        return _date(raw)
    value = str(raw)
    if field.type == "enum" and field.options and value not in {v for v, _ in field.options}:
        raise ValueError(f"choose one of: {', '.join(label for _, label in field.options)}")
    if field.minlength is not None and len(value) < field.minlength:
        raise ValueError(f"use at least {field.minlength} characters")
    if field.maxlength is not None and len(value) > field.maxlength:
        raise ValueError(f"use at most {field.maxlength} characters")
    if field.pattern:
        try:
            matched = _compiled(field.pattern).fullmatch(value)
        except UnicodeEncodeError:
            raise ValueError("contains a character that is not text") from None
        except re2.error:  # only in a form deployed before patterns were checked at deployment
            raise ValueError(f"cannot be checked: its format ({field.pattern}) is not one this engine runs; "
                             f"a new version of the process must fix it") from None
        if not matched:
            raise ValueError(f"does not match the expected format ({field.pattern})")
    return value


def _number(field: FormField, raw: Any) -> int | float:
    whole = field.type in ("long", "integer")
    if isinstance(raw, bool):
        raise ValueError("enter a whole number" if whole else "enter a number")
    text = str(raw).strip()
    value: int | float
    try:
        if len(text) > 50:
            raise ValueError(text)
        value = int(text) if whole or re.fullmatch(r"[-+]?\d+", text) else float(text)
    except ValueError:
        raise ValueError("enter a whole number" if whole else "enter a number") from None
    if not math.isfinite(value):
        raise ValueError("enter a number")
    if field.min is not None and value < field.min:
        raise ValueError(f"must be at least {_plain(field.min)}")
    if field.max is not None and value > field.max:
        raise ValueError(f"must be at most {_plain(field.max)}")
    return value


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def _date(raw: Any) -> str:
    text = str(raw).strip()
    for parse in (date.fromisoformat, datetime.fromisoformat):  # a plain date stays a date
        try:
            return parse(text).isoformat()
        except ValueError:
            continue
    raise ValueError("enter a date as YYYY-MM-DD")


def validate(fields: list[FormField], submitted: Mapping[str, Any]) -> dict[str, Any]:
    """Typed values for the form's editable fields from `submitted`; FormErrors listing every bad one.

    Only the form's fields are read here: names the form does not have are the task rules' business
    (`runtime.task_rules.accepted_values`). A read-only field cannot be submitted.
    """
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in fields:
        raw = submitted.get(field.id)
        if field.readonly:
            if field.id in submitted:
                errors[field.id] = "is read-only in this form"
            continue
        if field.type == "boolean" and raw is None and not field.required:
            raw = False
        try:
            values[field.id] = convert(field, raw)
        except ValueError as error:
            errors[field.id] = str(error)
    if errors:
        raise FormErrors(errors)
    return values
