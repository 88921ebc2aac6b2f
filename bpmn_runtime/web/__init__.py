"""The web app: the inbox for people, the console for operators and the JSON API for programs.

`create_app` builds one Flask app around a `Runtime`; `bpmn-runtime serve` runs it with a worker.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter

from bpmn_runtime.accounts import Accounts
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.web import errors, filters, security
from bpmn_runtime.web.api import bp as api
from bpmn_runtime.web.auth import bp as auth
from bpmn_runtime.web.console import bp as console
from bpmn_runtime.web.file_editors import bp as file_editors
from bpmn_runtime.web.inbox import bp as inbox
from bpmn_runtime.web.metrics import bp as metrics
from bpmn_runtime.web.modeler import bp as modeler
from bpmn_runtime.web.services import ACCOUNTS, RUNTIME, SETTINGS
from bpmn_runtime.web.settings import WebSettings


class _IsoJSON(DefaultJSONProvider):
    """Times as ISO 8601 (Flask's default is the HTTP date format, which programs parse badly)."""

    @staticmethod
    def default(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.isoformat()
        return DefaultJSONProvider.default(value)


class _Id(IntegerConverter):
    """`<int:...>` in every route: an id past 64 bits matches no route (404) instead of reaching the database,
    where it would not fit."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(map, *args, **{"max": 2**63 - 1, **kwargs})


def create_app(runtime: Runtime, *, secret_key: str | None = None, testing: bool = False,
               settings: WebSettings | None = None) -> Flask:
    """The web app on `runtime`. Without `secret_key`, sessions are signed with the key stored in the
    database, so every `serve` process of an installation accepts the others' sessions (and a session
    ended in one, by logout or a new password, is ended in all: see `auth`)."""
    settings = settings or WebSettings()
    accounts = Accounts(runtime.database, clock=runtime.clock, throttling=settings.throttling)
    app = Flask(__name__)
    app.url_map.converters["int"] = _Id
    app.config.update(
        SECRET_KEY=secret_key or accounts.session_secret(),
        TESTING=testing,
        MAX_CONTENT_LENGTH=settings.deploy_limit,  # the largest any route takes; `security` lowers it per request
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=int(settings.session_hours * 3600),
        WTF_CSRF_TIME_LIMIT=None,  # a token lives as long as the session: a long form still submits
    )
    app.json = _IsoJSON(app)
    app.extensions[RUNTIME] = runtime
    app.extensions[ACCOUNTS] = accounts
    app.extensions[SETTINGS] = settings
    filters.install(app)
    security.install(app, settings)
    errors.install(app)
    app.register_blueprint(auth)
    app.register_blueprint(inbox)
    app.register_blueprint(console, url_prefix="/console")
    app.register_blueprint(modeler, url_prefix="/console/modeler")
    app.register_blueprint(file_editors, url_prefix="/console/editors")
    app.register_blueprint(metrics)
    app.register_blueprint(api, url_prefix="/api/v1")
    security.csrf.exempt(api)  # the API authenticates with bearer tokens, which a foreign site cannot send
    return app
