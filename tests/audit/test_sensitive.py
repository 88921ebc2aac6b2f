"""Which values the audit trail redacts: names matching BPMN_RUNTIME_SENSITIVE_VARIABLES at any depth, and form
fields the model marks sensitive (Camunda 7 form field property, form-js custom property)."""
from __future__ import annotations

import json

import pytest

from bpmn_runtime.forms import read_form_js
from bpmn_runtime.sensitive import DEFAULT_SENSITIVE, REDACTED, SENSITIVE_ENV, patterns, redact


def test_default_patterns_redact_at_any_depth(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SENSITIVE_ENV, raising=False)
    assert patterns() == DEFAULT_SENSITIVE
    value = {"amount": 5, "Card_Number": "4242", "customer": {"name": "Ann", "apiToken": "t"},
             "logins": [{"password": "p", "user": "ann"}]}
    assert redact(value) == {"amount": 5, "Card_Number": REDACTED, "customer": {"name": "Ann", "apiToken": REDACTED},
                             "logins": [{"password": REDACTED, "user": "ann"}]}
    assert redact({"pin": "1234", "holder": "Ann"}, ["pin"]) == {"pin": REDACTED, "holder": "Ann"}


def test_the_environment_chooses_the_patterns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SENSITIVE_ENV, "*iban*, ssn")
    assert redact({"iban_no": "DE00", "SSN": "1", "password": "p"}) == {"iban_no": REDACTED, "SSN": REDACTED,
                                                                        "password": "p"}
    monkeypatch.setenv(SENSITIVE_ENV, "")
    assert redact({"password": "p"}) == {"password": "p"}


def test_a_form_js_field_is_marked_sensitive_by_its_custom_property() -> None:
    fields, problems = read_form_js(json.dumps({"components": [
        {"type": "textfield", "key": "pin", "label": "PIN", "properties": {"sensitive": "true"}},
        {"type": "textfield", "key": "holder", "label": "Holder", "properties": {"sensitive": "no"}},
        {"type": "textfield", "key": "note"}]}))
    assert problems == [] and [(f.id, f.sensitive) for f in fields] == [("pin", True), ("holder", False),
                                                                        ("note", False)]
