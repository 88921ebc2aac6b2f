"""What the views work with: the runtime, the accounts and the settings of the app handling the request."""
from __future__ import annotations

from flask import current_app, g

from bpmn_runtime.accounts import Accounts
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.runtime.task_rules import Actor
from bpmn_runtime.web.settings import WebSettings

Rendered = tuple[str, int]  # a page and its HTTP status
RUNTIME = "bpmn_runtime"
ACCOUNTS = "bpmn_runtime_accounts"
SETTINGS = "bpmn_runtime_settings"


def runtime() -> Runtime:
    found: Runtime = current_app.extensions[RUNTIME]
    return found


def accounts() -> Accounts:
    found: Accounts = current_app.extensions[ACCOUNTS]
    return found


def settings() -> WebSettings:
    found: WebSettings = current_app.extensions[SETTINGS]
    return found


def actor() -> Actor:
    """The caller as the runtime sees them: name, groups and role, whether they came with an API token (and
    the topics it may fetch) or a web session."""
    if g.get("token_caller"):
        return Actor.person(g.user.name, g.user.groups, g.user.role, via="api token", topics=g.user.token_topics)
    return Actor.person(g.user.name, g.user.groups, g.user.role, via="web")
