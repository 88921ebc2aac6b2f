"""Smoke test of the benchmark script: `bench.py --quick` runs to the end and reports all four scenarios.

No timing is asserted: CI machines vary, and the figures belong in the README's Performance section (and
docs/performance-history.md), not in a test.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).with_name("bench.py")
SCENARIO_ROWS = ("1 straight-through", "2 long history", "3 human workflow", "4 parse B.2.0")


def test_quick_benchmark_runs_and_reports_every_scenario() -> None:
    result = subprocess.run([sys.executable, str(BENCH), "--quick"], capture_output=True, text=True, timeout=300,
                            check=False)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for row in SCENARIO_ROWS:
        assert any(line.startswith(row) for line in lines), f"no '{row}' row in:\n{result.stdout}"
    assert "machine:" in result.stdout and "targets:" in result.stdout
    assert "1 (stage 2): at least 10 times SpiffWorkflow in the same run" in result.stdout


def test_quick_dmn_benchmark_runs_and_reports_the_target() -> None:
    result = subprocess.run([sys.executable, str(BENCH.with_name("dmn_bench.py")), "--quick"], capture_output=True,
                            text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert "(result: offer 74)" in result.stdout and "target: under 1 ms:" in result.stdout


@pytest.mark.browser
def test_modeler_benchmark_opens_the_diagram_and_checks_it_without_problems() -> None:
    """modeler.py asserts that every check of its 300-element diagram answered 200 with no problems; a check
    that failed (a renamed page attribute, a refused decision call) would otherwise be timed as a fast one."""
    result = subprocess.run([sys.executable, str(BENCH.with_name("modeler.py"))], capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert "open in the modeler:" in result.stdout and "check round trip:" in result.stdout
