"""The console for operators: deployments (upload, versions, diagrams), decisions (their tables), starting
instances, finding and inspecting instances (diagram with tokens, variables, tasks, jobs, history with the
rules decisions matched, audit trail), cancelling, incidents, the audit trail, and (administrators) who may
start, see and operate on each process. The runtime applies the process permissions; these pages pass it the
logged-in operator."""
from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import groupby
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from bpmn_runtime.engine.modification import Instruction
from bpmn_runtime.errors import Conflict, DeploymentError, InvalidInput, NotFound, Problem
from bpmn_runtime.forms import FormErrors
from bpmn_runtime.runtime.audit import parse_since
from bpmn_runtime.runtime.migration import MigrationPlan, MigrationRefused, parse_mapping
from bpmn_runtime.runtime.records import DeployedProcess
from bpmn_runtime.web import bulk, diagrams
from bpmn_runtime.web.auth import require_operator, safe_next
from bpmn_runtime.web.decision_views import decision_view
from bpmn_runtime.web.filters import sentence
from bpmn_runtime.web.html_forms import (
    VALUE_TYPES, Row, RowErrors, blank_rows, controls, form_problems, read_start, start_fields,
    typed_value, value_text, value_type,
)
from bpmn_runtime.web.openapi import MAX_VERSION
from bpmn_runtime.web.paging import PAGE_SIZE, Page, cursor, offset, requested_page, whole_number
from bpmn_runtime.web.security import upload_name
from bpmn_runtime.web.services import Rendered, actor, runtime

bp = Blueprint("console", __name__)
bp.before_request(require_operator)

STATUSES = ("active", "completed", "terminated", "cancelled", "failed")
HISTORY_LABELS = {"element_activated": "Started", "element_completed": "Completed",
                  "element_terminated": "Stopped", "compensation_thrown": "Compensation asked for",
                  "compensation_completed": "Compensated", "decision_evaluated": "Decision evaluated",
                  "instance_modified": "Modified by an operator", "instance_migrated": "Migrated",
                  "element_skipped": "Skipped (its skip expression)"}
HIDDEN_HISTORY = {"flow_taken"}


@bp.get("")
def home() -> Response:
    return redirect(url_for(".instances"))


# --- deployments ---------------------------------------------------------------------------------

def _deployments_page(problems: list[Problem] | None = None, file_name: str = "", status: int = 200) -> Rendered:
    definitions = runtime().queries.definitions()
    processes = [list(versions) for _, versions in groupby(definitions, key=lambda d: d["key"])]
    forms = [list(versions) for _, versions in groupby(runtime().queries.forms(), key=lambda f: f["form_id"])]
    return render_template("console/deployments.html", processes=processes, forms=forms, problems=problems,
                           file_name=file_name), status


@bp.get("/deployments")
def deployments() -> Rendered:
    return _deployments_page()


@bp.post("/deployments")
def upload() -> Response | Rendered:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash("Choose a .bpmn, .dmn or .form file to upload.", "error")
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
        if process.kind == "form":
            flash(f"Deployed form {process.key} version {process.version} from {name}." if process.new else
                  f"Form {process.key} version {process.version} is identical to {name}; nothing changed.",
                  "success" if process.new else "info")
        elif process.new:
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
                     entered: Any = None, errors: dict[str, str] | None = None, status: int = 200) -> Rendered:
    """The version with its diagram and the start form: its start event's form, or name/value rows."""
    start = runtime().queries.start_event(definition_id)
    items = start_fields(start)
    shown = controls(items, {}, entered, errors) if items else []
    return render_template("console/definition.html", definition=_definition(definition_id),
                           diagram=diagrams.draw(definition_id), rows=rows or blank_rows(), business_key=business_key,
                           controls=shown, key_field=start.extensions.business_key_field if start else None,
                           problems=form_problems(shown, errors, rows or [])), status


@bp.post("/definitions/<int:definition_id>/suspend")
def suspend_version(definition_id: int) -> Response:
    return _version_suspension(definition_id, True)


@bp.post("/definitions/<int:definition_id>/resume")
def resume_version(definition_id: int) -> Response:
    return _version_suspension(definition_id, False)


def _version_suspension(definition_id: int, suspended: bool) -> Response:
    """Suspend (or resume) a process version and its running instances."""
    found = _definition(definition_id)
    _, changed = runtime().suspend_version(found["key"], found["version"], suspended=suspended, actor=actor())
    verb = "suspended" if suspended else "resumed"
    also = f", and {len(changed)} running instance{'s' if len(changed) != 1 else ''} with it" if changed else ""
    flash(f"{found['name'] or found['key']} version {found['version']} is {verb}{also}." +
          (" It starts no instance until it is resumed." if suspended else ""), "success")
    return redirect(url_for(".definition", definition_id=definition_id))


@bp.post("/definitions/<int:definition_id>/start")
def start(definition_id: int) -> Response | Rendered:
    """Start an instance with the start event's form (checked as a task's form is), or name/value rows."""
    found = _definition(definition_id)
    key, version = found["key"], found["version"]
    business_key = request.form.get("business_key", "").strip()
    try:
        variables, chosen_key = read_start(runtime().queries.start_event(definition_id), request.form)
    except RowErrors as refused:
        return _definition_page(definition_id, refused.rows, business_key, status=400)
    except FormErrors as refused:
        return _definition_page(definition_id, business_key=business_key, entered=request.form,
                                errors=refused.errors, status=400)
    try:
        instance_id = runtime().start(key, variables, business_key=chosen_key, version=version, actor=actor())
    except Conflict as refused:
        flash(f"Nothing was started: {refused}.", "warning")
        return redirect(url_for(".definition", definition_id=definition_id))
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
    before, after = cursor("before"), cursor("after")
    rows, total = runtime().queries.instances(process=process or None, status=status or None,
                                              key_start=business_key or None, limit=PAGE_SIZE,
                                              offset=offset(number), actor=actor(),
                                              before=before, after=after)
    page = Page(number, total, next_cursor=(("before", str(rows[-1].id)),) if rows else (),
                previous_cursor=(("after", str(rows[0].id)),) if rows else ())
    processes = sorted({d["key"] for d in runtime().queries.definitions()})
    return render_template("console/instances.html", instances=rows, page=page,
                           processes=processes, statuses=STATUSES, process=process, status=status,
                           business_key=business_key)


def _bulk_action() -> str:
    action = request.values.get("action", "")
    if action not in bulk.ACTIONS:
        abort(400, f"Choose what to do: {', '.join(bulk.ACTIONS)}.")
    return action


@bp.get("/instances/bulk")
def bulk_confirm() -> Rendered:
    """Ask before acting on every instance a filter matches: which action, which filter, how many. A migration
    asks for the version and mapping first, and with them shows the dry run: what would happen."""
    action = _bulk_action()
    chosen = bulk.read_filter(STATUSES)
    migration = bulk.read_migration(chosen) if action == "migrate" and "version" in request.args else None
    if action == "migrate":
        bulk.require_process(chosen)
    return render_template("console/bulk.html", action=action, label=bulk.ACTIONS[action], chosen=chosen,
                           total=bulk.count(chosen), progress=None, done_word=bulk.DONE[action],
                           migration=migration, check=bulk.dry_run(chosen, migration) if migration else None,
                           versions=bulk.versions(chosen.process) if action == "migrate" else []), 200


@bp.post("/instances/bulk")
def bulk_run() -> Rendered:
    """Run one batch of a confirmed bulk action and show how far it got (and a button to go on)."""
    action = _bulk_action()
    chosen = bulk.read_filter(STATUSES)
    reason = request.form.get("reason", "").strip() or "cancelled by an operator in the console (bulk)"
    migration = bulk.read_migration(chosen) if action == "migrate" else None
    act = bulk.migrating(migration) if migration else bulk.action(action, reason)
    progress = bulk.run_batch(act, chosen, bulk.read_progress())
    return render_template("console/bulk.html", action=action, label=bulk.ACTIONS[action], chosen=chosen,
                           total=progress.total, progress=progress, done_word=bulk.DONE[action],
                           reason=reason, batch=bulk.BATCH, migration=migration), 200


@bp.get("/instances/<int:instance_id>")
def instance(instance_id: int) -> Rendered:
    return _instance_page(instance_id)


@dataclass(frozen=True)
class Edit:
    """What an operator typed into one of the instance page's forms, shown again with what is wrong."""

    form: str  # variable:NAME, new-variable, event, incident:ID, modify, migrate (name: the version)
    name: str = ""
    kind: str = "text"
    value: str = ""
    error: str = ""


def _instance_page(instance_id: int, edit: Edit | None = None, status: int = 200,
                   plan: MigrationPlan | None = None) -> Rendered:
    detail = runtime().queries.instance(instance_id, actor=actor())
    called = {c.element_id: url_for(".instance", instance_id=c.instance_id) for c in detail.called if c.element_id}
    definition_id = diagrams.definition_of(detail)
    diagram = diagrams.draw(definition_id, diagrams.overlay(detail), called)
    active = detail.summary.status == "active"
    timeline = [h for h in detail.history if h.kind not in HIDDEN_HISTORY]
    compensation = [h for h in detail.history if h.kind.startswith("compensation_")]
    variables = [(name, value_type(value), value_text(value)) for name, value in sorted(detail.variables.items())]
    return render_template("console/instance.html", detail=detail, s=detail.summary, diagram=diagram,
                           timeline=timeline, compensation=compensation, labels=HISTORY_LABELS,
                           open_incidents=[i for i in detail.incidents if i.resolved_at is None],
                           variables=variables, types=VALUE_TYPES, edit=edit,
                           events=runtime().queries.waiting_events(instance_id) if active else [],
                           nodes=_startable(definition_id) if active else [], plan=plan,
                           versions=[d["version"] for d in runtime().queries.definitions()
                                     if d["key"] == detail.summary.process_key
                                     and d["version"] != detail.summary.version] if active else [],
                           stopped_at=diagrams.stopped_at(detail)), status


def _startable(definition_id: int) -> list[tuple[str, str]]:
    """The elements a modification may start a token at (id, label), by label: every flow node but boundary
    events and compensation handlers, which only their events start."""
    process = runtime().queries.process(definition_id)
    return sorted(((e.id, e.label) for e in process.walk() if e.kind != "boundaryEvent" and not e.for_compensation),
                  key=lambda node: node[1].lower())


def _typed(form: str) -> tuple[Edit, Any]:
    """The name, type and value posted by one of the instance page's forms, and the typed value; the Edit
    carries the error when the value does not fit its type."""
    edit = Edit(form, request.form.get("name", "").strip(), request.form.get("type", "text"),
                request.form.get("value", ""))
    try:
        return edit, typed_value(edit.kind, edit.value)
    except InvalidInput as refused:
        return replace(edit, error=str(refused)), None


@bp.post("/instances/<int:instance_id>/variables")
def set_variable(instance_id: int) -> Response | Rendered:
    """Set one variable, typed as the operator says (JSON for lists and objects), checked by the runtime."""
    form = "new-variable" if request.form.get("new") else f"variable:{request.form.get('name', '').strip()}"
    edit, value = _typed(form)
    if not edit.error and not edit.name:
        edit = replace(edit, error="Give the variable a name.")
    if not edit.error:
        try:
            runtime().set_variables(instance_id, {edit.name: value})
        except InvalidInput as refused:
            edit = replace(edit, error=str(refused))
        except Conflict as refused:
            flash(f"Nothing was changed: {refused}.", "warning")
            return redirect(url_for(".instance", instance_id=instance_id))
    if edit.error:
        return _instance_page(instance_id, edit, status=400)
    flash(f"{edit.name} is set to {value_text(value) or 'null'}.", "success")
    return redirect(url_for(".instance", instance_id=instance_id) + "#variables")


@bp.post("/instances/<int:instance_id>/event")
def send_event(instance_id: int) -> Response | Rendered:
    """Send the message or signal this instance waits for, to this instance only, with an optional value."""
    kind, name = request.form.get("kind", ""), request.form.get("event", "")
    edit, value = _typed("event")
    if not edit.error and edit.value.strip() and not edit.name:
        edit = replace(edit, error="Give the value a name, or leave the value empty.")
    if not edit.error:
        values = {edit.name: value} if edit.name else {}
        try:
            element = runtime().deliver_to_instance(instance_id, kind, name, values)
        except InvalidInput as refused:
            edit = replace(edit, error=str(refused))
        except (Conflict, NotFound) as refused:
            flash(f"{str(refused)[0].upper()}{str(refused)[1:]}.", "warning")
            return redirect(url_for(".instance", instance_id=instance_id))
        else:
            flash(f"The {kind} '{name}' reached instance {instance_id} at {element}.", "success")
            return redirect(url_for(".instance", instance_id=instance_id))
    return _instance_page(instance_id, replace(edit, form=f"event:{kind}:{name}"), status=400)


@bp.post("/instances/<int:instance_id>/modify")
def modify(instance_id: int) -> Response | Rendered:
    """Process instance modification from the page: cancel tokens at the elements ticked, then start before
    and after the elements chosen, with one variable set on the process first or in the scope of each token
    started (`scope=local`); all of it or nothing."""
    edit, value = _typed("modify")
    variables = {edit.name: value} if edit.name and not edit.error else {}
    local = request.form.get("scope") == "local"
    starts = [Instruction(kind, element, variables=variables if local else {})
              for kind in ("start_before", "start_after") for element in request.form.getlist(kind) if element]
    instructions = [*(Instruction("cancel", element) for element in request.form.getlist("cancel")), *starts]
    if not edit.error and not instructions:
        edit = replace(edit, error="Tick a token to cancel, or choose where to start one.")
    if not edit.error and edit.value.strip() and not edit.name:
        edit = replace(edit, error="Give the variable a name, or leave its value empty.")
    if not edit.error and local and variables and not starts:
        edit = replace(edit, error="Choose where to start a token to set the variable in its scope, or set it on "
                                   "the process.")
    if not edit.error:
        try:
            done = runtime().modify(instance_id, instructions, {} if local else variables, actor=actor())
        except InvalidInput as refused:
            edit = replace(edit, error=str(refused))
        except Conflict as refused:
            flash(f"Nothing was changed: {refused}.", "warning")
            return redirect(url_for(".instance", instance_id=instance_id))
        else:
            flash(f"Instance {instance_id} is modified: {'; '.join(done)}.", "success")
            return redirect(url_for(".instance", instance_id=instance_id))
    return _instance_page(instance_id, edit, status=400)


@bp.post("/instances/<int:instance_id>/migrate")
def migrate(instance_id: int) -> Response | Rendered:
    """Migrate the instance to another version of its process, with a mapping of element ids (one OLD=NEW a
    line); "Check" only runs the check and shows what would happen."""
    version = whole_number(request.form.get("version", ""), MAX_VERSION)
    edit = Edit("migrate", str(version or ""), value=request.form.get("mapping", ""))
    if not version:
        return _instance_page(instance_id, replace(edit, error="Choose the version to migrate to."), status=400)
    dry_run = request.form.get("dry_run") == "1"
    try:
        [plan] = runtime().migrate([instance_id], version, parse_mapping(edit.value.splitlines()), dry_run=dry_run,
                                   actor=actor())
    except MigrationRefused as refused:
        return _instance_page(instance_id, edit, status=400, plan=refused.plans[0])
    except InvalidInput as refused:
        return _instance_page(instance_id, replace(edit, error=str(refused)), status=400)
    except (Conflict, NotFound) as refused:
        flash(f"Nothing was changed: {refused}.", "warning")
        return redirect(url_for(".instance", instance_id=instance_id))
    left = bool(plan.problems or plan.left_as_is)  # after the check: it ended, or moved on, meanwhile
    if dry_run or left:
        return _instance_page(instance_id, edit, plan=plan, status=409 if left and not dry_run else 200)
    flash(f"Instance {instance_id} is migrated to version {version}: {'; '.join(plan.moves)}.", "success")
    return redirect(url_for(".instance", instance_id=instance_id))


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


@bp.post("/instances/<int:instance_id>/suspend")
def suspend(instance_id: int) -> Response:
    return _suspension(instance_id, True)


@bp.post("/instances/<int:instance_id>/resume")
def resume(instance_id: int) -> Response:
    return _suspension(instance_id, False)


def _suspension(instance_id: int, suspended: bool) -> Response:
    try:
        changed = runtime().suspend([instance_id], suspended=suspended, actor=actor())
    except Conflict as refused:
        flash(f"Nothing was changed: {refused}.", "warning")
        return redirect(url_for(".instance", instance_id=instance_id))
    called = [i for i in changed if i != instance_id]
    also = f" with the instance(s) it called: {', '.join(f'#{i}' for i in called)}" if called else ""
    if suspended:
        flash(f"Instance {instance_id} is suspended{also}: nothing of it moves until you resume it.", "success")
    else:
        flash(f"Instance {instance_id} is resumed{also}; what fell due meanwhile goes on now.", "success")
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
def retry(incident_id: int) -> Response | Rendered:
    """Retry an incident; from the instance page, optionally setting one variable first in the same
    transaction, so the step runs again with the fix or nothing changes."""
    retries_number = max(whole_number(request.form.get("retries", "1"), 100) or 1, 1)
    instance_id = whole_number(request.form.get("instance", ""), 2**63 - 1)
    edit, variables = None, {}
    if request.form.get("name", "").strip() and instance_id is not None:
        edit, value = _typed(f"incident:{incident_id}")
        if edit.error:
            return _instance_page(instance_id, edit, status=400)
        variables = {edit.name: value}
    try:
        runtime().retry_incident(incident_id, retries_number, variables, actor=actor())
    except NotFound:
        flash(f"Incident {incident_id} was already retried or resolved; nothing was changed.", "warning")
    except InvalidInput as refused:
        if edit is None or instance_id is None:
            raise
        return _instance_page(instance_id, replace(edit, error=str(refused)), status=400)
    except Conflict as refused:
        flash(f"Nothing was changed: {refused}.", "warning")
    else:
        fixed = f" with {edit.name} set to {value_text(variables[edit.name]) or 'null'}" if edit else ""
        flash(f"Incident {incident_id} is retried{fixed}; a worker runs the failed step again shortly.", "success")
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
