"""The console's modeler: the bpmn.io editor (built from editor/ into static/editor/) for a new diagram or a
deployed version, checked by the engine's deployment check as people draw, downloaded or deployed from there.

These are the only pages that run script (`security.allow_editor_scripts`). The page checks a diagram through
the API's /deployments/check with its session and CSRF token, and deploys through `deploy` below, which is the
console's own deployment (`Runtime.deploy`), so a diagram with problems is refused here as anywhere.
The form and decision editors (`file_editors`) check and deploy through the same two addresses.
"""
from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, jsonify, render_template, request, send_file, url_for
from werkzeug.utils import secure_filename
from werkzeug.wrappers import Response

from bpmn_runtime.errors import DeploymentError, NotFound
from bpmn_runtime.runtime.records import DeployedProcess
from bpmn_runtime.web.auth import require_operator
from bpmn_runtime.web.console import report_deployed
from bpmn_runtime.web.errors import problems_json
from bpmn_runtime.web.security import allow_editor_scripts
from bpmn_runtime.web.services import runtime

bp = Blueprint("modeler", __name__)
bp.before_request(require_operator)
PLATFORMS = {"camunda8": "Camunda 8", "camunda7": "Camunda 7"}  # new diagrams: Camunda 8 unless asked


def _deployed(definition_id: int) -> dict[str, Any]:
    for found in runtime().queries.definitions():
        if found["id"] == definition_id:
            return found
    raise NotFound(f"there is no deployed definition {definition_id}")


def _page(definition: dict[str, Any] | None, platform: str) -> str:
    allow_editor_scripts()
    return render_template("console/modeler.html", definition=definition, platform=platform,
                           platforms=PLATFORMS)


@bp.get("")
def new() -> str:
    """A new diagram for the platform asked for (`?platform=camunda7`), else for Camunda 8."""
    platform = request.args.get("platform", "")
    return _page(None, platform if platform in PLATFORMS else "camunda8")


@bp.get("/<int:definition_id>")
def edit(definition_id: int) -> str:
    """A deployed version, to change and deploy as the next version; its platform is read from the file."""
    return _page(_deployed(definition_id), "")


@bp.get("/<int:definition_id>/diagram.bpmn")
def diagram(definition_id: int) -> Response:
    """The deployed file itself, as the editor opens it and as people download it."""
    definition = _deployed(definition_id)
    _, xml = runtime().queries.definition_xml(definition_id)
    return send_file(io.BytesIO(xml), mimetype="application/xml", as_attachment=True,
                     download_name=definition["file_name"] or f"{definition['key']}.bpmn")


@bp.post("/deploy")
def deploy() -> tuple[Response, int]:
    """Deploy the file in the body (a diagram, or a form or decisions from `file_editors`; its name says which);
    answers where to go next, or the problems (JSON, for the editor)."""
    name = secure_filename(request.args.get("fileName", "")) or "diagram.bpmn"
    try:
        deployed = runtime().deploy(request.get_data(), file_name=name)
    except DeploymentError as refused:
        return jsonify(error=f"{name} cannot be deployed.", problems=problems_json(refused.problems)), 400
    report_deployed(deployed, name)
    return jsonify(location=_shown_after(deployed)), 201


def _shown_after(deployed: list[DeployedProcess]) -> str:
    """The page of what was deployed: a process version, a decision, or the list that shows a form."""
    if deployed and deployed[0].kind == "decision":
        return url_for("console.decision", key=deployed[0].key)
    if deployed and deployed[0].kind == "process":
        return url_for("console.definition", definition_id=deployed[0].definition_id)
    return url_for("console.deployments")
