"""Key rotation without downtime: `rotate-key` seals every stored value again with the new key while a worker
keeps running instances on the same database; afterwards the old key can go."""
from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from bpmn_runtime.handlers import HandlerRegistry
from bpmn_runtime.runtime import Runtime
from bpmn_runtime.runtime.rotation import rotate
from bpmn_runtime.store.encryption import KEY_ENV, OLD_KEYS_ENV, Encryption, EncryptionError, new_key, parse_key
from bpmn_runtime.worker import Worker
from tests.conftest import PROCESSES, cli_path
from tests.encryption.test_at_rest import CARDS

SEALED_COLUMNS = ("SELECT state FROM instances", "SELECT data FROM history WHERE data IS NOT NULL",
                  "SELECT detail FROM audit_log WHERE detail IS NOT NULL")


def sealed_values(runtime: Runtime) -> list[str]:
    with runtime.database.engine.connect() as connection:
        return [value for query in SEALED_COLUMNS for value in connection.execute(text(query)).scalars()]


def order(runtime: Runtime, number: int) -> int:
    return runtime.start("order-fulfilment", {"amount": 100, "card_number": f"4242-{number}"},
                         business_key=f"order-{number}")


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_rotating_the_key_while_a_worker_runs(database: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = f"sqlite:///{tmp_path / 'engine.db'}" if database == "sqlite" else request.getfixturevalue("postgres_url")
    old, new = parse_key(new_key()), parse_key(new_key())
    before = Runtime(url, encryption=Encryption(old))
    before.deploy(PROCESSES / "order_fulfilment.bpmn")
    before.deploy(CARDS)
    waiting = [before.start("card-payment", {"card_number": f"5555-{n}"}) for n in range(20)]  # no worker moves these
    started = [order(before, number) for number in range(40)]
    before.close()

    runtime = Runtime(url, encryption=Encryption(new, (old,)))  # every node: the new key seals, the old one opens
    registry = HandlerRegistry()
    registry.load(PROCESSES / "order_fulfilment.py")
    worker = Worker(runtime, registry, batch=3)
    thread = threading.Thread(target=worker.run_forever, kwargs={"poll_seconds": 0.02})
    thread.start()
    try:
        started += [order(runtime, number) for number in range(40, 50)]
        done = rotate(runtime, batch=7)
        started += [order(runtime, number) for number in range(50, 55)]
        deadline = time.monotonic() + 120
        while runtime.queries.instances(status="completed", limit=1)[1] < len(started):
            assert time.monotonic() < deadline, "the worker did not finish the orders"
            time.sleep(0.1)
    finally:
        worker.stopping.set()
        thread.join(timeout=60)
    assert done.left == 0 and done.resealed["instances"] >= len(waiting) and done.resealed["audit_log"] >= 60
    runtime.close()

    after = Runtime(url, encryption=Encryption(new))  # the old key is gone
    assert all(value.startswith(f"enc:v1:{after.database.encryption.current_id}:") for value in sealed_values(after))
    assert {after.queries.instance(i).variables["card_number"] for i in started} == \
        {f"4242-{n}" for n in range(55)}
    assert all(after.queries.instance(i).summary.status == "completed" for i in started)
    assert [after.queries.instance(i).variables["card_number"] for i in waiting] == [f"5555-{n}" for n in range(20)]
    rotations, _ = after.queries.audit(action="encryption.rotate")
    assert rotations[0].detail == {"key": done.key_id, **done.resealed, "left": 0}
    after.close()


def test_rotate_key_needs_a_current_key(tmp_path: Path) -> None:
    runtime = Runtime(f"sqlite:///{tmp_path / 'engine.db'}", encryption=Encryption())
    with pytest.raises(EncryptionError, match="none is set"):
        rotate(runtime)
    runtime.close()


def test_new_key_and_rotate_key_from_the_command_line(tmp_path: Path) -> None:
    db = tmp_path / "engine.db"
    environment = {name: value for name, value in os.environ.items() if not name.startswith("BPMN_RUNTIME_")}

    def cli(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([cli_path(), "--db", str(db), *args], capture_output=True, text=True, timeout=120,
                              env={**environment, **extra}, stdin=subprocess.DEVNULL)

    made = cli("new-key")
    first = made.stdout.strip()
    assert made.returncode == 0 and len(first) == 43 and "key id" in made.stderr
    second = cli("new-key").stdout.strip()
    assert cli("deploy", str(PROCESSES / "order_fulfilment.bpmn"), **{KEY_ENV: first}).returncode == 0
    assert cli("start", "order-fulfilment", "--var", "amount=10", **{KEY_ENV: first}).returncode == 0
    refused = cli("instances")
    assert refused.returncode == 1 and "this database stores values encrypted" in refused.stderr
    rotated = cli("rotate-key", **{KEY_ENV: second, OLD_KEYS_ENV: first})
    assert rotated.returncode == 0 and "1 instances" in rotated.stdout, rotated.stderr
    shown = cli("instance", "1", "--json", **{KEY_ENV: second})
    assert shown.returncode == 0 and '"amount": 10' in shown.stdout
