"""The command line goes through the task rules: a repeated `complete 5` says what became of task 5 and
never completes another instance's task; `assign` and `release` follow the model."""
from __future__ import annotations

from pathlib import Path

from tests.foundation.test_order_example import run_cli
from tests.integrity.task_models import APPROVAL_FORM, task_process


def test_repeating_complete_answers_what_became_of_the_task(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    (tmp_path / "approve.bpmn").write_bytes(task_process(form=APPROVAL_FORM, assignee="mia"))
    run_cli(tmp_path, db, "deploy", "approve.bpmn")
    run_cli(tmp_path, db, "start", "approve", "--var", "amount=5")
    out = run_cli(tmp_path, db, "complete", "1", "--var", "approved=true", "--var", "limit=9", expect=1)
    assert "error: limit: is not a field of this form" in out
    out = run_cli(tmp_path, db, "assign", "1", "bob")
    assert out == "task 1 (Approve) is assigned to bob\n"
    assert run_cli(tmp_path, db, "release", "1") == "task 1 is back with mia\n"
    run_cli(tmp_path, db, "complete", "1", "--var", "approved=true")
    run_cli(tmp_path, db, "start", "approve", "--var", "amount=6")
    out = run_cli(tmp_path, db, "complete", "1", "--var", "approved=false", expect=1)
    assert "error: task 1 ('Approve') was completed at " in out and "by the command line; nothing was changed" in out
    assert "Approve" in run_cli(tmp_path, db, "tasks"), "the second instance's task is still open"
