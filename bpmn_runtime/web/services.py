"""What the views work with: the runtime and the user accounts of the app handling the request."""
from __future__ import annotations

from flask import current_app, g

from bpmn_runtime.runtime import Runtime
from bpmn_runtime.runtime.task_rules import Actor
from bpmn_runtime.web.users import Users

Rendered = tuple[str, int]  # a page and its HTTP status
RUNTIME = "bpmn_runtime"
USERS = "bpmn_runtime_users"


def runtime() -> Runtime:
    found: Runtime = current_app.extensions[RUNTIME]
    return found


def users() -> Users:
    found: Users = current_app.extensions[USERS]
    return found


def actor() -> Actor:
    """The logged-in caller as the task rules see them: name, groups and role."""
    return Actor.person(g.user.name, g.user.groups, g.user.role)
