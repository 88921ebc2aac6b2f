"""`bpmn-runtime modify` through click's CliRunner on a real SQLite file: it moves tokens, says what it did
and where the instance waits, and refuses with the runtime's message (exit 1) changing nothing."""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bpmn_runtime.cli import main
from bpmn_runtime.runtime import Runtime

MODEL = Path(__file__).parent / "change.bpmn"


def _started(db: str) -> int:
    runtime = Runtime(db)
    runtime.deploy(MODEL)
    instance_id = runtime.start("changeable")
    runtime.close()
    return instance_id


def test_modify_moves_a_token_with_a_variable_and_says_where_it_waits(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.db")
    instance_id = _started(db)
    result = CliRunner().invoke(main, ["--db", db, "modify", str(instance_id), "--start-after", "Approve",
                                       "--cancel", "Review", "--var", "amount=5"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == f"instance {instance_id}: set amount"
    assert f"instance {instance_id}: started after 'Approve' (Approve)" in result.output
    assert result.output.splitlines()[-1] == f"instance {instance_id} is active, waiting at Ship"
    runtime = Runtime(db)
    assert runtime.queries.instance(instance_id).variables == {"amount": 5, "total": 10}
    [entry] = runtime.queries.audit(instance_id=instance_id, action="modify")[0]
    assert entry.actor == "the command line" and entry.via.startswith("command line (OS user ")
    runtime.close()
    result = CliRunner().invoke(main, ["--db", db, "modify", str(instance_id), "--cancel", "Ship", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["status"] == "cancelled"


def test_one_activity_instance_is_cancelled_by_the_id_instance_shows(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.db")
    instance_id = _started(db)
    moved = CliRunner().invoke(main, ["--db", db, "modify", str(instance_id), "--start-before", "Check"])
    assert moved.exit_code == 0, moved.output
    shown = CliRunner().invoke(main, ["--db", db, "instance", str(instance_id)])
    waiting = [line for line in shown.output.splitlines() if line.startswith("  Inspect (Inspect, activity instance ")]
    assert len(waiting) == 1, shown.output
    inspect = waiting[0].split("activity instance ")[1].split(")")[0]
    result = CliRunner().invoke(main, ["--db", db, "modify", str(instance_id), "--cancel-activity-instance", inspect])
    assert result.exit_code == 0, result.output
    assert f"instance {instance_id}: cancelled 'Inspect' (Inspect) (activity instance {inspect})" in result.output
    assert result.output.splitlines()[-1] == f"instance {instance_id} is active, waiting at Review"


def test_modify_refuses_plainly_and_changes_nothing(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.db")
    instance_id = _started(db)
    result = CliRunner().invoke(main, ["--db", db, "modify", str(instance_id), "--cancel", "Review",
                                       "--start-before", "Inspect"])
    assert result.exit_code == 1
    assert "error: 'Inspect' (Inspect) is inside 'Check' (Check), which has no running instance" in result.output
    result = CliRunner().invoke(main, ["--db", db, "modify", str(instance_id)])
    assert result.exit_code == 2 and "give at least one --cancel" in result.output
    result = CliRunner().invoke(main, ["--db", db, "modify", "999", "--cancel", "Review"])
    assert result.exit_code == 1 and "there is no process instance 999" in result.output
    runtime = Runtime(db)
    assert [t.element_id for t in runtime.queries.instance(instance_id).tokens] == ["Review"]
    runtime.close()


def test_local_variables_go_to_the_scope_of_the_token_started_at_their_element(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.db")
    instance_id = _started(db)
    result = CliRunner().invoke(main, ["--db", db, "modify", str(instance_id), "--cancel", "Review",
                                       "--start-after", "Approve", "--local-var", "Approve:amount=6",
                                       "--var", "note=moved"])
    assert result.exit_code == 0, result.output
    assert f"instance {instance_id}: started after 'Approve' (Approve) with amount set in its scope" in result.output
    runtime = Runtime(db)
    assert runtime.queries.instance(instance_id).variables == {"note": "moved", "total": 12}, \
        "Compute read its local amount; only its result and --var reached the process"
    runtime.close()
    for bad in ("Ship:amount=1", "amount=1", ":amount=1"):
        refused = CliRunner().invoke(main, ["--db", db, "modify", str(instance_id), "--start-before", "Review",
                                            "--local-var", bad])
        assert refused.exit_code == 2 and "--local-var" in refused.output and "ELEMENT:NAME=VALUE" in refused.output
