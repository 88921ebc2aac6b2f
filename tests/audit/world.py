"""The installation the audit and permission tests act on: a SQLite file with the card processes and the order
example deployed, accounts of each role, and helpers to act as each of them through the console, the inbox,
the API and the command line."""
from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bpmn_runtime.accounts import Accounts
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.web import create_app
from tests.conftest import PROCESSES, cli_path
from tests.web.conftest import PASSWORD, Person, log_in

CARDS = Path(__file__).parent / "processes" / "cards.bpmn"
# name, role, groups
PEOPLE = (("ada", "admin", ()), ("olga", "operator", ()), ("otto", "operator", ("auditors",)),
          ("cleo", "user", ("clerks",)), ("sam", "user", ("sales",)), ("rita", "user", ()))


@dataclass
class World:
    runtime: Runtime
    app: Flask
    db: Path

    def person(self, name: str) -> Person:
        """`name` logged in through the login form."""
        return log_in(self.app, name)

    def token(self, name: str, topics: tuple[str, ...] | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {Accounts(self.runtime.database).new_token(name, topics=topics)}"}

    def api(self) -> FlaskClient:
        return self.app.test_client()

    def cli(self, *args: str, expect: int = 0) -> str:
        result = subprocess.run([cli_path(), "--db", str(self.db), *args], capture_output=True, text=True,
                                timeout=120, stdin=subprocess.DEVNULL)
        assert result.returncode == expect, f"{args}: exit {result.returncode}\n{result.stdout}{result.stderr}"
        return result.stdout + result.stderr

    def card_payment(self, **variables: Any) -> int:
        return self.runtime.start("card-payment", variables or {"amount": 10})


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    db = tmp_path / "engine.db"
    runtime = Runtime(f"sqlite:///{db}")
    runtime.deploy(CARDS)
    runtime.deploy(PROCESSES / "order_fulfilment.bpmn")
    accounts = Accounts(runtime.database)
    for name, role, groups in PEOPLE:
        accounts.add(name, PASSWORD, role=role, groups=groups)
    yield World(runtime, create_app(runtime, testing=True), db)
    runtime.close()
