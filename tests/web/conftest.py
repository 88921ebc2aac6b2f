"""Fixtures of the web tests: a real SQLite file with the order example deployed and its real handlers,
accounts of each role, and people who log in through the real login form (CSRF tokens and all)."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from bpmn_runtime.handlers import HandlerRegistry
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.worker import Worker
from tests.conftest import PROCESSES, cli_path
from bpmn_runtime.web import create_app
from bpmn_runtime.accounts import Accounts

WEB_PROCESSES = Path(__file__).parent / "processes"
PASSWORD = "correct-horse-1"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has a form with a CSRF token"
    return found.group(1)


def flashes(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", m).strip().replace("&#39;", "'")
            for m in re.findall(r'<p class="flash flash-\w+">(.*?)</p>', html, re.DOTALL)]


class Person:
    """A logged-in browser: `post` sends the session's CSRF token as every form of the app does."""

    def __init__(self, client: FlaskClient, token: str) -> None:
        self.client = client
        self.token = token

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> TestResponse:
        return self.client.post(path, data={"csrf_token": self.token, **(data or {})}, **kwargs)


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    runtime = Runtime(f"sqlite:///{tmp_path / 'web.db'}")
    runtime.deploy(PROCESSES / "order_fulfilment.bpmn")
    yield runtime
    runtime.close()


@pytest.fixture
def worker(runtime: Runtime) -> Worker:
    registry = HandlerRegistry()
    registry.load(PROCESSES / "order_fulfilment.py")
    return Worker(runtime, registry)


@pytest.fixture
def app(runtime: Runtime) -> Flask:
    users = Accounts(runtime.database)
    users.add("mia", PASSWORD, groups=("managers",))  # approves large orders
    users.add("max", PASSWORD, groups=("managers",))  # mia's colleague
    users.add("sam", PASSWORD, groups=("sales",))  # is offered nothing of the order example
    users.add("man", PASSWORD, groups=("man",))  # a group whose name is part of 'managers'
    users.add("olga", PASSWORD, role="operator")
    users.add("ada", PASSWORD, role="admin", groups=("managers",))
    return create_app(runtime, testing=True)


def log_in(app: Flask, name: str) -> Person:
    client = app.test_client()
    form = client.get("/login")
    response = client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": csrf_token(form.text)})
    assert response.status_code == 302, response.text
    return Person(client, csrf_token(client.get("/tasks").text))


@pytest.fixture
def mia(app: Flask) -> Person:
    return log_in(app, "mia")


@pytest.fixture
def sam(app: Flask) -> Person:
    return log_in(app, "sam")


@pytest.fixture
def olga(app: Flask) -> Person:
    return log_in(app, "olga")


def place_order(runtime: Runtime, worker: Worker, amount: int = 5000, business_key: str | None = None) -> int:
    """Start an order and let the worker check the stock: a large one then waits for approval."""
    instance_id = runtime.start("order-fulfilment", {"amount": amount}, business_key=business_key)
    worker.run_until_idle()
    return instance_id


def approval_task(runtime: Runtime, instance_id: int) -> int:
    return next(t.id for t in runtime.queries.instance(instance_id).tasks if t.element_id == "Activity_ApproveOrder")


def bearer(runtime: Runtime, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {Accounts(runtime.database).new_token(name)}"}


def run_cli(cwd: Path, db: Path, *args: str, expect: int = 0) -> str:
    """Run `bpmn-runtime --db DB ARGS` as a person would, with no terminal on stdin."""
    result = subprocess.run([cli_path(), "--db", str(db), *args], cwd=cwd, capture_output=True, text=True,
                            timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == expect, f"{args}: exit {result.returncode}\n{result.stdout}{result.stderr}"
    return result.stdout + result.stderr


class Server:
    """`bpmn-runtime serve` running in a subprocess on a free port, its output in a file."""

    def __init__(self, cwd: Path, db: Path, log: Path, environment: dict[str, str]) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                [cli_path(), "--db", str(db), "serve", "--port", str(port)], cwd=cwd, stdout=output,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env={**os.environ, "PYTHONUNBUFFERED": "1", **environment})
        self._wait_until_it_answers()

    def _wait_until_it_answers(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while True:
            assert self.process.poll() is None, f"serve stopped:\n{self.output()}"
            try:
                with urllib.request.urlopen(f"{self.url}/login", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
            assert time.monotonic() < deadline, f"serve did not answer in time:\n{self.output()}"
            time.sleep(0.2)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8")

    def stop(self) -> int:
        """SIGTERM, as a service manager stops it; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)
