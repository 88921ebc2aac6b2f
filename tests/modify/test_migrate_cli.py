"""`bpmn-runtime migrate` through click's CliRunner on a real SQLite file: a dry run per instance, a refusal
that migrates nothing (exit 1), and a migration in batches with its progress."""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bpmn_runtime.cli import main
from bpmn_runtime.runtime import Runtime

HERE = Path(__file__).parent


def _instances(db: str, count: int) -> list[int]:
    runtime = Runtime(db)
    runtime.deploy(HERE / "change.bpmn")
    ids = [runtime.start("changeable") for _ in range(count)]
    runtime.deploy(HERE / "change_v2.bpmn")
    runtime.close()
    return ids


def _versions(db: str, ids: list[int]) -> list[int]:
    runtime = Runtime(db)
    try:
        return [runtime.queries.instance(i).summary.version for i in ids]
    finally:
        runtime.close()


def test_dry_run_refusal_and_batches(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.db")
    ids = _instances(db, 3)
    args = ["--db", db, "migrate", *map(str, ids), "--to-version", "2"]
    refused = CliRunner().invoke(main, args)
    assert refused.exit_code == 1
    assert refused.output.splitlines()[:2] == [
        f"instance {ids[0]} (changeable version 1 to 2) cannot be migrated:",
        "  'Review' (Review) has no counterpart in version 2; map it to an element of version 2 (--map Review=NEW_ID)"]
    assert refused.output.splitlines()[-1] == "nothing was migrated"
    dry = CliRunner().invoke(main, [*args, "--map", "Review=ReviewOrder", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"instance {ids[2]} (changeable version 1 to 2) can be migrated:\n" \
           f"  'Review' (Review) to 'Review order' (ReviewOrder)\n" in dry.output
    assert dry.output.splitlines()[-1] == "dry run: nothing was changed"
    assert _versions(db, ids) == [1, 1, 1]
    done = CliRunner().invoke(main, [*args, "--map", "Review=ReviewOrder", "--batch", "2"])
    assert done.exit_code == 0, done.output
    assert done.output.splitlines() == ["migrated 2 of 3", "migrated 3 of 3", "3 instance(s) migrated to version 2"]
    assert _versions(db, ids) == [2, 2, 2]
    again = CliRunner().invoke(main, [*args[:4], "--to-version", "2", "--json"])
    assert json.loads(again.output)["instances"][0]["moves"] == ["nothing: it runs version 2 already"]
    bad = CliRunner().invoke(main, [*args, "--map", "Review"])
    assert bad.exit_code == 1 and "write each mapping as OLD_ID=NEW_ID, not 'Review'" in bad.output
    missing = CliRunner().invoke(main, [*args[:4], "--to-version", "9"])
    assert missing.exit_code == 1 and "there is no deployed process 'changeable' version 9" in missing.output
