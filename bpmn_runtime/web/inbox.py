"""The inbox: the tasks assigned to me or offered to me or my groups; claim, give back, complete a form.

A refused form is shown again with each message next to its field and the values as entered, and
nothing changes. Someone else completing or claiming the task first is said in a message, not an error.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Mapping

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from bpmn_runtime.errors import Conflict, NotFound, TaskEnded
from bpmn_runtime.forms import FormErrors, form_fields
from bpmn_runtime.model import Element
from bpmn_runtime.runtime.records import TaskInfo
from bpmn_runtime.runtime.suspension import Suspended
from bpmn_runtime.web.auth import require_login
from bpmn_runtime.web.html_forms import (
    Row, RowErrors, blank_rows, controls, read_rows, rows_with_errors, submitted_fields,
)
from bpmn_runtime.web.paging import PAGE_SIZE, Page, offset, requested_page
from bpmn_runtime.web.services import Rendered, actor, runtime

bp = Blueprint("inbox", __name__)
bp.before_request(require_login)

SORTS = {"created": "Newest first", "due": "Due soonest", "priority": "Highest priority", "name": "Name"}


@bp.get("/")
def home() -> Response:
    return redirect(url_for(".tasks"))


@bp.get("/tasks")
def tasks() -> str:
    process = request.args.get("process", "").strip() or None
    text = request.args.get("q", "").strip() or None
    sort = request.args.get("sort", "created")
    sort = sort if sort in SORTS else "created"
    number = requested_page()
    rows, total = runtime().queries.tasks(user=g.user.name, groups=list(g.user.groups), process=process, text=text,
                                          sort=sort, limit=PAGE_SIZE, offset=offset(number))
    processes = sorted({d["key"] for d in runtime().queries.definitions()})
    return render_template("inbox/tasks.html", tasks=rows, page=Page(number, total), processes=processes,
                           process=process or "", text=text or "", sort=sort, sorts=SORTS,
                           overdue=_overdue(rows, runtime().clock.now()))


def _overdue(rows: list[TaskInfo], now: datetime) -> set[int]:
    """Ids of the tasks whose due date has passed (a due date without a zone is taken as UTC)."""
    late = set()
    for row in rows:
        try:
            due = datetime.fromisoformat(row.due) if row.due else None
        except ValueError:
            continue
        if due is not None and (due if due.tzinfo else due.replace(tzinfo=timezone.utc)) < now:
            late.add(row.id)
    return late


@bp.get("/tasks/<int:task_id>")
def task(task_id: int) -> Rendered:
    return _task_page(task_id)


def _task_page(task_id: int, entered: Mapping[str, str] | None = None, errors: Mapping[str, str] | None = None,
               rows: list[Row] | None = None, status: int = 200) -> Rendered:
    """The task with its form: empty, or as refused (`entered` values with `errors`, or `rows`)."""
    info, element, variables = runtime().queries.task_form(task_id, actor=actor())
    fields = form_fields(element)
    return render_template("inbox/task.html", task=info, controls=controls(fields, variables, entered, errors),
                           rows=rows or blank_rows(), variables=variables, mine=info.assignee == g.user.name,
                           model_assigned=_model_assignee(element) == g.user.name,
                           has_errors=bool(errors or rows)), status


def _model_assignee(element: Element) -> str | None:
    """The assignee the model names literally (an expression is only known to the task's instance)."""
    assignee = element.extensions.assignee
    return assignee if assignee and not any(mark in assignee for mark in "${=") else None


def _gone(task_id: int, error: NotFound | None = None) -> Response:
    said = f"{str(error)[0].upper()}{str(error)[1:]}." if isinstance(error, TaskEnded) else \
        f"Task {task_id} was completed or withdrawn meanwhile; nothing was changed."
    flash(said, "warning")
    return redirect(url_for(".tasks"))


def _taken(info: TaskInfo) -> Response:
    flash(f"{info.assignee} claimed '{info.name}' meanwhile; nothing was changed.", "warning")
    return redirect(url_for(".tasks"))


def _suspended(task_id: int, refused: Suspended) -> Response:
    flash(f"{str(refused)[0].upper()}{str(refused)[1:]}; nothing was changed.", "warning")
    return redirect(url_for(".task", task_id=task_id))


def _open_task(task_id: int) -> TaskInfo | NotFound:
    """The task if it is still open (403 if it is not offered to me), else why not."""
    try:
        return runtime().queries.task(task_id, actor=actor())
    except NotFound as gone:
        return gone


@bp.post("/tasks/<int:task_id>/claim")
def claim(task_id: int) -> Response:
    info = _open_task(task_id)
    if isinstance(info, NotFound):
        return _gone(task_id, info)
    try:
        runtime().claim(task_id, actor=actor())
    except NotFound as gone:
        return _gone(task_id, gone)
    except Suspended as refused:
        return _suspended(task_id, refused)
    except Conflict:
        return _taken(runtime().queries.task(task_id))
    flash(f"You claimed '{info.name}'. Fill in the form and complete it, or give it back.", "success")
    return redirect(url_for(".task", task_id=task_id))


@bp.post("/tasks/<int:task_id>/unclaim")
def unclaim(task_id: int) -> Response:
    info = _open_task(task_id)
    if isinstance(info, NotFound):
        return _gone(task_id, info)
    try:
        back_with = runtime().unclaim(task_id, actor=actor())
    except NotFound as gone:
        return _gone(task_id, gone)
    except Conflict as refused:
        flash(f"Nothing was changed: {refused}.", "warning")
        return redirect(url_for(".task", task_id=task_id))
    flash(f"You gave '{info.name}' back; " + (f"it is {back_with}'s again, as the process says." if back_with
                                              else "it is offered to its candidates again."), "success")
    return redirect(url_for(".tasks"))


@bp.post("/tasks/<int:task_id>/complete")
def complete(task_id: int) -> Response | Rendered:
    try:
        info, element, _ = runtime().queries.task_form(task_id, actor=actor())
    except NotFound as gone:
        return _gone(task_id, gone)
    if info.assignee is None:
        flash(f"Claim '{info.name}' before completing it, so nobody else works on it at the same time.", "warning")
        return redirect(url_for(".task", task_id=task_id))
    if info.assignee != g.user.name:
        return _taken(info)
    fields = form_fields(element)
    try:
        values = submitted_fields(fields, request.form) if fields else read_rows(request.form)
        runtime().complete_task(task_id, values, actor=actor())
    except RowErrors as refused:
        return _task_page(task_id, rows=refused.rows, status=400)
    except FormErrors as refused:
        if not fields:
            return _task_page(task_id, rows=rows_with_errors(request.form, refused.errors), status=400)
        return _task_page(task_id, request.form, refused.errors, status=400)
    except NotFound as gone:
        return _gone(task_id, gone)
    except Suspended as refused:
        return _suspended(task_id, refused)
    except Conflict:
        return _taken(runtime().queries.task(task_id))
    flash(f"'{info.name}' is completed. Thank you!", "success")
    return redirect(url_for(".tasks"))
