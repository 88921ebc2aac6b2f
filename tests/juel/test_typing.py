"""The package stays clean under `mypy --strict`, as the pyproject configures it."""
from __future__ import annotations

from pathlib import Path

from mypy import api

ROOT = Path(__file__).resolve().parents[2]


def test_the_juel_package_passes_mypy_strict(tmp_path: Path) -> None:
    report, errors, status = api.run(["--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(tmp_path),
                                      str(ROOT / "bpmn_runtime" / "juel")])
    assert status == 0, report + errors
