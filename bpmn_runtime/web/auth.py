"""Who is calling: a logged-in person (a signed session cookie) or a program (a bearer token under /api/).

Roles: `user` works on the tasks offered to them; `operator` also runs the console (deploy, start,
cancel, retry); `admin` is an operator who manages accounts from the command line.

A session is a signed cookie, so the server must be able to end one that a browser still holds: it
carries its account's session stamp, which logout, a new password and disabling the account replace,
and the times it was made and last used, checked against an absolute and an idle lifetime.
"""
from __future__ import annotations

import functools
from typing import Any, Callable
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from bpmn_runtime.accounts import Account, LoginThrottled
from bpmn_runtime.web.filters import sentence
from bpmn_runtime.web.security import csrf
from bpmn_runtime.web.services import accounts, settings

bp = Blueprint("auth", __name__)


@bp.before_app_request
def load_caller() -> None:
    """Put the caller's account (or None) in `g.user`. The API takes only tokens, the pages only sessions,
    so a session cookie can never make an API call that a foreign page triggered."""
    g.user = None
    if request.endpoint == "static":
        return
    if request.path.startswith("/api/"):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            g.user = accounts().by_token(token.strip())
            g.token_caller = g.user is not None
    elif "user_id" in session:
        g.user = _session_account()


def _session_account() -> Account | None:
    """The account of a session still valid: not past its lifetimes, its stamp still the account's."""
    now = accounts().clock.now().timestamp()
    limits = settings()
    started, seen = session.get("login_at"), session.get("seen_at")
    if not isinstance(started, (int, float)) or not isinstance(seen, (int, float)) \
            or now - started > limits.session_hours * 3600 or now - seen > limits.idle_minutes * 60:
        session.clear()
        flash("Your session has ended. Please log in again.", "info")
        return None
    user_id, stamp = session.get("user_id"), session.get("stamp")
    account = accounts().by_session(user_id, stamp) \
        if isinstance(user_id, int) and isinstance(stamp, str) else None
    if account is None:
        session.clear()
        return None
    if now - seen >= 60:  # the idle clock restarts; at most once a minute, so most answers set no cookie
        session["seen_at"] = now
    return account


def session_caller() -> None:
    """For the API routes that the console's own pages call: the logged-in person, once the request's CSRF token
    shows that one of our pages sent it (a browser sends the session cookie whichever page asks)."""
    if g.user is None and "user_id" in session:
        csrf.protect()
        g.user = _session_account()


def require_login() -> Response | None:
    """For `before_request`: people go to the login page, programs get 401."""
    if g.user is not None:
        return None
    if request.path.startswith("/api/"):
        abort(401, "Send a valid API token as 'Authorization: Bearer <token>'; "
                   "`bpmn-runtime user token NAME` makes one.")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def require_operator() -> Response | None:
    """For `before_request`: only operators and administrators go on."""
    refused = require_login()
    if refused is None and not g.user.is_operator:
        abort(403, "Only operators and administrators can do this.")
    return refused


def operator_only(view: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator form of `require_operator`, for single views of a blueprint open to every user."""
    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        return require_operator() or view(*args, **kwargs)
    return guarded


def safe_next(default: str) -> str:
    """A `next` address from the request, only when it stays on this site (no open redirect)."""
    target = request.values.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.scheme and not parts.netloc \
            and "\\" not in target:
        return target
    return default


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | tuple[str, int]:
    if request.method == "POST":
        try:
            account = accounts().authenticate(request.form.get("name", "").strip(), request.form.get("password", ""),
                                              request.remote_addr or "")
        except LoginThrottled as refused:
            flash(f"{sentence(refused)}.", "error")
            return render_template("login.html", next=safe_next(""), name=request.form.get("name", "")), 429
        if account is not None:
            session.clear()  # a new session: no fixation of one planted before login
            now = accounts().clock.now().timestamp()
            session.update(user_id=account.id, stamp=account.session_stamp, login_at=now, seen_at=now)
            session.permanent = True
            return redirect(safe_next(url_for("inbox.tasks")))
        flash("That user name and password do not match. Please try again.", "error")
    return render_template("login.html", next=safe_next(""), name=request.form.get("name", "")), 200


@bp.post("/logout")
def logout() -> Response:
    """End this session and every other session of the account (the stamp they carry is replaced)."""
    if g.user is not None:
        accounts().end_sessions(g.user.id)
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))
