"""The console's form and decision editors: form-js's editor for `.form` files and dmn-js for `.dmn` files
(built from editor/ into static/editor/), for a new file or a deployed version, checked by the engine's own
deployment check as people edit, downloaded or deployed from there.

Like the modeler, these pages run script (`security.allow_editor_scripts`), check a file through the API's
/deployments/check with the session and CSRF token, and deploy through the modeler's deploy address, which is
the console's own deployment: a form or decisions with problems are refused there as anywhere.
"""
from __future__ import annotations

import io

from flask import Blueprint, render_template, request, send_file, url_for
from werkzeug.wrappers import Response

from bpmn_runtime.forms import FORM_JS_DISPLAY, FORM_JS_TYPES
from bpmn_runtime.web.auth import require_operator
from bpmn_runtime.web.openapi import MAX_VERSION
from bpmn_runtime.web.paging import whole_number
from bpmn_runtime.web.security import allow_editor_scripts
from bpmn_runtime.web.services import runtime

bp = Blueprint("file_editors", __name__)
bp.before_request(require_operator)
EDITORS = {"form": "form-editor", "decision": "dmn-editor"}  # what is edited -> its bundle in static/editor/


# The form-js components the inbox shows and checks: the form editor's palette offers these and no others.
SHOWN_COMPONENTS = " ".join(sorted(FORM_JS_TYPES.keys() | FORM_JS_DISPLAY))


def _page(what: str, title: str, file_url: str | None = None, file_name: str = "", decision: str = "") -> str:
    allow_editor_scripts()
    return render_template("console/file_editor.html", what=what, bundle=EDITORS[what], title=title,
                           file_url=file_url, file_name=file_name, decision=decision, components=SHOWN_COMPONENTS)


def _file(data: bytes, mimetype: str, name: str) -> Response:
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)


@bp.get("/forms/new")
def new_form() -> str:
    return _page("form", "New form")


@bp.get("/forms/<int:form_version_id>")
def edit_form(form_version_id: int) -> str:
    """A deployed form version, to change and deploy as the form's next version (under the same file name,
    which Camunda 7 links name)."""
    form, _ = runtime().queries.form_file(form_version_id)
    return _page("form", f"{form['form_id']} from version {form['version']}",
                 url_for(".form_file", form_version_id=form_version_id), form["file_name"])


@bp.get("/forms/<int:form_version_id>/file")
def form_file(form_version_id: int) -> Response:
    """The deployed .form file itself, as the editor opens it and as people download it."""
    form, text = runtime().queries.form_file(form_version_id)
    return _file(text.encode("utf-8"), "application/json", form["file_name"])


def _version() -> int | None:
    return whole_number(request.args.get("version", ""), MAX_VERSION) or None


@bp.get("/decisions/new")
def new_decision() -> str:
    return _page("decision", "New decision table")


@bp.get("/decisions/<key>")
def edit_decision(key: str) -> str:
    """The .dmn file of a deployed decision version (`?version=N`, else the newest), opened on that decision,
    to change and deploy as the next version of its decisions."""
    info, _ = runtime().decisions.file_of(key, _version())
    return _page("decision", f"{info.name} from version {info.version}",
                 url_for(".decision_file", key=key, version=info.version), info.file_name, key)


@bp.get("/decisions/<key>/file")
def decision_file(key: str) -> Response:
    """The deployed .dmn file that holds the decision version, as the editor opens it and people download it."""
    info, xml = runtime().decisions.file_of(key, _version())
    return _file(xml, "application/xml", info.file_name)
