"""Smoke tests of the stage-2 benchmark scripts: each `--quick` run ends well and prints every scenario row
and a targets block. No timing is asserted: the figures belong in the README, not in a test."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def quick(script: str, *arguments: str) -> str:
    result = subprocess.run([sys.executable, str(HERE / script), "--quick", *arguments], capture_output=True,
                            text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("machine:") and "load average at start:" in result.stdout, result.stdout
    assert "\ntargets:\n" in result.stdout, result.stdout
    return result.stdout


def rows_starting(output: str, *prefixes: str) -> None:
    lines = output.splitlines()
    for prefix in prefixes:
        assert any(line.startswith(prefix) for line in lines), f"no row starting '{prefix}' in:\n{output}"


@pytest.mark.postgres
def test_jobs_quick_prints_each_mode_and_database() -> None:
    output = quick("jobs.py")
    rows_starting(output, "job-based    SQLite      1", "job-based    PostgreSQL  1", "job-based    PostgreSQL  2",
                  "synchronous  SQLite      1", "synchronous  PostgreSQL  1")
    assert "not implemented" not in output
    for database in ("SQLite", "PostgreSQL"):
        assert f"jobs: synchronous mode on {database}, at least" in output


@pytest.mark.postgres
def test_api_quick_prints_starts_and_completions_on_both_databases() -> None:
    output = quick("api.py")
    for database in ("SQLite", "PostgreSQL"):
        rows_starting(output, f"{database:<10}  starts: POST /api/v1/instances",
                      f"{database:<10}  completions: POST /api/v1/tasks/ID/complete")
        assert f"API on {database}: at least 500 starts/s" in output


def test_multi_instance_quick_prints_each_size() -> None:
    output = quick("multi_instance.py")
    rows_starting(output, "SQLite    10 ", "SQLite    100 ", "SQLite    300 ")
    assert "multi-instance on SQLite: a step at N=300" in output


@pytest.mark.postgres
def test_scale_quick_prints_each_question_on_both_databases() -> None:
    output = quick("scale.py")
    for database in ("PostgreSQL", "SQLite"):
        rows_starting(output, f"{database:<10}  inbox first page", f"{database:<10}  instance list",
                      f"{database:<10}  search by business key", f"{database:<10}  search by status=completed",
                      f"{database:<10}  straight-through starts/s")
    assert "start throughput with 2,000 ended instances within 10%" in output


def test_startup_quick_prints_the_help_time_and_the_imports() -> None:
    output = quick("startup.py")
    rows_starting(output, "bpmn-runtime --help", "bpmn_runtime.cli")
    assert "bpmn-runtime --help in under 0.3 s" in output



def test_hotspots_quick_prints_inclusive_and_self_shares() -> None:
    output = subprocess.run([sys.executable, str(HERE / "hotspots.py"), "--quick", "straight"], capture_output=True,
                            text=True, timeout=300, check=False)
    assert output.returncode == 0, output.stderr
    assert "busy samples:" in output.stdout and "Runtime.start (bpmn_runtime/runtime/runtime.py)" in output.stdout
    assert "self (where the samples stop):" in output.stdout
