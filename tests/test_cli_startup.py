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


def test_help_leaves_logging_and_the_engine_modules_alone() -> None:
    """What `main`'s own options need is all `--help` imports: logging, the error classes and the handler
    loader wait for a command that runs."""
    lighter = ("logging", "bpmn_runtime.logs", "bpmn_runtime.errors", "bpmn_runtime.handlers", "getpass")
    probe = ("import sys; sys.argv = ['bpmn-runtime', '--help']; from bpmn_runtime.cli import main\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             f"print(sorted(m for m in {lighter!r} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_the_log_formats_offered_are_the_ones_logs_knows() -> None:
    from bpmn_runtime import cli, logs
    assert cli.LOG_FORMATS == logs.FORMATS


def test_every_command_answers_help() -> None:
    import click
    from click.testing import CliRunner

    from bpmn_runtime.cli import main

    def paths(group: click.Group, prefix: list[str]) -> list[list[str]]:
        found = [prefix]
        for name, command in group.commands.items():
            found += paths(command, prefix + [name]) if isinstance(command, click.Group) else [prefix + [name]]
        return found
    every = paths(main, [])
    assert len(every) > 30
    for path in every:
        result = CliRunner().invoke(main, [*path, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output, (path, result.output)


def test_the_package_names_load_when_asked_for() -> None:
    import bpmn_runtime
    from bpmn_runtime.errors import NotFound
    from bpmn_runtime.handlers import handler
    assert bpmn_runtime.NotFound is NotFound and bpmn_runtime.handler is handler
    assert all(getattr(bpmn_runtime, name) is not None for name in bpmn_runtime.__all__)
    try:
        getattr(bpmn_runtime, "no_such_name")
    except AttributeError:
        pass
    else:
        raise AssertionError("an unknown name must raise AttributeError")
