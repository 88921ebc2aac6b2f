"""The DMN TCK folders in tests/data/dmn-tck through `dmn_tck.py`: the pass count may only rise, and every
case of compliance level 2 passes.

The floor is recorded in `dmn_tck_floor.txt`; raise it when the engine passes more cases.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

HERE = Path(__file__).resolve().parent
TCK = HERE.parent / "data" / "dmn-tck"


def _runner() -> ModuleType:
    """`dmn_tck.py` is a script beside this test; load it as a module."""
    spec = importlib.util.spec_from_file_location("dmn_tck_runner", HERE / "dmn_tck.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_the_dmn_tck_passes_the_floor_and_all_of_compliance_level_2() -> None:
    runner = _runner()
    assert (TCK / "compliance-level-2").is_dir(), f"the TCK is missing: expected {TCK}"
    outcomes = runner.run(TCK)
    floor = int((HERE / "dmn_tck_floor.txt").read_text().strip())
    passed = sum(outcome.passed for outcome in outcomes)
    failed = [f"{outcome.name}: {outcome.detail}" for outcome in outcomes if not outcome.passed]
    assert passed >= floor, f"{passed} TCK cases passed, fewer than the floor {floor}:\n" + "\n".join(failed)
    level_2 = [outcome for outcome in outcomes if outcome.level == "compliance-level-2"]
    assert len(level_2) > 90
    assert all(outcome.passed for outcome in level_2), [o.name for o in level_2 if not o.passed]


def test_the_runner_prints_one_line_per_case_and_the_totals(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    runner = _runner()
    folder = tmp_path / "compliance-level-2" / "0004-simpletable-U"
    folder.mkdir(parents=True)
    source = TCK / "compliance-level-2" / "0004-simpletable-U"
    for path in source.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    test_file = folder / "0004-simpletable-U-test-01.xml"
    test_file.write_text(test_file.read_text().replace(">Declined</value>", ">Approved</value>", 1))
    runner.main([str(tmp_path)])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "PASS 0004-simpletable-U/001"
    assert lines[1].startswith('FAIL 0004-simpletable-U/002: Approval Status: expected "Approved" got "Declined"')
    assert lines[-1] == f"{len(lines) - 2} passed, 1 failed"
