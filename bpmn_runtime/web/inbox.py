"""The inbox: the tasks assigned to me or offered to me or my groups; claim, give back, complete a form; start
the processes I may start, with their start forms (as Camunda Tasklist's Start process does).

A refused form is shown again with each message next to its field and the values as entered, and
nothing changes. Someone else completing or claiming the task first is said in a message, not an error.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Callable, Mapping

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from bpmn_runtime.errors import Conflict, NotFound, TaskEnded
from bpmn_runtime.forms import FormErrors, form_fields, form_items
from bpmn_runtime.model import Element
from bpmn_runtime.runtime.records import TaskInfo
from bpmn_runtime.runtime.suspension import Suspended
from bpmn_runtime.web.auth import require_login
from bpmn_runtime.web.html_forms import (
    Row, RowErrors, blank_rows, controls, form_problems, read_rows, read_start, rows_with_errors, start_fields,
    submitted_fields,
)
from bpmn_runtime.web.paging import PAGE_SIZE, Page, offset, requested_page
from bpmn_runtime.web.services import Rendered, actor, runtime

bp = Blueprint("inbox", __name__)
bp.before_request(require_login)

SORTS = {"created": "Newest first", "oldest": "Oldest first", "due": "Due soonest",
         "follow-up": "Follow-up date soonest", "priority": "Highest priority", "name": "Name"}
DUE = {"overdue": "Overdue", "today": "Due today", "week": "Due within 7 days", "none": "No due date",
       "follow-up": "Follow-up date reached"}


@bp.get("/")
def home() -> Response:
    return redirect(url_for(".tasks"))


@bp.get("/tasks")
def tasks() -> str:
    """My tasks; operators and administrators see every open task (and can assign any of them)."""
    names = runtime().queries.process_names()
    process = request.args.get("process", "").strip()
    process = process if process in names else ""
    text = request.args.get("q", "").strip() or None
    sort = request.args.get("sort", "created")
    sort = sort if sort in SORTS else "created"
    due = request.args.get("due", "")
    due = due if due in DUE else ""
    number = requested_page()
    everyone = bool(g.user.is_operator)
    rows, total = runtime().queries.tasks(user=g.user.name, groups=list(g.user.groups), everyone=everyone,
                                          processes=names[process] if process else None, text=text,
                                          due=due or None, sort=sort, limit=PAGE_SIZE, offset=offset(number))
    return render_template("inbox/tasks.html", tasks=rows, page=Page(number, total), processes=list(names),
                           process=process, text=text or "", sort=sort, sorts=SORTS, due=due, dues=DUE,
                           everyone=everyone, overdue=_overdue(rows, runtime().clock.now()))


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


@bp.get("/start")
def startable() -> str:
    """The processes I may start (their newest versions that are not suspended)."""
    return render_template("inbox/start_list.html", processes=runtime().queries.startable(actor()))


@bp.get("/start/<int:definition_id>")
def start_page(definition_id: int) -> Rendered:
    return _start_page(_startable(definition_id))


@bp.post("/start/<int:definition_id>")
def start(definition_id: int) -> Response | Rendered:
    """Start an instance with the start event's form, checked as a task's form is (or name/value rows); a
    refused form is shown again with its messages, and nothing is started."""
    process = _startable(definition_id)
    try:
        variables, business_key = read_start(runtime().queries.start_event(definition_id), request.form)
    except RowErrors as refused:
        return _start_page(process, rows=refused.rows, status=400)
    except FormErrors as refused:
        return _start_page(process, entered=request.form, errors=refused.errors, status=400)
    try:
        instance_id = runtime().start(process["key"], variables, business_key=business_key,
                                      version=process["version"], actor=actor())
    except Conflict as refused:
        flash(f"Nothing was started: {refused}.", "warning")
        return redirect(url_for(".start_page", definition_id=definition_id))
    flash(f"Started {process['name'] or process['key']} (instance {instance_id}).", "success")
    return redirect(url_for(".tasks"))


def _startable(definition_id: int) -> dict[str, Any]:
    """The process version, when I may start it; else NotFound, as for a version that does not exist."""
    found = next((p for p in runtime().queries.startable(actor()) if p["id"] == definition_id), None)
    if found is None:
        raise NotFound(f"there is no process version {definition_id} you may start")
    return found


def _start_page(process: dict[str, Any], entered: Any = None, errors: Mapping[str, str] | None = None,
                rows: list[Row] | None = None, status: int = 200) -> Rendered:
    start = runtime().queries.start_event(process["id"])
    items = start_fields(start)
    shown = controls(items, {}, entered, errors) if items else []
    return render_template("inbox/start.html", process=process, rows=rows or blank_rows(),
                           business_key=request.form.get("business_key", ""),
                           key_field=start.extensions.business_key_field if start else None,
                           controls=shown, problems=form_problems(shown, errors, rows or [])), status


@bp.get("/tasks/<int:task_id>")
def task(task_id: int) -> Rendered:
    return _task_page(task_id)


def _task_page(task_id: int, entered: Any = None, errors: Mapping[str, str] | None = None,
               rows: list[Row] | None = None, status: int = 200) -> Rendered:
    """The task with its form: empty, or as refused (`entered` values with `errors`, or `rows`)."""
    info, element, variables = runtime().queries.task_form(task_id, actor=actor())
    shown = controls(form_items(element), variables, entered, errors)
    return render_template("inbox/task.html", task=info, controls=shown, rows=rows or blank_rows(),
                           variables=variables, mine=info.assignee == g.user.name,
                           model_assigned=_model_assignee(element) == g.user.name, operator=g.user.is_operator,
                           problems=form_problems(shown, errors, rows or []),
                           external_form=element.extensions.external_form), status


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


def _refused(task_id: int, act: Callable[[], object]) -> Response | None:
    """Act on the task; the answer that says why that changed nothing (gone, suspended, someone else holds
    it), or None when it was done."""
    try:
        act()
    except NotFound as gone:
        return _gone(task_id, gone)
    except Suspended as refused:
        return _suspended(task_id, refused)
    except Conflict:
        return _taken(runtime().queries.task(task_id))
    return None


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
    refused = _refused(task_id, lambda: runtime().claim(task_id, actor=actor()))
    if refused is not None:
        return refused
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
    following = runtime().queries.next_task(info.instance_id, actor())
    if following is not None:
        flash(f"'{info.name}' is completed. This is the next task of the same case.", "success")
        return redirect(url_for(".task", task_id=following))
    flash(f"'{info.name}' is completed. Thank you!", "success")
    return redirect(url_for(".tasks"))


@bp.post("/tasks/<int:task_id>/assign")
def assign(task_id: int) -> Response:
    """An operator gives the task to someone (or takes it), whoever holds it now."""
    info = _open_task(task_id)
    if isinstance(info, NotFound):
        return _gone(task_id, info)
    assignee = request.form.get("assignee", "").strip()
    if not assignee:
        flash("Enter the user name of the person to assign the task to.", "error")
        return redirect(url_for(".task", task_id=task_id))
    refused = _refused(task_id, lambda: runtime().assign(task_id, assignee, actor=actor()))
    if refused is not None:
        return refused
    flash(f"'{info.name}' is assigned to {'you' if assignee == g.user.name else assignee}.", "success")
    return redirect(url_for(".task", task_id=task_id))


@bp.post("/tasks/<int:task_id>/follow-up")
def follow_up(task_id: int) -> Response:
    """Set or clear the day the task should come up again (the 'Follow-up date reached' filter)."""
    raw = request.form.get("follow_up", "").strip()
    try:
        when = date.fromisoformat(raw) if raw else None
    except ValueError:
        flash("Enter the follow-up date as YYYY-MM-DD.", "error")
        return redirect(url_for(".task", task_id=task_id))
    refused = _refused(task_id, lambda: runtime().set_follow_up(task_id, when, actor=actor()))
    if refused is not None:
        return refused
    flash(f"Follow up on {when:%Y-%m-%d}." if when else "The follow-up date is cleared.", "success")
    return redirect(url_for(".task", task_id=task_id))
