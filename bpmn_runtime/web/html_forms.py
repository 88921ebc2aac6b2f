"""Forms in HTML: the controls a task's declared fields become, and the name/value rows used where no
form is declared (a task without a form, starting an instance from the console).

Checking stays in `bpmn_runtime.forms` (the API uses it too); this module only decides how a field is
shown and what value it shows: what was just entered, else the process variable, else the default.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping

from bpmn_runtime.errors import InvalidInput
from bpmn_runtime.forms import DISPLAY, default_of, form_context, hidden, options_for, validate
from bpmn_runtime.model import Element, FormField
from bpmn_runtime.runtime.variables import check_variables, parse_assignment

# form-js component -> control; camunda:formData type -> control
CONTROL_OF_WIDGET = {"textfield": "text", "textarea": "textarea", "number": "number", "checkbox": "checkbox",
                     "select": "select", "radio": "radio", "date": "date", "datetime": "datetime-local",
                     "time": "time", "checklist": "checklist", "taglist": "taglist"}
CONTROL_OF_TYPE = {"string": "text", "text": "textarea", "long": "number", "integer": "number", "number": "number",
                   "boolean": "yes-no", "date": "date", "enum": "select"}
BLANK_ROWS = 4


@dataclass(frozen=True)
class Control:
    """One form item as the page draws it: a field, or form-js text, a separator, a group's start or end."""

    field: FormField
    kind: str  # text, textarea, number, checkbox, yes-no, select, radio, date, datetime-local, time, checklist,
    # taglist; or for what holds no value: text-view, html, image, spacer, separator, group, group-end
    value: str
    error: str | None
    hints: tuple[str, ...]
    chosen: tuple[str, ...] = ()  # checklist and tag list: the values chosen
    options: tuple[tuple[str, str], ...] = ()

    @property
    def step(self) -> str:
        return "1" if self.field.type in ("long", "integer") else "any"

    @property
    def paragraphs(self) -> list[str]:
        """A text view's text, paragraph by paragraph (shown as plain text: markdown marks are kept)."""
        return [part.strip() for part in self.field.label.split("\n\n") if part.strip()]


def controls(items: list[FormField], variables: Mapping[str, Any], entered: Any = None,
             errors: Mapping[str, str] | None = None) -> list[Control]:
    """The controls of a form; `entered` (the refused submission, a form's MultiDict) wins over the variables.
    What a form-js condition hides now is left out, as the values (entered over the variables) say."""
    fields = [f for f in items if f.type != DISPLAY]
    typed_entered = {} if entered is None else {f.id: _entered(f, entered) for f in fields if _was_entered(f, entered)}
    context = form_context(fields, variables, typed_entered)
    shown = []
    for field in items:
        if field.hide_if and hidden(field, context):
            continue
        if field.type == DISPLAY:
            kind = "text-view" if field.widget == "text" else field.widget
            shown.append(Control(field, kind, "", None, ()))
            continue
        kind = CONTROL_OF_WIDGET.get(field.widget) or CONTROL_OF_TYPE.get(field.type, "text")
        options = options_for(field, variables)
        if field.multiple:
            chosen = typed_entered.get(field.id) if entered is not None else variables.get(field.id, [])
            shown.append(Control(field, kind, "", (errors or {}).get(field.id), _hints(field),
                                 tuple(str(v) for v in chosen) if isinstance(chosen, list) else (), options))
            continue
        if entered is not None:
            value = str(entered.get(field.id, "")) if kind != "checkbox" else \
                ("true" if field.id in entered else "false")
        else:
            value = _text(variables[field.id] if field.id in variables else default_of(field, variables), kind)
        shown.append(Control(field, kind, value, (errors or {}).get(field.id), _hints(field), options=options))
    return shown


def _was_entered(field: FormField, entered: Any) -> bool:
    return field.multiple or field.id in entered


def _entered(field: FormField, entered: Any) -> Any:
    """What was entered for a field: a list for a checklist or tag list, else the text."""
    if field.multiple:
        return list(entered.getlist(field.id)) if hasattr(entered, "getlist") else list(entered.get(field.id) or [])
    return entered.get(field.id)


def _text(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    text = str(value)
    if kind == "date":
        return text[:10]
    if kind == "datetime-local":
        return text[:16]
    return text


def _hints(field: FormField) -> tuple[str, ...]:
    hints = ["Required"] if field.required and not field.readonly else []
    hints += _bounds(field.minlength, field.maxlength, " characters") + _bounds(field.min, field.max, "")
    return tuple(hints)


def _bounds(low: float | None, high: float | None, unit: str) -> list[str]:
    """'From 1 to 10', 'At most 200 characters', ... or nothing when the field has no bound."""
    if low is not None and high is not None:
        return [f"From {_number(low)} to {_number(high)}{unit}"]
    if high is not None:
        return [f"At most {_number(high)}{unit}"]
    if low is not None:
        return [f"At least {_number(low)}{unit}"]
    return []


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def submitted_fields(fields: list[FormField], form: Any) -> dict[str, Any]:
    """The posted values of the form's editable fields and nothing else (not the CSRF token): text, or a list
    for a checklist or tag list (an empty one when nothing is ticked)."""
    return {f.id: _entered(f, form) for f in fields
            if not f.readonly and f.type != DISPLAY and (f.multiple or f.id in form)}


# The types an operator gives a variable in the console, and how each is written.
VALUE_TYPES = {"text": "Text", "number": "Number", "boolean": "Yes or no", "json": "JSON (list or object)",
               "null": "Empty (null)"}


def value_type(value: Any) -> str:
    """The console's type of a stored value, to edit it as what it is."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return "text" if isinstance(value, str) else "json"


def value_text(value: Any) -> str:
    """A stored value as the console's editor shows it (JSON for lists and objects)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=1)


def typed_value(kind: str, raw: str) -> Any:
    """The value an operator typed, as the type they chose; InvalidInput says what is wrong with it."""
    text = raw.strip()
    if kind == "text":
        return raw
    if kind == "null":
        return None
    if kind == "boolean":
        if text.lower() in ("true", "yes"):
            return True
        if text.lower() in ("false", "no"):
            return False
        raise InvalidInput("enter true or false")
    if kind == "number":
        try:
            number = json.loads(text) if len(text) <= 50 else None
        except json.JSONDecodeError:
            number = None
        if isinstance(number, (int, float)) and not isinstance(number, bool):
            return number
        raise InvalidInput("enter a number, such as 42 or 12.5")
    if kind == "json":
        try:
            value = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as error:
            message = getattr(error, "msg", "too deeply nested")
            where = f" (line {error.lineno}, column {error.colno})" if isinstance(error, json.JSONDecodeError) else ""
            raise InvalidInput(f"this is not JSON: {message}{where}") from None
        return value
    raise InvalidInput(f"choose a type: {', '.join(VALUE_TYPES.values())}")


@dataclass(frozen=True)
class Row:
    """One name/value row of a form without declared fields."""

    name: str = ""
    value: str = ""
    error: str | None = None


@dataclass(frozen=True)
class Problem:
    """One thing a refused form must change, for the list at its top (read out as it appears): the id of the
    control it is marked on (None: a value no control shows), the field's label, and the message."""

    target: str | None
    label: str
    message: str


def form_problems(shown: list[Control], errors: Mapping[str, str] | None, rows: list[Row]) -> list[Problem]:
    """Every problem of a refused form, in the order of the page: each field's (marked on the field too), then
    those of values no field shows, then each refused name/value row's (its message names it)."""
    found = [Problem(f"field-{c.field.id}", c.field.label or c.field.id, c.error) for c in shown if c.error]
    marked = {c.field.id for c in shown if c.error}
    found += [Problem(None, name, message) for name, message in (errors or {}).items() if name not in marked]
    return found + [Problem(f"value-{index}", "", row.error) for index, row in enumerate(rows) if row.error]


def blank_rows() -> list[Row]:
    return [Row() for _ in range(BLANK_ROWS)]


def start_fields(start: Element | None) -> list[FormField]:
    """What a start page shows: the fields of the process's none start event, or none (name/value rows)."""
    return list(start.extensions.form_fields) if start is not None else []


def read_start(start: Element | None, form: Mapping[str, str]) -> tuple[dict[str, Any], str | None]:
    """The variables and business key a start page submits: the start event's form, checked as a task's form
    is (its business key field, Camunda 7's formData businessKey, gives the business key and no variable), or
    name/value rows; the business key box where the form has no such field. FormErrors or RowErrors say what
    to change."""
    fields = [f for f in start_fields(start) if f.type != DISPLAY]
    typed_key = form.get("business_key", "").strip() or None
    if not fields:
        return read_rows(form), typed_key
    variables = validate(fields, submitted_fields(fields, form))
    key_field = start.extensions.business_key_field if start is not None else None
    if key_field is None:
        return variables, typed_key
    key = variables.pop(key_field, None)
    return variables, str(key) if key not in (None, "") else None


def read_rows(form: Mapping[str, str]) -> dict[str, Any]:
    """Variables from the rows `name_N`/`value_N`: a value is read as JSON when it is JSON (42, true,
    "text", [1, 2]), else kept as text. RowErrors holds the rows to show again with their messages."""
    values: dict[str, Any] = {}
    rows: list[Row] = []
    failed = False
    index = 0
    while f"name_{index}" in form:
        name, raw = form.get(f"name_{index}", "").strip(), form.get(f"value_{index}", "")
        index += 1
        if not name and not raw.strip():
            continue
        error = None
        if not name:
            error = "Give this value a name."
        elif name in values:
            error = f"The name '{name}' is used twice."
        else:
            try:
                values.update(check_variables(dict([parse_assignment(f"{name}={raw}")])))
            except InvalidInput as refused:
                error = str(refused)
        failed = failed or error is not None
        rows.append(Row(name, raw, error))
    if failed:
        raise RowErrors(rows + blank_rows())
    return values


def rows_with_errors(form: Mapping[str, str], errors: Mapping[str, str]) -> list[Row]:
    """The submitted rows again, each with the runtime's message for its name (a refused variable)."""
    rows = []
    index = 0
    while f"name_{index}" in form:
        name, raw = form.get(f"name_{index}", "").strip(), form.get(f"value_{index}", "")
        index += 1
        if name or raw.strip():
            message = errors.get(name)
            rows.append(Row(name, raw, f"'{name}' {message}" if message else None))
    return rows + blank_rows()


class RowErrors(InvalidInput):
    """Some name/value rows were refused; `rows` holds every row with its message, to show again."""

    def __init__(self, rows: list[Row]) -> None:
        self.rows = rows
        super().__init__("; ".join(r.error for r in rows if r.error))
