"""The console for operators: deployments (upload, versions, diagrams), decisions (their tables), starting
instances, finding and inspecting instances (diagram with tokens, variables, tasks, jobs, history with the
rules decisions matched, audit trail), cancelling, incidents, the audit trail, and (administrators) who may
start, see and operate on each process. The runtime applies the process permissions; these pages pass it the
logged-in operator."""
from __future__ import annotations

from itertools import groupby
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from bpmn_runtime.errors import Conflict, DeploymentError, InvalidInput, NotFound, Problem
from bpmn_runtime.runtime.audit import parse_since
from bpmn_runtime.runtime.records import DeployedProcess
from bpmn_runtime.web import diagrams
from bpmn_runtime.web.decision_views import decision_view
from bpmn_runtime.web.openapi import MAX_VERSION
from bpmn_runtime.web.auth import require_operator, safe_next
from bpmn_runtime.web.filters import sentence
from bpmn_runtime.web.html_forms import Row, RowErrors, blank_rows, read_rows
from bpmn_runtime.web.paging import PAGE_SIZE, Page, offset, requested_page, whole_number
from bpmn_runtime.web.security import upload_name
from bpmn_runtime.web.services import Rendered, actor, runtime

bp = Blueprint("console", __name__)
bp.before_request(require_operator)

STATUSES = ("active", "completed", "terminated", "cancelled", "failed")
HISTORY_LABELS = {"element_activated": "Started", "element_completed": "Completed",
                  "element_terminated": "Stopped", "compensation_thrown": "Compensation asked for",
                  "compensation_completed": "Compensated", "decision_evaluated": "Decision evaluated"}
HIDDEN_HISTORY = {"flow_taken"}


@bp.get("")
def home() -> Response:
    return redirect(url_for(".instances"))


# --- deployments ---------------------------------------------------------------------------------

def _deployments_page(problems: list[Problem] | None = None, file_name: str = "", status: int = 200) -> Rendered:
    definitions = runtime().queries.definitions()
    processes = [list(versions) for _, versions in groupby(definitions, key=lambda d: d["key"])]
    return render_template("console/deployments.html", processes=processes, problems=problems,
                           file_name=file_name), status


@bp.get("/deployments")
def deployments() -> Rendered:
    return _deployments_page()


@bp.post("/deployments")
def upload() -> Response | Rendered:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash("Choose a .bpmn or .dmn file to upload.", "error")
        return _deployments_page(status=400)
    name = upload_name(upload.filename)
    try:
        deployed = runtime().deploy(upload.read(), file_name=name, actor=actor())
    except DeploymentError as refused:
        return _deployments_page(refused.problems, name, status=400)
    report_deployed(deployed, name)
    return redirect(url_for(".deployments"))


def report_deployed(deployed: list[DeployedProcess], name: str) -> None:
    """Say on the next page what a deployment did: new versions, unchanged ones, or nothing to run."""
    if not deployed:
        flash(f"{name} holds no executable process, so nothing was deployed. "
              f"Mark the process as executable in the modeler.", "warning")
    for process in deployed:
        if process.new:
            flash(f"Deployed {process.name} ({process.key}) version {process.version} from {name}.", "success")
        else:
            flash(f"{process.name} ({process.key}) version {process.version} is identical to {name}; "
                  f"nothing changed.", "info")


@bp.get("/definitions/<int:definition_id>")
def definition(definition_id: int) -> Rendered:
    return _definition_page(definition_id)


def _definition(definition_id: int) -> dict[str, Any]:
    found = next((d for d in runtime().queries.definitions() if d["id"] == definition_id), None)
    if found is None:
        raise NotFound(f"there is no deployed definition {definition_id}")
    return found


def _definition_page(definition_id: int, rows: list[Row] | None = None, business_key: str = "",
                     status: int = 200) -> Rendered:
    return render_template("console/definition.html", definition=_definition(definition_id),
                           diagram=diagrams.draw(definition_id),
                           rows=rows or blank_rows(), business_key=business_key), status


@bp.post("/definitions/<int:definition_id>/start")
def start(definition_id: int) -> Response | Rendered:
    found = _definition(definition_id)
    key, version = found["key"], found["version"]
    business_key = request.form.get("business_key", "").strip()
    try:
        variables = read_rows(request.form)
    except RowErrors as refused:
        return _definition_page(definition_id, refused.rows, business_key, status=400)
    instance_id = runtime().start(key, variables, business_key=business_key or None, version=version, actor=actor())
    flash(f"Started instance {instance_id} of {key} version {version}.", "success")
    return redirect(url_for(".instance", instance_id=instance_id))


# --- decisions -----------------------------------------------------------------------------------

@bp.get("/decisions")
def decisions() -> str:
    versions = [list(group) for _, group in groupby(runtime().decisions.deployed(), key=lambda info: info.key)]
    return render_template("console/decisions.html", decisions=versions)


@bp.get("/decisions/<key>")
def decision(key: str) -> str:
    version = whole_number(request.args.get("version", ""), MAX_VERSION)
    info, definitions = runtime().decisions.definitions_of(key, version or None)
    others = [d for d in runtime().decisions.deployed() if d.key == key and d.version != info.version]
    return render_template("console/decision.html", info=info, others=others,
                           view=decision_view(definitions, definitions.decisions[key]))


# --- instances -----------------------------------------------------------------------------------

@bp.get("/instances")
def instances() -> str:
    process = request.args.get("process", "").strip()
    status = request.args.get("status", "")
    status = status if status in STATUSES else ""
    business_key = request.args.get("business_key", "").strip()
    number = requested_page()
    rows, total = runtime().queries.instances(process=process or None, status=status or None,
                                              business_key=business_key or None, limit=PAGE_SIZE,
                                              offset=offset(number), actor=actor())
    processes = sorted({d["key"] for d in runtime().queries.definitions()})
    return render_template("console/instances.html", instances=rows, page=Page(number, total),
                           processes=processes, statuses=STATUSES, process=process, status=status,
                           business_key=business_key)


@bp.get("/instances/<int:instance_id>")
def instance(instance_id: int) -> str:
    detail = runtime().queries.instance(instance_id, actor=actor())
    diagram = diagrams.draw(diagrams.definition_of(detail), diagrams.overlay(detail))
    timeline = [h for h in detail.history if h.kind not in HIDDEN_HISTORY]
    compensation = [h for h in detail.history if h.kind.startswith("compensation_")]
    return render_template("console/instance.html", detail=detail, s=detail.summary, diagram=diagram,
                           timeline=timeline, compensation=compensation, labels=HISTORY_LABELS,
                           open_incidents=[i for i in detail.incidents if i.resolved_at is None])


@bp.post("/instances/<int:instance_id>/cancel")
def cancel(instance_id: int) -> Response:
    reason = request.form.get("reason", "").strip() or "cancelled by an operator in the console"
    try:
        runtime().cancel(instance_id, reason, actor=actor())
    except Conflict as refused:
        flash(f"Nothing was changed: {refused}.", "warning")
    else:
        flash(f"Instance {instance_id} is cancelled.", "success")
    return redirect(url_for(".instance", instance_id=instance_id))


@bp.post("/tasks/<int:task_id>/release")
def release(task_id: int) -> Response:
    """Release a claimed task (its assignee is away, say): it goes back to what the model says."""
    info = runtime().queries.task(task_id, actor=actor())
    back_with = runtime().unclaim(task_id, actor=actor())
    flash(f"'{info.name}' is no longer claimed by {info.assignee}; " +
          (f"it is back with {back_with}, as the process says." if back_with else "its candidates can claim it."),
          "success")
    return redirect(url_for(".instance", instance_id=info.instance_id))


@bp.post("/tasks/<int:task_id>/assign")
def assign(task_id: int) -> Response:
    """Give a task to someone, whoever holds it now."""
    info = runtime().queries.task(task_id, actor=actor())
    assignee = request.form.get("assignee", "").strip()
    if not assignee:
        flash("Enter the user name of the person to assign the task to.", "error")
    else:
        runtime().assign(task_id, assignee, actor=actor())
        flash(f"'{info.name}' is assigned to {assignee}.", "success")
    return redirect(url_for(".instance", instance_id=info.instance_id))


# --- incidents -----------------------------------------------------------------------------------

@bp.get("/incidents")
def incidents() -> str:
    show_all = request.args.get("all") == "1"
    return render_template("console/incidents.html",
                           incidents=runtime().queries.incidents(open_only=not show_all, actor=actor()),
                           show_all=show_all)


@bp.post("/incidents/<int:incident_id>/retry")
def retry(incident_id: int) -> Response:
    retries_number = max(whole_number(request.form.get("retries", "1"), 100) or 1, 1)
    try:
        runtime().retry_incident(incident_id, retries_number, actor=actor())
    except NotFound:
        flash(f"Incident {incident_id} was already retried or resolved; nothing was changed.", "warning")
    else:
        flash(f"Incident {incident_id} is retried; a worker runs the failed step again shortly.", "success")
    return redirect(safe_next(url_for(".incidents")))


# --- audit trail ---------------------------------------------------------------------------------

@bp.get("/audit")
def audit() -> Rendered:
    """Every action of people and programs, newest first, filtered by actor, process, action and time."""
    filters = {name: request.args.get(name, "").strip()[:255] for name in ("user", "process", "action", "since")}
    try:
        since = parse_since(filters["since"], runtime().clock.now()) if filters["since"] else None
    except InvalidInput as refused:
        flash(f"{sentence(refused)}.", "error")
        since, status = None, 400
    else:
        status = 200
    number = requested_page()
    rows, total = runtime().queries.audit(user=filters["user"] or None, process=filters["process"] or None,
                                          action=filters["action"] or None, since=since, limit=PAGE_SIZE,
                                          offset=offset(number), actor=actor())
    return render_template("console/audit.html", entries=rows, page=Page(number, total), filters=filters), status


@bp.get("/instances/<int:instance_id>/audit")
def instance_audit(instance_id: int) -> str:
    """The audit tab of an instance: who did what to it."""
    summary = runtime().queries.instance(instance_id, actor=actor()).summary
    number = requested_page()
    rows, total = runtime().queries.audit(instance_id=instance_id, limit=PAGE_SIZE, offset=offset(number),
                                          actor=actor())
    return render_template("console/instance_audit.html", s=summary, entries=rows, page=Page(number, total))


# --- permissions (administrators) ----------------------------------------------------------------

def _admin_only() -> None:
    if g.user.role != "admin":
        abort(403, "Only administrators can change who may start, see or operate on a process.")


@bp.get("/permissions")
def permissions_page() -> str:
    _admin_only()
    return render_template("console/permissions.html", grants=runtime().queries.grants(),
                           processes=sorted({d["key"] for d in runtime().queries.definitions()}))


@bp.post("/permissions")
def change_permission() -> Response:
    _admin_only()
    form = {name: request.form.get(name, "").strip() for name in ("process", "kind", "principal_type", "principal")}
    revoking = request.form.get("change") == "revoke"
    change = runtime().revoke if revoking else runtime().grant
    done = change(form["process"], form["kind"], form["principal_type"], form["principal"], actor=actor())
    verb = "revoked" if revoking else "granted"
    flash(f"{form['kind'].capitalize()} {form['process']} for {form['principal_type']} {form['principal']}: "
          f"{verb}." if done else "Nothing changed: that grant was already so.", "success" if done else "info")
    return redirect(url_for(".permissions_page"))
