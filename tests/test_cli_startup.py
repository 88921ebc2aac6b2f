"""`bpmn-runtime --help` and a mistyped command answer at once: the CLI imports the runtime, Flask and
Prometheus only inside the commands that use them."""
from __future__ import annotations

import subprocess
import sys

from tests.conftest import cli_path

HEAVY = ("flask", "sqlalchemy", "prometheus_client", "lxml", "alembic", "waitress", "SpiffWorkflow",
         "bpmn_runtime.runtime", "bpmn_runtime.parser", "bpmn_runtime.web")


def test_the_cli_imports_nothing_heavy_until_a_command_needs_it() -> None:
    probe = ("import sys, bpmn_runtime.cli; "
             f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_help_still_lists_every_command() -> None:
    shown = subprocess.run([cli_path(), "--help"], capture_output=True, text=True, check=True).stdout
    for command in ("deploy", "start", "instances", "tasks", "complete", "worker", "serve", "user", "watchdog"):
        assert f"  {command} " in shown, command
    users = subprocess.run([cli_path(), "user", "--help"], capture_output=True, text=True, check=True).stdout
    assert all(f"  {c} " in users for c in ("add", "disable", "enable", "remove", "list", "password", "token"))



def test_watchdog_runs_from_the_command_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The command imports its module only when it runs: run it in a fresh process, on a fresh database."""
    database = tmp_path / "watched.db"
    result = subprocess.run([cli_path(), "--db", str(database), "watchdog", "--json"], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith(("{", "["))
