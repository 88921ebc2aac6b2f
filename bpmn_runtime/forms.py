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
from dataclasses import replace
from datetime import date, datetime
from typing import Any, Mapping

import re2

from bpmn_runtime import feel, juel
from bpmn_runtime.errors import ExpressionError, InvalidInput
from bpmn_runtime.model import Element, FormField

# form-js component type -> our field type
FORM_JS_TYPES = {"textfield": "string", "textarea": "text", "number": "number", "checkbox": "boolean",
                 "select": "enum", "radio": "enum", "datetime": "date", "checklist": "enum", "taglist": "enum"}
# form-js components that are shown but hold no value; a group holds components of its own
FORM_JS_DISPLAY = {"text", "html", "image", "spacer", "separator", "group", "button"}
# form-js components the inbox cannot show or check: refused at deployment, with why
FORM_JS_REFUSED = {"dynamiclist": "a dynamic list", "filepicker": "a file upload", "iframe": "an embedded page",
                   "table": "a table", "expression": "a computed value", "documentPreview": "a document preview"}
# form-js validationType -> the pattern it stands for
VALIDATION_TYPES = {"email": r"[^@\s]+@[^@\s]+\.[^@\s]+", "phone": r"\+?[0-9][0-9 ()./-]{4,}"}
VALIDATION_MESSAGES = {VALIDATION_TYPES["email"]: "enter an e-mail address, such as ana@example.com",
                       VALIDATION_TYPES["phone"]: "enter a phone number, such as +33 1 23 45 67 89"}
DISPLAY = "display"
# The form key of a Camunda 8 linked form (zeebe:formDefinition formId): the id of a deployed .form file.
LINKED_FORM = "camunda-forms:linked:"
# Camunda 7 form keys naming a deployed .form file by its name.
DEPLOYED_FORM_PREFIXES = ("camunda-forms:deployment:", "camunda-forms:app:", "embedded:deployment:", "embedded:app:")
# The form key of a SpiffWorkflow user task's formJsonSchemaFilename: the name of a deployed JSON-schema file.
JSON_SCHEMA_FORM = "spiffworkflow:formJsonSchemaFilename:"


def linked_form(form_key: str | None) -> tuple[str, str] | None:
    """What a form key links to among the deployed forms: ('id', ID) for a Camunda 8 formId, ('file', NAME)
    for a Camunda 7 key naming a .form file or a SpiffWorkflow JSON-schema file; None for any other key (an
    application's own form)."""
    if not form_key:
        return None
    if form_key.startswith(LINKED_FORM):
        return "id", form_key.removeprefix(LINKED_FORM)
    if form_key.startswith(JSON_SCHEMA_FORM):
        return "file", form_key.removeprefix(JSON_SCHEMA_FORM)
    for prefix in DEPLOYED_FORM_PREFIXES:
        if form_key.startswith(prefix) and form_key.endswith(".form"):
            return "file", form_key.removeprefix(prefix).rsplit("/", 1)[-1]
    return None
MAX_DEPTH = 20  # groups inside groups
FIELD_TYPES = {"string", "text", "long", "integer", "number", "boolean", "date", "enum", DISPLAY}
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
    """The fields of a user task's form that hold values (camunda:formData, or the form-js form), or none."""
    return [f for f in element.extensions.form_fields if f.type != DISPLAY]


def form_items(element: Element) -> list[FormField]:
    """Everything the form shows, in order: its fields, and form-js text, separators and groups."""
    return list(element.extensions.form_fields)


def hidden(field: FormField, context: Mapping[str, Any]) -> bool:
    """A form-js field (or group) is hidden while one of its conditions is true for `context` (the variables,
    with the values being entered over them). A condition that cannot be evaluated hides nothing."""
    for condition in field.hide_if:
        try:
            if feel.evaluate(condition, context) is True:
                return True
        except feel.FeelError:
            continue
    return False


def form_context(fields: list[FormField], variables: Mapping[str, Any], entered: Mapping[str, Any]) -> dict[str, Any]:
    """What the form's conditions see: the variables, then defaults, then what is entered, typed as far as
    each value allows (a value that does not fit its field yet is seen as text)."""
    context = dict(variables)
    for field in fields:
        if field.type == DISPLAY:
            continue
        if field.id in entered:
            try:
                context[field.id] = convert(replace(field, required=False), entered[field.id],
                                            options_for(field, variables))
            except ValueError:
                context[field.id] = entered[field.id]
        elif field.id not in context and field.default is not None:
            context[field.id] = default_of(field, variables)
    return context


def default_of(field: FormField, variables: Mapping[str, Any]) -> Any:
    """A field's default value: the model's text, or what its expression gives (Camunda 7 writes defaults
    such as `${amount * 2}`); an expression that cannot be evaluated gives no default."""
    default = field.default
    if default is None or not juel.is_template(default):
        return default
    try:
        return juel.render(default, variables)
    except ExpressionError:
        return None


def options_for(field: FormField, variables: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """A choice's options: the model's, or those of the variable form-js's `valuesKey` names (a list of
    values, or of objects with `value` and `label`)."""
    if field.options_key is None:
        return field.options
    found = variables.get(field.options_key)
    if not isinstance(found, list):
        return ()
    options = []
    for option in found[:1000]:
        if isinstance(option, dict) and "value" in option:
            options.append((option_text(option["value"]), option_text(option.get("label", option["value"]))))
        elif isinstance(option, (str, int, float, bool)):
            options.append((option_text(option), option_text(option)))
    return tuple(options)


def option_text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


# --- reading and checking a form at deployment --------------------------------------------------------

def read_form_js(text: str) -> tuple[tuple[FormField, ...], list[str]]:
    """The items of a form-js schema (fields, and text, separators and groups to show), and what is wrong
    with it (each problem a sentence): a component the inbox cannot show or check, a condition that is not
    FEEL, a field without a key."""
    try:
        schema = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return (), ["the form is not valid JSON"]
    if not isinstance(schema, dict) or not isinstance(schema.get("components", []), list):
        return (), ["the form must be a JSON object with a list of 'components'"]
    items: list[FormField] = []
    problems: list[str] = []
    _read_components(schema.get("components", []), (), "", items, problems)
    return tuple(items), problems + duplicate_field_problems([f for f in items if f.type != DISPLAY])


def _read_components(components: list[Any], hide_if: tuple[str, ...], where: str, items: list[FormField],
                     problems: list[str], depth: int = 0) -> None:
    """Read `components` (of the form, or of a group) into `items`, each hidden also under `hide_if`."""
    if depth > MAX_DEPTH:
        problems.append(f"the form nests groups more than {MAX_DEPTH} deep")
        return
    for number, component in enumerate(components, start=1):
        place = f"{where}component {number}"
        if not isinstance(component, dict):
            problems.append(f"{place} of the form is not a JSON object")
            continue
        widget = component.get("type")
        conditions = hide_if + _condition(component, place, problems)
        if widget in FORM_JS_REFUSED:
            problems.append(f"{place} of the form is {FORM_JS_REFUSED[widget]} ({widget}), which the inbox cannot "
                            f"show or check; use textfield, textarea, number, checkbox, checklist, taglist, "
                            f"select, radio, datetime, text or group")
            continue
        if widget in FORM_JS_DISPLAY:
            _display(component, str(widget), conditions, place, items, problems, depth)
            continue
        kind = FORM_JS_TYPES.get(widget) if isinstance(widget, str) else None
        if kind is None:
            problems.append(f"{place} of the form has type {json.dumps(widget)}, which this engine cannot show; "
                            f"use textfield, textarea, number, checkbox, checklist, taglist, select, radio, "
                            f"datetime, text or group")
            continue
        field, field_problems = _form_js_field(component, str(widget), kind, number)
        problems += [f"{where}{problem}" if problem.startswith("component") else problem for problem in field_problems]
        if field is not None:
            items.append(replace(field, hide_if=conditions))


def _condition(component: dict[str, Any], place: str, problems: list[str]) -> tuple[str, ...]:
    """The FEEL text of a component's `conditional.hide` (checked now, evaluated as the form is used)."""
    conditional = component.get("conditional")
    if conditional is None:
        return ()
    hide = conditional.get("hide") if isinstance(conditional, dict) else None
    if not isinstance(hide, str) or not hide.strip():
        problems.append(f"{place} of the form: 'conditional' must be an object with a FEEL 'hide' expression")
        return ()
    expression = hide.strip().removeprefix("=").strip()
    try:
        feel.check(expression)
    except feel.FeelSyntaxError as error:
        problems.append(f"{place} of the form: its condition {hide!r} is not FEEL: {error}")
        return ()
    return (expression,)


def _display(component: dict[str, Any], widget: str, hide_if: tuple[str, ...], place: str, items: list[FormField],
             problems: list[str], depth: int) -> None:
    """A component that shows something: text, html (shown as text), an image's description, a spacer or
    separator, a group with its components; buttons are the inbox's own."""
    if widget == "button":
        return
    if widget == "group":
        given = component.get("label")
        label = given if isinstance(given, str) else ""
        children = component.get("components", [])
        if not isinstance(children, list):
            problems.append(f"{place} of the form is a group whose 'components' is not a list")
            return
        items.append(FormField(id="", label=label, type=DISPLAY, widget="group", hide_if=hide_if))
        _read_components(children, hide_if, f"{place}, ", items, problems, depth + 1)
        items.append(FormField(id="", label=label, type=DISPLAY, widget="group-end", hide_if=hide_if))
        return
    text = {"text": component.get("text"), "html": component.get("content"), "image": component.get("alt")}.get(widget)
    items.append(FormField(id="", label=text if isinstance(text, str) else "", type=DISPLAY, widget=widget,
                           hide_if=hide_if))


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
    options_key = component.get("valuesKey")
    if options_key is not None and (not isinstance(options_key, str) or not options_key.strip()):
        problems.append(f"field '{label}': 'valuesKey' must name a variable")
        options_key = None
    if not isinstance(values, list) or not all(isinstance(v, dict) and "value" in v for v in values):
        problems.append(f"field '{label}': 'values' must be a list of objects with a 'value'")
    else:
        options = [(option_text(v["value"]), option_text(v.get("label", v["value"]))) for v in values]
    bounds = {name: _bound(validate.get(name), f"field '{label}': '{name}'", problems, whole=name.endswith("Length"))
              for name in ("min", "max", "minLength", "maxLength")}
    pattern = validate.get("pattern")
    if pattern is not None and not isinstance(pattern, str):
        problems.append(f"field '{label}': 'pattern' must be text")
        pattern = None
    validation_type = validate.get("validationType")
    if validation_type is not None and validation_type != "":
        if validation_type not in VALIDATION_TYPES:
            problems.append(f"field '{label}': validationType {json.dumps(validation_type)} is not one of "
                            f"{', '.join(VALIDATION_TYPES)}")
        elif pattern:
            problems.append(f"field '{label}': give a pattern or a validationType, not both")
        else:
            pattern = VALIDATION_TYPES[validation_type]
    default = component.get("defaultValue")
    multiple = widget in ("checklist", "taglist")
    field = FormField(
        id=key, label=label, type=kind, default=None if default is None or multiple else option_text(default),
        required=validate.get("required") is True, min=bounds["min"], max=bounds["max"],
        minlength=whole_or_none(bounds["minLength"]), maxlength=whole_or_none(bounds["maxLength"]),
        pattern=pattern or None, options=tuple(options), widget=widget, sensitive=_marked_sensitive(component),
        readonly=component.get("readonly") is True or component.get("disabled") is True,
        multiple=multiple, options_key=options_key.strip() if options_key else None)
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


def whole_or_none(number: float | None) -> int | None:
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
    if field.type == "enum" and not field.options and field.options_key is None:
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

def convert(field: FormField, raw: Any, options: tuple[tuple[str, str], ...] | None = None) -> Any:
    """The typed value of one field, or ValueError with a message for the person filling in the form.
    `options` are the choice's options where they come from a variable (`options_for`)."""
    options = field.options if options is None else options
    if field.multiple:
        return _choices(field, raw, options)
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
    if field.type == "enum" and value not in {v for v, _ in options}:
        raise ValueError(f"choose one of: {', '.join(label for _, label in options)}" if options else
                         "there is nothing to choose from yet")
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
            raise ValueError(VALIDATION_MESSAGES.get(field.pattern)
                             or f"does not match the expected format ({field.pattern})")
    return value


def _choices(field: FormField, raw: Any, options: tuple[tuple[str, str], ...]) -> list[str]:
    """The values chosen in a checklist or tag list: each one of its options, in the order given."""
    chosen = [] if raw is None or raw == "" else raw if isinstance(raw, list) else [raw]
    if not all(isinstance(value, (str, int, float, bool)) for value in chosen):
        raise ValueError("choose from the list")
    values = [option_text(value) for value in chosen]
    allowed = {v for v, _ in options}
    wrong = [value for value in values if value not in allowed]
    if wrong:
        raise ValueError(f"{wrong[0]!r} is not one of: {', '.join(label for _, label in options)}")
    if field.required and not values:
        raise ValueError("choose at least one")
    return list(dict.fromkeys(values))


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


def validate(fields: list[FormField], submitted: Mapping[str, Any],
             variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Typed values for the form's editable fields from `submitted`; FormErrors listing every bad one.

    Only the form's fields are read here: names the form does not have are the task rules' business
    (`runtime.task_rules.accepted_values`). A read-only field cannot be submitted. A form-js field hidden by
    its condition (against `variables` with the submitted values over them) is neither checked nor set, as
    form-js does; a choice whose options come from a variable is checked against that variable's list.
    """
    variables = variables or {}
    context = form_context(fields, variables, submitted)
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in fields:
        if field.type == DISPLAY or (field.hide_if and hidden(field, context)):
            continue
        raw = submitted.get(field.id)
        if field.readonly:
            if field.id in submitted:
                errors[field.id] = "is read-only in this form"
            continue
        if field.absent_when_empty and raw in (None, "") and not field.required:
            continue
        if field.type == "boolean" and raw is None and not field.required:
            raw = False
        try:
            values[field.id] = convert(field, raw, options_for(field, variables))
        except ValueError as error:
            errors[field.id] = str(error)
    if errors:
        raise FormErrors(errors)
    return values
