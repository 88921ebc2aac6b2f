"""User-task forms: the fields a model declares (camunda:formData, or a Camunda 8 form-js form), and the
checking and typing of submitted values, so a bad value is refused with a message and changes nothing."""
from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Mapping

from bpmn_runtime.errors import InvalidInput
from bpmn_runtime.model import Element, FormField

if TYPE_CHECKING:
    from bpmn_runtime.runtime import Runtime

# form-js component type -> our field type
FORM_JS_TYPES = {"textfield": "string", "textarea": "text", "number": "number", "checkbox": "boolean",
                 "select": "enum", "radio": "enum", "datetime": "date"}
TRUE_WORDS = {"true", "on", "yes", "1"}
FALSE_WORDS = {"false", "off", "no", "0", ""}


class FormErrors(InvalidInput):
    """Submitted values that do not fit the form, by field id."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))


def form_fields(element: Element) -> list[FormField]:
    """The fields of a user task's form: camunda:formData, else the embedded form-js JSON, else none."""
    if element.extensions.form_fields:
        return list(element.extensions.form_fields)
    if element.extensions.form_json:
        return _form_js_fields(element.extensions.form_json)
    return []


def _form_js_fields(text: str) -> list[FormField]:
    try:
        schema = json.loads(text)
    except json.JSONDecodeError:
        return []
    fields = []
    for component in schema.get("components", []):
        widget = component.get("type", "")
        kind = FORM_JS_TYPES.get(widget)
        key = component.get("key")
        if kind is None or not key:
            continue
        if widget == "datetime":
            widget = component.get("subtype") or "date"  # date, time or datetime
            kind = "string" if widget == "time" else kind
        validate = component.get("validate", {})
        options = tuple((str(v.get("value")), str(v.get("label", v.get("value"))))
                        for v in component.get("values", []))
        fields.append(FormField(
            id=key, label=component.get("label") or key, type=kind, default=component.get("defaultValue"),
            required=bool(validate.get("required")), min=validate.get("min"), max=validate.get("max"),
            minlength=validate.get("minLength"), maxlength=validate.get("maxLength"),
            pattern=validate.get("pattern"), options=options, widget=widget))
    return fields


def convert(field: FormField, raw: Any) -> Any:
    """The typed value of one field, or ValueError with a message for the person filling in the form."""
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
    if field.pattern and not re.fullmatch(field.pattern, value):
        raise ValueError(f"does not match the expected format ({field.pattern})")
    return value


def _number(field: FormField, raw: Any) -> int | float:
    text = str(raw).strip()
    try:
        value: int | float = int(text) if field.type in ("long", "integer") or re.fullmatch(r"[-+]?\d+", text) \
            else float(text)
    except ValueError:
        raise ValueError("enter a whole number" if field.type == "long" else "enter a number") from None
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
    """Typed values for every editable field; FormErrors listing every bad one. Values not in the form
    pass through unchanged (a form with no fields accepts any variables)."""
    values: dict[str, Any] = {k: v for k, v in submitted.items() if k not in {f.id for f in fields}}
    errors: dict[str, str] = {}
    for field in fields:
        if field.readonly:
            continue
        raw = submitted.get(field.id)
        if field.type == "boolean" and raw is None and not field.required:
            raw = False
        try:
            values[field.id] = convert(field, raw)
        except ValueError as error:
            errors[field.id] = str(error)
    if errors:
        raise FormErrors(errors)
    return values


def validate_task_values(runtime: "Runtime", task_id: int, submitted: Mapping[str, Any]) -> dict[str, Any]:
    """Check submitted values against the form of task `task_id`."""
    _, element, _ = runtime.queries.task_form(task_id)
    return validate(form_fields(element), submitted)
