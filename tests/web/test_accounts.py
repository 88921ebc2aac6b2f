"""Accounts end their sessions on the server: logout, a new password, disabling and removing the account all
end every session, which also has an absolute and an idle lifetime; failed logins are throttled per name
and per client address, without telling whether a name exists; `user disable/enable/remove` work."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bpmn_runtime.accounts import Accounts, Throttling
from bpmn_runtime.clock import VirtualClock
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.web import create_app
from bpmn_runtime.web.settings import WebSettings
from tests.web.conftest import PASSWORD, Person, csrf_token, flashes, log_in, run_cli

SMALL = Throttling(account_failures=3, address_failures=5, first_lockout=30, max_lockout=600, forget_after=900)


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(datetime.now(timezone.utc))


@pytest.fixture
def clocked(tmp_path: Path, clock: VirtualClock) -> Iterator[Runtime]:
    runtime = Runtime(f"sqlite:///{tmp_path / 'clocked.db'}", clock=clock)
    Accounts(runtime.database).add("mia", PASSWORD, groups=("managers",))
    Accounts(runtime.database).add("sam", PASSWORD)
    yield runtime
    runtime.close()


def _app(runtime: Runtime, **settings: Any) -> Flask:
    return create_app(runtime, testing=True, settings=WebSettings(throttling=SMALL, **settings))


def _try_login(client: FlaskClient, name: str, password: str, address: str = "192.0.2.1") -> tuple[int, str]:
    token = csrf_token(client.get("/login").text)
    answer = client.post("/login", data={"name": name, "password": password, "csrf_token": token},
                         environ_base={"REMOTE_ADDR": address})
    return answer.status_code, answer.text


def _logged_in(person: Person) -> bool:
    return person.get("/tasks").status_code == 200


# --- ending sessions on the server ---------------------------------------------------------------

def test_logout_ends_every_session_of_the_account_even_a_copied_cookie(app: Flask) -> None:
    laptop, phone = log_in(app, "mia"), log_in(app, "mia")
    stolen = laptop.client.get_cookie("session")
    assert stolen is not None
    laptop.post("/logout")
    assert not _logged_in(laptop) and not _logged_in(phone)
    replay = app.test_client()
    replay.set_cookie("session", stolen.value)
    assert replay.get("/tasks").status_code == 302, "a cookie saved before logout no longer opens the inbox"
    assert _logged_in(log_in(app, "mia")), "logging in again works"


def test_a_new_password_ends_the_sessions(app: Flask, runtime: Runtime) -> None:
    mia, sam = log_in(app, "mia"), log_in(app, "sam")
    Accounts(runtime.database).set_password("mia", "a-new-secret-7")
    assert not _logged_in(mia)
    assert _logged_in(sam), "other people stay logged in"


def test_disabling_and_removing_an_account(app: Flask, runtime: Runtime) -> None:
    accounts = Accounts(runtime.database)
    token = accounts.new_token("olga")
    olga, api = log_in(app, "olga"), app.test_client()
    accounts.disable("olga")
    assert not _logged_in(olga)
    assert api.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    status, page = _try_login(app.test_client(), "olga", PASSWORD)
    assert status == 200 and "do not match" in page, "a disabled account is refused like a wrong password"

    accounts.enable("olga")
    assert api.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    olga = log_in(app, "olga")
    accounts.remove("olga")
    assert not _logged_in(olga)
    assert api.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert [a.name for a in accounts.all()] == ["ada", "man", "max", "mia", "sam"]


def test_a_session_has_an_idle_timeout(clocked: Runtime, clock: VirtualClock) -> None:
    app = _app(clocked, idle_minutes=60)
    mia = log_in(app, "mia")
    for _ in range(4):
        clock.advance(50 * 60)
        assert _logged_in(mia), "each request within the hour keeps the session"
    clock.advance(61 * 60)
    answer = mia.get("/tasks", follow_redirects=True)
    assert "/login" in answer.request.path and "Your session has ended. Please log in again." in answer.text


def test_a_session_has_an_absolute_lifetime_however_busy(clocked: Runtime, clock: VirtualClock) -> None:
    app = _app(clocked, session_hours=12, idle_minutes=60)
    mia = log_in(app, "mia")
    for _ in range(23):
        clock.advance(30 * 60)
        assert _logged_in(mia)
    clock.advance(31 * 60)
    assert not _logged_in(mia), "12 hours after logging in the session ends, used or not"


# --- throttling failed logins --------------------------------------------------------------------

def test_failed_logins_lock_a_name_for_a_doubling_while(clocked: Runtime, clock: VirtualClock) -> None:
    client = _app(clocked).test_client()
    for _ in range(2):
        assert _try_login(client, "mia", "wrong-guess")[0] == 200
    status, page = _try_login(client, "mia", "wrong-guess")
    assert status == 200 and "do not match" in page, "the failure that reaches the limit still says only that"
    status, page = _try_login(client, "mia", PASSWORD)
    assert status == 429 and "Too many failed logins for this name or from your address; try again in 1 minute" \
        in page, "locked: even the right password is refused"
    clock.advance(31)
    assert _try_login(client, "mia", "wrong-again")[0] == 200
    assert _try_login(client, "mia", PASSWORD)[0] == 429
    clock.advance(61)  # the fourth failure doubled the lockout to 60 s
    assert _try_login(client, "mia", PASSWORD)[0] == 302
    assert _try_login(client, "mia", "wrong-guess")[0] == 200, "a successful login starts the count again"


def test_a_name_that_does_not_exist_is_throttled_alike(clocked: Runtime, clock: VirtualClock) -> None:
    client = _app(clocked).test_client()
    answers = {}
    for name in ("mia", "nobody"):
        for _ in range(3):
            _try_login(client, name, "wrong-guess", address=f"198.51.100.{len(name)}")
        answers[name] = _try_login(client, name, "wrong-guess", address=f"198.51.100.{len(name)}")
    assert answers["mia"][0] == answers["nobody"][0] == 429
    assert flashes(answers["mia"][1]) == flashes(answers["nobody"][1]) == [
        "Too many failed logins for this name or from your address; try again in 1 minute."]


def test_failures_from_one_address_lock_that_address_for_every_name(clocked: Runtime, tmp_path: Path) -> None:
    first, second = _app(clocked), _app(clocked)  # two `serve` processes on one database
    for number in range(5):
        _try_login(first.test_client(), f"guess{number}", "wrong-guess", address="203.0.113.9")
    assert _try_login(second.test_client(), "sam", PASSWORD, address="203.0.113.9")[0] == 429
    assert _try_login(second.test_client(), "sam", PASSWORD, address="203.0.113.10")[0] == 302


# --- the user commands -----------------------------------------------------------------------------

def test_user_disable_enable_and_remove_on_the_command_line(example_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    run_cli(example_dir, db, "user", "add", "bob", "--password", "long-enough-1")
    assert "bob is disabled: logged out everywhere" in run_cli(example_dir, db, "user", "disable", "bob")
    assert "bob                  user      -  (disabled)" in run_cli(example_dir, db, "user", "list")
    assert json.loads(run_cli(example_dir, db, "user", "list", "--json"))[0]["active"] is False
    assert run_cli(example_dir, db, "user", "enable", "bob") == "bob is enabled\n"
    assert run_cli(example_dir, db, "user", "remove", "bob") == "bob is removed\n"
    assert run_cli(example_dir, db, "user", "remove", "bob", expect=1) == "error: there is no user named 'bob'\n"
    assert "no users yet" in run_cli(example_dir, db, "user", "list")
