"""Errors as plain pages for people and JSON for programs, never a stack trace.

The runtime's own errors carry messages written for people; they map to HTTP statuses here once, so a
view can let them rise: NotFound is 404, Forbidden 403, Conflict 409, InvalidInput and DeploymentError 400,
DatabaseUnavailable 503.
"""
from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from bpmn_runtime.errors import Conflict, DatabaseUnavailable, DeploymentError, Forbidden, InvalidInput, NotFound, Problem
from bpmn_runtime.forms import FormErrors

log = logging.getLogger("bpmn_runtime.web")

TITLES = {
    400: "That request could not be used",
    401: "Please log in",
    403: "You may not do that",
    404: "Not found",
    405: "That is not possible here",
    409: "Someone else changed this first",
    413: "That is too large",
    500: "Something went wrong on our side",
    503: "The database cannot be reached",
}
FALLBACK = {
    400: "The request was incomplete or had a wrong value.",
    401: "Send a valid bearer token in the Authorization header.",
    403: "Your role does not allow this.",
    404: "There is nothing at this address.",
    405: "This address does not accept that kind of request.",
    413: "The request or one of its fields is larger than this server accepts.",
    500: "The error was logged. Please try again; if it happens again, tell your administrator.",
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, message: str, **extra: object) -> tuple[Response | str, int]:
    """The error as JSON under /api/, else as a page with a title and the message."""
    if wants_json():
        return jsonify(error=message, **extra), status
    return render_template("error.html", title=TITLES.get(status, "Error"), message=message, status=status,
                           **extra), status


def _http(error: HTTPException) -> tuple[Response | str, int] | tuple[Response | str, int, dict[str, str]]:
    status = error.code or 500
    own = error.description if error.description != type(error).description else None
    body, status = error_response(status, own or FALLBACK.get(status, error.name))
    if status == 401:
        return body, status, {"WWW-Authenticate": 'Bearer realm="bpmn-runtime"'}
    return body, status


def _csrf(error: CSRFError) -> tuple[Response | str, int]:
    return error_response(400, "The form had expired or did not come from this site. "
                               "Go back, reload the page and send it again.")


def problems_json(problems: list[Problem]) -> list[dict[str, object]]:
    """Deployment problems as the API sends them, from a refused deployment and from a check alike."""
    return [{"file": p.file, "line": p.line, "elementId": p.element_id, "message": p.message} for p in problems]


def _deployment(error: DeploymentError) -> tuple[Response | str, int]:
    return error_response(400, "The file cannot be deployed.", problems=problems_json(error.problems))


def _form(error: FormErrors) -> tuple[Response | str, int]:
    return error_response(400, "Some values do not fit the form.", fields=error.errors)


def _unexpected(error: Exception) -> tuple[Response | str, int]:
    log.exception("unexpected error on %s %s", request.method, request.path)
    return error_response(500, FALLBACK[500])


def install(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http)
    app.register_error_handler(CSRFError, _csrf)
    app.register_error_handler(NotFound, lambda e: error_response(404, str(e)))
    app.register_error_handler(Forbidden, lambda e: error_response(403, str(e)))
    app.register_error_handler(Conflict, lambda e: error_response(409, str(e)))
    app.register_error_handler(DeploymentError, _deployment)
    app.register_error_handler(FormErrors, _form)
    app.register_error_handler(InvalidInput, lambda e: error_response(400, str(e)))
    app.register_error_handler(DatabaseUnavailable, lambda e: error_response(503, str(e)))
    app.register_error_handler(Exception, _unexpected)
