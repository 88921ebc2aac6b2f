"""`bpmn-runtime serve` and `bpmn-runtime user` as a newcomer and an operator use them: the first start
deploys ./processes and makes an administrator, a restart deploys nothing twice, accounts and API tokens
are made on the command line, and SIGTERM stops everything cleanly."""
from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.web.conftest import Server, run_cli


def _api(server: Server, path: str, token: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(f"{server.url}/api/v1{path}", method="POST" if body is not None else "GET",
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def test_first_start_then_restart(example_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "serve.db"
    first = Server(example_dir, db, tmp_path / "first.log", {"BPMN_RUNTIME_ADMIN_PASSWORD": ""})
    assert first.stop() == 0
    output = first.output()
    assert "deployed: order-fulfilment version 1 from processes/order_fulfilment.bpmn" in output
    assert "deployed: order-saga version 1 from processes/order_saga.bpmn" in output
    password = re.search(r"created administrator 'admin' with password (\S+) \(shown only this once\)", output)
    assert password, output
    assert f"log in at http://localhost:{first.url.rsplit(':', 1)[1]}/ as admin" in output
    assert "worker for: charge-payment," in output and output.rstrip().endswith("stopped")

    second = Server(example_dir, db, tmp_path / "second.log", {})
    try:
        output = second.output()
        assert "unchanged: order-fulfilment version 1" in output and "deployed:" not in output
        assert "created administrator" not in output
        added = run_cli(example_dir, db, "user", "add", "bob", "--group", "managers", "--group", "sales",
                        "--role", "operator")
        generated = re.search(r"password: (\S+)", added)
        assert "added operator bob in group(s) managers, sales" in added and generated
        assert run_cli(example_dir, db, "user", "add", "bob", "--password", "long-enough-1", expect=1) == \
            "error: there is already a user named 'bob'\n"
        assert "too short" in run_cli(example_dir, db, "user", "add", "eve", "--password", "short", expect=1)
        listed = json.loads(run_cli(example_dir, db, "user", "list", "--json"))
        assert listed == [{"name": "admin", "role": "admin", "groups": [], "active": True},
                          {"name": "bob", "role": "operator", "groups": ["managers", "sales"], "active": True}]

        token = run_cli(example_dir, db, "user", "token", "bob").strip()
        status, started = _api(second, "/instances", token, {"processKey": "order-fulfilment",
                                                             "variables": {"amount": 3000}})
        assert status == 201
        assert _api(second, "/tasks", "bpr_not-a-token")[0] == 401
        newer = run_cli(example_dir, db, "user", "token", "bob").strip()
        assert _api(second, "/tasks", token)[0] == 401, "a new token replaces the old one"
        for _ in range(100):  # the worker thread checks the stock, then the order waits for a manager
            tasks = _api(second, "/tasks", newer)[1]["tasks"]
            if tasks:
                break
            time.sleep(0.1)
        assert tasks[0]["instanceId"] == started["id"] and tasks[0]["name"] == "Approve order"
        run_cli(example_dir, db, "user", "password", "bob", "--password", "another-secret-2")
    finally:
        assert second.stop() == 0


def test_a_restart_keeps_a_version_uploaded_since(example_dir: Path, tmp_path: Path) -> None:
    """The file in ./processes equal to version 1 is not deployed again over the console's version 2."""
    from bpmn_runtime.runtime import Runtime
    from bpmn_runtime.web.serve import deploy_folder

    runtime = Runtime(f"sqlite:///{tmp_path / 'kept.db'}")
    said: list[str] = []
    folder = example_dir / "processes"
    deploy_folder(runtime, folder, said.append)
    original = (folder / "order_fulfilment.bpmn").read_bytes()
    changed = original.replace(b'name="Approve order"', b'name="Approve the order"')
    assert changed != original
    assert runtime.deploy(changed, file_name="uploaded.bpmn")[0].version == 2
    said.clear()
    deploy_folder(runtime, folder, said.append)
    assert "kept: order-fulfilment version 2 stays the newest; " \
           f"{folder / 'order_fulfilment.bpmn'} is the same as version 1, so it was not deployed again" in said
    assert f"unchanged: order-saga version 1 from {folder / 'order_saga.bpmn'}" in said
    assert [d["version"] for d in runtime.queries.definitions() if d["key"] == "order-fulfilment"] == [2, 1]
    (folder / "order_fulfilment.bpmn").write_bytes(changed.replace(b"Approve the order", b"Approve it"))
    said.clear()
    deploy_folder(runtime, folder, said.append)
    assert f"deployed: order-fulfilment version 3 from {folder / 'order_fulfilment.bpmn'}" in said
    runtime.close()
