"""What the views work with: the runtime and the user accounts of the app handling the request."""
from __future__ import annotations

from flask import current_app

from bpmn_runtime.runtime import Runtime
from bpmn_runtime.web.users import Users

Rendered = tuple[str, int]  # a page and its HTTP status
RUNTIME = "bpmn_runtime"
USERS = "bpmn_runtime_users"


def runtime() -> Runtime:
    return current_app.extensions[RUNTIME]


def users() -> Users:
    return current_app.extensions[USERS]
