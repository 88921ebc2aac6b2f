"""The JSON API under /api/v1 for programs, with bearer tokens; described by /api/v1/openapi.json.

Names are camelCase; variables keep the names the process gave them. Every user may list definitions,
work on the tasks offered to them (the inbox's rules) and start the processes that name them as
starters; operators and administrators check and deploy files, start, inspect and cancel instances, set
variables, send messages and signals, retry incidents, read the audit trail and run external tasks
(fetch-and-lock), as a worker in another language would, within the process permissions the runtime
applies (`runtime.permissions`). A token made for topics runs external tasks of those topics only.
"""
from __future__ import annotations

import json
from dataclasses import fields, is_dataclass
from datetime import datetime
from typing import Any

from flask import Blueprint, abort, g, jsonify, request
from werkzeug.wrappers import Response

from bpmn_runtime.engine.modification import Instruction, Kind
from bpmn_runtime.errors import DeploymentError
from bpmn_runtime.forms import form_fields
from bpmn_runtime.handlers import JobContext
from bpmn_runtime.model import FormField
from bpmn_runtime.parser.xml_loading import load_xml
from bpmn_runtime.runtime import inputs
from bpmn_runtime.runtime.audit import parse_since
from bpmn_runtime.runtime.migration import MigrationRefused
from bpmn_runtime.runtime.queries import COUNT_LIMIT, DUE_FILTERS, TASK_SORTS, Queries
from bpmn_runtime.runtime.deployments import file_kind
from bpmn_runtime.runtime.variables import MAX_DEPTH
from bpmn_runtime.web.auth import operator_only, require_login, session_caller
from bpmn_runtime.traceparent import valid as valid_traceparent
from bpmn_runtime.web.errors import problems_json
from bpmn_runtime.web.openapi import (
    MAX_ID, MAX_INSTRUCTIONS, MAX_LOCK, MAX_MIGRATED, MAX_OFFSET, MAX_RETRIES, MAX_RETRY_TIMEOUT, MAX_VERSION,
    document,
)
from bpmn_runtime.web.paging import read_task_cursor, task_cursor, whole_number
from bpmn_runtime.web.security import upload_name
from bpmn_runtime.web.services import actor, runtime

bp = Blueprint("api", __name__)
MAX_LIST = 200
MISSING = object()
KINDS = {str: "text", int: "a whole number", dict: "a JSON object", list: "a list", bool: "true or false"}


# Routes the console's pages call too, with their session and CSRF token instead of a bearer token.
PAGE_ROUTES = {"api.check_deployment"}


@bp.before_request
def _authenticate() -> None:
    if request.endpoint in PAGE_ROUTES:
        session_caller()
    if request.endpoint != "api.openapi":
        require_login()


# --- request and response helpers ------------------------------------------------------------------

def camel(value: Any) -> Any:
    """A record as JSON with camelCase names; maps inside (variables, history data) keep their own names."""
    if is_dataclass(value) and not isinstance(value, type):
        return {_camel_name(f.name): camel(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, (list, tuple)):
        return [camel(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _camel_name(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _body() -> dict[str, Any]:
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        abort(400, f"The JSON body is nested too deeply; variables may nest up to {MAX_DEPTH} levels.")
    if body is None and not request.data:
        return {}
    if not isinstance(body, dict):
        abort(400, "Send a JSON object as the request body, with Content-Type: application/json.")
    return body


def _get(body: dict[str, Any], name: str, kind: type, default: Any = MISSING) -> Any:
    """A field of the body, of the right JSON type; 400 naming the field otherwise. null is taken as left
    out, as Camunda's REST API takes it."""
    value = body.get(name)
    if value is None:
        value = default
    if value is MISSING:
        abort(400, f"'{name}' is required.")
    if value is not None and value is not default and (not isinstance(value, kind) or
                                                       (kind is int and isinstance(value, bool))):
        abort(400, f"'{name}' must be {KINDS[kind]}.")
    return value


def _bounded(body: dict[str, Any], name: str, default: int | None, low: int, high: int) -> Any:
    """A whole number field from `low` to `high` (the default, None included, when it is left out)."""
    value = _get(body, name, int, default)
    if value is not None and not low <= value <= high:
        abort(400, f"'{name}' must be from {low} to {high}.")
    return value


def _text(body: dict[str, Any], name: str, default: Any = MISSING, limit: int = inputs.TEXT_LENGTH) -> Any:
    """A text field that will be stored: no NUL, at most `limit` characters."""
    value = _get(body, name, str, default)
    return inputs.text(value, f"'{name}'", limit) if isinstance(value, str) else value


def _worker(body: dict[str, Any]) -> str:
    """The worker's id: only the worker holding a job's lock may act on it, so it cannot be left out or null."""
    worker = body.get("workerId")
    if not isinstance(worker, str) or not worker:
        abort(400, "'workerId' is required: the name the worker fetched and locked its tasks with.")
    return inputs.key(worker, "'workerId'")


def _arg_int(name: str, default: int, high: int) -> int:
    text = request.args.get(name, "")
    if not text:
        return default
    number = whole_number(text, high)
    if number is None:
        abort(400, f"'{name}' must be a whole number from 0 to {high}.")
    return number


def _field_json(field: FormField) -> dict[str, Any]:
    shape: dict[str, Any] = camel(field)
    shape["options"] = [{"value": value, "label": label} for value, label in field.options]
    return shape


# --- definitions and instances ---------------------------------------------------------------------

@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(document())


@bp.post("/deployments")
@operator_only
def deploy() -> tuple[Response, int]:
    upload = request.files.get("file")
    if upload is None:
        abort(400, "Send the .bpmn or .dmn file as the multipart form field 'file'.")
    deployed = runtime().deploy(upload.read(), file_name=upload_name(upload.filename), actor=actor())
    return jsonify(deployed=camel(deployed)), 201


@bp.post("/deployments/check")
@operator_only
def check_deployment() -> Response:
    """What deploying the file in the body would refuse, without deploying: the editors check as people edit.
    The file name says what the file is: a form's JSON (.form), or BPMN or DMN XML."""
    data = request.get_data()
    name = request.args.get("fileName") or "diagram.bpmn"
    is_form = file_kind(name, data) == "form"
    if not data.strip():
        abort(400, f"Send the {'form JSON' if is_form else 'BPMN or DMN XML'} as the request body.")
    if is_form:
        try:
            json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as unreadable:
            abort(400, f"The body is not JSON that can be checked: {unreadable}.")
    else:
        try:
            load_xml(data, name)
        except DeploymentError as unreadable:
            abort(400, f"The body is not XML that can be checked: {unreadable.problems[0].message}.")
    return jsonify(problems=problems_json(runtime().deployments.check(data, name)))


@bp.get("/definitions")
def definitions() -> Response:
    return jsonify(definitions=[{_camel_name(k): v for k, v in d.items()} for d in runtime().queries.definitions()])


@bp.get("/decisions")
def decisions() -> Response:
    return jsonify(decisions=camel(runtime().decisions.deployed()))


@bp.post("/decisions/<key>/evaluate")
@operator_only
def evaluate_decision(key: str) -> Response:
    body = _body()
    outcome = runtime().decide(key, _get(body, "variables", dict, {}),
                               version=_bounded(body, "version", None, 1, MAX_VERSION))
    return jsonify(camel(outcome))


@bp.post("/instances")
def start() -> tuple[Response, int]:
    """Operators start any process that names no starters; anyone named as a starter starts that process."""
    body = _body()
    started = runtime().start_and_report(_get(body, "processKey", str), _get(body, "variables", dict, {}),
                                         business_key=_get(body, "businessKey", str, None),
                                         request_key=_get(body, "requestKey", str, None),
                                         version=_bounded(body, "version", None, 1, MAX_VERSION), actor=actor(),
                                         traceparent=valid_traceparent(request.headers.get("traceparent")))
    # the starter is told where it waits, whoever they are
    return jsonify(id=started.id, status=started.status, waitingAt=camel(started.tokens)), 201


@bp.get("/instances")
@operator_only
def instances() -> Response:
    """Newest first; `after` (the `next` of the page before: the id of its last instance) goes on from there."""
    limit, offset = _paging()
    after = _arg_int("after", 0, MAX_ID) or None
    rows, total = runtime().queries.instances(
        process=request.args.get("process") or None, status=request.args.get("status") or None,
        business_key=request.args.get("businessKey") or None, limit=limit, offset=offset, before=after,
        actor=actor())
    return jsonify(**_counted(total), next=str(rows[-1].id) if rows and len(rows) == limit else None,
                   instances=camel(rows))


def _paging() -> tuple[int, int]:
    """The `limit` and `offset` of a list; an `offset` together with a cursor (`after`) is refused."""
    offset = _arg_int("offset", 0, MAX_OFFSET)
    if offset and request.args.get("after"):
        abort(400, "Give either 'offset' or 'after', not both: 'after' already says where the page begins.")
    return _arg_int("limit", 50, MAX_LIST), offset


def _counted(total: int) -> dict[str, Any]:
    """A list's length as the API tells it: exact up to COUNT_LIMIT, past it COUNT_LIMIT and moreThanTotal."""
    return {"total": min(total, COUNT_LIMIT), "moreThanTotal": total > COUNT_LIMIT}


@bp.get("/instances/<int:instance_id>")
@operator_only
def instance(instance_id: int) -> Response:
    return jsonify(camel(runtime().queries.instance(instance_id, actor=actor())))


@bp.post("/instances/<int:instance_id>/cancel")
@operator_only
def cancel(instance_id: int) -> tuple[str, int]:
    runtime().cancel(instance_id, _get(_body(), "reason", str, "cancelled through the API"), actor=actor())
    return "", 204


@bp.post("/instances/<int:instance_id>/suspend")
@operator_only
def suspend(instance_id: int) -> tuple[str, int]:
    runtime().suspend([instance_id], actor=actor())
    return "", 204


@bp.post("/instances/<int:instance_id>/resume")
@operator_only
def resume(instance_id: int) -> tuple[str, int]:
    runtime().suspend([instance_id], suspended=False, actor=actor())
    return "", 204


INSTRUCTION_TYPES: dict[str, Kind] = {"cancel": "cancel", "startBeforeActivity": "start_before",
                                      "startAfterActivity": "start_after"}


def _instructions(body: dict[str, Any]) -> list[Instruction]:
    """The instructions of a modification, in Camunda's REST shape; 400 naming the one that is wrong."""
    listed = _get(body, "instructions", list)
    if not 1 <= len(listed) <= MAX_INSTRUCTIONS:
        abort(400, f"'instructions' must list from 1 to {MAX_INSTRUCTIONS} instructions.")
    found = []
    for number, item in enumerate(listed, 1):
        kind = INSTRUCTION_TYPES.get(item["type"]) if isinstance(item, dict) and isinstance(item.get("type"), str) \
            else None
        if kind is None:
            abort(400, f"instruction {number} must be an object whose 'type' is one of "
                       f"{', '.join(INSTRUCTION_TYPES)}.")
        ai = _bounded(item, "activityInstanceId", None, 0, 2**31 - 1) if kind == "cancel" else None
        element = _text(item, "activityId", None if ai is not None else MISSING, inputs.KEY_LENGTH)
        variables = _get(item, "variables", dict, {})
        if variables and kind == "cancel":
            abort(400, f"instruction {number} cancels, so it starts no scope to set 'variables' in; give them "
                       f"with a start instruction, or as the modification's own 'variables' (process variables).")
        found.append(Instruction(kind, element, ai, variables))
    return found


@bp.post("/instances/<int:instance_id>/modification")
@operator_only
def modify(instance_id: int) -> Response:
    """Process instance modification: the instructions run in order, all or nothing."""
    body = _body()
    done = runtime().modify(instance_id, _instructions(body), _get(body, "variables", dict, {}), actor=actor())
    detail = runtime().queries.instance(instance_id, actor=actor())
    return jsonify(done=done, status=detail.summary.status, waitingAt=camel(detail.tokens))


@bp.post("/migrations")
@operator_only
def migrate() -> tuple[Response, int]:
    """Migrate running instances to another version of their process (or, with dryRun, only check)."""
    body = _body()
    ids = _get(body, "instanceIds", list)
    if not 1 <= len(ids) <= MAX_MIGRATED or not all(isinstance(i, int) and not isinstance(i, bool) and
                                                    1 <= i <= MAX_ID for i in ids):
        abort(400, f"'instanceIds' must list from 1 to {MAX_MIGRATED} instance ids.")
    mapping = _get(body, "mapping", dict, {})
    if not all(isinstance(new, str) for new in mapping.values()):
        abort(400, "'mapping' must map element ids of the instances' version to element ids of the new one.")
    dry_run, to_version = _get(body, "dryRun", bool, False), _get(body, "toVersion", int)
    if not 1 <= to_version <= MAX_VERSION:
        abort(400, f"'toVersion' must be from 1 to {MAX_VERSION}.")
    try:
        plans = runtime().migrate(ids, to_version, mapping, dry_run=dry_run, actor=actor())
    except MigrationRefused as refused:
        return jsonify(error=str(refused), instances=camel(refused.plans)), 400
    return jsonify(migrated=not dry_run, instances=camel(plans)), 200


@bp.get("/instances/<int:instance_id>/variables")
@operator_only
def variables(instance_id: int) -> Response:
    return jsonify(runtime().queries.instance(instance_id, actor=actor()).variables)


@bp.patch("/instances/<int:instance_id>/variables")
@operator_only
def set_variables(instance_id: int) -> Response:
    runtime().set_variables(instance_id, _body(), actor=actor())
    return jsonify(runtime().queries.instance(instance_id, actor=actor()).variables)


# --- user tasks ------------------------------------------------------------------------------------

@bp.get("/tasks")
def tasks() -> Response:
    """`after` (the `next` of the page before, made for the same `sort`) goes on after its last task."""
    limit, offset = _paging()
    sort = request.args.get("sort", "created")
    if sort not in TASK_SORTS:
        abort(400, f"'sort' must be one of {', '.join(TASK_SORTS)}.")
    after = request.args.get("after")
    rows, total = runtime().queries.tasks(
        user=g.user.name, groups=list(g.user.groups), process=request.args.get("process") or None,
        text=request.args.get("q") or None, sort=sort, due=_due_filter(), limit=limit, offset=offset,
        after=read_task_cursor(after, sort) if after else None)
    last = task_cursor(sort, *Queries.task_sort_key(rows[-1], sort)) if rows and len(rows) == limit else None
    return jsonify(**_counted(total), next=last, tasks=camel(rows))


def _due_filter() -> str | None:
    """The `due` query parameter: one of DUE_FILTERS (a task's due or follow-up date), or none."""
    due = request.args.get("due") or None
    if due is not None and due not in DUE_FILTERS:
        abort(400, f"'due' must be one of {', '.join(DUE_FILTERS)}.")
    return due


@bp.get("/tasks/<int:task_id>")
def task(task_id: int) -> Response:
    info, element, values = runtime().queries.task_form(task_id, actor=actor())
    return jsonify(**camel(info), form=[_field_json(f) for f in form_fields(element)],
                   externalFormReference=element.extensions.external_form, variables=values)


@bp.post("/tasks/<int:task_id>/claim")
def claim(task_id: int) -> tuple[str, int]:
    runtime().claim(task_id, actor=actor())
    return "", 204


@bp.post("/tasks/<int:task_id>/unclaim")
def unclaim(task_id: int) -> tuple[str, int]:
    runtime().unclaim(task_id, actor=actor())
    return "", 204


@bp.post("/tasks/<int:task_id>/assign")
def assign(task_id: int) -> tuple[str, int]:
    runtime().assign(task_id, _get(_body(), "assignee", str), actor=actor())
    return "", 204


@bp.post("/tasks/<int:task_id>/complete")
def complete(task_id: int) -> tuple[str, int]:
    runtime().complete_task(task_id, _get(_body(), "variables", dict, {}), actor=actor())
    return "", 204


# --- messages, signals, incidents ------------------------------------------------------------------

@bp.post("/messages")
@operator_only
def message() -> Response:
    body = _body()
    instance_id = runtime().correlate_message(_get(body, "name", str), _get(body, "correlationKey", str, None),
                                              _get(body, "variables", dict, {}), actor=actor())
    return jsonify(instanceId=instance_id)


@bp.post("/messages/publish")
@operator_only
def publish_message() -> Response:
    """Publish as Zeebe does: `timeToLive` (ISO 8601 duration or seconds, default PT1H as Zeebe's clients) and
    `messageId`; a message nobody waits for yet is buffered, not refused."""
    body = _body()
    ttl = body.get("timeToLive")
    if isinstance(ttl, bool) or not isinstance(ttl, (str, int, float, type(None))):
        abort(400, "'timeToLive' must be an ISO 8601 duration such as PT1H, or a number of seconds.")
    published = runtime().publish_message(
        _get(body, "name", str), _get(body, "correlationKey", str, None), _get(body, "variables", dict, {}),
        ttl="PT1H" if ttl is None else ttl, message_id=_get(body, "messageId", str, None), actor=actor())
    return jsonify(instanceId=published.instance_id, buffered=published.buffered)


@bp.get("/messages/buffered")
@operator_only
def buffered_messages() -> Response:
    """The live messages in the buffer, oldest first (`name`: of that message only), without their variables."""
    return jsonify(messages=camel(runtime().buffered_messages(request.args.get("name") or None, limit=MAX_LIST)))


@bp.delete("/messages/buffered/<int:buffered_id>")
@operator_only
def discard_buffered_message(buffered_id: int) -> tuple[str, int]:
    runtime().discard_buffered_message(buffered_id, actor=actor())
    return "", 204


@bp.post("/signals")
@operator_only
def signal() -> Response:
    body = _body()
    return jsonify(instances=runtime().broadcast_signal(_get(body, "name", str), _get(body, "variables", dict, {}),
                                                        actor=actor()))


@bp.get("/incidents")
@operator_only
def incidents() -> Response:
    rows = runtime().queries.incidents(open_only=request.args.get("all") != "true", limit=MAX_LIST, actor=actor())
    return jsonify(incidents=camel(rows))


@bp.post("/incidents/<int:incident_id>/retry")
@operator_only
def retry(incident_id: int) -> tuple[str, int]:
    runtime().retry_incident(incident_id, _bounded(_body(), "retries", 1, 1, 100), actor=actor())
    return "", 204


@bp.get("/audit")
@operator_only
def audit() -> Response:
    """The audit trail, newest first, filtered as `bpmn-runtime audit` filters it."""
    since = request.args.get("since") or None
    instance_text = request.args.get("instanceId") or ""
    instance_id = whole_number(instance_text, MAX_ID) if instance_text else None
    if instance_text and instance_id is None:
        abort(400, "'instanceId' must be a whole number.")
    rows, total = runtime().queries.audit(
        instance_id=instance_id, user=request.args.get("user") or None,
        since=parse_since(since, runtime().clock.now()) if since else None,
        process=request.args.get("process") or None, action=request.args.get("action") or None,
        limit=_arg_int("limit", 50, MAX_LIST), offset=_arg_int("offset", 0, MAX_OFFSET), actor=actor())
    return jsonify(total=total, entries=camel(rows))


# --- external tasks --------------------------------------------------------------------------------

def _external(job: JobContext) -> dict[str, Any]:
    return {"id": job.job_id, "topic": job.topic, "variables": job.variables, "idempotencyKey": job.idempotency_key,
            "businessKey": job.business_key, "processKey": job.process_key, "instanceId": job.instance_id,
            "activityId": job.activity_id, "attempt": job.attempt, "headers": job.headers,
            "traceparent": job.traceparent}


def _lease_seconds(body: dict[str, Any], name: str) -> float:
    seconds: float = _bounded(body, name, 60_000, 1, MAX_LOCK) / 1000
    return seconds


@bp.post("/external-tasks/fetch-and-lock")
def fetch_and_lock() -> Response:
    body = _body()
    topics = _get(body, "topics", list)
    if not topics or not all(isinstance(t, str) and t for t in topics):
        abort(400, "'topics' must be a list of one or more topic names.")
    jobs = runtime().acquire_jobs(_worker(body), topics, limit=_bounded(body, "maxTasks", 10, 1, 100),
                                  lease_seconds=_lease_seconds(body, "lockDuration"), actor=actor())
    return jsonify([_external(job) for job in jobs])


@bp.post("/external-tasks/<int:job_id>/extend-lock")
def extend_lock(job_id: int) -> tuple[str, int]:
    body = _body()
    runtime().extend_lock(job_id, _worker(body), _lease_seconds(body, "newDuration"), actor=actor())
    return "", 204


@bp.post("/external-tasks/<int:job_id>/complete")
def complete_external(job_id: int) -> tuple[str, int]:
    body = _body()
    runtime().complete_job(job_id, _worker(body), _get(body, "variables", dict, {}), actor=actor())
    return "", 204


@bp.post("/external-tasks/<int:job_id>/failure")
def failure(job_id: int) -> Response:
    body = _body()
    message = _text(body, "errorMessage", "the worker reported a failure")
    details = _text(body, "errorDetails", "")
    retries = _bounded(body, "retries", None, 0, MAX_RETRIES)
    timeout = _bounded(body, "retryTimeout", None, 0, MAX_RETRY_TIMEOUT)
    incident = runtime().fail_job(job_id, _worker(body), f"{details}\n{message}".strip(),
                                  retries=retries, retry_in_seconds=timeout / 1000 if timeout is not None else None,
                                  actor=actor())
    return jsonify(incident=incident)


@bp.post("/external-tasks/<int:job_id>/bpmn-error")
def bpmn_error(job_id: int) -> tuple[str, int]:
    body = _body()
    runtime().job_bpmn_error(job_id, _worker(body), inputs.key(_get(body, "errorCode", str), "'errorCode'"),
                             _text(body, "errorMessage", ""), _get(body, "variables", dict, {}), actor=actor())
    return "", 204
