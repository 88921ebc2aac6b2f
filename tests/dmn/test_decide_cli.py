"""DMN from the command line: `bpmn-runtime deploy` and `decide`."""
from __future__ import annotations

import json
from pathlib import Path

from tests.dmn.models import decision, input_data, model, requires, table
from tests.dmn.test_business_rule_tasks import DISHES, camunda7
from tests.web.conftest import run_cli

SCORE = model(input_data("score", "number") + decision("grade", table(["score"], ["grade"], [
    ([">= 90"], ['"A"']), (["[50..90)"], ['"B"']), (["< 50"], ['"C"'])]), name="Grade", needs=requires("score")))


def test_deploy_and_decide_from_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "grade.dmn").write_bytes(SCORE)
    db = tmp_path / "cli.db"
    assert "deployed: grade version 1 from grade.dmn" in run_cli(tmp_path, db, "deploy", "grade.dmn")
    shown = run_cli(tmp_path, db, "decide", "grade", "--var", "score=95")
    assert shown.splitlines() == ['Grade (grade) version 1: "A"', "  matched: Grade: rule 1 (rule1)"]
    answer = json.loads(run_cli(tmp_path, db, "decide", "grade", "--var", "score=\"high\"", "--json"))
    assert answer["result"] is None and answer["matched"][0]["rules"] == []
    assert answer["notes"] == ['the input data \'score\' is string "high", which is not of the type number: it becomes '
                               "null"]
    assert "there is no deployed decision 'grades'; deployed decisions: grade" in run_cli(
        tmp_path, db, "decide", "grades", expect=1)


def test_the_instance_command_shows_the_rules_a_decision_matched(tmp_path: Path) -> None:
    (tmp_path / "dishes.dmn").write_bytes(DISHES)
    (tmp_path / "p.bpmn").write_bytes(camunda7("resultList"))
    db = tmp_path / "cli.db"
    run_cli(tmp_path, db, "deploy", "dishes.dmn", "p.bpmn")
    started = run_cli(tmp_path, db, "start", "p", "--var", "season=Fall", "--var", "guests=2")
    instance_id = started.split()[2]
    shown = run_cli(tmp_path, db, "instance", instance_id)
    assert ("decision_evaluated   rule  decision 'Dish' v1: [{\"dish\": \"Spareribs\", \"drink\": \"Beer\"}]  "
            "(Dish: rule 1 (rule1))") in shown
