"""What every API request reads (its caller's token) is read without SQLite's write lock: a writer holding it
does not make it wait. What a start answers (where the instance waits) comes from the start's own transaction."""
from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Callable

from flask import Flask

from bpmn_runtime.accounts import Account, Accounts
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.store.database import IDLE_PING_SECONDS
from bpmn_runtime.web.api import camel
from tests.web.conftest import PASSWORD, bearer


def _while_a_writer_holds_the_lock(database: Path, read: Callable[[], object]) -> tuple[object, float]:
    """Run `read` in a thread while another connection holds the write lock; what it returned and how long
    it took (the lock is released after 3 s, so a read that queued behind the writer takes 3 s or more)."""
    writer = sqlite3.connect(database, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    answer: list[object] = []
    started = time.monotonic()
    reader = threading.Thread(target=lambda: answer.append(read()))
    reader.start()
    reader.join(timeout=3)
    took = time.monotonic() - started
    writer.execute("ROLLBACK")
    writer.close()
    reader.join()
    return answer[0], took


def test_a_token_is_looked_up_while_a_writer_holds_the_lock(runtime: Runtime, app: Flask, tmp_path: Path) -> None:
    token = Accounts(runtime.database).new_token("olga")
    account, took = _while_a_writer_holds_the_lock(tmp_path / "web.db",
                                                   lambda: Accounts(runtime.database).by_token(token))
    assert isinstance(account, Account) and account.name == "olga"
    assert took < 2.0, f"the lookup waited {took:.1f} s for the writer"


def test_a_start_answers_where_the_instance_waits(runtime: Runtime, app: Flask, tmp_path: Path) -> None:
    client = app.test_client()
    started = client.post("/api/v1/instances", headers=bearer(runtime, "olga"),
                          json={"processKey": "order-fulfilment", "variables": {"amount": 5}})
    assert started.status_code == 201
    body = started.get_json()
    assert body["status"] == "active"
    assert [(t["elementId"], t["waitingFor"]) for t in body["waitingAt"]] == \
        [("Activity_CheckStock", "a worker for topic 'check-stock'")]
    detail = runtime.queries.instance(body["id"])
    assert (body["status"], body["waitingAt"]) == (detail.summary.status, camel(detail.tokens)), \
        "the answer is what the instance's detail says afterwards"


def test_a_repeated_start_answers_where_the_first_one_waits(runtime: Runtime, app: Flask) -> None:
    client = app.test_client()
    first, again = (client.post("/api/v1/instances", headers=bearer(runtime, "olga"),
                                json={"processKey": "order-fulfilment", "variables": {"amount": 5},
                                      "requestKey": "order-7"}) for _ in range(2))
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.get_json()["waitingAt"][0]["elementId"] == "Activity_CheckStock"


def test_on_postgresql_a_token_is_read_on_its_own_even_after_the_pool_sat_idle(postgres_url: str) -> None:
    """The lookup runs in autocommit, on a connection that may come from the pool with the transaction its
    idle ping began; it gives the connection back out of autocommit, and a disabled account or a replaced
    token stops at once."""
    runtime = Runtime(postgres_url)
    accounts = Accounts(runtime.database)
    accounts.add("olga", PASSWORD, role="operator")
    token = accounts.new_token("olga")
    found = accounts.by_token(token)
    assert found is not None and (found.name, found.role, found.active) == ("olga", "operator", True)
    time.sleep(IDLE_PING_SECONDS + 0.2)  # the next checkout pings the connection, which begins a transaction
    assert accounts.by_token(token) == found
    with runtime.database.reading() as connection:
        driver = connection.connection.dbapi_connection
        assert driver is not None and driver.autocommit
    assert not driver.autocommit, "the connection goes back to the pool as the others are"
    accounts.disable("olga")
    assert accounts.by_token(token) is None
    accounts.enable("olga")
    replaced = accounts.new_token("olga")
    again = accounts.by_token(replaced)
    assert accounts.by_token(token) is None and again is not None and again.name == "olga"
    runtime.close()
