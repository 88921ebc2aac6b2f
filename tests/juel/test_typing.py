"""The package stays clean under `mypy --strict`, as the pyproject configures it."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_juel_package_passes_mypy_strict(tmp_path: Path) -> None:
    # A process of its own: mypy raises the interpreter's recursion limit and would leave it raised here.
    checked = subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
                              "--cache-dir", str(tmp_path), str(ROOT / "bpmn_runtime" / "juel")],
                             capture_output=True, text=True, timeout=300)
    assert checked.returncode == 0, checked.stdout + checked.stderr
