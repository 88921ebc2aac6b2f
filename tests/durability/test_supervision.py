"""`worker --concurrency N` supervises its worker processes: a dead one is replaced and logged, one that
keeps dying makes the parent exit non-zero, and the children die with the parent."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

from tests.conftest import cli_path

HANDLERS = Path(__file__).with_name("supervised_handlers.py")
REPOSITORY = Path(__file__).resolve().parents[2]


def _start(db: str, tmp_path: Path, *extra: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes],
                                                                                                Path]:
    log = tmp_path / "parent.log"
    process = subprocess.Popen([cli_path(), "--db", db, "worker", "--handlers", str(HANDLERS), *extra],
                               cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPOSITORY), **(env or {})},
                               stdout=log.open("w"), stderr=subprocess.STDOUT)
    return process, log


def _children(log: Path, count: int, timeout: float = 40) -> list[int]:
    """The pids of the first `count` worker processes the parent says it started."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = [int(p) for p in re.findall(r"worker process \d+ started \(pid (\d+)\)", log.read_text())]
        if len(pids) >= count:
            return pids
        time.sleep(0.1)
    raise AssertionError(f"fewer than {count} worker processes started:\n{log.read_text()}")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _gone(pids: list[int], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(_alive(pid) for pid in pids):
            return True
        time.sleep(0.1)
    return False


def test_a_killed_worker_process_is_replaced_and_sigterm_stops_all(sqlite_url: str, tmp_path: Path) -> None:
    parent, log = _start(sqlite_url, tmp_path, "--concurrency", "2")
    try:
        first, second = _children(log, 2)
        os.kill(first, signal.SIGKILL)
        third = _children(log, 3)[2]
        assert re.search(rf"worker process \d \(pid {first}\) was killed by SIGKILL after [\d.]+ s; "
                         rf"starting a new one in [\d.]+ s", log.read_text())
        assert _alive(third) and _alive(second)
        parent.send_signal(signal.SIGTERM)
        assert parent.wait(timeout=20) == 0
    finally:
        if parent.poll() is None:
            parent.kill()
    assert _gone([second, third], 5)
    assert log.read_text().rstrip().endswith("stopped")


def test_the_children_die_with_their_parent(sqlite_url: str, tmp_path: Path) -> None:
    parent, log = _start(sqlite_url, tmp_path, "--concurrency", "2")
    children = _children(log, 2)
    time.sleep(1.0)  # the children are past their start
    parent.send_signal(signal.SIGKILL)
    parent.wait(timeout=5)
    assert _gone(children, 30), "orphaned worker processes keep running"  # a graceful stop, slow under load


def test_a_worker_process_that_keeps_dying_makes_the_parent_exit_non_zero(sqlite_url: str, tmp_path: Path) -> None:
    parent, log = _start(sqlite_url, tmp_path, "--concurrency", "2", "--restart-limit", "2",
                         env={"DIE_IN_CHILD": "1"})
    try:
        assert parent.wait(timeout=60) == 3  # far less on an idle machine; others' tests may share it
    finally:
        if parent.poll() is None:
            parent.kill()
    text = log.read_text()
    assert "exited with code 7" in text and "giving up" in text
    assert "a worker process kept dying" in text
