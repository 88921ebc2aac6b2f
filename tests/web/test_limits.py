"""What every request meets before a view reads it, and what an installation decides: body limits (refused
before authentication, also by the real server), NUL characters, Secure cookies, who may read /metrics,
and the defaults `serve` picks for a loopback or a network address."""
from __future__ import annotations

import io
import socket
from pathlib import Path

import pytest
from flask import Flask

from bpmn_runtime.errors import InvalidInput
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.web import create_app
from bpmn_runtime.web.settings import MB, WebSettings, for_server, is_loopback
from tests.web.conftest import PASSWORD, Person, Server, bearer, csrf_token, log_in


def test_a_large_body_is_refused_before_the_caller_is_even_looked_up(app: Flask, runtime: Runtime) -> None:
    client = app.test_client()
    answer = client.post("/api/v1/instances", data=b"x" * (MB + 1), content_type="application/json")
    assert answer.status_code == 413, "not 401: the body is refused before anything reads it"
    assert answer.get_json() == {"error": "This address accepts requests up to 1 MB (deployments up to 25 MB)."}
    page = client.post("/login", data={"name": "mia", "password": "x" * (MB + 1)})
    assert page.status_code == 413 and "That is too large" in page.text

    headers = bearer(runtime, "olga")
    upload = client.post("/api/v1/deployments", headers=headers,
                         data={"file": (io.BytesIO(b"<x/>" * (MB // 2)), "big.bpmn")})
    assert upload.status_code == 400, "a deployment of 2 MB reaches the parser, which says what is wrong"
    upload = client.post("/api/v1/deployments", headers=headers,
                         data={"file": (io.BytesIO(b" " * (25 * MB)), "huge.bpmn")})
    assert upload.status_code == 413 and upload.get_json()["error"] == "This address accepts requests up to 25 MB."


def test_a_body_without_a_length_is_cut_off_at_the_limit(app: Flask, runtime: Runtime) -> None:
    answer = app.test_client().post("/api/v1/instances", headers=bearer(runtime, "olga"),
                                    input_stream=io.BytesIO(b"[" + b" " * (2 * MB) + b"]"),
                                    content_type="application/json", environ_overrides={"wsgi.input_terminated": True})
    assert answer.status_code == 413, answer.text


def test_nul_characters_are_refused_plainly(mia: Person, runtime: Runtime) -> None:
    answer = mia.get("/tasks?q=a%00b")
    assert answer.status_code == 400 and "NUL character" in answer.text
    answer = mia.post("/tasks/1/complete", {"comment": "a\x00b"})
    assert answer.status_code == 400 and "NUL character" in answer.text


def test_session_cookies_can_be_kept_to_https(runtime: Runtime, app: Flask) -> None:
    secure = create_app(runtime, testing=True, settings=WebSettings(secure_cookies=True))
    client = secure.test_client()
    token = csrf_token(client.get("/login", base_url="https://localhost").text)
    answer = client.post("/login", data={"name": "mia", "password": PASSWORD, "csrf_token": token},
                         base_url="https://localhost", headers={"Referer": "https://localhost/login"})
    assert answer.status_code == 302 and "Secure" in answer.headers["Set-Cookie"]
    plain = log_in(app, "mia").client.get_cookie("session")
    assert plain is not None and not plain.secure


def test_metrics_open_with_a_token_or_closed(runtime: Runtime) -> None:
    assert create_app(runtime, testing=True).test_client().get("/metrics").status_code == 200
    guarded = create_app(runtime, testing=True, settings=WebSettings(metrics_token="scrape-me")).test_client()
    refused = guarded.get("/metrics", headers={"Authorization": "Bearer wrong"})
    assert refused.status_code == 401 and "BPMN_RUNTIME_METRICS_TOKEN" in refused.text
    assert guarded.get("/metrics").status_code == 401
    assert guarded.get("/metrics", headers={"Authorization": "Bearer scrape-me"}).status_code == 200
    closed = create_app(runtime, testing=True, settings=WebSettings(metrics_closed=True)).test_client()
    answer = closed.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
    assert answer.status_code == 403 and "set BPMN_RUNTIME_METRICS_TOKEN" in answer.text


def test_serve_defaults_depend_on_whether_it_listens_on_a_network(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("BPMN_RUNTIME_METRICS_TOKEN", "BPMN_RUNTIME_SESSION_HOURS", "BPMN_RUNTIME_SESSION_IDLE_MINUTES"):
        monkeypatch.delenv(variable, raising=False)
    assert [is_loopback(h) for h in ("127.0.0.1", "127.8.0.1", "::1", "[::1]", "localhost", "0.0.0.0", "10.0.0.1",
                                     "example.org")] == [True, True, True, True, True, False, False, False]
    local = for_server("127.0.0.1")
    assert (local.secure_cookies, local.metrics_token, local.metrics_closed) == (False, None, False)
    assert (local.session_hours, local.idle_minutes, local.body_limit, local.deploy_limit) == (12, 60, MB, 25 * MB)
    network = for_server("0.0.0.0")
    assert (network.secure_cookies, network.metrics_token, network.metrics_closed) == (True, None, True)
    assert for_server("0.0.0.0", secure_cookies=False).secure_cookies is False
    monkeypatch.setenv("BPMN_RUNTIME_METRICS_TOKEN", "open")
    assert (for_server("0.0.0.0").metrics_token, for_server("0.0.0.0").metrics_closed) == (None, False)
    monkeypatch.setenv("BPMN_RUNTIME_METRICS_TOKEN", "scrape-me")
    assert (for_server("127.0.0.1").metrics_token, for_server("0.0.0.0").metrics_closed) == ("scrape-me", False)
    monkeypatch.setenv("BPMN_RUNTIME_SESSION_HOURS", "8")
    monkeypatch.setenv("BPMN_RUNTIME_SESSION_IDLE_MINUTES", "15")
    assert (for_server("::1").session_hours, for_server("::1").idle_minutes) == (8, 15)
    monkeypatch.setenv("BPMN_RUNTIME_SESSION_IDLE_MINUTES", "forever")
    with pytest.raises(InvalidInput, match="BPMN_RUNTIME_SESSION_IDLE_MINUTES must be a number above 0"):
        for_server("::1")


def test_the_real_server_refuses_an_oversized_body_without_reading_it(example_dir: Path, tmp_path: Path) -> None:
    server = Server(example_dir, tmp_path / "limits.db", tmp_path / "serve.log", {})
    try:
        assert "session cookies are also sent over plain HTTP; /metrics is open" in server.output()
        host, port = server.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as connection:
            connection.sendall(b"POST /api/v1/deployments HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream"
                               b"\r\nContent-Length: %d\r\n\r\n" % (26 * MB))
            answer = connection.recv(4096)
        assert answer.startswith(b"HTTP/1.1 413"), answer
    finally:
        assert server.stop() == 0
